import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { erpWrite, postJson, priceQuery, request, startListeners, writeFixtureErp, type Listeners } from '../helpers/pricingFixture.js';
import { Rng } from '../../core/demo/rng.js';
import { createLogger } from '../../core/logging/logger.js';
import { PricingService } from '../../core/pricing/pricingService.js';
import { buildPricingListener } from '../../core/pricing/pricingListener.js';
import type { PriceSource } from '../../core/pricing/priceSource.js';

const KEY = 'k3y-Sup3r-Secret-9911';
const dir = tmpDir('integrator-pricing-hard-');
let l: Listeners;

beforeAll(async () => {
  await writeFixtureErp(path.join(dir, 'erp.sqlite'));
  l = await startListeners(dir, { listenerApiKey: KEY, enableVerboseLogging: true }, { pollIntervalMs: 300 });
});
afterAll(async () => l?.close());

const q = { customer: 'C1', product: 'P1', warehouse: 'MEL', quantity: 10 };

describe('live pricing: API key, polling, error handler', () => {
  it('401 without the key or with a wrong one, on both listeners; 200 with it', async () => {
    const none = await request(priceQuery(l.priceUrl, q));
    const wrong = await request(priceQuery(l.priceUrl, q), { headers: { 'x-api-key': 'nope' } });
    const cart = await postJson(`${l.priceUrl}/prices`, { customer: 'C1', warehouse: 'MEL', lines: [{ product: 'P1', quantity: 1 }] });
    const health = await request(`${l.priceUrl}/health`);
    const notify = await request(`${l.erpUrl}/erp/notify`, { method: 'POST' });
    for (const r of [none, wrong, cart, health, notify]) {
      expect(r.status).toBe(401);
      expect(Object.keys(r.json as object)).toEqual(['error']);
      expect(r.text).not.toContain(KEY);
    }
    expect(none.json).toEqual({ error: 'X-Api-Key header is required' });
    expect(wrong.json).toEqual({ error: 'X-Api-Key is wrong' });
    const ok = await request(priceQuery(l.priceUrl, q), { headers: { 'x-api-key': KEY } });
    expect(ok.status, ok.text).toBe(200);
    expect((await request(`${l.erpUrl}/erp/notify`, { method: 'POST', headers: { 'x-api-key': KEY } })).status).toBe(200);
  });

  it('a price changed in the ERP is served after the next poll without any notification', async () => {
    const get = async () => (await request(priceQuery(l.priceUrl, q), { headers: { 'x-api-key': KEY } })).json as { unitPrice: number };
    expect((await get()).unitPrice).toBe(80);
    await erpWrite(l.erpFile, "UPDATE stock_price SET price = 77 WHERE stock_code = 'P1' AND price_code = 'A' AND qty_break = 10");
    let seen = (await get()).unitPrice;
    for (let i = 0; i < 40 && seen !== 77; i++) {
      await new Promise((r) => setTimeout(r, 50));
      seen = (await get()).unitPrice;
    }
    expect(seen).toBe(77);
  });

  it('never writes the API key to the log, while logging each request', async () => {
    const log = fs.readFileSync(path.join(dir, 'logs', 'integrator.log'), 'utf8');
    expect(log).toMatch(/"url":"\/price\?/);
    expect(log).not.toContain(KEY);
  });

  it('a failure of its own is a 500 {error} without internals; the detail goes to the log, scrubbed', async () => {
    const secret = 'pw-7781-hidden';
    const logDir = path.join(dir, 'logs-500');
    const logger = createLogger({ dir: logDir, secrets: [secret] });
    const broken: PriceSource = {
      load: async () => {
        throw new TypeError(`cannot read properties of undefined at /srv/erp/${secret}/stock.ts:12`);
      },
      ping: async () => undefined,
      close: async () => undefined,
    };
    const service = new PricingService({ source: broken, invalidConditionCodes: [] });
    const app = buildPricingListener(service, { logger });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const addr = app.server.address() as { port: number };
      const r = await request(priceQuery(`http://127.0.0.1:${addr.port}`, q));
      expect(r.status).toBe(500);
      expect(r.json).toEqual({ error: 'internal error' });
      expect(r.text).not.toMatch(/srv|stock\.ts|TypeError|pw-/);
    } finally {
      await app.close();
      await service.close();
    }
    const log = fs.readFileSync(path.join(logDir, 'integrator.log'), 'utf8');
    expect(log).toContain('cannot read properties of undefined');
    expect(log).not.toContain(secret);
  });
});

