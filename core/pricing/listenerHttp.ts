// What the pricing listener and the ERP listener share: the API key check, gzip above a threshold, request
// logging, and one error handler that answers {error} and never shows internals (stack, SQL, paths, keys).
import crypto from 'node:crypto';
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

/** Constant-time comparison whatever the lengths: both sides are hashed to the same size first. */
function sameKey(given: unknown, expectedDigest: Buffer): boolean {
  if (typeof given !== 'string') return false;
  return crypto.timingSafeEqual(crypto.createHash('sha256').update(given).digest(), expectedDigest);
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
  const expected = o.apiKey ? crypto.createHash('sha256').update(o.apiKey).digest() : null;
  if (expected) {
    app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      if (!sameKey(req.headers['x-api-key'], expected)) {
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
    app.addHook('onResponse', async (req, reply) => {
      o.logger.info({ listener: o.name, method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 }, `${req.method} ${req.url} ${reply.statusCode}`);
    });
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
