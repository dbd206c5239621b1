// Runs: Run now (through the run pipeline; 409 naming who runs the event), progress to poll and to stream, history.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { API } from '../../contracts/adminApi.js';
import { EventNameSchema } from '../../contracts/events.js';
import { CSP } from '../static.js';
import { HttpError } from '../httpError.js';
import { listRuns } from '../queries.js';
import { tokenKey, type AdminContext } from './context.js';

const RunQuerySchema = z.object({ all: z.enum(['1', 'true', '0', 'false']).optional() });
const RunsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(1000).optional(), event: z.string().max(40).optional() });

export function registerEventRoutes(app: FastifyInstance, { integrator, maxStreams }: AdminContext): void {
  /** Open progress streams, with a digest of the token each was opened with. */
  const streams = new Map<FastifyReply, string>();

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

  app.addHook('preClose', async () => {
    for (const s of streams.keys()) s.raw.end();
    streams.clear();
  });
}
