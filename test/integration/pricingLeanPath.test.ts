// The cached GET /price answered in front of fastify: a request already answered since the last refresh is sent its
// answer's bytes again without fastify's pipeline, and every answer is the one the plain fastify route gives (the
// reference: query parsed and checked per request, answer serialised by fastify).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { tmpDir } from '../helpers/tmp.js';
import { until } from '../helpers/until.js';
import { erpWrite, priceQuery, request, writeFixtureErp } from '../helpers/pricingFixture.js';
import { rawRequest, type RawAnswer } from '../helpers/rawHttp.js';
import { buildReferencePriceRoute } from '../helpers/pricingReference.js';
import { openDb } from '../../core/db/openDb.js';
import type { Db } from '../../core/db/db.js';
import { Rng } from '../../core/demo/rng.js';
import { createLogger } from '../../core/logging/logger.js';
import { ErpConnection } from '../../core/pricing/erpConnection.js';
import { SqlPriceSource } from '../../core/pricing/sqlPriceSource.js';
import { MAX_KEPT_REQUEST_LENGTH, PricingService } from '../../core/pricing/pricingService.js';
import { buildPricingListener, type PricingListenerOptions } from '../../core/pricing/pricingListener.js';
import type { PriceSource } from '../../core/pricing/priceSource.js';

const dir = tmpDir('integrator-pricing-lean-');
const erpFile = path.join(dir, 'erp.sqlite');
const KEY = 'lean-K3y-0042';
let erpDb: Db;

beforeAll(async () => {
  await writeFixtureErp(erpFile);
  // Bad data a hand-kept ERP may hold: text where a price or a stock figure belongs.
  await erpWrite(erpFile, "INSERT INTO stock_master (stock_code, description, condition_code, base_price) VALUES ('PBAD', 'Price typed as text', '', 'n/a')");
  await erpWrite(erpFile, "INSERT INTO stock_warehouse_detail (stock_code, whse_code, qty_on_hand, qty_committed) VALUES ('PBAD', 'MEL', 'lots', 0), ('P3', 'MEL', 'some', 0)");
  erpDb = await openDb(`sqlite:${erpFile}`, { readonly: true });
});
afterAll(async () => erpDb?.close());

function pricingService(o: { cacheEntries?: number; source?: PriceSource } = {}): PricingService {
  return new PricingService({
    source: o.source ?? new SqlPriceSource(new ErpConnection({ initial: erpDb, ownsInitial: false })),
    manual: { load: async () => [{ customer: 'C2', product: 'P3', price: 12.5 }] },
    invalidConditionCodes: ['D'],
    cacheEntries: o.cacheEntries,
  });
}

const portOf = (app: FastifyInstance) => (app.server.address() as { port: number }).port;

