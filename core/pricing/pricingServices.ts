// The pricing listener and the ERP change listener as worker Services (agreement 7). The worker starts
// each when its setting is on and prints their endpoints.
import type { Service, ServiceContext, RunningService, TestPricingRequest } from '../worker/service.js';
import type { SettingsValues } from '../contracts/settings.schema.js';
import { conditionCodes, isLoopbackAddress } from '../contracts/settings.schema.js';
import { FatalError } from '../errors.js';
import type { PriceAnswer } from '../contracts/adminApi.js';
import type { Db } from '../db/db.js';
import { openDb } from '../db/openDb.js';
import { ErpConnection } from './erpConnection.js';
import { SqlPriceSource } from './sqlPriceSource.js';
import { DEFAULT_CACHE_ENTRIES, PricingService, type ManualPriceSource } from './pricingService.js';
import { buildPricingListener } from './pricingListener.js';
import { buildErpListener } from './erpListener.js';
import { erpChanges, type ErpChangeFeed } from './erpChanges.js';
import { listenOrExplain, listenUrl } from './listenerHttp.js';
import { PRICING_ENDPOINT, ERP_ENDPOINT } from '../contracts/pricingApi.js';
import type { ConnectionLimits } from '../connectionLimits.js';

export { PRICING_ENDPOINT, ERP_ENDPOINT };

export interface PricingStartOptions {
  feed?: ErpChangeFeed;
  /** Overrides the cache size (0: off), for benchmarks. */
  cacheEntries?: number;
  /** Overrides the ERP Polling Interval, in ms. */
  pollIntervalMs?: number;
  /** Default LISTENER_CONNECTION_LIMITS. */
  connectionLimits?: ConnectionLimits;
}

const apiKey = (s: SettingsValues) => (typeof s.listenerApiKey === 'string' && s.listenerApiKey ? s.listenerApiKey : undefined);

/**
 * Where a listener binds. Beyond loopback only with a Listener API Key: saving refuses that combination, and a file
 * edited by hand into it still never opens a listener to the network unguarded.
 */
function bindAddress(s: SettingsValues, what: string): string {
  const host = s.listenerBindAddress || '127.0.0.1';
  if (!isLoopbackAddress(host) && !apiKey(s)) {
    throw new FatalError(`${what} will not listen on ${host} (reachable from other machines) without a Listener API Key: set listenerApiKey or bind 127.0.0.1`);
  }
  return host;
}

/**
 * How the pricing service reopens the ERP after a failure: the worker's `openErpDb` when it passes one, else
 * the same SQLite file (read-only) or the same SQL Server DSN. Without either it keeps the connection it got.
 */
function reopener(ctx: ServiceContext): (() => Promise<Db>) | undefined {
  if (ctx.openErpDb) return ctx.openErpDb;
  if (ctx.erpDb.kind === 'sqlite') {
    const file = (ctx.erpDb as Db & { path?: unknown }).path;
    return typeof file === 'string' && file !== ':memory:' ? () => openDb(`sqlite:${file}`, { readonly: true }) : undefined;
  }
  const dsn = ctx.settings.erpDsn ?? '';
  return dsn.startsWith('mssql://') ? () => openDb(dsn) : undefined;
}

/** The web store's manual prices: PricingOverride rows with Source = 'MANUAL' (SPEC 6), the web's own rows. */
export function webManualPrices(webDb: Db): ManualPriceSource {
  return {
    async load() {
      const rows = await webDb.all<{ CustomerCode: string; ProductCode: string; Price: number | string | null }>(
        `SELECT [CustomerCode], [ProductCode], [Price] FROM [PricingOverride] WHERE [Source] = 'MANUAL' AND [Price] IS NOT NULL`,
      );
      return rows.map((r) => ({ customer: String(r.CustomerCode).trim(), product: String(r.ProductCode).trim(), price: Number(r.Price) }));
    },
  };
}

export interface RunningPricing extends RunningService {
  price(req: TestPricingRequest): Promise<PriceAnswer>;
  service: PricingService;
}

export async function startPricingListener(ctx: ServiceContext, o: PricingStartOptions = {}): Promise<RunningPricing> {
  const s = ctx.settings;
  const host = bindAddress(s, 'The pricing listener');
  const logger = ctx.logger.child({ service: 'pricing-listener' });
  const connection = new ErpConnection({ initial: ctx.erpDb, ownsInitial: false, open: reopener(ctx), logger });
  const source = new SqlPriceSource(connection, logger);
  const service = new PricingService({
    source,
    manual: webManualPrices(ctx.webDb),
    invalidConditionCodes: conditionCodes(s.invalidConditionCodes),
    cacheEntries: o.cacheEntries ?? DEFAULT_CACHE_ENTRIES,
    pollIntervalMs: o.pollIntervalMs ?? (s.erpPollingIntervalMins ?? 5) * 60_000,
    onRefresh: () => connection.refresh(),
    logger,
  });
  const unsubscribe = (o.feed ?? erpChanges).subscribe((reason) => service.refresh(reason));
  const app = buildPricingListener(service, {
    logger,
    apiKey: apiKey(s),
    compressAboveBytes: s.liveCallCompressionThresholdBytes ?? 1024,
    verbose: s.enableVerboseLogging === true,
    connectionLimits: o.connectionLimits,
  });
  try {
    await listenOrExplain(app, host, s.httpPort ?? 8085, 'The pricing listener (HTTP Port)');
  } catch (err) {
    unsubscribe();
    await service.close();
    await source.close();
    throw err;
  }
  const url = listenUrl(app, host);
  logger.info({ url }, `pricing listener on ${url}`);
  return {
    name: pricingListenerService.name,
    endpoints: { [PRICING_ENDPOINT]: url },
    service,
    price: (req) => service.price(req),
    async close() {
      unsubscribe();
      await app.close();
      await service.close();
      await source.close();
    },
  };
}

export async function startErpListener(ctx: ServiceContext, o: { feed?: ErpChangeFeed; connectionLimits?: ConnectionLimits } = {}): Promise<RunningService> {
  const s = ctx.settings;
  const host = bindAddress(s, 'The ERP listener');
  const logger = ctx.logger.child({ service: 'erp-listener' });
  const app = buildErpListener(o.feed ?? erpChanges, { logger, apiKey: apiKey(s), verbose: s.enableVerboseLogging === true, connectionLimits: o.connectionLimits });
  try {
    await listenOrExplain(app, host, s.erpListenerPort ?? 9801, 'The ERP listener (ERP Listener Port)');
  } catch (err) {
    await app.close();
    throw err;
  }
  const url = listenUrl(app, host);
  logger.info({ url }, `ERP listener on ${url}`);
  return {
    name: erpListenerService.name,
    endpoints: { [ERP_ENDPOINT]: url },
    close: () => app.close(),
  };
}

export const pricingListenerService: Service = {
  name: 'pricing-listener',
  enabled: (s) => s.enableLivePricingAvailabilityListener === true,
  start: (ctx) => startPricingListener(ctx),
};

export const erpListenerService: Service = {
  name: 'erp-listener',
  enabled: (s) => s.enableErpListener === true,
  start: (ctx) => startErpListener(ctx),
};

/** Every service, in start order: what a running integrator starts (each capability adds its own). */
export const SERVICES: Service[] = [pricingListenerService, erpListenerService];
