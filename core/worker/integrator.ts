// The running Integrator: every registered event on its own schedule, the services (pricing listener, ERP
// listener), stop / restart, and the applied-vs-saved settings. It runs with the settings it started with;
// saved changes show as pending until Restart (or the nightly restart) applies them.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import type { Db } from '../db/db.js';
import { insertReturningId } from '../db/db.js';
import { openDb } from '../db/openDb.js';
import { parseDsn, redactDsn } from '../db/dsn.js';
import { migrate } from '../db/schema.js';
import { WEB_MIGRATIONS } from '../web/webSchema.js';
import type { Logger } from '../logging/logger.js';
import { EVENT_LABELS, EVENT_NAMES, EVENT_SCHEDULE_KEYS, type EventName, type Progress, type RunRecord } from '../contracts/events.js';
import type { Status } from '../contracts/adminApi.js';
import { SETTINGS_BY_KEY, type SettingsValues } from '../contracts/settings.schema.js';
import { loadSettings, diffSettings, type LoadedSettings } from '../settings/settingsFile.js';
import { EVENTS } from '../events/registry.js';
import { runEvent, markInterruptedRuns, type RunOutcome } from '../events/runEvent.js';
import { LAST_RUN_STATE } from '../events/customerMaster.js';
import { emptySummary } from '../events/types.js';
import { isRetryable, userMessage } from '../errors.js';
import { SERVICES, type RunningService, type Service, type TestPricingRequest } from './service.js';
import { backoffMs, nextDailyAt, nextRunAt, parseSchedule, type Schedule } from './schedule.js';
import { VERSION } from '../version.js';
import { lastRunPerEvent } from './runHistory.js';
import { YieldingDb } from './yieldingDb.js';
import type { PriceAnswer } from '../contracts/adminApi.js';

export type IntegratorState = Status['state'];

export interface IntegratorOptions {
  settingsFile: string;
  foreground: boolean;
  logger: Logger;
  /** Services to start (default: SERVICES). */
  services?: readonly Service[];
  /** Retry of a retryable failure: first delay, doubling up to max. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** An interval schedule first runs this long after start. */
  firstRunDelayMs?: number;
  /** A due event whose work is part of a run in progress looks again after this long. */
  blockedRecheckMs?: number;
  /** The ERP and web databases are checked this often for the status (default 30 s). */
  healthCheckMs?: number;
  now?(): Date;
}

interface EventState {
  name: EventName;
  schedule: Schedule;
  scheduleText: string;
  timer: NodeJS.Timeout | null;
  nextRunAt: Date | null;
  lastStart: Date | null;
  running: Promise<RunOutcome> | null;
  abort: AbortController | null;
  lastRun: RunRecord | null;
  lastError: string | null;
  attempts: number;
  /** When a retryable failure is retried (back-off), and whether that run was a Send All. */
  retryAt: Date | null;
  retryAll: boolean;
  /** A due run waiting for another event's run to end looks again at this time. */
  recheckAt: Date | null;
}

interface Health {
  ok: boolean;
  error: string | null;
  /** When this was found out: a check, or a run or request that used the database. */
  checkedAt: Date | null;
}

/** A run whose record could not be written (the web database was away): written when the database is back. */
interface PendingRecord {
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
const MAX_PENDING_RECORDS = 100;

export interface RunRequestResult {
  accepted: boolean;
  event: EventName;
  message: string;
  /** Settles with the outcome when accepted. */
  done: Promise<RunOutcome> | null;
  /** The run's IntegrationRun id, as soon as the event reports progress (or when it ends). */
  runId: Promise<number | null> | null;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Events that never run beside each other: Customer Master runs Customer Conversions as its follow-on step
 * (Send Customer Conversions), so a standalone conversions run beside it would be a second run of one event.
 */
const EXCLUSIVE: Partial<Record<EventName, EventName[]>> = {
  'customer-master': ['conversions'],
  conversions: ['customer-master'],
};

/**
 * Events that work on the customers Customer Master brings. On a web database where Customer Master has never
 * finished, their scheduled runs wait for its first run, so the first start gives what running the events one
 * after another gives, however the schedules fall.
 */
const NEED_CUSTOMERS: readonly EventName[] = ['orders', 'statements', 'web-accounts', 'conversions'];

/** The IntegrationRun mode, named as runEvent names it. */
const runMode = (name: EventName, all: boolean) => (name === 'customer-master' || name === 'orders' ? (all ? 'SendAll' : 'SendChanged') : all ? 'All' : 'Changed');

export class Integrator extends EventEmitter {
  private stateValue: IntegratorState = 'stopped';
  private settingsValue: LoadedSettings;
  private startedAt: Date | null = null;
  private readonly events = new Map<EventName, EventState>();
  private readonly progressByEvent = new Map<EventName, Progress>();
  private running: RunningService[] = [];
  private serviceErrors = new Map<string, string>();
  private nightlyTimer: NodeJS.Timeout | null = null;
  private nightlyAt: Date | null = null;
  private health: { erp: Health; web: Health } = { erp: { ok: false, error: 'not checked yet', checkedAt: null }, web: { ok: false, error: 'not checked yet', checkedAt: null } };
  private healthTimer: NodeJS.Timeout | null = null;
  private pendingRecords: PendingRecord[] = [];
  private transition: Promise<void> = Promise.resolve();
  lastRestartError: string | null = null;

