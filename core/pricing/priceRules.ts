// The price and availability rules of SPEC 7, as pure functions over what the ERP holds for one product,
// one customer and one warehouse. No I/O here: the PriceSource gathers the facts, these decide.
import type { PriceAnswer } from '../contracts/adminApi.js';

export interface PriceLevelBreak {
  qtyBreak: number;
  price: number;
}

/** What the ERP holds about one product, seen by one customer in one warehouse. */
export interface ProductFacts {
  conditionCode: string;
  basePrice: number | null;
  /** deb_special_price of this customer for this product. */
  specialPrice: number | null;
  /** stock_price rows of the customer's price_code, any order. */
  levels: readonly PriceLevelBreak[];
  /** stock_warehouse_detail of this warehouse; null: the product is not stocked there. */
  stock: { onHand: number; committed: number } | null;
}

/** The facts of one lookup: null customer / product means the ERP does not know it. */
export interface LookupFacts {
  customerKnown: boolean;
  warehouseKnown: boolean;
  product: ProductFacts | null;
}

export type PriceOutcome =
  | { kind: 'answer'; answer: PriceAnswer }
  | { kind: 'unknown'; what: 'customer' | 'product' | 'warehouse'; message: string };

export interface Priced {
  unitPrice: number | null;
  priceSource: 'manual' | 'special' | 'level' | 'base' | null;
}

/** The break that applies: the largest qty_break not above the quantity. */
export function bestBreak(levels: readonly PriceLevelBreak[], quantity: number): PriceLevelBreak | null {
  let best: PriceLevelBreak | null = null;
  for (const l of levels) {
    if (l.qtyBreak <= quantity && (best === null || l.qtyBreak > best.qtyBreak)) best = l;
  }
  return best;
}

/**
 * The web's manual price for this customer and product (PricingOverride, Source MANUAL), else the customer
 * special, else the customer's price level at the best quantity break, else base.
 */
export function resolvePrice(p: ProductFacts, quantity: number, manualPrice: number | null = null): Priced {
  if (manualPrice !== null) return { unitPrice: manualPrice, priceSource: 'manual' };
  if (p.specialPrice !== null) return { unitPrice: p.specialPrice, priceSource: 'special' };
  const level = bestBreak(p.levels, quantity);
  if (level) return { unitPrice: level.price, priceSource: 'level' };
  if (p.basePrice !== null) return { unitPrice: p.basePrice, priceSource: 'base' };
  return { unitPrice: null, priceSource: null };
}

export function isInvalidCondition(conditionCode: string, invalidCodes: ReadonlySet<string>): boolean {
  const c = conditionCode.trim().toUpperCase();
  return c !== '' && invalidCodes.has(c);
}

/**
 * On hand minus committed in the warehouse, never below 0 (over-committed stock is simply none). A product
 * whose condition code is invalid is unavailable whatever the warehouse holds.
 */
export function availability(p: ProductFacts, invalidCodes: ReadonlySet<string>): { available: number; onHand: number } {
  const onHand = p.stock?.onHand ?? 0;
  if (isInvalidCondition(p.conditionCode, invalidCodes)) return { available: 0, onHand };
  const available = p.stock ? Math.max(0, p.stock.onHand - p.stock.committed) : 0;
  return { available, onHand };
}

export interface PriceRequestKey {
  product: string;
  customer: string;
  warehouse: string;
  quantity: number;
}

/** The whole answer for one request, or which of customer / product / warehouse the ERP does not know. */
export function priceAnswer(req: PriceRequestKey, facts: LookupFacts, invalidCodes: ReadonlySet<string>, manualPrice: number | null = null): PriceOutcome {
  if (!facts.customerKnown) return { kind: 'unknown', what: 'customer', message: `unknown customer "${req.customer}"` };
  if (!facts.product) return { kind: 'unknown', what: 'product', message: `unknown product "${req.product}"` };
  if (!facts.warehouseKnown) return { kind: 'unknown', what: 'warehouse', message: `unknown warehouse "${req.warehouse}"` };
  const price = resolvePrice(facts.product, req.quantity, manualPrice);
  const stock = availability(facts.product, invalidCodes);
  return {
    kind: 'answer',
    answer: {
      product: req.product,
      customer: req.customer,
      warehouse: req.warehouse,
      quantity: req.quantity,
      unitPrice: price.unitPrice,
      priceSource: price.priceSource,
      available: stock.available,
      onHand: stock.onHand,
    },
  };
}

/** The Invalid Condition Codes setting as a set of upper-case codes. */
export function invalidCodeSet(codes: readonly string[]): ReadonlySet<string> {
  return new Set(codes.map((c) => c.trim().toUpperCase()).filter(Boolean));
}
