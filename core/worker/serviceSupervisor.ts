// The long-running services beside the schedules (the live pricing listener, the ERP change listener): started
// when their setting is on, on the process's shared connections; started later by themselves when a database was
// away at start; closed on stop.
import type { Logger } from '../logging/logger.js';
import type { SettingsValues } from '../contracts/settings.schema.js';
import type { PriceAnswer } from '../contracts/adminApi.js';
import { isRetryable, userMessage } from '../errors.js';
import type { RunConnections } from '../run/runPipeline.js';
import { backoffMs } from './schedule.js';
import type { RunningService, Service, TestPricingRequest } from './service.js';

export interface ServiceSupervisorOptions {
  logger: Logger;
  services: readonly Service[];
  connections(): RunConnections;
  settings(): SettingsValues;
  /** Retry while a database is away at start: first delay, doubling up to max. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Serialises a late start with the integrator's start, stop and restart; true when it should still happen. */
  serial(fn: () => Promise<void>): Promise<void>;
  stillWanted(): boolean;
  /** Services started after a database came back (their endpoints changed). */
  onLateStart(): void;
}

export class ServiceSupervisor {
  private running: RunningService[] = [];
  private errors = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private attempts = 0;

  constructor(private readonly options: ServiceSupervisorOptions) {}

  private get logger(): Logger {
    return this.options.logger;
  }

  /** What the running services expose, e.g. { 'Pricing listener': 'http://127.0.0.1:8085' }. */
  get endpoints(): Record<string, string> {
    return Object.assign({}, ...this.running.map((s) => s.endpoints));
  }

  /** Why enabled services are not running, one reason per service. */
  get problems(): string[] {
    return [...this.errors.values()];
  }

  /** Test Pricing: the running pricing service. */
  pricingService(): (RunningService & { price(req: TestPricingRequest): Promise<PriceAnswer> }) | null {
    const svc = this.running.find((s) => typeof s.price === 'function');
    return (svc as RunningService & { price(req: TestPricingRequest): Promise<PriceAnswer> }) ?? null;
  }

  async start(): Promise<void> {
    this.errors = new Map();
    const settings = this.options.settings();
    const services = this.options.services.filter((svc) => {
      try {
        return svc.enabled(settings);
      } catch {
        return false;
      }
    });
    if (!services.length) return;
    const { erp, web } = this.options.connections();
    let erpDb;
    try {
      if (!erp) throw new Error('no ERP database');
      erpDb = await erp.borrow();
      // The services read the web database as long as they run: they follow its connection, reopened if it goes.
      await web.borrow();
    } catch (err) {
      for (const svc of services) this.errors.set(svc.name, `not started: ${userMessage(err)}`);
      this.logger.error({ err: userMessage(err) }, 'services not started');
      if (isRetryable(err)) this.retryLater();
      return;
    }
    for (const svc of services) {
      try {
        const r = await svc.start({ erpDb, webDb: web.follower, settings, logger: this.logger.child({ service: svc.name }), openErpDb: () => erp.borrow() });
        this.running.push(r);
        this.logger.info({ service: svc.name, endpoints: r.endpoints }, `${svc.name} started`);
      } catch (err) {
        this.errors.set(svc.name, userMessage(err));
        this.logger.error({ service: svc.name, err: userMessage(err) }, `${svc.name} did not start`);
      }
    }
  }

  /** A database that is away at start: the services start as soon as it is back, without a restart. */
  private retryLater(): void {
    this.attempts += 1;
    const delay = backoffMs(this.attempts, this.options.retryBaseMs ?? 30_000, this.options.retryMaxMs ?? 15 * 60_000);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.options.serial(async () => {
        if (!this.options.stillWanted() || this.running.length) return;
        await this.start();
        if (this.running.length) {
          this.attempts = 0;
          this.logger.info({ endpoints: this.endpoints }, 'services started after the database came back');
          this.options.onLateStart();
        }
      });
    }, delay);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.attempts = 0;
    for (const svc of this.running.splice(0)) {
      try {
        await svc.close();
      } catch (err) {
        this.logger.warn({ service: svc.name, err: userMessage(err) }, 'service did not close cleanly');
      }
    }
  }
}