  constructor(private readonly options: IntegratorOptions) {
    super();
    // Listeners: the admin API (one per event, shared by every progress stream) and each manual run waiting for its id.
    this.setMaxListeners(200);
    this.settingsValue = loadSettings(options.settingsFile);
  }

  private get logger(): Logger {
    return this.options.logger;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  get state(): IntegratorState {
    return this.stateValue;
  }

  /** The settings this integrator runs with. */
  get applied(): SettingsValues {
    return this.settingsValue.values;
  }

  get settings(): LoadedSettings {
    return this.settingsValue;
  }

  get foreground(): boolean {
    return this.options.foreground;
  }

  /** What the running services expose, e.g. { 'Pricing listener': 'http://127.0.0.1:8085' }. */
  get endpoints(): Record<string, string> {
    return Object.assign({}, ...this.running.map((s) => s.endpoints));
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const next = this.transition.then(fn, fn);
    this.transition = next.catch(() => undefined);
    return next;
  }

  start(): Promise<void> {
    return this.serial(() => this.startNow());
  }

  stop(): Promise<void> {
    return this.serial(() => this.stopNow('stopping'));
  }

  /** Lets every running batch finish, reloads the saved settings and starts again with them. */
  restart(reason = 'restart requested'): Promise<void> {
    return this.serial(async () => {
      this.logger.info({ reason }, 'integrator restarting');
      await this.stopNow('restarting');
      try {
        this.settingsValue = loadSettings(this.options.settingsFile);
        this.lastRestartError = null;
      } catch (err) {
        // A broken saved file never stops the integrator: it keeps the settings it had.
        this.lastRestartError = `saved settings not applied: ${userMessage(err)}`;
        this.logger.error(this.lastRestartError);
      }
      await this.startNow();
    });
  }

  private async startNow(): Promise<void> {
    if (this.stateValue === 'running') return;
    this.stateValue = 'starting';
    const s = this.applied;
    await this.prepareWeb();
    await this.checkErp();
    await this.startServices();
    for (const name of EVENT_NAMES) {
      const text = String(s[EVENT_SCHEDULE_KEYS[name]] ?? 'off');
      let schedule: Schedule;
      let scheduleError: string | null = null;
      try {
        schedule = parseSchedule(text);
      } catch (err) {
        // A value saved by hand or by an older version: this event stays off, every other one starts.
        schedule = { kind: 'off' };
        scheduleError = `${userMessage(err)}; ${EVENT_LABELS[name]} is off until ${SETTINGS_BY_KEY.get(EVENT_SCHEDULE_KEYS[name])?.label ?? EVENT_SCHEDULE_KEYS[name]} is fixed`;
        this.logger.error({ event: name, schedule: text }, scheduleError);
      }
      const previous = this.events.get(name);
      const st: EventState = {
        name,
        schedule,
        scheduleText: text,
        timer: null,
        nextRunAt: null,
        lastStart: null,
        running: null,
        abort: null,
        lastRun: previous?.lastRun ?? this.lastRunsAtStart.get(name) ?? null,
        lastError: scheduleError ?? previous?.lastError ?? null,
        attempts: 0,
        retryAt: null,
        retryAll: false,
        recheckAt: null,
      };
      this.events.set(name, st);
    }
    this.startedAt = this.now();
    this.stateValue = 'running';
    for (const st of this.events.values()) this.scheduleNext(st);
    this.scheduleNightly();
    this.scheduleHealthChecks();
    this.logger.info({ foreground: this.foreground, events: [...this.events.values()].filter((e) => e.nextRunAt).map((e) => `${e.name} ${e.scheduleText}`) }, 'integrator started');
    this.emit('state', this.stateValue);
  }

  private async stopNow(next: 'stopping' | 'restarting'): Promise<void> {
    if (this.stateValue === 'stopped') return;
    this.stateValue = next;
    this.emit('state', this.stateValue);
    if (this.nightlyTimer) clearTimeout(this.nightlyTimer);
    this.nightlyTimer = null;
    if (this.servicesTimer) clearTimeout(this.servicesTimer);
    this.servicesTimer = null;
    if (this.healthTimer) clearTimeout(this.healthTimer);
    this.healthTimer = null;
    this.servicesAttempts = 0;
    this.nightlyAt = null;
    const waits: Array<Promise<unknown>> = [];
    for (const st of this.events.values()) {
      if (st.timer) clearTimeout(st.timer);
      st.timer = null;
      st.nextRunAt = null;
      st.retryAt = null;
      st.recheckAt = null;
      if (st.running) {
        this.logger.info({ event: st.name }, `${EVENT_LABELS[st.name]}: finishing the current batch before stopping`);
        st.abort?.abort();
        waits.push(st.running);
      }
    }
    await Promise.allSettled(waits);
    for (const svc of this.running.splice(0)) {
      try {
        await svc.close();
      } catch (err) {
        this.logger.warn({ service: svc.name, err: userMessage(err) }, 'service did not close cleanly');
      }
    }
    for (const db of this.serviceDbs.splice(0)) await db.close().catch(() => undefined);
    this.stateValue = 'stopped';
    this.startedAt = null;
    this.logger.info(next === 'restarting' ? 'integrator stopped for restart' : 'integrator stopped');
    this.emit('state', this.stateValue);
  }

  private serviceDbs: Db[] = [];
  private lastRunsAtStart = new Map<string, RunRecord>();
  /** No Customer Master run has finished on this web database yet (see NEED_CUSTOMERS). */
  private firstCustomerMasterPending = false;

  private async openWeb(create = false): Promise<Db> {
    return openDb(String(this.applied.webDsn), { baseDir: this.settingsValue.dir, create });
  }

  private async openErp(): Promise<Db> {
    return openDb(String(this.applied.erpDsn), { baseDir: this.settingsValue.dir });
  }

  private async prepareWeb(): Promise<void> {
    try {
      const web = await this.openWeb(true);
      try {
        await migrate(web, WEB_MIGRATIONS);
        const ghosts = await markInterruptedRuns(web, this.now());
        if (ghosts) this.logger.warn({ runs: ghosts }, 'runs left unfinished by a previous process were marked Failed');
        await this.writePendingRecords(web);
        this.lastRunsAtStart = new Map((await lastRunPerEvent(web)).map((r) => [r.event, r]));
        this.firstCustomerMasterPending = !(await web.get(`SELECT [Key] FROM [IntegrationState] WHERE [Key] = @key`, { key: LAST_RUN_STATE }));
      } finally {
        await web.close();
      }
      this.markHealth('web', null);
    } catch (err) {
      this.markHealth('web', err);
      this.logger.error({ err: userMessage(err) }, 'web database not available; runs will retry');
    }
  }

  private async checkErp(): Promise<void> {
    try {
      const erp = await this.openErp();
      await erp.close();
      this.markHealth('erp', null);
    } catch (err) {
      this.markHealth('erp', err);
      this.logger.error({ err: userMessage(err) }, 'ERP database not available; runs will retry');
    }
  }

  /** Records what a check, a run or a request just found out about a database. */
  private markHealth(which: 'erp' | 'web', err: unknown): void {
    const wasDown = !this.health[which].ok && this.health[which].checkedAt !== null;
    this.health[which] = err ? { ok: false, error: userMessage(err), checkedAt: this.now() } : { ok: true, error: null, checkedAt: this.now() };
    if (wasDown && !err) this.databaseBack(which);
  }

  /**
   * A database that was away answers again: runs waiting out a back-off after a retryable failure go now, once, and
   * the back-off starts over if they fail again.
   */
  private databaseBack(which: 'erp' | 'web'): void {
    if (this.stateValue !== 'running') return;
    for (const st of this.events.values()) {
      if (!st.retryAt || st.running) continue;
      this.logger.info({ event: st.name, database: which }, `${EVENT_LABELS[st.name]}: the ${which === 'web' ? 'web' : 'ERP'} database is back; retrying now`);
      st.retryAt = this.now();
      this.scheduleNext(st);
    }
  }

  private checking: Promise<void> | null = null;

  /** A health check now, unless one is under way. */
  private checkSoon(): void {
    this.checking ??= this.checkHealth().finally(() => {
      this.checking = null;
    });
  }

  /** Each database is opened and asked a trivial query every healthCheckMs, so the status is never older than that. */
  private scheduleHealthChecks(): void {
    const every = this.options.healthCheckMs ?? 30_000;
    this.healthTimer = setTimeout(() => {
      this.healthTimer = null;
      this.checkSoon();
      void this.checking?.finally(() => {
        if (this.stateValue === 'running' && !this.healthTimer) this.scheduleHealthChecks();
      });
    }, every);
    this.healthTimer.unref();
  }

  private async checkHealth(): Promise<void> {
    for (const which of ['web', 'erp'] as const) {
      let db: Db | undefined;
      try {
        db = which === 'web' ? await this.openWeb() : await this.openErp();
        await db.tables();
        this.markHealth(which, null);
        // The web database is back: the runs it missed go into its history now.
        if (which === 'web' && this.pendingRecords.length) await this.writePendingRecords(db);
      } catch (err) {
        this.markHealth(which, err);
      } finally {
        await db?.close().catch(() => undefined);
      }
    }
  }

  /**
   * The cheap part of a check, done whenever the status is read: a SQLite file that is gone shows at once, not at
   * the next periodic check. (Whether a file that is there works is left to the checks that open it.)
   */
  private quickCheck(which: 'erp' | 'web'): void {
    const dsn = String(which === 'web' ? this.applied.webDsn : this.applied.erpDsn);
    let file: string;
    try {
      const parsed = parseDsn(dsn, this.settingsValue.dir);
      if (parsed.kind !== 'sqlite' || parsed.path === ':memory:') return;
      file = parsed.path;
    } catch {
      return;
    }
    if (!fs.existsSync(file)) this.markHealth(which, new Error(`cannot open ${redactDsn(dsn)}: database file not found: ${file}`));
    // A file that was missing is there again: a real check says whether it works.
    else if (!this.health[which].ok) this.checkSoon();
  }

  /**
   * Writes the records of runs that ended while the web database was away. A run that had its row gets it finished
   * (when the row is still there as it was left); otherwise the run is inserted. Those not written stay queued.
   */
  private async writePendingRecords(web: Db): Promise<void> {
    while (this.pendingRecords.length) {
      const r = this.pendingRecords[0];
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
        this.logger.warn({ err: userMessage(err), pending: this.pendingRecords.length }, 'runs that ended while the web database was away are not recorded yet');
        return;
      }
      this.pendingRecords.shift();
      this.logger.info({ event: r.event, runId: r.runId, startedAt: r.startedAt }, `${EVENT_LABELS[r.event]} run of ${r.startedAt}, which failed while the web database was away, is now in the run history`);
    }
  }

