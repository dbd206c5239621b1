import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { until } from '../helpers/until.js';
import { erpWrite, postJson, priceQuery, request, startListeners, webWrite, writeFixtureErp, type Listeners } from '../helpers/pricingFixture.js';
import { PriceAnswerSchema } from '../../core/contracts/adminApi.js';
import { MAX_PRICE_LINES, PricesResponseSchema } from '../../core/contracts/pricingApi.js';

const dir = tmpDir('integrator-pricing-');
let l: Listeners;

beforeAll(async () => {
  await writeFixtureErp(path.join(dir, 'erp.sqlite'));
  l = await startListeners(dir, { liveCallCompressionThresholdBytes: 400, enableVerboseLogging: true });
});
afterAll(async () => l?.close());

const price = async (q: Record<string, string | number>) => request(priceQuery(l.priceUrl, q));
const answer = async (customer: string, product: string, warehouse: string, quantity: number) => {
  const r = await price({ customer, product, warehouse, quantity });
  expect(r.status, r.text).toBe(200);
  return PriceAnswerSchema.parse(r.json);
};

describe('live pricing listener over a real SQLite ERP', () => {
  it('binds 127.0.0.1 on a port picked for it', () => {
    expect(l.priceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(l.erpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(l.priceUrl).not.toBe(l.erpUrl);
  });

  it('prices at the customer level with the best quantity break', async () => {
    const cases: Array<[number, number]> = [[1, 90], [9, 90], [10, 80], [49.5, 80], [50, 70], [5000, 70]];
    for (const [qty, unit] of cases) {
      const a = await answer('C1', 'P1', 'MEL', qty);
      expect(a, `qty ${qty}`).toMatchObject({ unitPrice: unit, priceSource: 'level', quantity: qty, product: 'P1', customer: 'C1', warehouse: 'MEL' });
    }
  });

  it('falls back to base below the smallest break and for a customer without a level', async () => {
    expect(await answer('C1', 'P1', 'MEL', 0.5)).toMatchObject({ unitPrice: 100, priceSource: 'base' });
    expect(await answer('C2', 'P1', 'MEL', 10)).toMatchObject({ unitPrice: 100, priceSource: 'base' });
    expect(await answer('C3', 'P3', 'SYD', 4)).toMatchObject({ unitPrice: 20, priceSource: 'base' });
    expect(await answer('C3', 'P3', 'SYD', 5)).toMatchObject({ unitPrice: 15, priceSource: 'level' });
  });

  it('a customer special price wins over level and breaks', async () => {
    expect(await answer('C3', 'P1', 'MEL', 1)).toMatchObject({ unitPrice: 60, priceSource: 'special' });
    expect(await answer('C3', 'P1', 'MEL', 50)).toMatchObject({ unitPrice: 60, priceSource: 'special' });
    // C3's level B would give 95: only the special applies to C3, only level A to C1.
    expect(await answer('C1', 'P1', 'MEL', 1)).toMatchObject({ unitPrice: 90 });
  });

  it('availability is on hand minus committed, per warehouse', async () => {
    expect(await answer('C1', 'P1', 'MEL', 1)).toMatchObject({ available: 70, onHand: 100 });
    expect(await answer('C1', 'P1', 'SYD', 1)).toMatchObject({ available: 0, onHand: 5 }); // over-committed
    expect(await answer('C1', 'P3', 'SYD', 1)).toMatchObject({ available: 5, onHand: 8 });
    expect(await answer('C1', 'P3', 'MEL', 1)).toMatchObject({ available: 0, onHand: 0 }); // not stocked there
  });

  it('an invalid condition code makes the product unavailable; a valid one does not', async () => {
    expect(await answer('C1', 'P2', 'MEL', 1)).toMatchObject({ available: 0, onHand: 40, unitPrice: 50, priceSource: 'base' });
    expect((await answer('C1', 'P3', 'SYD', 1)).available).toBe(5); // condition A is not in DIYNT
  });

  it('unknown customer, product and warehouse are distinct 404 answers', async () => {
    const c = await price({ customer: 'NOBODY', product: 'P1', warehouse: 'MEL', quantity: 1 });
    const p = await price({ customer: 'C1', product: 'NOPE', warehouse: 'MEL', quantity: 1 });
    const w = await price({ customer: 'C1', product: 'P1', warehouse: 'XXX', quantity: 1 });
    expect([c.status, p.status, w.status]).toEqual([404, 404, 404]);
    expect(c.json).toEqual({ error: 'unknown customer "NOBODY"' });
    expect(p.json).toEqual({ error: 'unknown product "NOPE"' });
    expect(w.json).toEqual({ error: 'unknown warehouse "XXX"' });
  });

  it('prices a whole cart in one call; an unknown product fails only its line', async () => {
    const r = await postJson(`${l.priceUrl}/prices`, {
      customer: 'C1',
      warehouse: 'MEL',
      lines: [{ product: 'P1', quantity: 10 }, { product: 'P2', quantity: 1 }, { product: 'NOPE', quantity: 3 }, { product: 'P1', quantity: '50' }],
    });
    expect(r.status, r.text).toBe(200);
    const body = PricesResponseSchema.parse(JSON.parse(r.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(r.raw).toString() : r.text));
    expect(body.lines).toEqual([
      { product: 'P1', customer: 'C1', warehouse: 'MEL', quantity: 10, unitPrice: 80, priceSource: 'level', available: 70, onHand: 100 },
      { product: 'P2', customer: 'C1', warehouse: 'MEL', quantity: 1, unitPrice: 50, priceSource: 'base', available: 0, onHand: 40 },
      { product: 'NOPE', quantity: 3, error: 'unknown product "NOPE"' },
      { product: 'P1', customer: 'C1', warehouse: 'MEL', quantity: 50, unitPrice: 70, priceSource: 'level', available: 70, onHand: 100 },
    ]);
    const nobody = await postJson(`${l.priceUrl}/prices`, { customer: 'NOBODY', warehouse: 'MEL', lines: [{ product: 'P1', quantity: 1 }] });
    expect([nobody.status, nobody.json]).toEqual([404, { error: 'unknown customer "NOBODY"' }]);
    const nowhere = await postJson(`${l.priceUrl}/prices`, { customer: 'C1', warehouse: 'XXX', lines: [{ product: 'P1', quantity: 1 }] });
    expect([nowhere.status, nowhere.json]).toEqual([404, { error: 'unknown warehouse "XXX"' }]);
  });

  it('gzips answers above the threshold for callers that accept it, and not below', async () => {
    const small = await request(priceQuery(l.priceUrl, { customer: 'C1', product: 'P1', warehouse: 'MEL', quantity: 1 }), { headers: { 'accept-encoding': 'gzip' } });
    expect(small.raw.length).toBeLessThanOrEqual(400);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(PriceAnswerSchema.parse(small.json).unitPrice).toBe(90);

    const cart = { customer: 'C1', warehouse: 'MEL', lines: Array.from({ length: 10 }, () => ({ product: 'P1', quantity: 10 })) };
    const big = await postJson(`${l.priceUrl}/prices`, cart, { 'accept-encoding': 'gzip, deflate' });
    expect(big.headers['content-encoding']).toBe('gzip');
    const unzipped = zlib.gunzipSync(big.raw).toString();
    expect(Buffer.byteLength(unzipped)).toBeGreaterThan(400);
    expect(PricesResponseSchema.parse(JSON.parse(unzipped)).lines).toHaveLength(10);

    const plain = await postJson(`${l.priceUrl}/prices`, cart);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.raw.length).toBeGreaterThan(400);
    expect(PricesResponseSchema.parse(plain.json).lines).toHaveLength(10);
    const refused = await postJson(`${l.priceUrl}/prices`, cart, { 'accept-encoding': 'gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
  });

  it('answers every bad input with 400 and the field named', async () => {
    const base = { customer: 'C1', product: 'P1', warehouse: 'MEL', quantity: '1' };
    const get = async (q: Record<string, string>) => price(q);
    const without = (k: string) => Object.fromEntries(Object.entries(base).filter(([key]) => key !== k));
    const cases: Array<[Promise<Awaited<ReturnType<typeof get>>>, RegExp]> = [
      [get(without('quantity')), /^quantity is required$/],
      [get({ ...base, quantity: 'abc' }), /^quantity must be a number$/],
      [get({ ...base, quantity: '-3' }), /^quantity must be greater than 0$/],
      [get({ ...base, quantity: '0' }), /^quantity must be greater than 0$/],
      [get({ ...base, quantity: '1e12' }), /^quantity must be at most/],
      [get(without('product')), /^product is required$/],
      [get(without('customer')), /^customer is required$/],
      [get(without('warehouse')), /^warehouse is required$/],
      [get({ ...base, product: 'x'.repeat(61) }), /^product must be at most 60 characters$/],
      [request(`${priceQuery(l.priceUrl, base)}&product=P2`), /^product must be given once$/],
    ];
    const bodyCases: Array<[unknown, RegExp]> = [
      [{ warehouse: 'MEL', lines: [{ product: 'P1', quantity: 1 }] }, /^customer is required$/],
      [{ customer: 'C1', lines: [{ product: 'P1', quantity: 1 }] }, /^warehouse is required$/],
      [{ customer: 'C1', warehouse: 'MEL' }, /^lines is required$/],
      [{ customer: 'C1', warehouse: 'MEL', lines: [] }, /^lines must hold at least one line$/],
      [{ customer: 'C1', warehouse: 'MEL', lines: 'P1' }, /^lines must be a list/],
      [{ customer: 'C1', warehouse: 'MEL', lines: [{ product: 'P1', quantity: 1 }, { product: 'P1' }] }, /^lines\[1\]\.quantity is required$/],
      [{ customer: 'C1', warehouse: 'MEL', lines: [{ product: 'P1', quantity: 1 }, { product: 'P1', quantity: 'x' }] }, /^lines\[1\]\.quantity must be a number$/],
      [{ customer: 'C1', warehouse: 'MEL', lines: [{ product: 'P1', quantity: -1 }] }, /^lines\[0\]\.quantity must be greater than 0$/],
      [{ customer: 'C1', warehouse: 'MEL', lines: [{ quantity: 1 }] }, /^lines\[0\]\.product is required$/],
      [{ customer: 'C1', warehouse: 'MEL', lines: [7] }, /^lines\[0\] must be an object/],
      [{ customer: 'C1', warehouse: 'MEL', lines: Array.from({ length: MAX_PRICE_LINES + 1 }, () => ({ product: 'P1', quantity: 1 })) }, /^lines must hold at most 500 lines$/],
      [[1, 2], /^body must be a JSON object/],
      ['{"customer": "C1", ', /^body is not valid JSON$/],
      [JSON.stringify({ customer: 'C1', warehouse: 'MEL', lines: [{ product: 'P'.repeat(70_000), quantity: 1 }] }), /^body must be at most 65536 bytes$/],
    ];
    for (const [body, re] of bodyCases) cases.push([postJson(`${l.priceUrl}/prices`, body), re]);
    cases.push([request(`${l.priceUrl}/prices`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'P1 x 3' }), /^body must be JSON/]);
    cases.push([request(`${l.priceUrl}/prices`, { method: 'POST', headers: { 'content-type': 'application/json' } }), /^body is required$/]);
    for (const [p, re] of cases) {
      const r = await p;
      expect(r.status, r.text).toBe(400);
      expect(Object.keys(r.json as object)).toEqual(['error']);
      expect((r.json as { error: string }).error).toMatch(re);
    }
  });

  it('a price changed in the ERP is served after a notify, not before', async () => {
    expect((await answer('C1', 'P1', 'MEL', 10)).unitPrice).toBe(80);
    await erpWrite(l.erpFile, "UPDATE stock_price SET price = 75 WHERE stock_code = 'P1' AND price_code = 'A' AND qty_break = 10");
    await erpWrite(l.erpFile, "UPDATE stock_warehouse_detail SET qty_committed = 0 WHERE stock_code = 'P1' AND whse_code = 'MEL'");
    // Cached: the old answer until the ERP says something changed.
    expect(await answer('C1', 'P1', 'MEL', 10)).toMatchObject({ unitPrice: 80, available: 70 });
    const n = await request(`${l.erpUrl}/erp/notify`, { method: 'POST' });
    expect(n.status).toBe(200);
    expect(n.json).toMatchObject({ refreshed: true });
    expect(await answer('C1', 'P1', 'MEL', 10)).toMatchObject({ unitPrice: 75, available: 100 });
  });

  it('answers a manual price from the web first, after a notify or the poll, in GET /price and in a cart', async () => {
    expect(await answer('C3', 'P1', 'MEL', 1)).toMatchObject({ unitPrice: 60, priceSource: 'special' });
    // The web store agrees a price with C3 (its own row: the contract columns only), and one with C1 for P3.
    await webWrite(l.webFile, "INSERT INTO PricingOverride (CustomerCode, ProductCode, Source, Price) VALUES ('C3', 'P1', 'MANUAL', 42.5), ('C1', 'P3', 'MANUAL', 11)");
    // An ERP special on the web is not a manual price: the listener reads those from the ERP itself.
    await webWrite(l.webFile, "INSERT INTO PricingOverride (CustomerCode, ProductCode, Source, Price) VALUES ('C1', 'P1', 'ERP', 1)");
    expect((await answer('C3', 'P1', 'MEL', 1)).priceSource).toBe('special');
    await request(`${l.erpUrl}/erp/notify`, { method: 'POST' });
    expect(await answer('C3', 'P1', 'MEL', 1)).toMatchObject({ unitPrice: 42.5, priceSource: 'manual', available: 100 });
    expect(await answer('C3', 'P1', 'MEL', 500)).toMatchObject({ unitPrice: 42.5, priceSource: 'manual' });
    expect((await answer('C1', 'P1', 'MEL', 10)).priceSource).toBe('level');
    const cart = await postJson(`${l.priceUrl}/prices`, { customer: 'C1', warehouse: 'SYD', lines: [{ product: 'P3', quantity: 10 }, { product: 'P1', quantity: 1 }] });
    expect(cart.status, cart.text).toBe(200);
    expect((cart.json as { lines: unknown[] }).lines).toEqual([
      expect.objectContaining({ product: 'P3', unitPrice: 11, priceSource: 'manual' }),
      expect.objectContaining({ product: 'P1', priceSource: 'level' }),
    ]);
    // A manual price removed on the web: the ERP's price again after the next refresh.
    await webWrite(l.webFile, "DELETE FROM PricingOverride WHERE Source = 'MANUAL'");
    await request(`${l.erpUrl}/erp/notify`, { method: 'POST' });
    expect(await answer('C3', 'P1', 'MEL', 1)).toMatchObject({ unitPrice: 60, priceSource: 'special' });
  });

  it('the ERP polling interval picks up manual price changes without a notify', async () => {
    const pollDir = tmpDir('integrator-pricing-poll-');
    await writeFixtureErp(path.join(pollDir, 'erp.sqlite'));
    const polled = await startListeners(pollDir, {}, { pollIntervalMs: 200 });
    try {
      const ask = async () => PriceAnswerSchema.parse((await request(priceQuery(polled.priceUrl, { customer: 'C2', product: 'P1', warehouse: 'MEL', quantity: 1 }))).json);
      expect(await ask()).toMatchObject({ priceSource: 'base' });
      await webWrite(polled.webFile, "INSERT INTO PricingOverride (CustomerCode, ProductCode, Source, Price) VALUES ('C2', 'P1', 'MANUAL', 33)");
      await until('the poll to bring the manual price', async () => (await ask()).priceSource === 'manual');
      expect(await ask()).toMatchObject({ unitPrice: 33, priceSource: 'manual' });
    } finally {
      await polled.close();
    }
  });

  it('health reports the ERP and the cache', async () => {
    const h = await request(`${l.priceUrl}/health`);
    expect(h.status).toBe(200);
    expect(h.json).toMatchObject({ ok: true, erp: 'ok', cache: { capacity: 20000 } });
  });

  it('answers 503 while the ERP file is unreadable and recovers by itself after', async () => {
    const backup = `${l.erpFile}.away`;
    fs.renameSync(l.erpFile, backup);
    fs.writeFileSync(l.erpFile, 'this is not a database '.repeat(100));
    try {
      // The ERP says prices changed (or the poll comes round): the cache is dropped and the file reopened.
      await request(`${l.erpUrl}/erp/notify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"table":"stock_price"}' });
      const down = await price({ customer: 'C1', product: 'P1', warehouse: 'MEL', quantity: 10 });
      expect(down.status, down.text).toBe(503);
      expect(down.json).toEqual({ error: 'the ERP is unreachable; try again shortly' });
      const cart = await postJson(`${l.priceUrl}/prices`, { customer: 'C1', warehouse: 'MEL', lines: [{ product: 'P1', quantity: 1 }] });
      expect(cart.status).toBe(503);
      const h = await request(`${l.priceUrl}/health`);
      expect(h.status).toBe(503);
      expect(h.json).toMatchObject({ ok: false, erp: 'unreachable' });
      expect(h.text).not.toMatch(/not a database|sqlite|\.away|erp\.sqlite/i);
    } finally {
      fs.rmSync(l.erpFile);
      fs.renameSync(backup, l.erpFile);
    }
    // Back without a restart: the listener reopens the ERP on its own (failed opens are retried after 1 s).
    let r = await price({ customer: 'C1', product: 'P1', warehouse: 'MEL', quantity: 10 });
    for (let i = 0; i < 50 && r.status === 503; i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await price({ customer: 'C1', product: 'P1', warehouse: 'MEL', quantity: 10 });
    }
    expect(r.status, r.text).toBe(200);
    expect(PriceAnswerSchema.parse(r.json).unitPrice).toBe(75);
    expect((await request(`${l.priceUrl}/health`)).status).toBe(200);
  });

  it('unknown routes are a 404 {error}', async () => {
    const r = await request(`${l.priceUrl}/nothing-here?x=1`);
    expect(r.status).toBe(404);
    expect(Object.keys(r.json as object)).toEqual(['error']);
  });

  it('verbose logging writes each request with its timing', async () => {
    await answer('C2', 'P1', 'MEL', 2);
    const log = fs.readFileSync(path.join(dir, 'logs', 'integrator.log'), 'utf8');
    const line = log.split('\n').filter(Boolean).map((s) => JSON.parse(s) as Record<string, unknown>).find((e) => typeof e.url === 'string' && e.url.includes('customer=C2') && e.url.includes('quantity=2'));
    expect(line).toMatchObject({ listener: 'pricing', method: 'GET', status: 200 });
    expect(typeof line!.ms).toBe('number');
  });
});
