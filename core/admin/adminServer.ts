// The admin API (SPEC 10) and the static UI. Loopback only, a per-install Bearer token on every /api route,
// a Host-header check against DNS rebinding, and one error handler that keeps 5xx details in the log.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z, ZodError } from 'zod';
import {
  API,
  CUSTOMER_ACTIONS as CUSTOMER_ACTION_NAMES,
  CustomersQuerySchema,
  SettingsBodySchema,
  TestPricingRequestSchema,
  type ErrorBody,
  type PriceAnswer,
} from '../contracts/adminApi.js';
import { EventNameSchema } from '../contracts/events.js';
import { SETTINGS, SETTINGS_BY_KEY, SETTING_GROUPS, coerceSettingInput, validateSettings, formatFieldError, type SettingsValues } from '../contracts/settings.schema.js';
import { loadSettings, saveSettings, SettingsError, scrub, secretsOf } from '../settings/settingsFile.js';
import { settingsRuleErrors } from '../settings/settingsRules.js';
import type { Integrator } from '../worker/integrator.js';
import { CUSTOMER_ACTIONS, ActionError } from '../customers/actions.js';
import { listBlockedUsers } from '../customers/blockedUsers.js';
import { runConfigCheck } from '../customers/checkConfig.js';
import { FatalError, RetryableError, userMessage } from '../errors.js';
import { DsnError, parseDsn } from '../db/dsn.js';
import { redactSettingsForUi, restoreRedacted } from './settingsSecrets.js';
import { exportLogs, logsDir } from '../logging/exportLogs.js';
import { logFile, type Logger } from '../logging/logger.js';
import { listConversions, listRuns, tailLog } from './queries.js';
import { getCustomer, listCustomers } from '../customers/customerList.js';
import { CSP, DEFAULT_UI_DIR, resolveUiFile } from './static.js';
import { registerFirstRunRoutes } from './firstRun.js';
import { PricingError } from '../pricing/pricingService.js';
import { ADMIN_CONNECTION_LIMITS, applyConnectionLimits, connectionOptions, type ConnectionLimits } from '../connectionLimits.js';
import { foreignProblem, isApiPath, targetProblem } from './requestGuard.js';

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

/** A refusal with its HTTP status and one clear sentence. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly fieldErrors?: ErrorBody['fieldErrors'],
  ) {
    super(message);
  }
}

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

const tokenKey = (t: string) => crypto.createHash('sha256').update(t).digest('hex');

function safeEqual(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y) && a.length === b.length;
}

const RunQuerySchema = z.object({ all: z.enum(['1', 'true', '0', 'false']).optional() });
const RunsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(1000).optional(), event: z.string().max(40).optional() });
const ConversionsQuerySchema = z.object({ status: z.enum(['Pending', 'Processed', 'Failed']).optional(), limit: z.coerce.number().int().min(1).max(2000).optional() });
const TailQuerySchema = z.object({ lines: z.coerce.number().int().min(1).max(5000).optional(), level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).optional() });

/** Values typed in a form arrive as text: turn them into the setting's type so validation judges the value. */
function coerceBody(body: Record<string, unknown>): SettingsValues {
  const out: SettingsValues = {};
  for (const [k, v] of Object.entries(body)) {
    const def = SETTINGS_BY_KEY.get(k);
    out[k] = def && typeof v === 'string' && ['boolean', 'integer', 'port', 'json'].includes(def.type) ? coerceSettingInput(def, v) : v;
  }
  return out;
}