  private queueRecord(r: PendingRecord): void {
    this.pendingRecords.push(r);
    if (this.pendingRecords.length > MAX_PENDING_RECORDS) {
      const dropped = this.pendingRecords.shift()!;
      this.logger.warn({ event: dropped.event, startedAt: dropped.startedAt }, 'too many runs waiting for the web database to come back: the oldest is not recorded');
    }
  }

  private async startServices(): Promise<void> {
    this.serviceErrors = new Map();
    const services = (this.options.services ?? SERVICES).filter((svc) => {
      try {
        return svc.enabled(this.applied);
      } catch {
        return false;
      }
    });
    if (!services.length) return;
    let erpDb: Db | undefined;
    let webDb: Db | undefined;
    try {
      erpDb = await this.openErp();
      this.serviceDbs.push(erpDb);
      webDb = await this.openWeb();
      this.serviceDbs.push(webDb);
    } catch (err) {
      for (const db of this.serviceDbs.splice(0)) await db.close().catch(() => undefined);
      for (const svc of services) this.serviceErrors.set(svc.name, `not started: ${userMessage(err)}`);
      this.logger.error({ err: userMessage(err) }, 'services not started');
      if (isRetryable(err)) this.retryServicesLater();
      return;
    }
    for (const svc of services) {
      try {
        const r = await svc.start({ erpDb, webDb, settings: this.applied, logger: this.logger.child({ service: svc.name }), openErpDb: () => this.openErp() });
        this.running.push(r);
        this.logger.info({ service: svc.name, endpoints: r.endpoints }, `${svc.name} started`);
      } catch (err) {
        this.serviceErrors.set(svc.name, userMessage(err));
        this.logger.error({ service: svc.name, err: userMessage(err) }, `${svc.name} did not start`);
      }
    }
  }

