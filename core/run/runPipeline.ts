// The one way a run starts, whoever starts it (`integrator send`, the worker's schedules and retries, the admin API,
// the tray through the admin API): borrow the process's connections, take the event's lock in the web database,
// write the run's record, run, record the end, let the lock go.
import type { Db } from '../db/db.js';
import type { DbPool } from '../db/dbPool.js';
import type { Logger } from '../logging/logger.js';
import type { SettingsValues } from '../contracts/settings.schema.js';
import { EVENT_LABELS, type EventName, type Progress } from '../contracts/events.js';
import { runEvent, type RunOutcome } from '../events/runEvent.js';
import { markInterruptedRuns, recordFailedStart, runMode, type PendingRecords } from '../events/runRecord.js';
import { emptySummary } from '../events/types.js';
import { FatalError, isRetryable, userMessage } from '../errors.js';
import { liveLocks, RunLock, RunRefusedError, runningEvents, type LockHolder, type RunLockOptions } from './runLock.js';

export { RunRefusedError } from './runLock.js';

/** What started a run: a schedule, a retry after a failure, an admin (API, UI, tray), a command line. */
export type RunTrigger = 'schedule' | 'retry' | 'manual' | 'cli';

/** The process's connections: one pool per database (no ERP for the web-only conversions command). */
export interface RunConnections {
  web: DbPool;
  erp: DbPool | null;
}

export interface PipelineDeps {
  connections: RunConnections;
  /** The settings the process runs with. */
  settings: SettingsValues;
  logger: Logger;
  /** This process, as the lock names it to anyone refused. */
  holder: LockHolder;
  /** Where records wait while the web database is away (a long-lived process writes them once it is back). */
  pending?: PendingRecords;
  signal?: AbortSignal;
  onProgress?(p: Progress): void;
  /** The lock is held (and, when called again, the run has its record). */
  onLocked?(lock: RunLock): void;
  /** What using a database just showed: null when it answered. */
  onDatabase?(which: 'web' | 'erp', err: unknown): void;
  /** Wraps each connection the event is given (the worker keeps its process responsive this way). */
  wrap?(db: Db): Db;
  lock?: RunLockOptions;
  now?(): Date;
}

/** Conversions never read the ERP; a process without an ERP connection gives them this. */
function noErp(): Db {
  const refuse = () => {
    throw new FatalError('this run has no ERP connection: it works on the web database only');
  };
  return {
    kind: 'sqlite',
    description: 'no ERP',
    all: async () => refuse(),
    get: async () => refuse(),
    values: async () => refuse(),
    run: async () => refuse(),
    exec: async () => refuse(),
    stream: async function* () {
      refuse();
    },
    transaction: async () => refuse(),
    upsert: async () => refuse(),
    insertMany: async () => refuse(),
    limit: () => refuse(),
    tables: async () => refuse(),
    columns: async () => refuse(),
    close: async () => undefined,
  };
}

/**
 * Runs `event` once. Throws RunRefusedError (one line naming the holder) when another run holds its lock; any
 * other failure is the outcome's (status Failed, with the reason), recorded in the run history now or, when the
 * web database is away, in `pending` for later.
 */
export async function runPipeline(event: EventName, mode: { all: boolean }, trigger: RunTrigger, deps: PipelineDeps): Promise<RunOutcome> {
  const now = () => deps.now?.() ?? new Date();
  const started = Date.now();
  const startedAt = now().toISOString();
  const modeName = runMode(event, mode.all);
  const failed = (err: unknown, extra: Partial<RunOutcome> = {}): RunOutcome => ({
    runId: -1,
    event,
    status: 'Failed',
    summary: emptySummary(),
    error: userMessage(err),
    retryable: isRetryable(err),
    durationMs: Date.now() - started,
    recorded: false,
    startedAt,
    ...extra,
  });
  const wrap = deps.wrap ?? ((db: Db) => db);

  let outcome!: RunOutcome;
  let web: Db | undefined;
  let lock: RunLock | undefined;
  try {
    try {
      web = await deps.connections.web.borrow();
      deps.onDatabase?.('web', null);
    } catch (err) {
      deps.onDatabase?.('web', err);
      throw err;
    }
    lock = await RunLock.take(deps.connections.web, web, { event, trigger, holder: deps.holder }, { logger: deps.logger, ...deps.lock });
    deps.onLocked?.(lock);
    if (deps.pending?.size) await deps.pending.flush(web);
    let erp: Db | null = null;
    try {
      erp = deps.connections.erp ? await deps.connections.erp.borrow() : noErp();
      deps.onDatabase?.('erp', null);
    } catch (err) {
      deps.onDatabase?.('erp', err);
      // The web side is there: the failure goes into the run history like any other run (or, when even that
      // fails, waits in `pending`).
      const runId = await recordFailedStart(web, { event, mode: modeName, startedAt, finishedAt: now().toISOString(), error: `ERP database not available: ${userMessage(err)}` }).catch(() => -1);
      outcome = failed(err, { runId, recorded: runId >= 0 });
      deps.logger.error({ event, trigger }, `${EVENT_LABELS[event]} could not run: ${outcome.error}`);
    }
    if (erp) {
      const held = lock;
      const signal = deps.signal ? AbortSignal.any([deps.signal, held.lost]) : held.lost;
      outcome = await runEvent(event, mode, {
        erpDb: wrap(erp),
        webDb: wrap(web),
        settings: deps.settings,
        logger: deps.logger,
        signal,
        now,
        onProgress: deps.onProgress,
        onRecorded: (runId) => {
          void held.attachRun(runId);
          deps.onLocked?.(held);
        },
      });
    }
  } catch (err) {
    if (err instanceof RunRefusedError) throw err;
    outcome = failed(err);
    deps.logger.error({ event, trigger }, `${EVENT_LABELS[event]} could not run: ${outcome.error}`);
  } finally {
    await lock?.release();
  }
  if (outcome.recorded === false) {
    // The web database was away when the run started or ended: its record waits for the database to return.
    deps.pending?.add({
      runId: outcome.runId,
      event,
      mode: modeName,
      startedAt: outcome.startedAt ?? startedAt,
      finishedAt: now().toISOString(),
      read: outcome.summary.read,
      written: outcome.summary.written,
      skipped: outcome.summary.skipped,
      failed: outcome.summary.failed,
      error: `web database not available: ${outcome.error ?? 'the run could not be recorded'}`,
    });
  }
  return outcome;
}

/**
 * At a process's start: runs still marked Running whose lock nobody holds were left by a process that died (killed
 * mid-run); they are recorded as interrupted, so history shows no ghost. Runs another process is running stay.
 */
export async function markGhostRuns(web: Db, options: { now?: Date; lock?: RunLockOptions } = {}): Promise<number> {
  const live = runningEvents(await liveLocks(web, options.lock));
  return markInterruptedRuns(web, options.now ?? new Date(), live);
}
