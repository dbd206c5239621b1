// The pricing listener's GET /price as a plain fastify route (query parsed and checked per request, the answer
// serialised through a compiled response schema, no lean path in front): the reference the listener's answers are
// compared with, byte for byte.
import Fastify, { type FastifyInstance } from 'fastify';
import { PRICING_ROUTES, PriceQuerySchema } from '../../core/contracts/pricingApi.js';
import { HttpError, installListenerHttp, listenerServerOptions } from '../../core/pricing/listenerHttp.js';
import { firstIssue, type PricingListenerOptions } from '../../core/pricing/pricingListener.js';
import { PricingError, type PricingService } from '../../core/pricing/pricingService.js';

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

function parseQuery(query: unknown) {
  const q = (query ?? {}) as Record<string, unknown>;
  for (const field of ['product', 'customer', 'warehouse', 'quantity']) {
    if (Array.isArray(q[field])) throw new HttpError(400, `${field} must be given once`);
  }
  const r = PriceQuerySchema.safeParse(q);
  if (!r.success) throw new HttpError(400, firstIssue(r.error, 'bad query'));
  return r.data;
}

export function buildReferencePriceRoute(service: PricingService, options: PricingListenerOptions): FastifyInstance {
  const app = Fastify(listenerServerOptions(options));
  installListenerHttp(app, { ...options, name: 'pricing' });
  app.removeContentTypeParser('text/plain');
  app.get(PRICING_ROUTES.price, { schema: { response: { 200: PRICE_ANSWER_JSON_SCHEMA } } }, async (req) => {
    const q = parseQuery(req.query);
    try {
      return await service.price(q);
    } catch (err) {
      throw err instanceof PricingError ? new HttpError(err.status, err.message) : err;
    }
  });
  return app;
}