  private servicesTimer: NodeJS.Timeout | null = null;
  private servicesAttempts = 0;

  /** A database that is away at start: the services start as soon as it is back, without a restart. */
  private retryServicesLater(): void {
    this.servicesAttempts += 1;
    const delay = backoffMs(this.servicesAttempts, this.options.retryBaseMs ?? 30_000, this.options.retryMaxMs ?? 15 * 60_000);
    this.servicesTimer = setTimeout(() => {
      this.servicesTimer = null;
      void this.serial(async () => {
        if (this.stateValue !== 'running' || this.running.length) return;
        await this.startServices();
        if (this.running.length) {
          this.servicesAttempts = 0;
          this.logger.info({ endpoints: this.endpoints }, 'services started after the database came back');
          this.emit('state', this.stateValue);
        }
      });
    }, delay);
    this.servicesTimer.unref();
  }

  private scheduleNightly(): void {
    const at = nextDailyAt(this.applied.nightlyRestartTime, this.now());
    this.nightlyAt = at;
    if (!at) return;
    const arm = () => {
      const ms = (this.nightlyAt?.getTime() ?? 0) - this.now().getTime();
      this.nightlyTimer = setTimeout(
        () => {
          if (this.now().getTime() + 50 < (this.nightlyAt?.getTime() ?? 0)) return arm();
          void this.restart('nightly restart').catch((err) => this.logger.error({ err: userMessage(err) }, 'nightly restart failed'));
        },
        Math.max(0, Math.min(ms, MAX_TIMER_MS)),
      );
      this.nightlyTimer.unref();
    };
    arm();
  }

