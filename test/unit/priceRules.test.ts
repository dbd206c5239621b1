import { describe, expect, it } from 'vitest';
import { availability, bestBreak, invalidCodeSet, priceAnswer, resolvePrice, type ProductFacts } from '../../core/pricing/priceRules.js';
import { conditionCodes } from '../../core/contracts/settings.schema.js';
import { Lru } from '../../core/pricing/lru.js';
import { Rng } from '../../core/demo/rng.js';
import { acceptsGzip } from '../../core/pricing/listenerHttp.js';

const product = (over: Partial<ProductFacts> = {}): ProductFacts => ({
  conditionCode: '',
  basePrice: 100,
  specialPrice: null,
  levels: [{ qtyBreak: 50, price: 70 }, { qtyBreak: 1, price: 90 }, { qtyBreak: 10, price: 80 }],
  stock: { onHand: 12, committed: 2 },
  ...over,
});
const DIYNT = invalidCodeSet(conditionCodes('DIYNT'));

describe('price rules', () => {
  it('best break is the largest not above the quantity, in any row order', () => {
    const p = product();
    expect(bestBreak(p.levels, 0.5)).toBeNull();
    expect(bestBreak(p.levels, 1)?.price).toBe(90);
    expect(bestBreak(p.levels, 10)?.price).toBe(80);
    expect(bestBreak(p.levels, 49.99)?.price).toBe(80);
    expect(bestBreak(p.levels, 50)?.price).toBe(70);
    expect(bestBreak([], 5)).toBeNull();
  });

  it('special, else level, else base, else no price', () => {
    expect(resolvePrice(product({ specialPrice: 55 }), 50)).toEqual({ unitPrice: 55, priceSource: 'special' });
    expect(resolvePrice(product({ specialPrice: 0 }), 1)).toEqual({ unitPrice: 0, priceSource: 'special' });
    expect(resolvePrice(product(), 10)).toEqual({ unitPrice: 80, priceSource: 'level' });
    expect(resolvePrice(product(), 0.5)).toEqual({ unitPrice: 100, priceSource: 'base' });
    expect(resolvePrice(product({ levels: [] }), 10)).toEqual({ unitPrice: 100, priceSource: 'base' });
    expect(resolvePrice(product({ levels: [], basePrice: null }), 10)).toEqual({ unitPrice: null, priceSource: null });
  });

  it('availability: on hand minus committed, never negative, none for invalid condition codes', () => {
    expect(availability(product(), DIYNT)).toEqual({ available: 10, onHand: 12 });
    expect(availability(product({ stock: { onHand: 3, committed: 9 } }), DIYNT)).toEqual({ available: 0, onHand: 3 });
    expect(availability(product({ stock: null }), DIYNT)).toEqual({ available: 0, onHand: 0 });
    for (const c of ['D', 'I', 'Y', 'N', 'T', 'd', ' t ']) expect(availability(product({ conditionCode: c }), DIYNT).available, c).toBe(0);
    expect(availability(product({ conditionCode: 'A' }), DIYNT).available).toBe(10);
    const longCodes = invalidCodeSet(conditionCodes('OBS, DISC'));
    expect(availability(product({ conditionCode: 'DISC' }), longCodes).available).toBe(0);
    expect(availability(product({ conditionCode: 'D' }), longCodes).available).toBe(10);
    expect(availability(product({ conditionCode: 'D' }), invalidCodeSet([])).available).toBe(10);
  });

  it('unknown customer, product and warehouse are told apart, customer first', () => {
    const req = { product: 'P', customer: 'C', warehouse: 'W', quantity: 1 };
    expect(priceAnswer(req, { customerKnown: false, warehouseKnown: false, product: null }, DIYNT)).toMatchObject({ kind: 'unknown', what: 'customer' });
    expect(priceAnswer(req, { customerKnown: true, warehouseKnown: false, product: null }, DIYNT)).toMatchObject({ kind: 'unknown', what: 'product' });
    expect(priceAnswer(req, { customerKnown: true, warehouseKnown: false, product: product() }, DIYNT)).toMatchObject({ kind: 'unknown', what: 'warehouse', message: 'unknown warehouse "W"' });
    expect(priceAnswer(req, { customerKnown: true, warehouseKnown: true, product: product() }, DIYNT)).toEqual({
      kind: 'answer',
      answer: { ...req, unitPrice: 90, priceSource: 'level', available: 10, onHand: 12 },
    });
  });
});

describe('price cache LRU and gzip negotiation', () => {
  it('keeps at most its capacity, dropping the least recently used', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c'), lru.size]).toEqual([1, 3, 2]);
    const off = new Lru<string, number>(0);
    off.set('a', 1);
    expect(off.size).toBe(0);
  });

  it('behaves as a list kept in order of use, over many random gets, sets and clears', () => {
    const rng = new Rng(7);
    for (const capacity of [1, 2, 3, 8, 50]) {
      const lru = new Lru<number, number>(capacity);
      // The model: keys most recent first.
      let model: Array<[number, number]> = [];
      for (let i = 0; i < 5000; i++) {
        const key = rng.int(0, capacity * 2);
        const r = rng.next();
        if (r < 0.45) {
          const at = model.findIndex(([k]) => k === key);
          const want = at >= 0 ? model[at][1] : undefined;
          if (at >= 0) model = [model[at], ...model.slice(0, at), ...model.slice(at + 1)];
          expect(lru.get(key)).toBe(want);
        } else if (r < 0.995) {
          model = [[key, i] as [number, number], ...model.filter(([k]) => k !== key)].slice(0, capacity);
          lru.set(key, i);
        } else {
          model = [];
          lru.clear();
        }
        expect(lru.size).toBe(model.length);
      }
      for (const [k, v] of model) expect(lru.get(k)).toBe(v);
    }
  });

  it('accepts gzip unless refused with q=0', () => {
    expect(acceptsGzip('gzip, deflate, br')).toBe(true);
    expect(acceptsGzip('br;q=1.0, gzip;q=0.8')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('deflate')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});
