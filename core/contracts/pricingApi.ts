// The live pricing/availability API (SPEC 7) and the ERP change listener, typed once for the listener,
// `integrator test-pricing`, the admin API and the web store's callers.
import { z } from 'zod';
import { PriceAnswerSchema } from './adminApi.js';

/** Keys of the running services' endpoints (runtime file, status, `integrator run` output). */
export const PRICING_ENDPOINT = 'Pricing listener';
export const ERP_ENDPOINT = 'ERP listener';

export const PRICING_ROUTES = {
  price: '/price',
  prices: '/prices',
  health: '/health',
} as const;
export const ERP_LISTENER_ROUTES = {
  notify: '/erp/notify',
  health: '/health',
} as const;

/** A cart may hold this many lines; more is a 400 naming `lines`. */
export const MAX_PRICE_LINES = 500;
/** Request bodies above this size are a 400 naming `body`. */
export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_QUANTITY = 1_000_000_000;
export const MAX_CODE_LENGTH = 60;

const code = (field: string) =>
  z
    .string({ error: (i) => (i.input === undefined ? `${field} is required` : `${field} must be text`) })
    .trim()
    .min(1, { error: `${field} is required` })
    .max(MAX_CODE_LENGTH, { error: `${field} must be at most ${MAX_CODE_LENGTH} characters` });

/** Accepts a number or numeric text (query strings are text); names the field in every message. */
const quantity = (field: string) =>
  z
    .unknown()
    .transform((v, ctx) => {
      if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
        ctx.addIssue({ code: 'custom', message: `${field} is required` });
        return z.NEVER;
      }
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(v) ? Number(v) : NaN;
      if (!Number.isFinite(n)) {
        ctx.addIssue({ code: 'custom', message: `${field} must be a number` });
        return z.NEVER;
      }
      if (n <= 0) {
        ctx.addIssue({ code: 'custom', message: `${field} must be greater than 0` });
        return z.NEVER;
      }
      if (n > MAX_QUANTITY) {
        ctx.addIssue({ code: 'custom', message: `${field} must be at most ${MAX_QUANTITY}` });
        return z.NEVER;
      }
      return n;
    });

/** GET /price?product=&customer=&warehouse=&quantity= */
export const PriceQuerySchema = z.object({
  product: code('product'),
  customer: code('customer'),
  warehouse: code('warehouse'),
  quantity: quantity('quantity'),
});
export type PriceQuery = z.infer<typeof PriceQuerySchema>;

/** One cart line. Messages start with the field's own name; the listener puts the line's path in front. */
export const PriceLineSchema = z.object(
  { product: code('product'), quantity: quantity('quantity') },
  { error: 'must be an object {product, quantity}' },
);

/** POST /prices: a whole cart in one call. */
export const PricesRequestSchema = z.object(
  {
    customer: code('customer'),
    warehouse: code('warehouse'),
    lines: z
      .array(PriceLineSchema, { error: (i) => (i.input === undefined ? 'lines is required' : 'lines must be a list of {product, quantity}') })
      .min(1, { error: 'lines must hold at least one line' })
      .max(MAX_PRICE_LINES, { error: `lines must hold at most ${MAX_PRICE_LINES} lines` }),
  },
  { error: 'body must be a JSON object {customer, warehouse, lines}' },
);

export interface PriceRequestLine {
  product: string;
  quantity: number;
}
export interface PricesRequest {
  customer: string;
  warehouse: string;
  lines: PriceRequestLine[];
}

/** A cart line whose product the ERP does not know: the rest of the cart is still priced. */
export const PriceLineErrorSchema = z.object({ product: z.string(), quantity: z.number(), error: z.string() });
export const PricesResponseSchema = z.object({
  customer: z.string(),
  warehouse: z.string(),
  lines: z.array(z.union([PriceAnswerSchema, PriceLineErrorSchema])),
});
export type PricesResponse = z.infer<typeof PricesResponseSchema>;

export const PricingHealthSchema = z.object({
  ok: z.boolean(),
  erp: z.enum(['ok', 'unreachable', 'unknown']),
  cache: z.object({ entries: z.number().int(), capacity: z.number().int(), hits: z.number().int(), misses: z.number().int(), refreshedAt: z.string().nullable() }),
  error: z.string().optional(),
});
export type PricingHealth = z.infer<typeof PricingHealthSchema>;

export const ErpNotifyResponseSchema = z.object({ refreshed: z.boolean(), at: z.string() });

export const PricingErrorBodySchema = z.object({ error: z.string() });