  private scheduleNext(st: EventState): void {
    if (st.timer) clearTimeout(st.timer);
    st.timer = null;
    if (this.stateValue !== 'running' || !EVENTS[st.name]) {
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
        st.recheckAt = new Date(this.now().getTime() + (this.options.blockedRecheckMs ?? 5000));
        this.logger.debug({ event: st.name, blocker }, `${EVENT_LABELS[st.name]} waits for ${EVENT_LABELS[blocker]}`);
        return this.scheduleNext(st);
      }
      // A retry repeats the run it retries, Send All included.
      const retry = st.retryAt !== null && st.retryAt.getTime() <= this.now().getTime() + 50;
      this.launch(st, { all: retry && st.retryAll }, retry ? 'retry' : 'schedule');
    }, ms);
    st.timer.unref();
  }

  /** Run one event now (the admin API's Run). Refused while it runs already or when stopped. */
  runNow(name: EventName, options: { all?: boolean } = {}): RunRequestResult {
    const st = this.events.get(name);
    const label = EVENT_LABELS[name];
    if (this.stateValue !== 'running' || !st) return { accepted: false, event: name, message: `the integrator is ${this.stateValue}`, done: null, runId: null };
    if (st.running) return { accepted: false, event: name, message: `${label} is already running`, done: null, runId: null };
    if (!EVENTS[name]) return { accepted: false, event: name, message: `${label} is not available in this edition`, done: null, runId: null };
    const blocker = this.blockedBy(name, 'manual');
    if (blocker) return { accepted: false, event: name, message: `${label} waits: ${EVENT_LABELS[blocker]} is running and includes its work`, done: null, runId: null };
    const done = this.launch(st, { all: options.all ?? false }, 'manual');
    const runId = new Promise<number | null>((resolve) => {
      const onProgress = () => {
        const id = this.progressByEvent.get(name)?.runId;
        if (typeof id === 'number') finish(id);
      };
      const finish = (id: number | null) => {
        this.off('progress', onProgress);
        resolve(id);
      };
      this.on('progress', onProgress);
      void done.then(
        (o) => finish(o.runId >= 0 ? o.runId : null),
        () => finish(null),
      );
    });
    return { accepted: true, event: name, message: `${label} started${options.all ? ' (Send All)' : ''}`, done, runId };
  }

