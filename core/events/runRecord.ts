// The run history (IntegrationRun): the one place that writes it. A run's row is inserted when it starts, keeps the
// counts reached as the event reports them, and is finished with the outcome; a run that could not start, or whose
// end could not be written (the web database away), is recorded here too, now or once the database is back.
import type { Db } from '../db/db.js';
import { insertReturningId } from '../db/db.js';
import type { Logger } from '../logging/logger.js';
import { EVENT_LABELS, type EventName, type RunStatus } from '../contracts/events.js';
import type { RunCounts } from './types.js';
import { userMessage } from '../errors.js';

export type RunMode = 'SendAll' | 'SendChanged' | 'All' | 'Changed';

/** The IntegrationRun mode of a run: the events that send name theirs Send All / Send Changed. */
export function runMode(event: EventName, all: boolean): RunMode {
  if (event === 'customer-master' || event === 'orders') return all ? 'SendAll' : 'SendChanged';
  return all ? 'All' : 'Changed';
}

export const clip = (s: string | undefined, n: number) => (s && s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * JSON of at most `max` characters that still parses: a value too large for the column is kept as the start of
 * its text under `truncated`, so run history and the UI can always read the Details column.
 */
export function jsonWithin(value: unknown, max: number): string {
  const text = JSON.stringify(value);
  if (text.length <= max) return text;
  let head = text.slice(0, max - 40);
  for (;;) {
    const out = JSON.stringify({ truncated: head });
    if (out.length <= max) return out;
    head = head.slice(0, head.length - (out.length - max) - 1);
  }
}

/** The run's row, Running from now. */
export function recordStart(web: Db, event: EventName, mode: RunMode, startedAt: string): Promise<number> {
  return insertReturningId(web, 'IntegrationRun', { Event: event, Mode: mode, StartedAt: startedAt, Status: 'Running', Read: 0, Written: 0, Skipped: 0, Failed: 0 });
}

/**
 * Keeps the counts reached on the run's row as the event reports them (one write at a time, the latest counts
 * winning), so a run killed mid-way is recorded with them, not with zeros. Never fails the run.
 */
export function countsKeeper(web: Db, runId: number, logger: Logger): { save(c: RunCounts): void; settled(): Promise<void> } {
  let latest: RunCounts | null = null;
  let writing: Promise<void> | null = null;
  return {
    save(c) {
      latest = { read: c.read, written: c.written, skipped: c.skipped, failed: c.failed };
      writing ??= (async () => {
        while (latest) {
          const x: RunCounts = latest;
          latest = null;
          try {
            await web.run(`UPDATE [IntegrationRun] SET [Read] = @read, [Written] = @written, [Skipped] = @skipped, [Failed] = @failed WHERE [Id] = @id AND [Status] = 'Running'`, { id: runId, ...x });
          } catch (err) {
            logger.debug({ err: userMessage(err) }, 'could not keep the counts on the run record');
          }
        }
        writing = null;
      })();
    },
    settled: async () => {
      await writing;
    },
  };
}

export interface RunEnd extends RunCounts {
  status: RunStatus;
  finishedAt: string;
  error?: string;
  details?: Record<string, unknown>;
}

/** Finishes the run's row with its outcome. */
export async function recordEnd(web: Db, runId: number, end: RunEnd): Promise<void> {
  await web.run(
    `UPDATE [IntegrationRun] SET [FinishedAt] = @finishedAt, [Status] = @status, [Read] = @read, [Written] = @written, [Skipped] = @skipped, [Failed] = @failed, [Error] = @error, [Details] = @details WHERE [Id] = @id`,
    {
      id: runId,
      finishedAt: end.finishedAt,
      status: end.status,
      read: end.read,
      written: end.written,
      skipped: end.skipped,
      failed: end.failed,
      error: clip(end.error, 2000) ?? null,
      details: end.details ? jsonWithin(end.details, 8000) : null,
    },
  );
}

/** A run that failed before its event could start (the ERP away): recorded Failed at once. Returns its id. */
export function recordFailedStart(web: Db, r: { event: EventName; mode: RunMode; startedAt: string; finishedAt: string; error: string }): Promise<number> {
  return insertReturningId(web, 'IntegrationRun', {
    Event: r.event,
    Mode: r.mode,
    StartedAt: r.startedAt,
    FinishedAt: r.finishedAt,
    Status: 'Failed',
    Read: 0,
    Written: 0,
    Skipped: 0,
    Failed: 0,
    Error: r.error.slice(0, 2000),
  });
}

/**
 * Runs left as Running by a process that died are marked Failed, so history never shows a ghost run. Runs of the
 * events in `live` are left alone: a run lock says their process is running them now.
 */
export async function markInterruptedRuns(web: Db, now = new Date(), live: readonly EventName[] = []): Promise<number> {
  const params: Record<string, string> = { at: now.toISOString() };
  live.forEach((e, i) => (params[`live${i}`] = e));
  const spare = live.length ? ` AND [Event] NOT IN (${live.map((_e, i) => `@live${i}`).join(', ')})` : '';
  const r = await web.run(
    `UPDATE [IntegrationRun] SET [Status] = 'Failed', [FinishedAt] = @at, [Error] = 'interrupted: the integrator stopped during this run; the next run resumes' WHERE [Status] = 'Running'${spare}`,
    params,
  );
  return r.changes;
}

/** A run whose record could not be written (the web database was away): written when the database is back. */
export interface PendingRecord {
  /** The IntegrationRun row the run started, or -1 when it never got one. */
  runId: number;
  event: EventName;
  mode: string;
  startedAt: string;
  finishedAt: string;
  read: number;
  written: number;
  skipped: number;
  failed: number;
  error: string;
}

/** Pending records kept while the web database is away; beyond this the oldest are dropped (and logged). */
export const MAX_PENDING_RECORDS = 100;

/** The records of runs that ended while the web database was away, kept in memory until it is back. */
export class PendingRecords {
  private readonly queue: PendingRecord[] = [];

  constructor(private readonly logger: Logger) {}

  get size(): number {
    return this.queue.length;
  }

  add(r: PendingRecord): void {
    this.queue.push(r);
    if (this.queue.length > MAX_PENDING_RECORDS) {
      const dropped = this.queue.shift()!;
      this.logger.warn({ event: dropped.event, startedAt: dropped.startedAt }, 'too many runs waiting for the web database to come back: the oldest is not recorded');
    }
  }

  /**
   * Writes them. A run that had its row gets it finished (when the row is still there as it was left); otherwise
   * the run is inserted. Those not written stay queued.
   */
  async flush(web: Db): Promise<void> {
    while (this.queue.length) {
      const r = this.queue[0];
      const values = { Status: 'Failed', FinishedAt: r.finishedAt, Read: r.read, Written: r.written, Skipped: r.skipped, Failed: r.failed, Error: r.error.slice(0, 2000) };
      try {
        const updated =
          r.runId >= 0
            ? (
                await web.run(
                  `UPDATE [IntegrationRun] SET [Status] = @Status, [FinishedAt] = @FinishedAt, [Read] = @Read, [Written] = @Written, [Skipped] = @Skipped, [Failed] = @Failed, [Error] = @Error WHERE [Id] = @id AND [Event] = @event AND [StartedAt] = @startedAt AND [Status] = 'Running'`,
                  { ...values, id: r.runId, event: r.event, startedAt: r.startedAt },
                )
              ).changes
            : 0;
        if (!updated) await insertReturningId(web, 'IntegrationRun', { Event: r.event, Mode: r.mode, StartedAt: r.startedAt, ...values });
      } catch (err) {
        this.logger.warn({ err: userMessage(err), pending: this.queue.length }, 'runs that ended while the web database was away are not recorded yet');
        return;
      }
      this.queue.shift();
      this.logger.info({ event: r.event, runId: r.runId, startedAt: r.startedAt }, `${EVENT_LABELS[r.event]} run of ${r.startedAt}, which failed while the web database was away, is now in the run history`);
    }
  }
}
