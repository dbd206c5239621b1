// Live pricing under load (autocannon on loopback), each figure against a bare node:http server that answers
// a constant JSON body, measured in the same run. "Cached" is 200 lookups asked over and over (the listener answers
// them in front of fastify from their kept text); "new query strings" asks the same lookups each time spelled anew
// (facts cached, answered through fastify). Size: PRICING_BENCH_SECONDS (per load, default 3),
// PRICING_BENCH_ROUNDS (paired baseline/cached rounds, default 3), PRICING_BENCH_CONNECTIONS (default 50),
// PRICING_BENCH_CUSTOMERS (demo size, default 2000).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Benchmark, BenchLine } from './harness.js';
import { demoInit, accountCode, stockCode } from '../../core/demo/demoData.js';

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
interface CannonRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: CannonRequest) => CannonRequest;
}
type Autocannon = (o: { url: string; connections: number; duration: number; requests?: CannonRequest[]; timeout?: number }) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const here = path.dirname(fileURLToPath(import.meta.url));
const seconds = Number(process.env.PRICING_BENCH_SECONDS ?? 3);
const connections = Number(process.env.PRICING_BENCH_CONNECTIONS ?? 50);
const customers = Number(process.env.PRICING_BENCH_CUSTOMERS ?? 2000);
const rounds = Math.max(1, Number(process.env.PRICING_BENCH_ROUNDS ?? 3));

function server(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'pricingServer.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const line = out.split('\n').find((s) => s.startsWith('{'));
      if (line) resolve({ url: (JSON.parse(line) as { url: string }).url, child });
    });
    child.on('exit', (code) => reject(new Error(`bench server exited (${code})`)));
  });
}

async function load(url: string, requests: CannonRequest[] | undefined, duration = seconds): Promise<CannonResult> {
  const r = await autocannon({ url, connections, duration, requests, timeout: 10 });
  if (r.non2xx || r.errors || r.timeouts) throw new Error(`load on ${url} had ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
  return r;
}

export const benchmark: Benchmark = {
  name: 'live pricing listener (autocannon, loopback)',
  async run(log) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrator-pricing-bench-'));
    const children: ChildProcess[] = [];
    try {
      const demo = await demoInit({ dir, customers, seed: 5 });
      const erp = demo.erp;
      const nProducts = demo.summary.products;
      log(`demo ERP: ${demo.summary.debtors} debtors, ${nProducts} products; ${seconds}s per load, ${connections} connections`);

      // 200 distinct (customer, product) lookups, all of which exist, cycled by every connection.
      const lookups: CannonRequest[] = Array.from({ length: 200 }, (_, i) => ({
        path: `/price?product=${stockCode((i * 7) % nProducts + 1)}&customer=${accountCode((i * 13) % customers + 1)}&warehouse=MEL&quantity=${(i % 60) + 1}`,
      }));
      // The same lookups, each asked with a query string never seen before (a new fraction of the quantity): the
      // facts are cached, the answer's text is not, so every request goes through fastify's pipeline.
      let asked = 0;
      const fresh: CannonRequest[] = lookups.map((r) => ({ path: r.path, setupRequest: (req) => ({ ...req, path: `${r.path}.${++asked}` }) }));
      const cart: CannonRequest = {
        method: 'POST',
        path: '/prices',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ customer: accountCode(7), warehouse: 'MEL', lines: Array.from({ length: 50 }, (_, i) => ({ product: stockCode((i * 11) % nProducts + 1), quantity: i + 1 })) }),
      };

      const bare = await server(['bare']);
      const cached = await server(['pricing', erp, '20000']);
      const uncached = await server(['pricing', erp, '0']);
      children.push(bare.child, cached.child, uncached.child);

      // Warm-ups: JIT, connections, and (for the cached one) every lookup in the cache.
      await load(bare.url, lookups, 1);
      await load(cached.url, lookups, 1);
      await load(uncached.url, lookups, 1);

      // Baseline and cached run back to back in each round (order swapped every round), so both see the same
      // machine; the round with the median ratio is reported.
      const pairs: Array<{ b: CannonResult; h: CannonResult }> = [];
      for (let round = 0; round < rounds; round++) {
        if (round % 2 === 0) {
          const b = await load(bare.url, lookups);
          pairs.push({ b, h: await load(cached.url, lookups) });
        } else {
          const h = await load(cached.url, lookups);
          pairs.push({ b: await load(bare.url, lookups), h });
        }
        const last = pairs[pairs.length - 1];
        log(`round ${round + 1}: bare ${Math.round(last.b.requests.average)} req/s p99 ${last.b.latency.p99} ms; cached ${Math.round(last.h.requests.average)} req/s p99 ${last.h.latency.p99} ms`);
      }
      const medianBy = (f: (p: { b: CannonResult; h: CannonResult }) => number) => [...pairs].sort((x, y) => f(x) - f(y))[Math.floor(pairs.length / 2)];
      const byRps = medianBy((p) => p.h.requests.average / p.b.requests.average);
      const byP99 = medianBy((p) => p.b.latency.p99 / Math.max(p.h.latency.p99, 1));
      const b = byRps.b;
      const h = byRps.h;
      const cold = await load(uncached.url, lookups);
      const firsts = await load(cached.url, fresh);
      const carts = await load(cached.url, [cart]);
      for (const [name, r] of [['median round: bare node:http', b], ['median round: cached GET /price', h], ['cached facts, new query strings', firsts], ['uncached GET /price', cold], ['POST /prices (50 lines)', carts]] as const) {
        log(`${name}: ${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms, mean ${r.latency.average.toFixed(2)} ms`);
      }
      const lines: BenchLine[] = [
        { name: 'cached GET /price throughput', value: h.requests.average, baseline: b.requests.average, unit: 'req/s', higherIsBetter: true, target: 0.8 },
        { name: 'cached GET /price p99 latency', value: byP99.h.latency.p99, baseline: byP99.b.latency.p99, unit: 'ms', higherIsBetter: false, target: 0.5, note: 'within 2x of the baseline' },
        { name: 'GET /price with cached facts, each query string new (through fastify)', value: firsts.requests.average, baseline: b.requests.average, unit: 'req/s', higherIsBetter: true, note: `p99 ${firsts.latency.p99} ms` },
        { name: 'uncached GET /price throughput (cache off, every lookup reads the ERP)', value: cold.requests.average, baseline: b.requests.average, unit: 'req/s', higherIsBetter: true, note: `p99 ${cold.latency.p99} ms` },
        { name: 'POST /prices with 50 lines', value: carts.requests.average, baseline: b.requests.average, unit: 'req/s', higherIsBetter: true, note: `${Math.round(carts.requests.average * 50)} lines/s, p99 ${carts.latency.p99} ms` },
      ];
      return lines;
    } finally {
      for (const c of children) c.kill('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
