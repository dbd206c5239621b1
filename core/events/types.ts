import type { Db } from '../db/db.js';
import type { Logger } from '../logging/logger.js';
import type { SettingsValues } from '../contracts/settings.schema.js';
import type { EventName } from '../contracts/events.js';

export type { EventName } from '../contracts/events.js';

export interface RunOptions {
  /** Send All instead of Send Changed. */
  all: boolean;
}

/** The run's counts so far. */
export type RunCounts = Pick<RunSummary, 'read' | 'written' | 'skipped' | 'failed'>;

/**
 * What an event reports while it works: rows done of total (null while unknown), a phase name, and the run's counts
 * so far (kept on the run's record, so a process killed mid-run leaves the counts it reached).
 */
export type ProgressFn = (phase: string, done: number, total: number | null, counts?: RunCounts) => void;

export interface EventContext {
  erpDb: Db;
  webDb: Db;
  /** The settings the integrator started with (a running integrator does not see saved-but-unapplied ones). */
  settings: SettingsValues;
  /** Child logger for this run: { event, runId }. */
  logger: Logger;
  /** Aborted on stop: finish the current batch, then return. */
  signal: AbortSignal;
  progress: ProgressFn;
  /** Id of this run's IntegrationRun row. */
  runId: number;
  /** Runs another event as part of this one (customer-master -> conversions); recorded as its own run. */
  runEvent(name: EventName, options?: Partial<RunOptions>): Promise<RunSummary>;
  now(): Date;
}

export interface RunSummary {
  read: number;
  written: number;
  skipped: number;
  failed: number;
  /** Anything worth keeping with the run: rows per table, failures with reasons, a resume key. */
  details?: Record<string, unknown>;
  /** Set when the run stopped early (timeout, stop requested) and will resume next time. */
  incomplete?: string;
}

export interface IntegrationEvent {
  name: EventName;
  run(ctx: EventContext, options: RunOptions): Promise<RunSummary>;
}

export const emptySummary = (): RunSummary => ({ read: 0, written: 0, skipped: 0, failed: 0 });

/** What a step of a Customer Master run did (see customerMasterSteps.ts). */
export interface StepResult {
  read: number;
  written: number;
  skipped?: number;
  failed?: number;
  details?: Record<string, unknown>;
}

export interface CustomerMasterStep {
  name: string;
  /** Whether the step runs with these settings. */
  enabled(settings: EventContext['settings']): boolean;
  run(ctx: EventContext, options: RunOptions): Promise<StepResult>;
}
