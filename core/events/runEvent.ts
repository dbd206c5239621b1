import type { Db } from '../db/db.js';
import { insertReturningId } from '../db/db.js';
import type { Logger } from '../logging/logger.js';
import type { SettingsValues } from '../contracts/settings.schema.js';
import type { EventName, Progress, RunStatus } from '../contracts/events.js';
import { EVENT_LABELS } from '../contracts/events.js';
import { getEvent } from './registry.js';
import type { RunCounts, RunOptions, RunSummary } from './types.js';
import { emptySummary } from './types.js';
import { FatalError, isRetryable, userMessage } from '../errors.js';
import { erpReads } from '../erp/erpReads.js';

export interface RunEventDeps {
  erpDb: Db;
  webDb: Db;
  settings: SettingsValues;
  logger: Logger;
  signal?: AbortSignal;
  onProgress?(p: Progress): void;
  now?(): Date;
}

export interface RunOutcome {
  runId: number;
  event: EventName;
  status: RunStatus;
  summary: RunSummary;
  error?: string;
  retryable?: boolean;
  durationMs: number;
  /** false: the web database did not take the run's record (start or end); the caller may record it later. */
  recorded?: boolean;
  /** StartedAt of the run's record. */
  startedAt?: string;
}

const clip = (s: string | undefined, n: number) => (s && s.length > n ? `${s.slice(0, n - 1)}…` : s);

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

/** Writes a line to IntegratorEventLog when Log Integrator Events On Web is on. Never fails the run. */
export async function logOnWeb(deps: RunEventDeps, event: string, runId: number | null, level: string, message: string, details?: unknown): Promise<void> {
  if (!deps.settings.logIntegratorEventsOnWeb) return;
  try {
    await deps.webDb.run(
      `INSERT INTO [IntegratorEventLog] ([At], [Event], [Level], [Message], [Details], [RunId]) VALUES (@at, @event, @level, @message, @details, @runId)`,
      {
        at: (deps.now?.() ?? new Date()).toISOString(),
        event,
        level,
        message: clip(message, 2000),
        details: details === undefined ? null : jsonWithin(details, 8000),
        runId,
      },
    );
  } catch (err) {
    deps.logger.warn({ err: userMessage(err) }, 'could not write to IntegratorEventLog');
  }
}

/**
 * Runs one integration event and records it in IntegrationRun (and IntegratorEventLog). Never throws for a
 * failed run: the outcome says what happened, so callers (CLI, worker, admin API) report it their way.
 */