/** The listener over `service`, with a count of the requests fastify answered (a 401 from its key check included). */
async function listener(service: PricingService, options: Partial<PricingListenerOptions> = {}) {
  const app = buildPricingListener(service, { logger: createLogger(), compressAboveBytes: 1024, ...options });
  let throughFastify = 0;
  app.addHook('onResponse', async () => {
    throughFastify++;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, port: portOf(app), url: `http://127.0.0.1:${portOf(app)}`, throughFastify: () => throughFastify };
}

const q = { customer: 'C1', product: 'P1', warehouse: 'MEL', quantity: 10 };
const GOOD = '/price?customer=C1&product=P1&warehouse=MEL&quantity=10';

describe('cached GET /price in front of fastify', () => {
  it('a GET /price asked again is answered without entering fastify', async () => {
    const service = pricingService();
    const l = await listener(service);
    try {
      const first = await request(priceQuery(l.url, q));
      expect(first.status, first.text).toBe(200);
      expect(l.throughFastify()).toBe(1);
      for (let i = 0; i < 3; i++) {
        const again = await request(priceQuery(l.url, q));
        expect([again.status, again.text, again.headers['content-type'], again.headers['content-length']]).toEqual([200, first.text, first.headers['content-type'], first.headers['content-length']]);
      }
      expect(l.throughFastify()).toBe(1);
      // Answered from the kept text: cache hits all the same.
      expect((await service.health()).cache.hits).toBe(3);
    } finally {
      await l.app.close();
      await service.close();
    }
  });

  it('the API key is checked on the lean path: missing or wrong gets the 401 fastify gives, right gets the answer', async () => {
    const service = pricingService();
    const l = await listener(service, { apiKey: KEY });
    try {
      const first = await rawRequest(l.port, { target: GOOD, headers: { 'X-Api-Key': KEY } });
      expect(first.status, first.body).toBe(200);
      const none = await rawRequest(l.port, { target: GOOD });
      const wrong = await rawRequest(l.port, { target: GOOD, headers: { 'X-Api-Key': `${KEY}x` } });
      const twice = await rawRequest(l.port, { target: GOOD, headers: { 'X-Api-Key': KEY, 'x-api-key': KEY } });
      expect([none.status, none.json]).toEqual([401, { error: 'X-Api-Key header is required' }]);
      expect([wrong.status, wrong.json]).toEqual([401, { error: 'X-Api-Key is wrong' }]);
      expect([twice.status, twice.json]).toEqual([401, { error: 'X-Api-Key is wrong' }]);
      const before = l.throughFastify();
      const right = await rawRequest(l.port, { target: GOOD, headers: { 'X-Api-Key': KEY } });
      expect([right.status, right.body]).toEqual([200, first.body]);
      expect(l.throughFastify()).toBe(before);
    } finally {
      await l.app.close();
      await service.close();
    }
  });

  it('verbose logging writes every request, the ones answered in front of fastify included', async () => {
    const logDir = path.join(dir, 'verbose-logs');
    const service = pricingService();
    const l = await listener(service, { verbose: true, logger: createLogger({ dir: logDir }) });
    try {
      for (let i = 0; i < 3; i++) expect((await rawRequest(l.port, { target: `${GOOD}&n=verbose` })).status).toBe(200);
      expect(l.throughFastify()).toBe(1);
    } finally {
      await l.app.close();
      await service.close();
    }
    const lines = await readLogLines(path.join(logDir, 'integrator.log'), (e) => e.url === `${GOOD}&n=verbose`, 3);
    for (const line of lines) {
      expect(line).toMatchObject({ listener: 'pricing', method: 'GET', status: 200, msg: `GET ${GOOD}&n=verbose 200` });
      expect(typeof line.ms).toBe('number');
    }
  });

  it('a refresh drops the kept answers: the next one is the ERP as it is now', async () => {
    const file = path.join(dir, 'refresh-erp.sqlite');
    await writeFixtureErp(file);
    const db = await openDb(`sqlite:${file}`, { readonly: true });
    const service = new PricingService({
      source: new SqlPriceSource(new ErpConnection({ initial: db, ownsInitial: false, open: () => openDb(`sqlite:${file}`, { readonly: true }) })),
      invalidConditionCodes: [],
    });
    const l = await listener(service);
    try {
      expect((await rawRequest(l.port, { target: GOOD })).json).toMatchObject({ unitPrice: 80 });
      await erpWrite(file, "UPDATE stock_price SET price = 66 WHERE stock_code = 'P1' AND price_code = 'A' AND qty_break = 10");
      expect((await rawRequest(l.port, { target: GOOD })).json).toMatchObject({ unitPrice: 80 });
      service.refresh('test');
      expect((await rawRequest(l.port, { target: GOOD })).json).toMatchObject({ unitPrice: 66 });
      expect((await rawRequest(l.port, { target: GOOD })).json).toMatchObject({ unitPrice: 66 });
    } finally {
      await l.app.close();
      await service.close();
      await db.close();
    }
  });

  it('an answer read before a refresh and sent after it is not kept past the refresh', async () => {
    // A source whose price the test sets, and whose answer the test can hold back after reading it.
    let price = 10;
    let hold: Promise<void> | null = null;
    let held = false;
    const source: PriceSource = {
      async load(_customer, _warehouse, products) {
        const read = price;
        held = hold !== null;
        if (hold) await hold;
        return { customerKnown: true, warehouseKnown: true, products: new Map(products.map((p) => [p, { conditionCode: '', basePrice: read, specialPrice: null, levels: [], stock: null }])) };
      },
      ping: async () => undefined,
      close: async () => undefined,
    };
    const service = pricingService({ source });
    const l = await listener(service);
    try {
      let release!: () => void;
      hold = new Promise((r) => (release = r));
      const slow = rawRequest(l.port, { target: GOOD });
      await until('the ERP read to start', () => held);
      service.refresh('test');
      price = 20;
      release();
      hold = null;
      expect((await slow).json).toMatchObject({ unitPrice: 10 });
      expect((await rawRequest(l.port, { target: GOOD })).json).toMatchObject({ unitPrice: 20 });
    } finally {
      await l.app.close();
      await service.close();
    }
  });

  it('keeps answers within the cache size, none for a very long request, none with the cache off', async () => {
    const small = pricingService({ cacheEntries: 2 });
    const l = await listener(small);
    try {
      const targets = ['MEL', 'SYD', 'MEL&x=1'].map((w) => `/price?customer=C1&product=P1&quantity=1&warehouse=${w}`);
      for (const t of targets) expect((await rawRequest(l.port, { target: t })).status).toBe(200);
      // The oldest was dropped for the third; the two newest are answered in front of fastify.
      expect([small.answered(targets[0]), typeof small.answered(targets[1]), typeof small.answered(targets[2])]).toEqual([undefined, 'string', 'string']);
      const long = `${GOOD}&pad=${'x'.repeat(MAX_KEPT_REQUEST_LENGTH)}`;
      expect((await rawRequest(l.port, { target: long })).status).toBe(200);
      expect(small.answered(long)).toBeUndefined();
    } finally {
      await l.app.close();
      await small.close();
    }
    const off = pricingService({ cacheEntries: 0 });
    const o = await listener(off);
    try {
      for (let i = 0; i < 2; i++) expect((await rawRequest(o.port, { target: GOOD })).status).toBe(200);
      expect(o.throughFastify()).toBe(2);
    } finally {
      await o.app.close();
      await off.close();
    }
  });

  it('while the listener closes, a request that would be answered in front of fastify gets fastify\'s 503', async () => {
    // The first request waits in the ERP read, so its connection is busy when the close starts; the second, pipelined
    // behind it on the same connection, arrives while the listener is closing.
    let hold: Promise<void> | null = null;
    let held = false;
    const slowProduct: PriceSource = {
      async load(_customer, _warehouse, products) {
        held = products.includes('SLOW');
        if (held && hold) await hold;
        return { customerKnown: true, warehouseKnown: true, products: new Map(products.map((p) => [p, { conditionCode: '', basePrice: 5, specialPrice: null, levels: [], stock: null }])) };
      },
      ping: async () => undefined,
      close: async () => undefined,
    };
    const service = pricingService({ source: slowProduct });
    const l = await listener(service);
    expect((await rawRequest(l.port, { target: GOOD })).status).toBe(200);
    let release!: () => void;
    hold = new Promise((r) => (release = r));
    const socket = net.connect(l.port, '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    const ended = new Promise<void>((r) => socket.on('close', () => r()));
    await new Promise<void>((r) => socket.on('connect', () => r()));
    const get = (target: string) => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    socket.write(get('/price?customer=C1&product=SLOW&warehouse=MEL&quantity=1'));
    await until('the first request to wait in the ERP read', () => held);
    const closed = l.app.close();
    await until('the listener to stop accepting connections', () => !l.app.server.listening);
    socket.write(get(GOOD));
    release();
    await ended;
    await closed;
    await service.close();
    const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
    expect(statuses).toEqual([200, 503]);
  });
});

/** Reads the log file until `count` lines match (pino writes asynchronously). */
async function readLogLines(file: string, match: (e: Record<string, unknown>) => boolean, count: number): Promise<Array<Record<string, unknown>>> {
  for (let i = 0; ; i++) {
    const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((s) => JSON.parse(s) as Record<string, unknown>).filter(match) : [];
    if (lines.length >= count || i > 100) {
      expect(lines).toHaveLength(count);
      return lines;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Ask {
  method: string;
  target: string;
  headers: Record<string, string>;
  body?: string;
}

const Q = { customer: 'C1', product: 'P1', warehouse: 'MEL', quantity: '10' };
const query = (o: Record<string, string>) => Object.entries(o).map(([k, v]) => `${k}=${v}`).join('&');

/** Targets a caller may send for one price, spelled every way we know of: each must get the reference's answer. */
function handWrittenTargets(): string[] {
  const good = query(Q);
  const without = (k: keyof typeof Q) => query(Object.fromEntries(Object.entries(Q).filter(([key]) => key !== k)));
  return [
    `/price?${good}`,
    `/price?quantity=10&warehouse=MEL&product=P1&customer=C1`,
    `/price?${good}&product=P2`,
    `/price?customer=C1&product=P1&product=P1&warehouse=MEL&quantity=10`,
    `/price?${good}&quantity=10`,
    `/price?customer=%43%31&product=P%31&warehouse=%6d%65%6c&quantity=1%30`,
    `/price?customer=%43%31&product=P%31&warehouse=MEL&quantity=1%30`,
    `/price?customer=+C1+&product=%20P1%20&warehouse=MEL&quantity=+10`,
    `/price?customer=C1&product=P1&warehouse=MEL&quantity=1e1`,
    `/price?customer=C1&product=P1&warehouse=MEL&quantity=10.0`,
    `/price?customer=C1&product=P1&warehouse=MEL&quantity=123.4567`,
    `/price?customer=C1&product=P1&warehouse=MEL&quantity=0x10`,
    `/price?customer=C1&product=P1&warehouse=MEL&quantity=-1`,
    `/price?customer=C1&product=P1&warehouse=MEL&quantity=abc`,
    `/price?customer=C1&product=P1&warehouse=MEL&quantity=1e12`,
    `/price?customer=C1&product=P1&warehouse=MEL&quantity=`,
    `/price?customer=C1&product=P1&warehouse=MEL&quantity`,
    `/price?${without('product')}`,
    `/price?${without('customer')}`,
    `/price?${without('warehouse')}`,
    `/price?${without('quantity')}`,
    `/price?customer=C1&product=${'P'.repeat(61)}&warehouse=MEL&quantity=1`,
    `/price?customer=NOBODY&product=P1&warehouse=MEL&quantity=1`,
    `/price?customer=C1&product=NOPE&warehouse=MEL&quantity=1`,
    `/price?customer=C1&product=P1&warehouse=XXX&quantity=1`,
    `/price?customer=C1&product=P2&warehouse=MEL&quantity=1`,
    `/price?customer=C2&product=P3&warehouse=SYD&quantity=1`,
    `/price?customer=C3&product=P1&warehouse=MEL&quantity=50`,
    `/price?customer=C1&product=P3&warehouse=SYD&quantity=5`,
    `/price?customer=C2&product=PBAD&warehouse=MEL&quantity=1`,
    `/price?customer=C3&product=P3&warehouse=MEL&quantity=5`,
    `/price`,
    `/price?`,
    `/price?&&${good}&`,
    `/price/?${good}`,
    `//price?${good}`,
    `/PRICE?${good}`,
    `/%70rice?${good}`,
    `/price;x=1?${good}`,
    `/price?${good}#fragment`,
    `/price?${good}&x=%zz`,
    `/price?${good}&product=%zz`,
    `/price?__proto__=x&constructor=y&${good}`,
    `/price?${good}&pad=${'x'.repeat(MAX_KEPT_REQUEST_LENGTH)}`,
    `/price?customer=C1&product=%E4%B8%AD&warehouse=MEL&quantity=1`,
    `/price?customer=C1&product=%ED%A0%80&warehouse=MEL&quantity=1`,
    `/price?customer=C1&product=P1%00&warehouse=MEL&quantity=1`,
    `http://127.0.0.1/price?${good}`,
    `/prices?${good}`,
    `*`,
  ];
}

const VALUES = ['C1', 'C2', 'C3', 'P1', 'P2', 'P3', 'NOPE', 'MEL', 'SYD', '1', '10', '50', '0', '-1', '1.5', ' 5 ', '', '%', '%zz', '%20', '+', '&', '=', '#', '\u00e9', '\u4e2d', '\u0000', 'x'.repeat(70)];
const KEYS = ['customer', 'product', 'warehouse', 'quantity', 'quantity', 'product', '__proto__', 'Product', 'x', ''];

function randomTarget(rng: Rng): string {
  const encode = (s: string) => (rng.chance(0.2) ? s.replace(/ /g, '+') : rng.chance(0.7) ? encodeURIComponent(s) : s.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c)));
  if (rng.chance(0.5)) {
    // Mostly a good query with one part changed, so most reach the lookups (and many are answered 200).
    const parts: Array<[string, string]> = [
      ['customer', rng.pick(['C1', 'C2', 'C3'])],
      ['product', rng.pick(['P1', 'P2', 'P3'])],
      ['warehouse', rng.pick(['MEL', 'SYD'])],
      ['quantity', String(rng.int(1, 60))],
    ];
    if (rng.chance(0.5)) parts[rng.int(0, 3)][1] = rng.pick(VALUES);
    if (rng.chance(0.2)) parts.push([rng.pick(KEYS), rng.pick(VALUES)]);
    if (rng.chance(0.3)) parts.reverse();
    return `/price?${parts.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}`;
  }
  const parts: string[] = [];
  for (let i = rng.int(0, 6); i > 0; i--) parts.push(rng.chance(0.1) ? encode(rng.pick(KEYS)) : `${encode(rng.pick(KEYS))}=${encode(rng.pick(VALUES))}`);
  return `/price?${parts.join('&')}`;
}

describe('the lean path answers exactly what the fastify route answers', () => {
  const configs: Array<{ name: string; options: Partial<PricingListenerOptions>; key?: string }> = [
    { name: 'no key, compression over 1024 bytes', options: { compressAboveBytes: 1024 } },
    { name: 'an API key, compression over 130 bytes, verbose logging', options: { apiKey: KEY, compressAboveBytes: 130, verbose: true, logger: createLogger({ dir: path.join(dir, 'diff-logs') }) }, key: KEY },
  ];
  for (const config of configs) {
    it(`status, headers and bytes, fuzzed and hand-written, asked twice (${config.name})`, async () => {
      const service = pricingService();
      const opts = { logger: createLogger(), ...config.options };
      const lean = await listener(service, opts);
      const reference = buildReferencePriceRoute(service, opts);
      await reference.listen({ host: '127.0.0.1', port: 0 });
      const rng = new Rng(Number(process.env.PRICING_LEAN_SEED ?? 20261206));
      try {
        const asks: Ask[] = [];
        const keyHeaders = (): Record<string, string> => {
          if (!config.key) return rng.chance(0.1) ? { 'X-Api-Key': 'anything' } : {};
          const r = rng.next();
          return r < 0.75 ? { 'X-Api-Key': config.key } : r < 0.85 ? {} : r < 0.95 ? { 'X-Api-Key': `${config.key} ` } : { 'X-Api-Key': config.key, 'x-api-key': config.key };
        };
        const extra = (): Record<string, string> => {
          const h: Record<string, string> = {};
          if (rng.chance(0.4)) h['Accept-Encoding'] = rng.pick(['gzip', 'gzip, deflate, br', 'gzip;q=0', 'identity', '*']);
          return h;
        };
        for (const target of handWrittenTargets()) asks.push({ method: 'GET', target, headers: { ...keyHeaders(), ...extra() } });
        // Other methods on a target whose GET answer is kept by now.
        const keyed: Record<string, string> = config.key ? { 'X-Api-Key': config.key } : {};
        for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) asks.push({ method, target: GOOD, headers: keyed });
        for (let i = 0; i < 300; i++) {
          const method = rng.chance(0.9) ? 'GET' : rng.pick(['HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']);
          const ask: Ask = { method, target: randomTarget(rng), headers: { ...keyHeaders(), ...extra() } };
          // A GET with a body: the route never reads it, whatever it says.
          if (rng.chance(0.05)) ask.body = rng.pick(['{"customer":"C9"}', 'not json', '']);
          asks.push(ask);
        }
        const statuses = new Map<number, number>();
        const strip = (a: RawAnswer) => ({ status: a.status, headers: Object.fromEntries(Object.entries(a.headers).filter(([k]) => k !== 'date')), bytes: a.bytes.toString('base64') });
        const fastifyBefore = lean.throughFastify();
        for (const ask of asks) {
          const expected = strip(await rawRequest(portOf(reference), ask));
          for (let round = 0; round < 2; round++) {
            const got = strip(await rawRequest(lean.port, ask));
            expect(got, `${ask.method} ${ask.target} ${JSON.stringify(ask.headers)} (asked ${round + 1}x)`).toEqual(expected);
          }
          statuses.set(expected.status, (statuses.get(expected.status) ?? 0) + 1);
        }
        // The comparison reached answers, refusals and gzip, and many second askings were answered in front of fastify.
        expect(statuses.get(200) ?? 0).toBeGreaterThan(50);
        expect(statuses.get(400) ?? 0).toBeGreaterThan(20);
        expect(statuses.get(404) ?? 0).toBeGreaterThan(5);
        if (config.key) expect(statuses.get(401) ?? 0).toBeGreaterThan(5);
        const inFront = 2 * asks.length - (lean.throughFastify() - fastifyBefore);
        expect(inFront).toBeGreaterThan(30);
        console.log(`lean path differential (${config.name}): ${asks.length} requests x2, ${inFront} answered in front of fastify, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
      } finally {
        await lean.app.close();
        await reference.close();
        await service.close();
      }
    });
  }
});