// Random text with the characters that break parsers: quotes, percent signs, separators, unicode, controls.
const ALPHABET = ['a', 'Z', '0', '9', '-', '.', '%', '&', '=', '+', '?', '#', '[', ']', '"', "'", '\\', ' ', '\u00e9', '\u4e2d', '\ud83d\ude00', '\u0000', '\n', '\u202e', '{', '}', ',', ':'];
function text(rng: Rng, max = 40): string {
  const n = rng.chance(0.05) ? rng.int(500, 5000) : rng.int(0, max);
  let s = '';
  for (let i = 0; i < n; i++) s += rng.pick(ALPHABET);
  return s;
}
const QTY = ['1', '10', '0', '-1', '-0', '1e308', '1e-308', 'NaN', 'Infinity', '0x10', ' 5 ', '\uff11', '5.', '.5', '', '1,000', '9'.repeat(400), 'null', '[]'];
function rawValue(rng: Rng): string {
  const s = rng.chance(0.3) ? rng.pick(['C1', 'P1', 'MEL', 'SYD', 'P2', 'C3']) : rng.chance(0.3) ? rng.pick(QTY) : text(rng);
  // Mostly percent-encoded; sometimes a broken escape or raw reserved characters.
  if (rng.chance(0.15)) return `${s.replace(/[^A-Za-z0-9]/g, '')}%${rng.pick(['', 'z', 'zz', 'E9', 'C3', 'ff'])}`;
  return encodeURIComponent(s).replace(/%26/g, rng.chance(0.2) ? '&' : '%26');
}
function randomQuery(rng: Rng): string {
  if (rng.chance(0.3)) {
    // A good query with one value swapped for a random one: reaches the lookups, not only the checks.
    const good: Record<string, string> = { product: rng.pick(['P1', 'P2', 'P3', 'NOPE']), customer: rng.pick(['C1', 'C2', 'C3']), warehouse: rng.pick(['MEL', 'SYD']), quantity: String(rng.int(1, 99)) };
    const parts = Object.entries(good).map(([k, v]) => `${k}=${rng.chance(0.25) ? rawValue(rng) : v}`);
    return parts.join('&');
  }
  const keys = ['product', 'customer', 'warehouse', 'quantity', 'quantity', 'product', '__proto__', 'constructor', text(rng, 8)];
  const parts: string[] = [];
  for (let i = rng.int(0, 7); i > 0; i--) parts.push(rng.chance(0.1) ? encodeURIComponent(rng.pick(keys)) : `${encodeURIComponent(rng.pick(keys))}=${rawValue(rng)}`);
  return parts.join('&');
}
function jsonValue(rng: Rng, depth = 0): unknown {
  const k = rng.int(0, depth > 3 ? 4 : 7);
  switch (k) {
    case 0: return null;
    case 1: return rng.chance(0.5);
    case 2: return rng.pick([0, -1, 1.5, 1e308, -1e308, 10, 50, Number.MAX_SAFE_INTEGER]);
    case 3: return rng.chance(0.4) ? rng.pick(['C1', 'P1', 'MEL', ...QTY]) : text(rng);
    case 4: return rng.pick([[], {}]);
    case 5: return Array.from({ length: rng.int(0, 6) }, () => jsonValue(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (const key of ['customer', 'warehouse', 'lines', 'product', 'quantity', '__proto__', 'constructor', text(rng, 6)]) if (rng.chance(0.5)) o[key] = jsonValue(rng, depth + 1);
      return o;
    }
  }
}
function randomCart(rng: Rng): unknown {
  if (rng.chance(0.3)) return jsonValue(rng);
  if (rng.chance(0.3)) {
    const lines: unknown[] = Array.from({ length: rng.int(1, 20) }, () => ({ product: rng.pick(['P1', 'P2', 'P3', 'NOPE']), quantity: rng.int(1, 99) }));
    if (rng.chance(0.5)) lines[rng.int(0, lines.length - 1)] = jsonValue(rng, 2);
    return { customer: rng.pick(['C1', 'C2', 'C3']), warehouse: rng.pick(['MEL', 'SYD']), lines };
  }
  const lines = Array.from({ length: rng.chance(0.05) ? rng.int(490, 520) : rng.int(0, 8) }, () =>
    rng.chance(0.8) ? { product: rng.chance(0.6) ? rng.pick(['P1', 'P2', 'P3', 'NOPE']) : jsonValue(rng, 2), quantity: rng.chance(0.6) ? rng.int(1, 60) : jsonValue(rng, 2) } : jsonValue(rng, 2),
  );
  const cart: Record<string, unknown> = { customer: rng.chance(0.8) ? rng.pick(['C1', 'C2', 'C3', 'ZZ']) : jsonValue(rng, 2), warehouse: rng.chance(0.8) ? rng.pick(['MEL', 'SYD', 'XXX']) : jsonValue(rng, 2), lines };
  if (rng.chance(0.1)) cart['__proto__'] = { customer: 'C1', polluted: true };
  return cart;
}

describe('live pricing: fuzzed requests', () => {
  it('random query strings and bodies never get a 5xx and never stop the listener', async () => {
    const rng = new Rng(Number(process.env.PRICING_FUZZ_SEED ?? 20261202));
    const count = Number(process.env.PRICING_FUZZ_COUNT ?? 600);
    const headers = { 'x-api-key': KEY };
    const statuses = new Map<number, number>();
    for (let done = 0; done < count; ) {
      const batch: Array<Promise<{ status: number; text: string; what: string }>> = [];
      for (let i = 0; i < 10 && done < count; i++, done++) {
        const kind = rng.int(0, 9);
        let what: string;
        let p: ReturnType<typeof request>;
        if (kind < 4) {
          what = `GET /price?${randomQuery(rng)}`;
          p = request(`${l.priceUrl}/price?${what.slice(11)}`, { headers });
        } else if (kind < 8) {
          const body = JSON.stringify(randomCart(rng)).replace(/"___proto___"/g, '"__proto__"');
          what = `POST /prices ${body.slice(0, 200)}`;
          p = postJson(`${l.priceUrl}/prices`, body, headers);
        } else if (kind === 9 && rng.chance(0.5)) {
          const method = rng.pick(['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'POST']);
          const where = `${rng.pick(['/price', '/prices', '/health', '/', '/price/', '/PRICE', '/erp/notify', `/${encodeURIComponent(text(rng, 12))}`])}?${randomQuery(rng)}`;
          what = `${method} ${where}`;
          p = request(`${l.priceUrl}${where}`, { method, headers });
        } else {
          const bytes = Buffer.from(Array.from({ length: rng.int(0, 300) }, () => rng.int(0, 255)));
          const type = rng.pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/json; charset=latin1', '']);
          what = `POST /prices raw ${bytes.length} bytes as ${type}`;
          p = request(`${l.priceUrl}/prices`, { method: 'POST', headers: { ...headers, ...(type ? { 'content-type': type } : {}) }, body: bytes });
        }
        batch.push(p.then((r) => ({ status: r.status, text: r.text, what })));
      }
      for (const r of await Promise.all(batch)) {
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        expect(r.status, `${r.what} -> ${r.text.slice(0, 200)}`).toBeLessThan(500);
        if (!r.what.startsWith('HEAD')) expect(r.text.length, r.what).toBeGreaterThan(0);
      }
    }
    // The fuzz reached real answers as well as rejections.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    console.log(`fuzz: ${count} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    const health = await request(`${l.priceUrl}/health`, { headers });
    expect(health.status).toBe(200);
  });
});