export async function runEvent(name: EventName, options: Partial<RunOptions>, deps: RunEventDeps): Promise<RunOutcome> {
  const now = () => deps.now?.() ?? new Date();
  const started = Date.now();
  const all = options.all ?? false;
  const mode = name === 'customer-master' || name === 'orders' ? (all ? 'SendAll' : 'SendChanged') : all ? 'All' : 'Changed';
  const startedAt = now().toISOString();
  let runId: number;
  try {
    runId = await insertReturningId(deps.webDb, 'IntegrationRun', {
      Event: name,
      Mode: mode,
      StartedAt: startedAt,
      Status: 'Running',
      Read: 0,
      Written: 0,
      Skipped: 0,
      Failed: 0,
    });
  } catch (err) {
    return { runId: -1, event: name, status: 'Failed', summary: emptySummary(), error: `cannot record the run in the web database: ${userMessage(err)}`, retryable: isRetryable(err), durationMs: Date.now() - started, recorded: false, startedAt };
  }
  const logger = deps.logger.child({ event: name, runId });
  const signal = deps.signal ?? new AbortController().signal;
  logger.info({ mode }, `${EVENT_LABELS[name]} started`);
  await logOnWeb(deps, name, runId, 'info', `${EVENT_LABELS[name]} (${mode}) started`);

  // The counts reached are written to the run's row as the event reports them (one write at a time, the latest
  // counts winning), so a run killed mid-way is recorded with them, not with zeros.
  let latestCounts: RunCounts | null = null;
  let countsWriting: Promise<void> | null = null;
  const saveCounts = (c: RunCounts) => {
    latestCounts = { read: c.read, written: c.written, skipped: c.skipped, failed: c.failed };
    countsWriting ??= (async () => {
      while (latestCounts) {
        const x: RunCounts = latestCounts;
        latestCounts = null;
        try {
          await deps.webDb.run(`UPDATE [IntegrationRun] SET [Read] = @read, [Written] = @written, [Skipped] = @skipped, [Failed] = @failed WHERE [Id] = @id AND [Status] = 'Running'`, { id: runId, ...x });
        } catch (err) {
          logger.debug({ err: userMessage(err) }, 'could not keep the counts on the run record');
        }
      }
      countsWriting = null;
    })();
  };

  let summary = emptySummary();
  let status: RunStatus;
  let error: string | undefined;
  let retryable = false;
  try {
    const event = getEvent(name);
    if (!event) throw new FatalError(`event ${name} is not available in this edition`);
    summary = await event.run(
      {
        // Every event reads ERP rows one way: codes without CHAR padding, dates as ISO text.
        erpDb: erpReads(deps.erpDb),
        webDb: deps.webDb,
        settings: deps.settings,
        logger,
        signal,
        runId,
        now,
        progress: (phase, done, total, counts) => {
          deps.onProgress?.({ event: name, runId, phase, done, total, startedAt });
          if (counts) saveCounts(counts);
        },
        runEvent: async (other, o) => (await runEvent(other, o ?? {}, deps)).summary,
      },
      { all },
    );
    status = summary.incomplete ? 'Stopped' : summary.failed > 0 ? 'Partial' : 'Succeeded';
    if (summary.incomplete) error = summary.incomplete;
  } catch (err) {
    status = 'Failed';
    error = userMessage(err);
    retryable = isRetryable(err);
    logger.error({ err }, `${EVENT_LABELS[name]} failed`);
  }
  await countsWriting;
  const finishedAt = now().toISOString();
  let recorded = true;
  try {
    await deps.webDb.run(
      `UPDATE [IntegrationRun] SET [FinishedAt] = @finishedAt, [Status] = @status, [Read] = @read, [Written] = @written, [Skipped] = @skipped, [Failed] = @failed, [Error] = @error, [Details] = @details WHERE [Id] = @id`,
      {
        id: runId,
        finishedAt,
        status,
        read: summary.read,
        written: summary.written,
        skipped: summary.skipped,
        failed: summary.failed,
        error: clip(error, 2000) ?? null,
        details: summary.details ? jsonWithin(summary.details, 8000) : null,
      },
    );
  } catch (err) {
    recorded = false;
    // The run cannot have succeeded if its end cannot be written: the database it writes to is away.
    if (status !== 'Failed') {
      status = 'Failed';
      error = `the end of the run could not be recorded: ${userMessage(err)}`;
      retryable = isRetryable(err);
    }
    logger.error({ err: userMessage(err) }, 'could not record the end of the run');
  }
  const line = `${EVENT_LABELS[name]} ${status.toLowerCase()}: read ${summary.read}, written ${summary.written}, skipped ${summary.skipped}, failed ${summary.failed}${error ? ` (${error})` : ''}`;
  if (status === 'Failed') logger.error(line);
  else logger.info({ read: summary.read, written: summary.written, skipped: summary.skipped, failed: summary.failed }, line);
  await logOnWeb(deps, name, runId, status === 'Failed' ? 'error' : status === 'Partial' ? 'warn' : 'info', line, summary.details);
  return { runId, event: name, status, summary, error, retryable, durationMs: Date.now() - started, recorded, startedAt };
}

/** Runs left as Running by a process that died are marked Failed, so history never shows a ghost run. */
export async function markInterruptedRuns(webDb: Db, now = new Date()): Promise<number> {
  const r = await webDb.run(
    `UPDATE [IntegrationRun] SET [Status] = 'Failed', [FinishedAt] = @at, [Error] = 'interrupted: the integrator stopped during this run; the next run resumes' WHERE [Status] = 'Running'`,
    { at: now.toISOString() },
  );
  return r.changes;
}
