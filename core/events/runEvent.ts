import type { Db } from '../db/db.js';
import type { Logger } from '../logging/logger.js';
import type { SettingsValues } from '../contracts/settings.schema.js';
import type { EventName, Progress, RunStatus } from '../contracts/events.js';
import { EVENT_LABELS } from '../contracts/events.js';
import { getEvent } from './registry.js';
import type { RunOptions, RunSummary } from './types.js';
import { emptySummary } from './types.js';
import { FatalError, isRetryable, userMessage } from '../errors.js';
import { erpReads } from '../erp/erpReads.js';
import { clip, countsKeeper, jsonWithin, recordEnd, recordStart, runMode } from './runRecord.js';

export { jsonWithin, markInterruptedRuns } from './runRecord.js';

export interface RunEventDeps {
  erpDb: Db;
  webDb: Db;
  settings: SettingsValues;
  logger: Logger;
  signal?: AbortSignal;
  onProgress?(p: Progress): void;
  /** The run has its IntegrationRun row (not called for the runs it runs as its steps). */
  onRecorded?(runId: number): void;
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
 * Runs one integration event on the connections given and records it in IntegrationRun (and IntegratorEventLog).
 * Never throws for a failed run: the outcome says what happened. This is the pipeline's last step (see
 * run/runPipeline.ts, which opens the connections and holds the event's lock); tests call it directly.
 */
export async function runEvent(name: EventName, options: Partial<RunOptions>, deps: RunEventDeps): Promise<RunOutcome> {
  const now = () => deps.now?.() ?? new Date();
  const started = Date.now();
  const all = options.all ?? false;
  const mode = runMode(name, all);
  const startedAt = now().toISOString();
  let runId: number;
  try {
    runId = await recordStart(deps.webDb, name, mode, startedAt);
  } catch (err) {
    return { runId: -1, event: name, status: 'Failed', summary: emptySummary(), error: `cannot record the run in the web database: ${userMessage(err)}`, retryable: isRetryable(err), durationMs: Date.now() - started, recorded: false, startedAt };
  }
  deps.onRecorded?.(runId);
  const logger = deps.logger.child({ event: name, runId });
  const signal = deps.signal ?? new AbortController().signal;
  logger.info({ mode }, `${EVENT_LABELS[name]} started`);
  await logOnWeb(deps, name, runId, 'info', `${EVENT_LABELS[name]} (${mode}) started`);

  const counts = countsKeeper(deps.webDb, runId, logger);

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
        progress: (phase, done, total, c) => {
          deps.onProgress?.({ event: name, runId, phase, done, total, startedAt });
          if (c) counts.save(c);
        },
        runEvent: async (other, o) => (await runEvent(other, o ?? {}, { ...deps, onRecorded: undefined })).summary,
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
  await counts.settled();
  const finishedAt = now().toISOString();
  let recorded = true;
  try {
    await recordEnd(deps.webDb, runId, { finishedAt, status, read: summary.read, written: summary.written, skipped: summary.skipped, failed: summary.failed, error, details: summary.details });
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
