// The running Integrator: start / stop / restart, and the parts it is made of, each with one job:
//   Scheduler          when each event runs (schedules, back-off, waits)
//   RunExecutor        the runs in flight, each through the run pipeline (connections, lock, record)
//   ServiceSupervisor  the pricing and ERP listeners
//   DatabaseHealth     what is known about the two databases
//   NightlyRestart     the restart that applies saved settings
//   SavedSettings      saved-but-not-applied settings, read when they change
//   buildStatus        the status the admin API shows
// It runs with the settings it started with; saved changes show as pending until Restart (or the nightly restart)
// applies them. One connection pool per database serves its runs, its services and the admin API.
import { EventEmitter } from 'node:events';
import type { Db } from '../db/db.js';
import type { Logger } from '../logging/logger.js';
import { EVENT_LABELS, type EventName, type Progress, type RunRecord } from '../contracts/events.js';
import type { PriceAnswer, Status } from '../contracts/adminApi.js';
import type { SettingsValues } from '../contracts/settings.schema.js';
import { loadSettings, type LoadedSettings } from '../settings/settingsFile.js';
import { EVENTS } from '../events/registry.js';
import type { RunOutcome } from '../events/runEvent.js';
import { LAST_RUN_STATE } from '../events/customerMaster.js';
import { PendingRecords } from '../events/runRecord.js';
import { userMessage } from '../errors.js';
import { processConnections, type ProcessConnections } from '../run/connections.js';
import { markGhostRuns } from '../run/runPipeline.js';
import { refusalLine, thisProcess, type LockHolder } from '../run/runLock.js';
import type { RunningService, Service, TestPricingRequest } from './service.js';
import { lastRunPerEvent } from './runHistory.js';
import { RunExecutor } from './runExecutor.js';
import { Scheduler } from './scheduler.js';
import { ServiceSupervisor } from './serviceSupervisor.js';
import { DatabaseHealth, type Database } from './databaseHealth.js';
import { NightlyRestart } from './nightlyRestart.js';
import { SavedSettings } from './savedSettings.js';
import { buildStatus } from './statusView.js';

export type IntegratorState = Status['state'];

export interface IntegratorOptions {
  settingsFile: string;
  foreground: boolean;
  logger: Logger;
  /** The command this process runs, as a refused run elsewhere names it (default "integrator run"). */
  command?: string;
  /** Services to start (default: none; the process's composition root passes pricing's SERVICES). */
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

export interface RunRequestResult {
  accepted: boolean;
  event: EventName;
  message: string;
  /** Settles with the outcome when accepted; rejects with RunRefusedError if another process's run holds the event. */
  done: Promise<RunOutcome> | null;
  /** The run's IntegrationRun id, as soon as it has one (or when it ends). */
  runId: Promise<number | null> | null;
  /** Whether the run got its event's lock: null when it did, else the line naming who holds it. */
  admitted: Promise<string | null> | null;
}

export class Integrator extends EventEmitter {
  private stateValue: IntegratorState = 'stopped';
  private settingsValue: LoadedSettings;
  private startedAt: Date | null = null;
  private transition: Promise<void> = Promise.resolve();
  private connectionsValue: ProcessConnections;
  private readonly pending: PendingRecords;
  private readonly holder: LockHolder;
  private readonly executor: RunExecutor;
  private readonly scheduler: Scheduler;
  private readonly services: ServiceSupervisor;
  private readonly health: DatabaseHealth;
  private readonly nightly: NightlyRestart;
  private readonly savedSettings: SavedSettings;
  lastRestartError: string | null = null;

