// When each event runs: its schedule from the settings, the back-off after a retryable failure (a database away),
// a short wait while another run includes its work, and on a fresh web database the wait for the first Customer
// Master. The runs themselves go to the RunExecutor.
import type { Logger } from '../logging/logger.js';
import { EVENT_LABELS, EVENT_NAMES, EVENT_SCHEDULE_KEYS, type EventName, type RunRecord } from '../contracts/events.js';
import { SETTINGS_BY_KEY, type SettingsValues } from '../contracts/settings.schema.js';
import { EVENTS } from '../events/registry.js';
import { runMode } from '../events/runRecord.js';
import type { RunOutcome } from '../events/runEvent.js';
import { userMessage } from '../errors.js';
import type { RunTrigger } from '../run/runPipeline.js';
import { sharesLockWith } from '../run/runLock.js';
import { backoffMs, nextRunAt, parseSchedule, type Schedule } from './schedule.js';
import type { RunExecutor, RunHooks, RunResult } from './runExecutor.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Events that work on the customers Customer Master brings. On a web database where Customer Master has never
 * finished, their scheduled runs wait for its first run, so the first start gives what running the events one
 * after another gives, however the schedules fall.
 */
const NEED_CUSTOMERS: readonly EventName[] = ['orders', 'statements', 'web-accounts', 'conversions'];

export interface EventSchedule {
  name: EventName;
  schedule: Schedule;
  scheduleText: string;
  timer: NodeJS.Timeout | null;
  nextRunAt: Date | null;
  lastStart: Date | null;
  lastRun: RunRecord | null;
  lastError: string | null;
  attempts: number;
  /** When a retryable failure is retried (back-off), and whether that run was a Send All. */
  retryAt: Date | null;
  retryAll: boolean;
  /** A due run waiting for another event's run to end looks again at this time. */
  recheckAt: Date | null;
}

export interface SchedulerOptions {
  logger: Logger;
  executor: RunExecutor;
  now(): Date;
  /** Retry of a retryable failure: first delay, doubling up to max. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** An interval schedule first runs this long after start. */
  firstRunDelayMs?: number;
  /** A due event whose work is part of a run in progress looks again after this long. */
  blockedRecheckMs?: number;
  /** A run ended (its record as the status shows it). */
  onRun(record: RunRecord): void;
}

export class Scheduler {
  private readonly events = new Map<EventName, EventSchedule>();
  private active = false;
  /** No Customer Master run has finished on this web database yet (see NEED_CUSTOMERS). */
  firstCustomerMasterPending = false;

  constructor(private readonly options: SchedulerOptions) {}

  private get logger(): Logger {
    return this.options.logger;
  }

  private now(): Date {
    return this.options.now();
  }

  get(name: EventName): EventSchedule | undefined {
    return this.events.get(name);
  }

  /** Reads each event's schedule from the settings and arms its timer. A schedule that cannot run leaves that event off. */
  start(settings: SettingsValues, lastRuns: ReadonlyMap<string, RunRecord>): void {
    for (const name of EVENT_NAMES) {
      const key = EVENT_SCHEDULE_KEYS[name];
      const text = String(settings[key] ?? 'off');
      let schedule: Schedule;
      let scheduleError: string | null = null;
      try {
        schedule = parseSchedule(text);
      } catch (err) {
        // A value saved by hand or by an older version: this event stays off, every other one starts.
        schedule = { kind: 'off' };
        scheduleError = `${userMessage(err)}; ${EVENT_LABELS[name]} is off until ${SETTINGS_BY_KEY.get(key)?.label ?? key} is fixed`;
        this.logger.error({ event: name, schedule: text }, scheduleError);
      }
      const previous = this.events.get(name);
      this.events.set(name, {
        name,
        schedule,
        scheduleText: text,
        timer: null,
        nextRunAt: null,
        lastStart: null,
        lastRun: previous?.lastRun ?? lastRuns.get(name) ?? null,
        lastError: scheduleError ?? previous?.lastError ?? null,
        attempts: 0,
        retryAt: null,
        retryAll: false,
        recheckAt: null,
      });
    }
    this.active = true;
    for (const st of this.events.values()) this.scheduleNext(st);
  }

  /** No more runs start (those in flight are the executor's to stop). */
  stop(): void {
    this.active = false;
    for (const st of this.events.values()) {
      if (st.timer) clearTimeout(st.timer);
      st.timer = null;
      st.nextRunAt = null;
      st.retryAt = null;
      st.recheckAt = null;
    }
  }

  /** "statements every 1s", for each event that has a next run. */
  scheduled(): string[] {
    return [...this.events.values()].filter((e) => e.nextRunAt).map((e) => `${e.name} ${e.scheduleText}`);
  }

  /**
   * A database that was away answers again: runs waiting out a back-off after a retryable failure go now, once, and
   * the back-off starts over if they fail again.
   */
  databaseBack(which: 'erp' | 'web'): void {
    if (!this.active) return;
    for (const st of this.events.values()) {
      if (!st.retryAt || this.options.executor.isRunning(st.name)) continue;
      this.logger.info({ event: st.name, database: which }, `${EVENT_LABELS[st.name]}: the ${which === 'web' ? 'web' : 'ERP'} database is back; retrying now`);
      st.retryAt = this.now();
      this.scheduleNext(st);
    }
  }

  /** The event whose run here includes this one's work, or that a scheduled run waits for. */
  blockedBy(name: EventName, trigger: 'schedule' | 'manual' = 'schedule'): EventName | null {
    for (const other of sharesLockWith(name)) if (this.options.executor.isRunning(other)) return other;
    // An admin's Run now is the admin's order; a schedule waits for the first Customer Master.
    if (trigger === 'schedule' && this.firstCustomerMasterPending && NEED_CUSTOMERS.includes(name)) {
      const cm = this.events.get('customer-master');
      if (EVENTS['customer-master'] && cm && cm.schedule.kind !== 'off') return 'customer-master';
    }
    return null;
  }

