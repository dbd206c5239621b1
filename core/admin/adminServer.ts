// The admin API (SPEC 10) and the static UI. Loopback only, a per-install Bearer token on every /api route,
// a Host-header check against DNS rebinding, and one error handler that keeps 5xx details in the log. The routes
// themselves are in routes/, one file per area (settings, events, customers, pricing, logs).
import crypto from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { API, type ErrorBody } from '../contracts/adminApi.js';
import { SettingsError, secretsOf } from '../settings/settingsFile.js';
import { scrub } from '../logging/logger.js';
import type { Integrator } from '../worker/integrator.js';
import { ActionError } from '../customers/actions.js';
import { FatalError, RetryableError, userMessage } from '../errors.js';
import { DsnError } from '../db/dsn.js';
import type { Logger } from '../logging/logger.js';
import { CSP, DEFAULT_UI_DIR, resolveUiFile } from './static.js';
import { registerFirstRunRoutes } from './firstRun.js';
import { ADMIN_CONNECTION_LIMITS, applyConnectionLimits, connectionOptions, type ConnectionLimits } from '../connectionLimits.js';
import { foreignProblem, isApiPath, targetProblem } from './requestGuard.js';
import { HttpError } from './httpError.js';
import type { AdminContext } from './routes/context.js';
import { registerSettingsRoutes } from './routes/settings.js';
import { registerEventRoutes } from './routes/events.js';
import { registerCustomerRoutes } from './routes/customers.js';
import { registerPricingRoutes } from './routes/pricing.js';
import { registerLogRoutes } from './routes/logs.js';

export { HttpError } from './httpError.js';

export interface AdminServerOptions {
  integrator: Integrator;
  logger: Logger;
  /** Folder of the built UI (default renderer/dist). */
  uiDir?: string;
  /** Host names accepted in the Host header besides 127.0.0.1, localhost and ::1. */
  allowedHosts?: readonly string[];
  /** Open progress streams one token may hold (default DEFAULT_MAX_STREAMS_PER_TOKEN). */
  maxStreamsPerToken?: number;
  /** Default ADMIN_CONNECTION_LIMITS. */
  connectionLimits?: ConnectionLimits;
}

export const DEFAULT_MAX_STREAMS_PER_TOKEN = 8;

/**
 * The log level of an error answer. A refusal the API means to give (bad input, a conflict, a capability that is
 * off: 501, a database that is away: 503) is not a failure of the integrator; only a real 500 is logged as error.
 * A wrong token or a foreign Host header is a warning: someone may be trying the door.
 */
export function refusalLogLevel(status: number): 'info' | 'warn' | 'error' {
  if (status === 401 || status === 403 || status === 501 || status === 503) return 'warn';
  if (status >= 400 && status < 500) return 'info';
  return 'error';
}

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];

/** The host name of a Host header, without the port ("[::1]:8090" -> "::1"). */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(1, end) : null;
  }
  return h.replace(/:\d+$/, '');
}


function safeEqual(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y) && a.length === b.length;
}