  private launch(st: EventState, options: { all: boolean }, trigger: 'schedule' | 'retry' | 'manual'): Promise<RunOutcome> {
    if (st.running) {
      // Never two runs of one event: a due schedule waits for the next slot.
      this.logger.info({ event: st.name }, `${EVENT_LABELS[st.name]} still running; scheduled run skipped`);
      return st.running;
    }
    if (st.timer) clearTimeout(st.timer);
    st.timer = null;
    st.nextRunAt = null;
    st.retryAt = null;
    st.recheckAt = null;
    st.lastStart = this.now();
    const abort = new AbortController();
    st.abort = abort;
    const p = this.execute(st, options, abort.signal, trigger).finally(() => {
      st.running = null;
      st.abort = null;
      this.progressByEvent.delete(st.name);
      this.emit('progress', this.progress());
      if (this.stateValue === 'running') this.scheduleNext(st);
    });
    st.running = p;
    return p;
  }

  private async execute(st: EventState, options: { all: boolean }, signal: AbortSignal, trigger: string): Promise<RunOutcome> {
    const started = Date.now();
    const name = st.name;
    const startedAt = this.now().toISOString();
    this.progressByEvent.set(name, { event: name, runId: null, phase: 'starting', done: 0, total: null, startedAt });
    this.emit('progress', this.progress());
    let erpDb: Db | undefined;
    let webDb: Db | undefined;
    let outcome: RunOutcome;
    try {
      try {
        webDb = await this.openWeb();
        await migrate(webDb, WEB_MIGRATIONS);
        this.markHealth('web', null);
      } catch (err) {
        this.markHealth('web', err);
        throw err;
      }
      if (this.pendingRecords.length) await this.writePendingRecords(webDb);
      try {
        erpDb = await this.openErp();
        this.markHealth('erp', null);
      } catch (err) {
        this.markHealth('erp', err);
        // The web side is there: the failure goes into the run history like any other run.
        const runId = await insertReturningId(webDb, 'IntegrationRun', {
          Event: name,
          Mode: runMode(name, options.all),
          StartedAt: startedAt,
          FinishedAt: this.now().toISOString(),
          Status: 'Failed',
          Read: 0,
          Written: 0,
          Skipped: 0,
          Failed: 0,
          Error: `ERP database not available: ${userMessage(err)}`.slice(0, 2000),
        }).catch(() => -1);
        throw Object.assign(err as object, { runId });
      }
      outcome = await runEvent(name, options, {
        erpDb: new YieldingDb(erpDb),
        webDb: new YieldingDb(webDb),
        settings: this.applied,
        logger: this.logger,
        signal,
        now: () => this.now(),
        onProgress: (p) => {
          if (p.event !== name) return;
          this.progressByEvent.set(name, p);
          this.emit('progress', this.progress());
        },
      });
    } catch (err) {
      const runId = typeof (err as { runId?: unknown })?.runId === 'number' ? (err as { runId: number }).runId : -1;
      outcome = { runId, event: name, status: 'Failed', summary: emptySummary(), error: userMessage(err), retryable: isRetryable(err), durationMs: Date.now() - started, recorded: runId >= 0 };
      this.logger.error({ event: name, trigger }, `${EVENT_LABELS[name]} could not run: ${outcome.error}`);
    } finally {
      await webDb?.close().catch(() => undefined);
      await erpDb?.close().catch(() => undefined);
    }
    if (outcome.recorded === false) {
      // The web database was away when the run started or ended: its record waits for the database to return.
      this.queueRecord({
        runId: outcome.runId,
        event: name,
        mode: runMode(name, options.all),
        startedAt: outcome.startedAt ?? startedAt,
        finishedAt: this.now().toISOString(),
        read: outcome.summary.read,
        written: outcome.summary.written,
        skipped: outcome.summary.skipped,
        failed: outcome.summary.failed,
        error: `web database not available: ${outcome.error ?? 'the run could not be recorded'}`,
      });
    }
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
      if (outcome.retryable && this.stateValue === 'running') {
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
    this.emit('run', st.lastRun);
    return outcome;
  }

  private blockedBy(name: EventName, trigger: 'schedule' | 'manual' = 'schedule'): EventName | null {
    for (const other of EXCLUSIVE[name] ?? []) if (this.events.get(other)?.running) return other;
    // An admin's Run now is the admin's order; a schedule waits for the first Customer Master.
    if (trigger === 'schedule' && this.firstCustomerMasterPending && NEED_CUSTOMERS.includes(name)) {
      const cm = this.events.get('customer-master');
      if (EVENTS['customer-master'] && cm && cm.schedule.kind !== 'off') return 'customer-master';
    }
    return null;
  }

  /** Progress of every run in flight. */
  progress(): Progress[] {
    return [...this.progressByEvent.values()];
  }

  /** The saved settings (what Apply wrote), or the applied ones when the file cannot be read now. */
  saved(): { values: SettingsValues; error: string | null } {
    try {
      // The UI polls the status: read and validate the file again only when it changed.
      const st = fs.statSync(this.options.settingsFile);
      const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
      if (this.savedCache?.stamp !== stamp) this.savedCache = { stamp, values: loadSettings(this.options.settingsFile).values };
      return { values: this.savedCache.values, error: null };
    } catch (err) {
      this.savedCache = null;
      return { values: this.applied, error: userMessage(err) };
    }
  }

  private savedCache: { stamp: string; values: SettingsValues } | null = null;

  /** Keys saved but not yet applied. */
  pendingChanges(): string[] {
    const saved = this.saved().values;
    const cached = this.pendingCache;
    if (cached && cached.saved === saved && cached.applied === this.applied) return cached.keys;
    const keys = diffSettings(saved, this.applied);
    this.pendingCache = { saved, applied: this.applied, keys };
    return keys;
  }

  private pendingCache: { saved: SettingsValues; applied: SettingsValues; keys: string[] } | null = null;

  /** Opens the web database for a request (admin API) and closes it after. */
  async withWeb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    let db: Db;
    try {
      db = await this.openWeb();
    } catch (err) {
      this.markHealth('web', err);
      throw err;
    }
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }

