// One long-lived connection per database for a running integrator: its runs, its services, its health checks and
// every admin request share it, instead of paying a connection (on SQL Server: TCP, TLS and a login) each time.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { until } from '../helpers/until.js';
import { EVENTS } from '../../core/events/registry.js';
import { Integrator } from '../../core/worker/integrator.js';
import { buildAdminServer, listenAdmin } from '../../core/admin/adminServer.js';
import { writeSettingsFile } from '../../core/settings/settingsFile.js';
import { defaultSettings } from '../../core/contracts/settings.schema.js';
import { createLogger } from '../../core/logging/logger.js';
import { API } from '../../core/contracts/adminApi.js';
import type * as OpenDbModule from '../../core/db/openDb.js';
import type * as SchemaModule from '../../core/db/schema.js';
import { copyEvent, seedCopyTables, testPricingService, SCHEDULES_OFF } from '../fixtures/workerFixtures.js';

const TOKEN = 'shared-connections-token-0123';

let integrator: Integrator;
let app: FastifyInstance;
let base: string;
/** Connections opened, by DSN: every open goes through openDb, the one place that chooses a driver. */
const opened = vi.hoisted(() => new Map<string, number>());
/** Times the migrations were checked. */
const migrations = vi.hoisted(() => ({ checked: 0 }));
vi.mock('../../core/db/schema.js', async (importOriginal) => {
  const real = await importOriginal<typeof SchemaModule>();
  return {
    ...real,
    migrate: (...args: Parameters<typeof real.migrate>) => {
      migrations.checked += 1;
      return real.migrate(...args);
    },
  };
});
vi.mock('../../core/db/openDb.js', async (importOriginal) => {
  const real = await importOriginal<typeof OpenDbModule>();
  return {
    ...real,
    openDb: (dsn: string, options?: Parameters<typeof real.openDb>[1]) => {
      opened.set(dsn, (opened.get(dsn) ?? 0) + 1);
      return real.openDb(dsn, options);
    },
  };
});

beforeAll(async () => {
  const dir = tmpDir('integrator-shared-');
  const file = path.join(dir, 'settings.json');
  writeSettingsFile(file, { ...defaultSettings(), ...SCHEDULES_OFF, erpDsn: 'sqlite:erp.sqlite', webDsn: 'sqlite:web.sqlite', adminToken: TOKEN, adminPort: 0, nightlyRestartTime: '', enableLivePricingAvailabilityListener: true });
  seedCopyTables(path.join(dir, 'erp.sqlite'), path.join(dir, 'web.sqlite'), 200);
  EVENTS.statements = copyEvent('statements', { batch: 50, pauseMs: 0 });
  integrator = new Integrator({ settingsFile: file, foreground: false, logger: createLogger(), services: [testPricingService], firstRunDelayMs: 10, healthCheckMs: 20 });
  await integrator.start();
  app = await buildAdminServer({ integrator, logger: createLogger() });
  base = await listenAdmin(app, 0);
});

afterAll(async () => {
  await app?.close();
  await integrator?.stop();
  delete EVENTS.statements;
});

describe('one connection per database for the whole integrator', () => {
  it('runs, the pricing service, health checks and admin requests all use it; migrations are checked once', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    const get = async (route: string) => {
      const r = await fetch(`${base}${route}`, { headers: auth });
      expect(r.status, route).toBe(200);
      return r.json();
    };
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${base}${API.runEvent('statements')}?all=1`, { method: 'POST', headers: auth });
      expect(r.status).toBe(202);
      await until('the run done', () => !integrator.status().events.find((e) => e.event === 'statements')!.running);
    }
    for (let i = 0; i < 10; i++) {
      await get(API.status);
      await get(API.runs);
      await get(API.customers);
      await get(API.conversions);
      await get(API.blockedUsers);
    }
    const price = await fetch(`${base}${API.testPricing}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ product: 'row-3', warehouse: 'MEL', customer: 'C1', quantity: 1 }) });
    expect(price.status).toBe(200);
    // Several periodic health checks have come and gone meanwhile.
    const checked = integrator.status().web.checkedAt;
    await until('another health check', () => integrator.status().web.checkedAt !== checked);
    const runs = (await get(`${API.runs}?event=statements`)) as { runs: Array<{ status: string }> };
    expect(runs.runs.map((r) => r.status)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    expect(Object.fromEntries(opened)).toEqual({ 'sqlite:web.sqlite': 1, 'sqlite:erp.sqlite': 1 });
    // The web database's migrations were checked when it opened, at the start, not once per run.
    expect(migrations.checked).toBe(1);
  });
});