  constructor(private readonly options: IntegratorOptions) {
    super();
    // Listeners: the admin API (one per event, shared by every progress stream) and each manual run waiting for its id.
    this.setMaxListeners(200);
    this.settingsValue = loadSettings(options.settingsFile);
    this.connectionsValue = this.openConnections();
    this.pending = new PendingRecords(options.logger);
    this.holder = thisProcess(options.command ?? 'integrator run');
    const now = () => this.now();
    this.health = new DatabaseHealth({
      now,
      pools: () => this.connectionsValue,
      dsn: (which) => ({ dsn: which === 'web' ? this.applied.webDsn : this.applied.erpDsn, baseDir: this.settingsValue.dir }),
      pending: this.pending,
      active: () => this.stateValue === 'running',
      onBack: (which) => this.scheduler.databaseBack(which),
      everyMs: options.healthCheckMs,
    });
    this.executor = new RunExecutor({
      logger: options.logger,
      holder: this.holder,
      pending: this.pending,
      connections: () => this.connectionsValue,
      settings: () => this.applied,
      onDatabase: (which, err) => this.health.mark(which, err),
      onProgress: (progress) => this.emit('progress', progress),
      now,
    });
    this.scheduler = new Scheduler({
      logger: options.logger,
      executor: this.executor,
      now,
      retryBaseMs: options.retryBaseMs,
      retryMaxMs: options.retryMaxMs,
      firstRunDelayMs: options.firstRunDelayMs,
      blockedRecheckMs: options.blockedRecheckMs,
      onRun: (record) => this.emit('run', record),
    });
    this.services = new ServiceSupervisor({
      logger: options.logger,
      services: options.services ?? [],
      connections: () => this.connectionsValue,
      settings: () => this.applied,
      retryBaseMs: options.retryBaseMs,
      retryMaxMs: options.retryMaxMs,
      serial: (fn) => this.serial(fn),
      stillWanted: () => this.stateValue === 'running',
      onLateStart: () => this.emit('state', this.stateValue),
    });
    this.nightly = new NightlyRestart(now, () => {
      void this.restart('nightly restart').catch((err) => this.logger.error({ err: userMessage(err) }, 'nightly restart failed'));
    });
    this.savedSettings = new SavedSettings(options.settingsFile, () => this.applied);
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
    return this.services.endpoints;
  }

  private openConnections(): ProcessConnections {
    return processConnections(this.applied, { baseDir: this.settingsValue.dir, createWeb: true });
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
    const c = this.connectionsValue;
    // Settings applied now may point elsewhere: the pools follow them.
    if (c.web.dsn !== this.applied.webDsn || c.erp.dsn !== this.applied.erpDsn || c.baseDir !== this.settingsValue.dir) {
      await c.close();
      this.connectionsValue = this.openConnections();
    }
    const lastRuns = await this.prepareWeb();
    await this.checkErp();
    await this.services.start();
    this.startedAt = this.now();
    this.stateValue = 'running';
    this.scheduler.start(this.applied, lastRuns);
    this.nightly.start(this.applied.nightlyRestartTime);
    this.health.start();
    this.logger.info({ foreground: this.foreground, events: this.scheduler.scheduled() }, 'integrator started');
    this.emit('state', this.stateValue);
  }

  private async stopNow(next: 'stopping' | 'restarting'): Promise<void> {
    if (this.stateValue === 'stopped') return;
    this.stateValue = next;
    this.emit('state', this.stateValue);
    this.nightly.stop();
    this.health.stop();
    this.scheduler.stop();
    await this.executor.stopAll();
    await this.services.stop();
    await this.connectionsValue.close();
    this.stateValue = 'stopped';
    this.startedAt = null;
    this.logger.info(next === 'restarting' ? 'integrator stopped for restart' : 'integrator stopped');
    this.emit('state', this.stateValue);
  }

  /**
   * Opens the web database (created when missing, its migrations checked), records runs a process that died left
   * Running as interrupted, writes the records of runs that ended while it was away, and reads the last run of each
   * event for the status.
   */
  private async prepareWeb(): Promise<Map<string, RunRecord>> {
    try {
      const web = await this.connectionsValue.web.borrow();
      const ghosts = await markGhostRuns(web, { now: this.now() });
      if (ghosts) this.logger.warn({ runs: ghosts }, 'runs left unfinished by a previous process were marked Failed');
      await this.pending.flush(web);
      const lastRuns = new Map((await lastRunPerEvent(web)).map((r) => [r.event, r]));
      this.scheduler.firstCustomerMasterPending = !(await web.get(`SELECT [Key] FROM [IntegrationState] WHERE [Key] = @key`, { key: LAST_RUN_STATE }));
      this.health.mark('web', null);
      return lastRuns;
    } catch (err) {
      this.health.mark('web', err);
      this.logger.error({ err: userMessage(err) }, 'web database not available; runs will retry');
      return new Map();
    }
  }

