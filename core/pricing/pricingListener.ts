// The live pricing/availability listener (SPEC 7): GET /price, POST /prices, GET /health over the cached
// pricing service. Input is checked with the shared schemas; every bad field is a 400 naming it. A GET /price
// already answered since the last refresh is answered again in front of fastify, from its answer's text.
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { PriceAnswer } from '../contracts/adminApi.js';
import {
  PRICING_ROUTES,
  PriceQuerySchema,
  PricesRequestSchema,
  type PricesRequest,
} from '../contracts/pricingApi.js';
import { apiKeyCheck, HttpError, installListenerHttp, listenerServerOptions, logRequest, serveInFront, type ListenerHttpOptions } from './listenerHttp.js';
import { PricingError, type PricingService } from './pricingService.js';

/** What fastify sends with a serialised object; the lean path sends the same. */
const JSON_TYPE = 'application/json; charset=utf-8';

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

/**
 * The answer as JSON text. A figure the ERP holds as something other than a number (text in a price or stock
 * column) fails the request as a 500 whose detail goes to the log, as fastify's serialiser did: never a `null`
 * that reads as "no price".
 */
function answerText(a: PriceAnswer): string {
  for (const field of ['quantity', 'unitPrice', 'available', 'onHand'] as const) {
    if (Number.isNaN(a[field])) throw new Error(`price answer: ${field} of product "${a.product}" is not a number (the ERP holds something else there)`);
  }
  return JSON.stringify(a);
}

function asHttp(err: unknown): unknown {
  return err instanceof PricingError ? new HttpError(err.status, err.message) : err;
}

/**
 * The lean path: a GET whose target (the raw request target, query string and all) was answered 200 by the route
 * below since the last refresh, with the API key right when one is set. Its answer's text is sent as it was; every
 * other request, a wrong key included, goes on to fastify, which answers as it always did. Only answers that go
 * out uncompressed are kept, so no Accept-Encoding can change what this path would have to send.
 */
function repeatedPriceAnswers(service: PricingService, options: PricingListenerOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const keyOk = apiKeyCheck(options.apiKey);
  const log = options.verbose ? { logger: options.logger, name: 'pricing' } : null;
  return (req, res) => {
    if (req.method !== 'GET') return false;
    const started = log ? performance.now() : 0;
    if (keyOk && !keyOk(req.headers['x-api-key'])) return false;
    const url = req.url ?? '';
    const text = service.answered(url);
    if (text === undefined) return false;
    res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
    res.end(text);
    if (log) logRequest(log, 'GET', url, 200, performance.now() - started);
    return true;
  };
}

export function buildPricingListener(service: PricingService, options: PricingListenerOptions): FastifyInstance {
  const app = Fastify(listenerServerOptions(options));
  installListenerHttp(app, { ...options, name: 'pricing' });
  // JSON only: a text body would otherwise reach the handler as a string.
  app.removeContentTypeParser('text/plain');
  serveInFront(app, repeatedPriceAnswers(service, options));
  const threshold = options.compressAboveBytes;

  app.get(PRICING_ROUTES.price, async (req, reply) => {
    const q = parseQuery(req.query);
    const generation = service.generation;
    let text: string;
    try {
      text = answerText(await service.price(q));
    } catch (err) {
      throw asHttp(err);
    }
    // Kept for the lean path only when it leaves as it is (the compression hook passes it unchanged).
    if (threshold === undefined || Buffer.byteLength(text) <= threshold) service.keep(req.url, text, generation);
    return reply.type(JSON_TYPE).send(text);
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
