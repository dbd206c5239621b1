// What the pricing listener and the ERP listener share: the API key check, gzip above a threshold, request
// logging, one error handler that answers {error} and never shows internals (stack, SQL, paths, keys), and a place
// in front of fastify for a lean path that answers some requests without its pipeline.
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { LISTENER_CONNECTION_LIMITS, applyConnectionLimits, connectionOptions, type ConnectionLimits } from '../connectionLimits.js';
import type { Logger } from '../logging/logger.js';
import { MAX_BODY_BYTES } from '../contracts/pricingApi.js';
import { FatalError } from '../errors.js';

/** An answer with a status the caller should see, and a message safe to show. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ListenerHttpOptions {
  logger: Logger;
  /** When set, every request must carry it in X-Api-Key. */
  apiKey?: string;
  /** Bodies larger than this many bytes are gzip-compressed for callers that accept gzip; undefined: never. */
  compressAboveBytes?: number;
  /** Log every request with its timing. */
  verbose?: boolean;
  /** Names the listener in logs. */
  name: string;
  /** Default LISTENER_CONNECTION_LIMITS. */
  connectionLimits?: ConnectionLimits;
}

/** The fastify options both listeners are built with: body size, the connection limits, 503 while closing. */
export function listenerServerOptions(o: Pick<ListenerHttpOptions, 'connectionLimits'>): FastifyServerOptions {
  return { logger: false, bodyLimit: MAX_BODY_BYTES, return503OnClosing: true, ...connectionOptions(o.connectionLimits ?? LISTENER_CONNECTION_LIMITS) };
}

/**
 * The X-Api-Key check for this key, or null when no key is set (every request passes). Constant-time whatever the
 * lengths: both sides are hashed to the same size first.
 */
export function apiKeyCheck(apiKey: string | undefined): ((given: unknown) => boolean) | null {
  if (!apiKey) return null;
  const expected = crypto.createHash('sha256').update(apiKey).digest();
  return (given) => typeof given === 'string' && crypto.timingSafeEqual(crypto.createHash('sha256').update(given).digest(), expected);
}

/** The verbose request log line, the same whichever path answered. */
export function logRequest(o: Pick<ListenerHttpOptions, 'logger' | 'name'>, method: string, url: string, status: number, ms: number): void {
  o.logger.info({ listener: o.name, method, url, status, ms: Math.round(ms * 100) / 100 }, `${method} ${url} ${status}`);
}

/** q=0 turns an encoding off ("gzip;q=0"). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const part of text.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (name !== 'gzip' && name !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (!q || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

const CLIENT_ERRORS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: `body must be at most ${MAX_BODY_BYTES} bytes`,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'body must be JSON (Content-Type: application/json)',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'body length does not match Content-Length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'body is required',
  FST_ERR_CTP_INVALID_JSON_BODY: 'body is not valid JSON',
};

export function installListenerHttp(app: FastifyInstance, o: ListenerHttpOptions): void {
  applyConnectionLimits(app.server, o.connectionLimits ?? LISTENER_CONNECTION_LIMITS);
  const keyOk = apiKeyCheck(o.apiKey);
  if (keyOk) {
    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      if (!keyOk(req.headers['x-api-key'])) {
        return reply.code(401).send({ error: req.headers['x-api-key'] === undefined ? 'X-Api-Key header is required' : 'X-Api-Key is wrong' });
      }
      return undefined;
    });
  }

  const threshold = o.compressAboveBytes;
  if (threshold !== undefined) {
    // A callback hook, not an async one: it runs on every answer, and most answers are small and leave at once.
    app.addHook('onSend', (req, reply, payload, done) => {
      // A string's byte length is at least its length and at most 3x it: measure only when that cannot decide.
      if (typeof payload !== 'string' || payload.length * 3 <= threshold || Buffer.byteLength(payload) <= threshold) return done(null, payload);
      reply.header('vary', 'accept-encoding');
      if (!acceptsGzip(req.headers['accept-encoding'])) return done(null, payload);
      reply.header('content-encoding', 'gzip');
      reply.removeHeader('content-length');
      zlib.gzip(payload, (err, zipped) => (err ? done(err) : done(null, zipped)));
    });
  }

  if (o.verbose) {
    app.addHook('onResponse', async (req, reply) => logRequest(o, req.method, req.url, reply.statusCode, reply.elapsedTime));
  }

  app.setNotFoundHandler(async (req, reply) => reply.code(404).send({ error: `no such route: ${req.method} ${req.url.split('?')[0].slice(0, 100)}` }));

  app.setErrorHandler(async (err: Error & { code?: string; statusCode?: number }, req, reply) => {
    if (err instanceof HttpError) return reply.code(err.status).send({ error: err.message });
    const known = err.code ? CLIENT_ERRORS[err.code] : undefined;
    if (known) return reply.code(400).send({ error: known });
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(400).send({ error: 'bad request' });
    }
    // Anything else is ours: the detail goes to the log, the caller gets one plain sentence.
    o.logger.error({ err, listener: o.name, method: req.method, url: req.url }, 'live listener request failed');
    return reply.code(500).send({ error: 'internal error' });
  });
}

/**
 * Puts `serve` in front of fastify on the listener's own server (same socket, connection limits and deadlines):
 * it answers the requests it can and returns true, or returns false having written nothing, and fastify handles
 * the request as if nothing stood in front. From the moment the listener starts closing everything goes to
 * fastify, which answers 503.
 */
export function serveInFront(app: FastifyInstance, serve: (req: IncomingMessage, res: ServerResponse) => boolean): void {
  const server = app.server;
  const fastifyHandler = app.routing;
  // fastify registers its handler as the server's first 'request' listener; it is swapped for one that asks `serve` first.
  if (server.listeners('request')[0] !== fastifyHandler) throw new Error('serveInFront: fastify\'s request handler is not the server\'s first listener');
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  server.removeListener('request', fastifyHandler);
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (closing || !serve(req, res)) fastifyHandler(req, res);
  });
}

/** Listens, or fails with one sentence naming the setting to change (a port in use, an address not on this machine). */
export async function listenOrExplain(app: FastifyInstance, host: string, port: number, what: string): Promise<void> {
  try {
    await app.listen({ host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is in use' : code === 'EADDRNOTAVAIL' ? 'the address is not on this machine' : code === 'EACCES' ? 'permission denied' : (code ?? 'failed');
    throw new FatalError(`${what} cannot listen on ${host}:${port}: ${why}`, { cause: err });
  }
}

/** `http://host:port` of a listening fastify app, for the endpoints the worker prints. */
export function listenUrl(app: FastifyInstance, host: string): string {
  const addr = app.server.address();
  const port = addr && typeof addr === 'object' ? addr.port : 0;
  const h = host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}
