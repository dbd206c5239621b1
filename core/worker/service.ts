// The port of the long-running parts the Integrator starts beside its event schedules (the live pricing listener,
// the ERP change listener are in pricing/). The process's composition root hands the worker its services; the
// worker starts every enabled one, stops them on stop, and shows their endpoints.
import type { Db } from '../db/db.js';
import type { Logger } from '../logging/logger.js';
import type { SettingsValues } from '../contracts/settings.schema.js';
import type { PriceAnswer } from '../contracts/adminApi.js';

export interface ServiceContext {
  erpDb: Db;
  webDb: Db;
  /** The applied settings. */
  settings: SettingsValues;
  logger: Logger;
  /** Opens a fresh ERP connection: a service that lost the ERP reopens with it and recovers without a restart. */
  openErpDb?: () => Promise<Db>;
}

export interface TestPricingRequest {
  product: string;
  warehouse: string;
  customer: string;
  quantity: number;
}

export interface RunningService {
  name: string;
  /** What `integrator run` prints and the status shows, e.g. { 'Pricing listener': 'http://127.0.0.1:8085' }. */
  endpoints: Record<string, string>;
  close(): Promise<void>;
  /** Live pricing answer, for Test Pricing in the admin API (the pricing service has it). */
  price?(req: TestPricingRequest): Promise<PriceAnswer>;
}

export interface Service {
  name: string;
  enabled(settings: SettingsValues): boolean;
  start(ctx: ServiceContext): Promise<RunningService>;
}
