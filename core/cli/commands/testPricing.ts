// `integrator test-pricing`: asks the running integrator's pricing listener (agreement 8) for one price and
// prints the answer with the time it took, as an admin would check it from the Advanced tab.
import http from 'node:http';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../context.js';
import { number } from '../parse.js';
import { readRuntime } from '../../worker/runtimeFile.js';
import { PriceAnswerSchema } from '../../contracts/adminApi.js';
import { PRICING_ENDPOINT, PRICING_ROUTES, PricingErrorBodySchema } from '../../contracts/pricingApi.js';

interface Opts {
  product: string;
  warehouse: string;
  customer: string;
  quantity: string;
  config?: string;
}

/** node:http rather than fetch: the time printed is the listener's, not a client library's start-up. */
function getJson(url: URL, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: 15_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let body: unknown = null;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: reported by status
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const money = (n: number | null) => (n === null ? 'none' : n.toFixed(2));

export function register(program: Command, ctx: CliContext): void {
  program
    .command('test-pricing')
    .description('ask the running integrator (foreground mode) for a live price and availability')
    .requiredOption('--product <code>', 'ERP stock code')
    .requiredOption('--warehouse <code>', 'ERP warehouse code')
    .requiredOption('--customer <code>', 'ERP account code')
    .requiredOption('--quantity <n>', 'quantity (greater than 0)')
    .option('--config <file>', 'settings file')
    .action(async (o: Opts) => {
      const quantity = number(o.quantity, '--quantity');
      if (quantity <= 0) throw new CliError(`--quantity must be greater than 0 (got "${o.quantity}")`, 2);
      const s = ctx.settings(o.config);
      const runtime = readRuntime(s.dir);
      if (!runtime) throw new CliError(`No integrator is running for ${s.file}; start it with: integrator run --foreground`);
      if (!runtime.foreground) throw new CliError('Test Pricing needs the integrator in foreground mode; restart it with: integrator run --foreground');
      const base = runtime.endpoints?.[PRICING_ENDPOINT];
      if (!base) throw new CliError('The running integrator has no pricing listener; turn on Enable Live Pricing/Availability Listener and restart it');

      const url = new URL(PRICING_ROUTES.price, base);
      for (const [k, v] of Object.entries({ product: o.product, customer: o.customer, warehouse: o.warehouse, quantity: String(quantity) })) url.searchParams.set(k, v);
      const headers: Record<string, string> = { accept: 'application/json' };
      if (typeof s.values.listenerApiKey === 'string' && s.values.listenerApiKey) headers['x-api-key'] = s.values.listenerApiKey;

      const started = performance.now();
      let res: { status: number; body: unknown };
      try {
        res = await getJson(url, headers);
      } catch {
        throw new CliError(`The pricing listener at ${base} did not answer; is the integrator still running?`);
      }
      const tookMs = performance.now() - started;
      if (res.status !== 200) {
        const e = PricingErrorBodySchema.safeParse(res.body);
        throw new CliError(`Test Pricing failed (${res.status}): ${e.success ? e.data.error : 'the listener gave no reason'}`);
      }
      const body = res.body;
      const a = PriceAnswerSchema.parse(body);
      ctx.io.out(`Product ${a.product}, customer ${a.customer}, warehouse ${a.warehouse}, quantity ${a.quantity}`);
      ctx.io.out(`Unit price: ${money(a.unitPrice)}${a.priceSource ? ` (${a.priceSource} price)` : ''}`);
      ctx.io.out(`Available: ${a.available} (on hand ${a.onHand})`);
      ctx.io.out(`Took: ${tookMs.toFixed(1)} ms`);
    });
}