  async withErp<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    let db: Db;
    try {
      db = await this.openErp();
    } catch (err) {
      this.markHealth('erp', err);
      throw err;
    }
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }

  /** Test Pricing: the running pricing service's answer. */
  pricingService(): (RunningService & { price(req: TestPricingRequest): Promise<PriceAnswer> }) | null {
    const svc = this.running.find((s) => typeof s.price === 'function');
    return (svc as RunningService & { price(req: TestPricingRequest): Promise<PriceAnswer> }) ?? null;
  }

  private listener(key: 'Pricing listener' | 'ERP listener', enabled: boolean): Status['pricingListener'] {
    const url = this.endpoints[key] ?? null;
    let error: string | null = null;
    if (enabled && !url) {
      const errors = [...this.serviceErrors.values()];
      error = errors.length ? errors.join('; ') : this.stateValue === 'running' ? 'not available in this edition' : `the integrator is ${this.stateValue}`;
    }
    return { enabled, url, error };
  }

  status(): Status {
    const saved = this.saved();
    if (this.stateValue === 'running') {
      this.quickCheck('web');
      this.quickCheck('erp');
    }
    const health = (h: Health) => ({ ok: h.ok, error: h.error, checkedAt: h.checkedAt?.toISOString() ?? null });
    const pending = [...this.pendingChanges()];
    const s = this.applied;
    return {
      version: VERSION,
      state: this.stateValue,
      startedAt: this.startedAt?.toISOString() ?? null,
      foreground: this.foreground,
      restartRequired: pending.length > 0,
      pendingChanges: pending,
      nightlyRestartAt: this.nightlyAt?.toISOString() ?? null,
      erp: { description: redactDsn(String(s.erpDsn)), ...health(this.health.erp) },
      web: { description: redactDsn(String(s.webDsn)), ...health(this.health.web) },
      pricingListener: this.listener('Pricing listener', Boolean(s.enableLivePricingAvailabilityListener)),
      erpListener: this.listener('ERP listener', s.enableErpListener === true),
      events: EVENT_NAMES.map((name) => {
        const st = this.events.get(name);
        return {
          event: name,
          label: EVENT_LABELS[name],
          schedule: st?.scheduleText ?? String(s[EVENT_SCHEDULE_KEYS[name]] ?? 'off'),
          running: Boolean(st?.running),
          nextRunAt: st?.nextRunAt?.toISOString() ?? null,
          lastRun: st?.lastRun ?? null,
          available: Boolean(EVENTS[name]),
          lastError: st?.lastError ?? null,
          retryAt: st?.retryAt?.toISOString() ?? null,
        };
      }),
      progress: this.progress(),
      settingsError: saved.error,
      restartError: this.lastRestartError,
    };
  }
}
