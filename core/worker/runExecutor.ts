// The runs of a running integrator: each goes through the run pipeline (the process's shared connections, the
// event's lock, the run record); this keeps which event runs now, its progress, and its stop switch.
import type { Logger } from '../logging/logger.js';
import { EVENT_LABELS, type EventName, type Progress } from '../contracts/events.js';
import type { SettingsValues } from '../contracts/settings.schema.js';
import type { RunOutcome } from '../events/runEvent.js';
import type { PendingRecords } from '../events/runRecord.js';
import { runPipeline, RunRefusedError, type RunConnections, type RunTrigger } from '../run/runPipeline.js';
import type { HeldBy, LockHolder } from '../run/runLock.js';
import { YieldingDb } from './yieldingDb.js';

/** How a run launched here ended: its outcome, or the refusal of a start another process's run holds. */
export type RunResult = { outcome: RunOutcome; refused?: undefined } | { refused: RunRefusedError; outcome?: undefined };

export interface RunHooks {
  /** The run has its IntegrationRun id. */
  onRunId?(id: number): void;
  /** The lock is held (true), or another process's run holds it (false). */
  onAdmitted?(admitted: boolean): void;
}

export interface RunExecutorOptions {
  logger: Logger;
  holder: LockHolder;
  pending: PendingRecords;
  connections(): RunConnections;
  settings(): SettingsValues;
  onDatabase(which: 'web' | 'erp', err: unknown): void;
  /** Progress of the runs in flight changed. */
  onProgress(progress: Progress[]): void;
  now(): Date;
}

interface InFlight {
  done: Promise<RunResult>;
  abort: AbortController;
  /** Filled in once the lock is held (and again once the run has its id). */
  held: { by: HeldBy | null };
}

export class RunExecutor {
  private readonly inFlight = new Map<EventName, InFlight>();
  private readonly progressByEvent = new Map<EventName, Progress>();

  constructor(private readonly options: RunExecutorOptions) {}

  isRunning(name: EventName): boolean {
    return this.inFlight.has(name);
  }

  /** The run of this event in flight here. */
  running(name: EventName): Promise<RunResult> | null {
    return this.inFlight.get(name)?.done ?? null;
  }

  /** Who runs this event here (run id, start, this process), once its lock is held. */
  holder(name: EventName): HeldBy | null {
    return this.inFlight.get(name)?.held.by ?? null;
  }

  /** Progress of every run in flight. */
  progress(): Progress[] {
    return [...this.progressByEvent.values()];
  }

  /** Runs one event now through the run pipeline. Never rejects: a refusal is a result too. */
  run(name: EventName, options: { all: boolean }, trigger: RunTrigger, hooks: RunHooks = {}): Promise<RunResult> {
    const abort = new AbortController();
    const held: InFlight['held'] = { by: null };
    const startedAt = this.options.now().toISOString();
    this.progressByEvent.set(name, { event: name, runId: null, phase: 'starting', done: 0, total: null, startedAt });
    this.options.onProgress(this.progress());
    let admitted = false;
    const done = runPipeline(name, options, trigger, {
      connections: this.options.connections(),
      settings: this.options.settings(),
      logger: this.options.logger,
      holder: this.options.holder,
      pending: this.options.pending,
      signal: abort.signal,
      now: () => this.options.now(),
      wrap: (db) => new YieldingDb(db),
      onDatabase: (which, err) => this.options.onDatabase(which, err),
      onLocked: (lock) => {
        held.by = lock.holder;
        if (!admitted) hooks.onAdmitted?.((admitted = true));
        if (lock.holder.runId !== null) hooks.onRunId?.(lock.holder.runId);
      },
      onProgress: (p) => {
        if (p.event !== name) return;
        this.progressByEvent.set(name, p);
        this.options.onProgress(this.progress());
      },
    }).then(
      (outcome): RunResult => {
        if (!admitted) hooks.onAdmitted?.(true);
        hooks.onRunId?.(outcome.runId);
        return { outcome };
      },
      (err: unknown): RunResult => {
        if (err instanceof RunRefusedError) {
          this.options.logger.info({ event: name, trigger }, err.message);
          hooks.onAdmitted?.(false);
          return { refused: err };
        }
        // The pipeline reports failures as outcomes; anything else is a fault of its own, reported the same way.
        const message = err instanceof Error ? err.message : String(err);
        this.options.logger.error({ event: name, trigger, err }, `${EVENT_LABELS[name]} could not run: ${message}`);
        hooks.onAdmitted?.(true);
        return { outcome: { runId: -1, event: name, status: 'Failed', summary: { read: 0, written: 0, skipped: 0, failed: 0 }, error: message, retryable: false, durationMs: 0, recorded: false, startedAt } };
      },
    ).finally(() => {
      this.inFlight.delete(name);
      this.progressByEvent.delete(name);
      this.options.onProgress(this.progress());
    });
    this.inFlight.set(name, { done, abort, held });
    return done;
  }

  /** Asks every run in flight to stop after its current batch; settles when all have ended. */
  async stopAll(): Promise<void> {
    const waits: Array<Promise<unknown>> = [];
    for (const [name, flight] of this.inFlight) {
      this.options.logger.info({ event: name }, `${EVENT_LABELS[name]}: finishing the current batch before stopping`);
      flight.abort.abort();
      waits.push(flight.done);
    }
    await Promise.allSettled(waits);
  }
}