export async function buildAdminServer(options: AdminServerOptions): Promise<FastifyInstance> {
  const { integrator } = options;
  const logger = options.logger.child({ component: 'admin' });
  const uiDir = options.uiDir ?? DEFAULT_UI_DIR;
  const allowed = new Set([...LOOPBACK, ...(options.allowedHosts ?? []).map((h) => h.toLowerCase())]);
  const limits = options.connectionLimits ?? ADMIN_CONNECTION_LIMITS;
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, forceCloseConnections: true, ...connectionOptions(limits) });
  applyConnectionLimits(app.server, limits);
  // A POST without a body but with a JSON content type (fetch wrappers do this) is an empty object, not a 400.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new HttpError(400, 'the request body is not valid JSON'), undefined);
    }
  });

  const token = () => integrator.applied.adminToken ?? '';
  const secrets = () => secretsOf(integrator.applied);

  // Authorisation follows the route fastify matched, never the raw URL: every route needs the token unless it is
  // declared public (the UI page); a request no route matched needs it when its path, in any case and decoded,
  // names the API. A target that is not a plain path is refused first, so what is authorised is what is routed.
  app.addHook('onRequest', async (req, reply) => {
    reply.header('Content-Security-Policy', CSP);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('Cache-Control', 'no-store');
    const target = req.raw.url ?? '';
    const host = hostName(req.headers.host);
    if (!host || !allowed.has(host)) throw new HttpError(403, 'Host header not allowed: open the admin UI at http://127.0.0.1:<port>/');
    const matched = req.routeOptions.url !== undefined;
    const isPublic = matched ? (req.routeOptions.config as { public?: boolean }).public === true : !isApiPath(target);
    const foreign = foreignProblem(req.headers, String(req.headers.host), isPublic && (req.method === 'GET' || req.method === 'HEAD'));
    if (foreign) throw new HttpError(403, foreign);
    const problem = targetProblem(target);
    if (problem) throw new HttpError(400, `request target refused: ${problem}; send a plain path such as /api/status`);
    if (isPublic) return;
    const header = req.headers.authorization ?? '';
    const given = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? '';
    const expected = token();
    if (!given || !expected || !safeEqual(given, expected)) {
      reply.header('WWW-Authenticate', 'Bearer');
      throw new HttpError(401, 'missing or wrong admin token (Authorization: Bearer <token>)');
    }
  });

  app.setErrorHandler((err: unknown, req: FastifyRequest, reply: FastifyReply) => {
    let status = 500;
    let body: ErrorBody = { error: 'internal error: see the integrator log' };
    if (err instanceof HttpError) {
      status = err.statusCode;
      body = { error: err.message, ...(err.fieldErrors ? { fieldErrors: err.fieldErrors } : {}) };
    } else if (err instanceof ZodError) {
      status = 400;
      body = { error: err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') };
    } else if (err instanceof ActionError) {
      status = err.status;
      body = { error: err.message };
    } else if (err instanceof SettingsError) {
      status = err.fieldErrors.length ? 400 : 409;
      body = { error: err.message, ...(err.fieldErrors.length ? { fieldErrors: err.fieldErrors } : {}) };
    } else if (err instanceof RetryableError || err instanceof DsnError) {
      // A database that is away right now: say which and why, without secrets.
      status = 503;
      body = { error: scrub(userMessage(err), secrets()) };
    } else if (err instanceof FatalError) {
      status = 500;
      body = { error: scrub(userMessage(err), secrets()) };
    } else {
      const e = err as { statusCode?: number; message?: string };
      if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
        status = e.statusCode;
        body = { error: e.message ?? 'bad request' };
      }
    }
    const level = refusalLogLevel(status);
    if (level === 'error') logger.error({ err, url: req.url, method: req.method, status }, 'admin request failed');
    else logger[level]({ url: req.url.split('?')[0], method: req.method, status, reason: body.error }, 'admin request refused');
    void reply.status(status).type('application/json; charset=utf-8').send(body);
  });

  app.setNotFoundHandler((req, reply) => {
    if (isApiPath(req.url) || req.method !== 'GET') return reply.status(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}` });
    const file = resolveUiFile(uiDir, req.url);
    if (!file) return reply.status(404).type('text/plain; charset=utf-8').send('not found');
    return reply.status(file.status).type(file.type).send(file.body);
  });

  app.get('/', { config: { public: true } }, (_req, reply) => {
    const file = resolveUiFile(uiDir, '/index.html')!;
    return reply.type(file.type).send(file.body);
  });

  app.get(API.status, async () => integrator.status());

  const context: AdminContext = { integrator, logger, secrets, maxStreams: options.maxStreamsPerToken ?? DEFAULT_MAX_STREAMS_PER_TOKEN };
  registerFirstRunRoutes(app, { integrator, logger });
  registerSettingsRoutes(app, context);
  registerEventRoutes(app, context);
  registerCustomerRoutes(app, context);
  registerPricingRoutes(app, context);
  registerLogRoutes(app, context);

  return app;
}

/** Listens on 127.0.0.1 (port 0 picks a free one) and returns the base URL with the real port. */
export async function listenAdmin(app: FastifyInstance, port: number, host = '127.0.0.1'): Promise<string> {
  await app.listen({ port, host });
  const addr = app.server.address();
  const real = typeof addr === 'object' && addr ? addr.port : port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${real}`;
}

/** The admin token of an install: the saved one, or a new random one saved now (first start). */
export function newAdminToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}