  private scheduleNext(st: EventSchedule): void {
    if (st.timer) clearTimeout(st.timer);
    st.timer = null;
    if (!this.active || !EVENTS[st.name]) {
      st.nextRunAt = null;
      return;
    }
    const scheduled = nextRunAt(st.schedule, this.now(), st.lastStart, this.options.firstRunDelayMs ?? 2000);
    // While runs fail, the back-off decides: a schedule shorter than it would hammer a database that is away.
    let at = st.retryAt ?? scheduled;
    if (st.recheckAt && (!at || st.recheckAt < at)) at = st.recheckAt;
    st.nextRunAt = at;
    if (!at) return;
    const ms = Math.max(0, Math.min(at.getTime() - this.now().getTime(), MAX_TIMER_MS));
    st.timer = setTimeout(() => {
      st.timer = null;
      if (this.now().getTime() + 50 < at.getTime()) return this.scheduleNext(st);
      const blocker = this.blockedBy(st.name);
      if (blocker) {
        // Its work is part of a run in progress: look again shortly instead of running beside it.
        this.recheckSoon(st);
        this.logger.debug({ event: st.name, blocker }, `${EVENT_LABELS[st.name]} waits for ${EVENT_LABELS[blocker]}`);
        return this.scheduleNext(st);
      }
      // A retry repeats the run it retries, Send All included.
      const retry = st.retryAt !== null && st.retryAt.getTime() <= this.now().getTime() + 50;
      void this.launch(st.name, { all: retry && st.retryAll }, retry ? 'retry' : 'schedule');
    }, ms);
    st.timer.unref();
  }

  private recheckSoon(st: EventSchedule): void {
    st.recheckAt = new Date(this.now().getTime() + (this.options.blockedRecheckMs ?? 5000));
  }

  /** Starts a run of the event now, unless one runs here already (then that run is the answer). */
  launch(name: EventName, options: { all: boolean }, trigger: RunTrigger, hooks: RunHooks = {}): Promise<RunResult> {
    const st = this.events.get(name)!;
    const inFlight = this.options.executor.running(name);
    if (inFlight) {
      // Never two runs of one event: a due schedule waits for the next slot.
      this.logger.info({ event: name }, `${EVENT_LABELS[name]} still running; scheduled run skipped`);
      return inFlight;
    }
    if (st.timer) clearTimeout(st.timer);
    st.timer = null;
    st.nextRunAt = null;
    const wasRetry = st.retryAt !== null;
    st.retryAt = null;
    st.recheckAt = null;
    st.lastStart = this.now();
    const startedAt = this.now().toISOString();
    return this.options.executor.run(name, options, trigger, hooks).then((result) => {
      if (result.refused) this.refused(st, result.refused.holder?.event ?? name, wasRetry);
      else this.afterRun(st, result.outcome, options, startedAt);
      if (this.active) this.scheduleNext(st);
      return result;
    });
  }

  /** Another process runs this event (or one that includes its work): not a failure, no run recorded here. */
  private refused(st: EventSchedule, running: EventName, wasRetry: boolean): void {
    if (running !== st.name) this.recheckSoon(st);
    else if (wasRetry) {
      // The retry is still owed: it comes again after the same back-off.
      const delay = backoffMs(Math.max(1, st.attempts), this.options.retryBaseMs ?? 30_000, this.options.retryMaxMs ?? 15 * 60_000);
      st.retryAt = new Date(this.now().getTime() + delay);
    }
  }

  private afterRun(st: EventSchedule, outcome: RunOutcome, options: { all: boolean }, startedAt: string): void {
    const name = st.name;
    st.lastRun = {
      id: outcome.runId,
      event: name,
      mode: runMode(name, options.all),
      startedAt,
      finishedAt: this.now().toISOString(),
      status: outcome.status,
      read: outcome.summary.read,
      written: outcome.summary.written,
      skipped: outcome.summary.skipped,
      failed: outcome.summary.failed,
      error: outcome.error ?? null,
      details: outcome.summary.details ?? null,
    };
    // The wait ends with the first Customer Master that finished, or that failed for a reason a retry will not
    // mend (bad settings): the other events then run as scheduled rather than never.
    if (name === 'customer-master' && (outcome.status === 'Succeeded' || outcome.status === 'Partial' || (outcome.status === 'Failed' && !outcome.retryable))) {
      this.firstCustomerMasterPending = false;
    }
    if (outcome.status === 'Failed') {
      st.lastError = outcome.error ?? 'failed';
      if (outcome.retryable && this.active) {
        st.attempts += 1;
        const delay = backoffMs(st.attempts, this.options.retryBaseMs ?? 30_000, this.options.retryMaxMs ?? 15 * 60_000);
        st.retryAt = new Date(this.now().getTime() + delay);
        st.retryAll = options.all;
        this.logger.warn({ event: name, attempt: st.attempts, retryInMs: delay }, `${EVENT_LABELS[name]} will retry in ${Math.round(delay / 1000)}s: ${st.lastError}`);
      } else {
        st.attempts = 0;
      }
    } else {
      if (st.attempts > 0) this.logger.info({ event: name }, `${EVENT_LABELS[name]} recovered after ${st.attempts} failed attempt(s)`);
      st.attempts = 0;
      st.lastError = null;
    }
    this.options.onRun(st.lastRun);
  }
}
