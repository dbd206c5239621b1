// One runner per event, across processes and machines: the lock lives in the web database, where every instance
// meets. SQLite: a row in IntegrationLock, taken in one write transaction, kept fresh by a heartbeat, and taken over
// once the heartbeat is stale (or at once when its process is gone from this host). SQL Server: an application lock
// (sp_getapplock) owned by a session held for the run, which the server releases if the process dies; the row then
// only says who holds it.
import os from 'node:os';
import type { Db } from '../db/db.js';
import type { DbPool } from '../db/dbPool.js';
import type { Logger } from '../logging/logger.js';
import { EVENT_LABELS, EVENT_NAMES, type EventName } from '../contracts/events.js';
import { userMessage } from '../errors.js';

/** Who takes a lock: the process and the command it runs ("integrator run", "integrator send"). */
export interface LockHolder {
  command: string;
  host: string;
  pid: number;
}

export function thisProcess(command: string): LockHolder {
  return { command, host: os.hostname(), pid: process.pid };
}

export interface RunLockTiming {
  /** How often a holder writes its heartbeat. */
  heartbeatMs: number;
  /** A heartbeat older than this is stale: the holder is taken for dead and its lock is taken over. */
  staleMs: number;
}

/** The timing every lock uses unless told otherwise. */
export const RUN_LOCK_TIMING: RunLockTiming = { heartbeatMs: 10_000, staleMs: 45_000 };

/**
 * The lock each event takes. Customer Master runs Customer Conversions as its follow-on step, so the two share one:
 * neither runs beside the other, in any process.
 */
export const LOCK_RESOURCE: Readonly<Record<EventName, string>> = {
  'customer-master': 'customer-master',
  conversions: 'customer-master',
  orders: 'orders',
  statements: 'statements',
  'web-accounts': 'web-accounts',
};

/** The other events that share an event's lock. */
export function sharesLockWith(event: EventName): EventName[] {
  return EVENT_NAMES.filter((e) => e !== event && LOCK_RESOURCE[e] === LOCK_RESOURCE[event]);
}