  private async checkErp(): Promise<void> {
    try {
      await this.connectionsValue.erp.borrow();
      this.health.mark('erp', null);
    } catch (err) {
      this.health.mark('erp', err);
      this.logger.error({ err: userMessage(err) }, 'ERP database not available; runs will retry');
    }
  }

  /** Run one event now (the admin API's Run). Refused while it runs already or when stopped. */
  runNow(name: EventName, options: { all?: boolean } = {}): RunRequestResult {
    const st = this.scheduler.get(name);
    const label = EVENT_LABELS[name];
    const refuse = (message: string): RunRequestResult => ({ accepted: false, event: name, message, done: null, runId: null, admitted: null });
    if (this.stateValue !== 'running' || !st) return refuse(`the integrator is ${this.stateValue}`);
    if (this.executor.isRunning(name)) return refuse(refusalLine(name, name, this.executor.holder(name) ?? undefined));
    if (!EVENTS[name]) return refuse(`${label} is not available in this edition`);
    const blocker = this.scheduler.blockedBy(name, 'manual');
    if (blocker) return refuse(refusalLine(name, blocker));
    let runId!: (id: number | null) => void;
    let admitted!: (line: string | null) => void;
    const idPromise = new Promise<number | null>((resolve) => (runId = resolve));
    const admittedPromise = new Promise<string | null>((resolve) => (admitted = resolve));
    const result = this.scheduler.launch(name, { all: options.all ?? false }, 'manual', {
      onRunId: (id) => runId(id >= 0 ? id : null),
      onAdmitted: (ok) => {
        if (ok) admitted(null);
      },
    });
    const done = result.then((r) => {
      if (r.refused) {
        admitted(r.refused.message);
        runId(null);
        throw r.refused;
      }
      return r.outcome;
    });
    return { accepted: true, event: name, message: `${label} started${options.all ? ' (Send All)' : ''}`, done, runId: idPromise, admitted: admittedPromise };
  }

  /** Progress of every run in flight. */
  progress(): Progress[] {
    return this.executor.progress();
  }

  /** The saved settings (what Apply wrote), or the applied ones when the file cannot be read now. */
  saved(): { values: SettingsValues; error: string | null } {
    return this.savedSettings.read();
  }

  /** Keys saved but not yet applied. */
  pendingChanges(): string[] {
    return this.savedSettings.pendingChanges();
  }

  /** A connection of the process's pool for one request (never close it); a database that is away throws why. */
  async borrow(which: Database): Promise<Db> {
    try {
      return await this.connectionsValue[which].borrow();
    } catch (err) {
      this.health.mark(which, err);
      throw err;
    }
  }

  /** The web database for a request (admin API), on the shared connection. */
  async withWeb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    return fn(await this.borrow('web'));
  }

  async withErp<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    return fn(await this.borrow('erp'));
  }

  /** Test Pricing: the running pricing service's answer. */
  pricingService(): (RunningService & { price(req: TestPricingRequest): Promise<PriceAnswer> }) | null {
    return this.services.pricingService();
  }

  status(): Status {
    const saved = this.saved();
    if (this.stateValue === 'running') {
      this.health.quickCheck('web');
      this.health.quickCheck('erp');
    }
    return buildStatus({
      state: this.stateValue,
      startedAt: this.startedAt,
      foreground: this.foreground,
      applied: this.applied,
      pendingChanges: [...this.pendingChanges()],
      settingsError: saved.error,
      restartError: this.lastRestartError,
      nightlyRestartAt: this.nightly.at,
      health: { erp: this.health.of('erp'), web: this.health.of('web') },
      endpoints: this.endpoints,
      serviceProblems: this.services.problems,
      schedule: (name) => this.scheduler.get(name),
      isRunning: (name) => this.executor.isRunning(name),
      progress: this.progress(),
    });
  }
}