export async function buildAdminServer(options: AdminServerOptions): Promise<FastifyInstance> {
  const { integrator } = options;
  const logger = options.logger.child({ component: 'admin' });
  const uiDir = options.uiDir ?? DEFAULT_UI_DIR;
  const allowed = new Set([...LOOPBACK, ...(options.allowedHosts ?? []).map((h) => h.toLowerCase())]);
  const limits = options.connectionLimits ?? ADMIN_CONNECTION_LIMITS;
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, forceCloseConnections: true, ...connectionOptions(limits) });
  applyConnectionLimits(app.server, limits);
  /** Open progress streams, with a digest of the token each was opened with. */
  const streams = new Map<FastifyReply, string>();
  const maxStreams = options.maxStreamsPerToken ?? DEFAULT_MAX_STREAMS_PER_TOKEN;
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

  const token = () => String(integrator.applied.adminToken ?? '');
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

  registerFirstRunRoutes(app, { integrator, logger });

  // Secrets never travel to the UI: see settingsSecrets.ts for how they survive a round trip.
  app.get(API.settings, async () => redactSettingsForUi(integrator.saved().values));

  app.get(API.settingsSchema, async () => ({ groups: SETTING_GROUPS, settings: SETTINGS }));

  /** The body with its redacted parts restored, and every field error (DSN problems named without the password). */
  const checkBody = (raw: unknown) => {
    const restored = restoreRedacted(coerceBody(SettingsBodySchema.parse(raw ?? {})), integrator.saved().values);
    const body = restored.values;
    const fieldErrors = [...restored.fieldErrors, ...validateSettings(body)];
    // Rules between settings judge the saved settings with this change applied (a bad value is named once).
    if (!fieldErrors.length) fieldErrors.push(...settingsRuleErrors({ ...integrator.saved().values, ...body }, Object.keys(body)));
    for (const [k, v] of Object.entries(body)) {
      if (SETTINGS_BY_KEY.get(k)?.type !== 'dsn' || typeof v !== 'string' || fieldErrors.some((e) => e.key === k)) continue;
      try {
        parseDsn(v, integrator.settings.dir);
      } catch (err) {
        if (!(err instanceof DsnError)) throw err;
        fieldErrors.push({ key: k, label: SETTINGS_BY_KEY.get(k)!.label, message: scrub(err.message, secretsOf({ [k]: v })) });
      }
    }
    return { body, fieldErrors };
  };

  app.post(API.settingsValidate, async (req) => {
    const { fieldErrors } = checkBody(req.body);
    return { ok: fieldErrors.length === 0, fieldErrors };
  });

  app.put(API.settings, async (req) => {
    const { body, fieldErrors } = checkBody(req.body);
    // An empty or short token would lock every admin out after the next restart.
    if ('adminToken' in body && typeof body.adminToken === 'string' && body.adminToken.length < 16) {
      fieldErrors.push({ key: 'adminToken', label: SETTINGS_BY_KEY.get('adminToken')!.label, message: 'must be at least 16 characters' });
    }
    if (fieldErrors.length) {
      throw new HttpError(400, `${fieldErrors.length === 1 ? 'a setting is' : `${fieldErrors.length} settings are`} not valid: ${fieldErrors.map(formatFieldError).join('; ')}`, fieldErrors);
    }
    saveSettings(integrator.settings.file, body);
    const pendingChanges = integrator.pendingChanges();
    logger.info({ keys: Object.keys(body) }, 'settings saved from the admin UI');
    return { saved: Object.keys(body).sort(), restartRequired: pendingChanges.length > 0, pendingChanges };
  });

  app.post(API.restart, async (_req, reply) => {
    const before = integrator.pendingChanges();
    void integrator.restart('restart from the admin UI').catch((err) => logger.error({ err: userMessage(err) }, 'restart failed'));
    return reply.status(202).send({ accepted: true, applying: before, message: before.length ? `restarting to apply ${before.join(', ')}` : 'restarting' });
  });

  app.post('/api/events/:event/run', async (req, reply) => {
    const parsed = EventNameSchema.safeParse((req.params as { event: string }).event);
    if (!parsed.success) throw new HttpError(404, `unknown event "${(req.params as { event: string }).event}"`);
    const q = RunQuerySchema.parse(req.query ?? {});
    const all = q.all === '1' || q.all === 'true';
    const r = integrator.runNow(parsed.data, { all });
    if (r.done) void r.done.catch(() => undefined);
    const soon = <T>(p: Promise<T>) => Promise.race([p, new Promise<null>((resolve) => setTimeout(() => resolve(null), 1500).unref())]);
    // Another process's run of the event (or of one including its work) holds its lock: refused, naming it.
    const refusal = r.admitted ? await soon(r.admitted) : null;
    if (refusal) return reply.status(409).send({ accepted: false, event: parsed.data, runId: null, message: refusal });
    // Wait a moment for the run's id so the UI can follow it; the run goes on either way.
    const runId = r.runId ? await soon(r.runId) : null;
    return reply.status(r.accepted ? 202 : 409).send({ accepted: r.accepted, event: parsed.data, runId, message: r.message });
  });

  app.get(API.progress, async () => ({ progress: integrator.progress(), running: integrator.status().events.filter((e) => e.running).map((e) => e.event) }));

  // Live progress as Server-Sent Events, read by the UI with fetch (the token travels in the Authorization header,
  // never in the URL). One subscription to the integrator fans out to every stream, and each token holds at most
  // maxStreamsPerToken of them: an admin's tabs fit, a loop opening streams gets 429.
  const fanOut = (event: string) => (data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const s of streams.keys()) s.raw.write(frame);
  };
  const subscriptions = (['progress', 'run', 'state'] as const).map((event) => [event, fanOut(event)] as const);
  for (const [event, fn] of subscriptions) integrator.on(event, fn);
  app.addHook('onClose', async () => {
    for (const [event, fn] of subscriptions) integrator.off(event, fn);
  });

  app.get(API.progressStream, (req, reply) => {
    const owner = tokenKey(/^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? '');
    const held = [...streams.values()].filter((o) => o === owner).length;
    if (held >= maxStreams) throw new HttpError(429, `too many open progress streams (${maxStreams} per token): close one first`);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
    });
    // A stream is quiet between runs: the ping keeps it alive, the idle-connection timeout does not apply.
    req.raw.socket.setTimeout(0);
    res.write(`event: progress\ndata: ${JSON.stringify(integrator.progress())}\n\n`);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    streams.set(reply, owner);
    req.raw.on('close', () => {
      clearInterval(ping);
      streams.delete(reply);
    });
  });

  app.get(API.runs, async (req) => {
    const q = RunsQuerySchema.parse(req.query ?? {});
    return { runs: await integrator.withWeb((db) => listRuns(db, { limit: q.limit ?? 100, event: q.event })) };
  });

  app.get(API.customers, async (req) => {
    const q = CustomersQuerySchema.parse(req.query ?? {});
    return integrator.withWeb((db) => listCustomers(db, q));
  });

  // By its code or the code the web created it under (an approval gives it its ERP code); 404 when none.
  app.get('/api/customers/:code', async (req) => {
    const { code } = req.params as { code: string };
    return { customer: await integrator.withWeb((db) => getCustomer(db, code)) };
  });

  app.post('/api/customers/:code/:action', async (req) => {
    const { code, action: actionName } = req.params as { code: string; action: string };
    // Own entries only: "__proto__", "constructor" or "toString" name what every object has, not an action.
    const action = Object.hasOwn(CUSTOMER_ACTIONS, actionName) ? CUSTOMER_ACTIONS[actionName] : undefined;
    if (!action) {
      const known = (CUSTOMER_ACTION_NAMES as readonly string[]).includes(actionName);
      throw new HttpError(known ? 501 : 404, known ? `customer action "${actionName}" is not available in this edition` : `unknown customer action "${actionName}" (one of: ${Object.keys(CUSTOMER_ACTIONS).join(', ') || 'none'})`);
    }
    return integrator.withWeb(async (webDb) => {
      const message = await action.run(
        {
          webDb,
          erpDb: () => integrator.borrow('erp'),
          settings: integrator.applied,
          logger: logger.child({ action: actionName, customer: code }),
          now: () => new Date(),
        },
        code,
      );
      logger.info({ action: actionName, customer: code }, message);
      return { customer: await getCustomer(webDb, code), message };
    });
  });

  app.get(API.blockedUsers, async () => ({ users: await integrator.withWeb((db) => listBlockedUsers(db)) }));

  app.get(API.conversions, async (req) => {
    const q = ConversionsQuerySchema.parse(req.query ?? {});
    return integrator.withWeb((db) => listConversions(db, { status: q.status, limit: q.limit ?? 500 }));
  });

  app.post(API.testPricing, async (req) => {
    const body = TestPricingRequestSchema.parse(req.body ?? {});
    const svc = integrator.pricingService();
    if (!svc) {
      const why = integrator.status().pricingListener.error;
      throw new HttpError(503, `the pricing listener is not running${why ? ` (${why})` : ''}: turn on Enable Live Pricing/Availability Listener and restart`);
    }
    const started = performance.now();
    let answer: PriceAnswer;
    try {
      answer = await svc.price(body);
    } catch (err) {
      // What the listener answers for the same request: 404 naming the unknown code, 503 while the ERP is away.
      if (err instanceof PricingError) throw new HttpError(err.status, err.message);
      throw err;
    }
    return { ...answer, tookMs: Math.round((performance.now() - started) * 100) / 100 };
  });

  // The saved settings: what the next restart applies is what an admin wants checked after Apply.
  app.get(API.checkConfig, async () => runConfigCheck(loadSettings(integrator.settings.file)));

  app.get(API.logsTail, async (req) => {
    const q = TailQuerySchema.parse(req.query ?? {});
    const lines = tailLog(logFile(logsDir(integrator.settings)), { lines: q.lines ?? 200, level: q.level });
    return { lines: lines.map((l) => ({ ...l, msg: scrub(l.msg, secrets()) })) };
  });

  app.get(API.logsExport, async (_req, reply) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrator-export-'));
    try {
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
      const name = `integrator-logs-${stamp}.zip`;
      const r = await exportLogs(integrator.settings, path.join(dir, name));
      const body = fs.readFileSync(r.file);
      return reply.type('application/zip').header('Content-Disposition', `attachment; filename="${name}"`).send(body);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  app.addHook('preClose', async () => {
    for (const s of streams.keys()) s.raw.end();
    streams.clear();
  });

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