/** A run that holds a lock, as the lock's row tells it. */
export interface HeldBy {
  event: EventName;
  runId: number | null;
  command: string;
  host: string;
  pid: number;
  startedAt: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** 10:02:11 today; 2025-03-01 10:02:11 on another day (local time). */
function clock(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return d.toDateString() === now.toDateString() ? time : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

/** "run 42, started 10:02:11 by integrator run on HOST pid 1234" */
export function describeHolder(h: HeldBy): string {
  return `${h.runId !== null ? `run ${h.runId}, ` : ''}started ${clock(h.startedAt)} by ${h.command} on ${h.host} pid ${h.pid}`;
}

/** The one line a refused start says: what runs, and (when known) who runs it. */
export function refusalLine(wanted: EventName, running: EventName, holder?: HeldBy): string {
  const who = holder ? ` (${describeHolder(holder)})` : '';
  if (running === wanted) return `${EVENT_LABELS[wanted]} is already running${who}`;
  const includes = running === 'customer-master' ? ' and includes its work' : '';
  return `${EVENT_LABELS[wanted]} waits: ${EVENT_LABELS[running]} is running${includes}${who}`;
}

/** A start refused because another run holds the event's lock: one line naming the holder. */
export class RunRefusedError extends Error {
  override name = 'RunRefusedError';
  constructor(
    readonly event: EventName,
    readonly holder: HeldBy | null,
    message: string,
  ) {
    super(message);
  }
}

interface LockRow {
  Resource: string;
  Event: string;
  RunId: number | null;
  Command: string | null;
  RunTrigger: string | null;
  Host: string | null;
  Pid: number | null;
  StartedAt: string | null;
  HeartbeatAt: string | null;
  Owner: string | null;
}

const toHeld = (r: LockRow): HeldBy => ({
  event: (EVENT_NAMES as readonly string[]).includes(r.Event) ? (r.Event as EventName) : 'customer-master',
  runId: r.RunId === null || r.RunId === undefined ? null : Number(r.RunId),
  command: String(r.Command ?? 'an integrator'),
  host: String(r.Host ?? '?'),
  pid: Number(r.Pid ?? 0),
  startedAt: String(r.StartedAt ?? ''),
});

/** Whether a process of this host is still there (EPERM: it is, under another user). */
function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface RunLockOptions {
  timing?: RunLockTiming;
  /** Wall clock, ms (default Date.now): heartbeats are real time, whatever clock the schedules keep. */
  now?(): number;
  logger?: Logger;
}

const appLock = (resource: string) => `integrator:${resource}`;

/** SQLite: whether a row's holder still holds it (a fresh heartbeat, and on this host a process still there). */
function rowLive(row: LockRow, timing: RunLockTiming, now: number): boolean {
  if (row.Host === os.hostname() && !processAlive(Number(row.Pid))) return false;
  const beat = Date.parse(String(row.HeartbeatAt ?? ''));
  return Number.isFinite(beat) && now - beat < timing.staleMs;
}

/** The runs whose lock is held now, by any process (for the status, and to tell a ghost run from a live one). */
export async function liveLocks(web: Db, options: RunLockOptions = {}): Promise<HeldBy[]> {
  const timing = options.timing ?? RUN_LOCK_TIMING;
  const now = (options.now ?? Date.now)();
  const rows = await web.all<LockRow>(`SELECT * FROM [IntegrationLock]`);
  const live: HeldBy[] = [];
  for (const row of rows) {
    if (web.kind === 'sqlite') {
      if (rowLive(row, timing, now)) live.push(toHeld(row));
      continue;
    }
    // SQL Server: held when the application lock cannot be granted to anyone else.
    const t = await web.get<{ free: number }>(`SELECT APPLOCK_TEST('public', @resource, 'Exclusive', 'Session') AS [free]`, { resource: appLock(row.Resource) });
    if (Number(t?.free) === 0) live.push(toHeld(row));
  }
  return live;
}

/** The events (each with those sharing its lock) that a live lock says are running now. */
export function runningEvents(live: readonly HeldBy[]): EventName[] {
  const resources = new Set(live.map((h) => LOCK_RESOURCE[h.event]));
  return EVENT_NAMES.filter((e) => resources.has(LOCK_RESOURCE[e]));
}

/** A lock held for one run. `lost` is aborted if another process took it over (this one looked dead). */
export class RunLock {
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private released = false;
  private beating: Promise<void> | null = null;
  private runId: number | null = null;

  private constructor(
    private readonly web: Db,
    /** SQL Server: the session that owns the application lock. */
    private readonly session: Db | null,
    private readonly row: LockRow,
    private readonly options: RunLockOptions,
  ) {}

  /** Aborted when the lock was lost: the run stops after its current batch. */
  get lost(): AbortSignal {
    return this.abort.signal;
  }

  get holder(): HeldBy {
    return { ...toHeld(this.row), runId: this.runId };
  }

  /**
   * Takes the event's lock for one run, or throws RunRefusedError naming who holds it. `web` is a connection of
   * `pool` (the web database) borrowed for the run.
   */
  static async take(pool: DbPool, web: Db, request: { event: EventName; trigger: string; holder: LockHolder }, options: RunLockOptions = {}): Promise<RunLock> {
    const timing = options.timing ?? RUN_LOCK_TIMING;
    const now = options.now ?? Date.now;
    const at = new Date(now()).toISOString();
    const resource = LOCK_RESOURCE[request.event];
    const row: LockRow = {
      Resource: resource,
      Event: request.event,
      RunId: null,
      Command: request.holder.command.slice(0, 100),
      RunTrigger: request.trigger.slice(0, 20),
      Host: request.holder.host.slice(0, 255),
      Pid: request.holder.pid,
      StartedAt: at,
      HeartbeatAt: at,
      Owner: `${request.holder.host}:${request.holder.pid}:${Math.random().toString(36).slice(2, 12)}`.slice(-64),
    };
    const refuse = (held: LockRow | undefined) => {
      const holder = held ? toHeld(held) : null;
      const running = holder?.event ?? request.event;
      const line = holder ? refusalLine(request.event, running, holder) : `${refusalLine(request.event, running)} (in another integrator, which has not said which run yet)`;
      return new RunRefusedError(request.event, holder, line);
    };
    let session: Db | null = null;
    if (web.kind === 'sqlite') {
      // One write transaction (BEGIN IMMEDIATE): two processes cannot both find the lock free.
      await web.transaction(async (tx) => {
        const held = await tx.get<LockRow>(`SELECT * FROM [IntegrationLock] WHERE [Resource] = @resource`, { resource });
        if (held && rowLive(held, timing, now())) throw refuse(held);
        if (held) options.logger?.warn({ event: request.event, holder: describeHolder(toHeld(held)) }, `${EVENT_LABELS[request.event]}: taking over the lock of a run that stopped answering (${describeHolder(toHeld(held))})`);
        await tx.upsert('IntegrationLock', ['Resource'], [row as unknown as Record<string, unknown>]);
      });
    } else {
      session = await pool.session();
      try {
        const got = await session.get<{ r: number }>(
          `DECLARE @r INT; EXEC @r = sp_getapplock @Resource = @resource, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0, @DbPrincipal = 'public'; SELECT @r AS [r]`,
          { resource: appLock(resource) },
        );
        if (Number(got?.r) < 0) throw refuse(await web.get<LockRow>(`SELECT * FROM [IntegrationLock] WHERE [Resource] = @resource`, { resource }));
        await web.upsert('IntegrationLock', ['Resource'], [row as unknown as Record<string, unknown>]);
      } catch (err) {
        await session.close().catch(() => undefined);
        throw err;
      }
    }
    const lock = new RunLock(web, session, row, options);
    lock.timer = setInterval(() => void lock.beat(), timing.heartbeatMs);
    lock.timer.unref();
    return lock;
  }

  /** The run's IntegrationRun id, once it has one: the refusal line of anyone else names it. */
  async attachRun(runId: number): Promise<void> {
    this.runId = runId;
    try {
      await this.web.run(`UPDATE [IntegrationLock] SET [RunId] = @runId WHERE [Resource] = @resource AND [Owner] = @owner`, { runId, resource: this.row.Resource, owner: this.row.Owner });
    } catch (err) {
      this.options.logger?.debug({ err: userMessage(err) }, 'could not name the run on its lock');
    }
  }

  /** Writes the heartbeat; finds out whether the lock is still this run's. */
  private beat(): Promise<void> {
    this.beating ??= (async () => {
      try {
        if (this.released) return;
        const at = new Date((this.options.now ?? Date.now)()).toISOString();
        const mine = await this.web.run(`UPDATE [IntegrationLock] SET [HeartbeatAt] = @at WHERE [Resource] = @resource AND [Owner] = @owner`, { at, resource: this.row.Resource, owner: this.row.Owner });
        if (!mine.changes) return this.lose();
        if (this.session) {
          let mode: string | undefined;
          try {
            mode = (await this.session.get<{ mode: string }>(`SELECT APPLOCK_MODE('public', @resource, 'Session') AS [mode]`, { resource: appLock(this.row.Resource) }))?.mode;
          } catch {
            // The session is gone, and the server released its lock with it.
          }
          if (mode !== 'Exclusive') this.lose();
        }
      } catch (err) {
        // The database away for a moment: the run finds out by itself; a later beat tries again.
        this.options.logger?.debug({ err: userMessage(err) }, 'run lock heartbeat not written');
      } finally {
        this.beating = null;
      }
    })();
    return this.beating;
  }

  private lose(): void {
    if (this.released || this.abort.signal.aborted) return;
    const line = `${EVENT_LABELS[this.row.Event as EventName]}: another process took over this run's lock (its heartbeat was stale); stopping after the current batch`;
    this.options.logger?.error({ event: this.row.Event, runId: this.runId }, line);
    this.abort.abort(new Error(line));
  }

  /** Lets the lock go (the row, and on SQL Server the application lock and its session). Never throws. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beating;
    if (this.session) {
      try {
        await this.session.run(`EXEC sp_releaseapplock @Resource = @resource, @LockOwner = 'Session', @DbPrincipal = 'public'`, { resource: appLock(this.row.Resource) });
      } catch {
        // Closing the session releases it as well.
      }
      await this.session.close().catch(() => undefined);
    }
    // After the application lock: a row another run wrote meanwhile is its own (another Owner) and stays.
    try {
      await this.web.run(`DELETE FROM [IntegrationLock] WHERE [Resource] = @resource AND [Owner] = @owner`, { resource: this.row.Resource, owner: this.row.Owner });
    } catch (err) {
      this.options.logger?.warn({ err: userMessage(err), event: this.row.Event }, 'could not remove the run lock row; it goes stale by itself');
    }
  }
}
