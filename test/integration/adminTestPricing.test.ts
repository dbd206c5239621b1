// Test Pricing through the admin API answers what the live pricing listener answers for the same request: the
// real listener over a hand-made ERP file, an unknown code (404 naming it), the ERP away (503), never a 500.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { priceQuery, request, writeFixtureErp } from '../helpers/pricingFixture.js';
import { until } from '../helpers/until.js';
import { Integrator } from '../../core/worker/integrator.js';
import { SERVICES } from '../../core/pricing/pricingServices.js';
import { buildAdminServer, listenAdmin } from '../../core/admin/adminServer.js';
import { loadSettings, writeSettingsFile } from '../../core/settings/settingsFile.js';
import { defaultSettings } from '../../core/contracts/settings.schema.js';
import { createLogger } from '../../core/logging/logger.js';
import { logsDir } from '../../core/logging/exportLogs.js';
import { API } from '../../core/contracts/adminApi.js';
import { SCHEDULES_OFF } from '../fixtures/workerFixtures.js';

const TOKEN = 'pricing-admin-token-0123456789';

let dir: string;
let file: string;
let erp: string;
let integrator: Integrator;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  dir = tmpDir('integrator-admin-pricing-');
  file = path.join(dir, 'settings.json');
  erp = path.join(dir, 'erp.sqlite');
  await writeFixtureErp(erp);
  writeSettingsFile(file, {
    ...defaultSettings(),
    ...SCHEDULES_OFF,
    erpDsn: 'sqlite:erp.sqlite',
    webDsn: 'sqlite:web.sqlite',
    adminToken: TOKEN,
    nightlyRestartTime: '',
    enableLivePricingAvailabilityListener: true,
    enableErpListener: true,
    httpPort: 0,
    erpListenerPort: 0,
  });
  const logger = createLogger({ dir: logsDir(loadSettings(file)), secrets: [TOKEN] });
  integrator = new Integrator({ settingsFile: file, foreground: true, logger, services: SERVICES });
  await integrator.start();
  app = await buildAdminServer({ integrator, logger, uiDir: path.join(dir, 'ui') });
  base = await listenAdmin(app, 0);
});

afterAll(async () => {
  await app?.close();
  await integrator?.stop();
});

async function viaAdmin(body: Record<string, unknown>) {
  const res = await fetch(`${base}${API.testPricing}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

function viaListener(body: Record<string, string | number>) {
  return request(priceQuery(integrator.endpoints['Pricing listener'], body));
}

function adminLog(): Array<{ level: number; msg: string; url?: string; status?: number; stack?: unknown; err?: unknown }> {
  return fs
    .readFileSync(path.join(logsDir(loadSettings(file)), 'integrator.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((l: { url?: string }) => l.url === API.testPricing);
}

describe('Test Pricing over the admin API', () => {
  it('answers as the listener does: a price, an unknown product, warehouse or customer (404 naming it)', async () => {
    const good = { product: 'P1', warehouse: 'MEL', customer: 'C1', quantity: 10 };
    const ok = await viaAdmin(good);
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ product: 'P1', unitPrice: 80, priceSource: 'level' });
    for (const [what, req] of [
      ['product', { ...good, product: 'NOPE' }],
      ['warehouse', { ...good, warehouse: 'XXX' }],
      ['customer', { ...good, customer: 'ZZ' }],
    ] as const) {
      const listener = await viaListener(req);
      const admin = await viaAdmin(req);
      expect(listener.status, what).toBe(404);
      expect(admin.status, what).toBe(listener.status);
      expect(admin.json, what).toEqual(listener.json);
      expect(String(admin.json.error), what).toContain(what === 'product' ? 'NOPE' : what === 'warehouse' ? 'XXX' : 'ZZ');
    }
  });

  it('the ERP away: 503 as the listener answers, logged as a refusal without a stack', async () => {
    const req = { product: 'P3', warehouse: 'SYD', customer: 'C3', quantity: 5 };
    fs.renameSync(erp, `${erp}.away`);
    try {
      // The ERP listener's notification makes the pricing service reopen the file, which is gone.
      const notify = await request(`${integrator.endpoints['ERP listener']}/erp/notify`, { method: 'POST' });
      expect(notify.status).toBe(200);
      const listener = await until('the listener to see the ERP away', async () => {
        const r = await viaListener(req);
        return r.status === 503 ? r : null;
      });
      const admin = await viaAdmin(req);
      expect(admin.status).toBe(503);
      expect(admin.json).toEqual(listener.json);
    } finally {
      fs.renameSync(`${erp}.away`, erp);
    }
    await until('the refusals in the log', () => adminLog().filter((l) => l.status === 503 || l.status === 404).length >= 4);
    const lines = adminLog();
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.every((l) => l.msg === 'admin request refused' && l.err === undefined && l.stack === undefined)).toBe(true);
    expect(lines.find((l) => l.status === 503)!.level).toBe(40);
  });
});
