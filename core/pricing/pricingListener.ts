// The live pricing/availability listener (SPEC 7): GET /price, POST /prices, GET /health over the cached
// pricing service. Input is checked with the shared schemas; every bad field is a 400 naming it.
import Fastify, { type FastifyInstance } from 'fastify';
import type { z } from 'zod';
import {
  PRICING_ROUTES,
  PriceQuerySchema,
  PricesRequestSchema,
  type PricesRequest,
} from '../contracts/pricingApi.js';
import { HttpError, installListenerHttp, listenerServerOptions, type ListenerHttpOptions } from './listenerHttp.js';
import { PricingError, type PricingService } from './pricingService.js';

const PRICE_ANSWER_JSON_SCHEMA = {
  type: 'object',
  properties: {
    product: { type: 'string' },
    customer: { type: 'string' },
    warehouse: { type: 'string' },
    quantity: { type: 'number' },
    unitPrice: { type: ['number', 'null'] },
    priceSource: { type: ['string', 'null'] },
    available: { type: 'number' },
    onHand: { type: 'number' },
  },
  required: ['product', 'customer', 'warehouse', 'quantity', 'unitPrice', 'priceSource', 'available', 'onHand'],
} as const;

export type PricingListenerOptions = Omit<ListenerHttpOptions, 'name'>;

/**
 * The first problem, as one sentence that names the field with its full path: our messages start with the
 * field's own name ("quantity must be a number"), which becomes "lines[3].quantity must be a number".
 */
export function firstIssue(error: z.ZodError, fallback: string): string {
  const issue = error.issues[0];
  if (!issue) return fallback;
  const full = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
  if (!full) return issue.message;
  const last = issue.path[issue.path.length - 1];
  if (typeof last === 'number') return `${full} ${issue.message}`;
  const own = String(last);
  return issue.message.startsWith(`${own} `) ? `${full}${issue.message.slice(own.length)}` : `${full}: ${issue.message}`;
}

function parseQuery(query: unknown) {
  const q = (query ?? {}) as Record<string, unknown>;
  for (const field of ['product', 'customer', 'warehouse', 'quantity']) {
    if (Array.isArray(q[field])) throw new HttpError(400, `${field} must be given once`);
  }
  const r = PriceQuerySchema.safeParse(q);
  if (!r.success) throw new HttpError(400, firstIssue(r.error, 'bad query'));
  return r.data;
}

function parseCart(body: unknown): PricesRequest {
  const r = PricesRequestSchema.safeParse(body);
  if (!r.success) throw new HttpError(400, firstIssue(r.error, 'bad body'));
  return r.data;
}

function asHttp(err: unknown): unknown {
  return err instanceof PricingError ? new HttpError(err.status, err.message) : err;
}

export function buildPricingListener(service: PricingService, options: PricingListenerOptions): FastifyInstance {
  const app = Fastify(listenerServerOptions(options));
  installListenerHttp(app, { ...options, name: 'pricing' });
  // JSON only: a text body would otherwise reach the handler as a string.
  app.removeContentTypeParser('text/plain');

  // A response schema lets fastify compile a serializer for the hot path instead of calling JSON.stringify.
  app.get(PRICING_ROUTES.price, { schema: { response: { 200: PRICE_ANSWER_JSON_SCHEMA } } }, async (req) => {
    const q = parseQuery(req.query);
    try {
      return await service.price(q);
    } catch (err) {
      throw asHttp(err);
    }
  });

  app.post(PRICING_ROUTES.prices, async (req) => {
    const cart = parseCart(req.body);
    try {
      return await service.prices(cart);
    } catch (err) {
      throw asHttp(err);
    }
  });

  app.get(PRICING_ROUTES.health, async (_req, reply) => {
    const h = await service.health();
    return reply.code(h.ok ? 200 : 503).send(h);
  });

  return app;
}
