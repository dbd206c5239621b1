import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { erpWrite, priceQuery, request, writeFixtureErp } from '../helpers/pricingFixture.js';
import type { RunningService, ServiceContext } from '../../core/worker/service.js';
import { SERVICES } from '../../core/pricing/pricingServices.js';
import { defaultSettings } from '../../core/contracts/settings.schema.js';
import { openDb } from '../../core/db/openDb.js';
import { createLogger } from '../../core/logging/logger.js';
import { PricingError } from '../../core/pricing/pricingService.js';
import { FatalError } from '../../core/errors.js';

const dir = tmpDir('integrator-pricing-services-');
const erpFile = path.join(dir, 'erp.sqlite');
let ctx: ServiceContext;
const running: RunningService[] = [];

// Started the way the worker starts them: from SERVICES, with the worker's own ERP connection and no reopen hook.
beforeAll(async () => {
  await writeFixtureErp(erpFile);
  const settings = { ...defaultSettings(), erpDsn: 'sqlite:erp.sqlite', httpPort: 0, erpListenerPort: 0, enableErpListener: true };
  ctx = { erpDb: await openDb(settings.erpDsn as string, { baseDir: dir }), webDb: await openDb('sqlite::memory:', { create: true }), settings, logger: createLogger() };
  for (const s of SERVICES) if (s.enabled(settings)) running.push(await s.start(ctx));
});
afterAll(async () => {
  for (const r of running.reverse()) await r.close();
  await ctx?.erpDb.close();
  await ctx?.webDb.close();
});

describe('pricing services in SERVICES', () => {
  it('are registered with their settings: pricing on by default, the ERP listener off by default', () => {
    const names = SERVICES.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['pricing-listener', 'erp-listener']));
    const d = defaultSettings();
    expect(SERVICES.find((s) => s.name === 'pricing-listener')!.enabled(d)).toBe(true);
    expect(SERVICES.find((s) => s.name === 'erp-listener')!.enabled(d)).toBe(false);
    expect(SERVICES.find((s) => s.name === 'pricing-listener')!.enabled({ ...d, enableLivePricingAvailabilityListener: false })).toBe(false);
  });

  it('show their endpoints under the agreed keys', () => {
    const endpoints = Object.assign({}, ...running.map((r) => r.endpoints)) as Record<string, string>;
    expect(Object.keys(endpoints).sort()).toEqual(['ERP listener', 'Pricing listener']);
    for (const url of Object.values(endpoints)) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('price() answers Test Pricing for the admin API, and tells unknown codes apart', async () => {
    const pricing = running.find((r) => r.price)!;
    expect(await pricing.price!({ product: 'P1', warehouse: 'MEL', customer: 'C3', quantity: 2 })).toMatchObject({ unitPrice: 60, priceSource: 'special', available: 70 });
    const err = await pricing.price!({ product: 'P1', warehouse: 'NOWHERE', customer: 'C3', quantity: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PricingError);
    expect(err).toMatchObject({ status: 404, what: 'warehouse', message: 'unknown warehouse "NOWHERE"' });
  });

  it('a port in use is one clear FatalError naming the setting, and nothing is left listening', async () => {
    const port = Number(new URL(running.find((r) => r.price)!.endpoints['Pricing listener']).port);
    const erpPort = Number(new URL(running.find((r) => !r.price)!.endpoints['ERP listener']).port);
    const pricing = SERVICES.find((s) => s.name === 'pricing-listener')!;
    const erp = SERVICES.find((s) => s.name === 'erp-listener')!;
    const e1 = await pricing.start({ ...ctx, settings: { ...ctx.settings, httpPort: port } }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(FatalError);
    expect((e1 as Error).message).toBe(`The pricing listener (HTTP Port) cannot listen on 127.0.0.1:${port}: the port is in use`);
    const e2 = await erp.start({ ...ctx, settings: { ...ctx.settings, erpListenerPort: erpPort } }).catch((e: unknown) => e);
    expect((e2 as Error).message).toBe(`The ERP listener (ERP Listener Port) cannot listen on 127.0.0.1:${erpPort}: the port is in use`);
  });

  it('a settings file bound beyond loopback without a Listener API Key (saved by hand): neither listener opens', async () => {
    for (const address of ['0.0.0.0', '::']) {
      for (const svc of SERVICES.filter((s) => s.name === 'pricing-listener' || s.name === 'erp-listener')) {
        const err = await svc.start({ ...ctx, settings: { ...ctx.settings, listenerBindAddress: address, listenerApiKey: '' } }).catch((e: unknown) => e);
        expect(err, `${svc.name} on ${address}`).toBeInstanceOf(FatalError);
        expect((err as Error).message).toMatch(new RegExp(`will not listen on ${address.replace(/[.:]/g, '\\$&')} .*without a Listener API Key`));
      }
    }
    // With the key it opens (on loopback here, which any machine has).
    const ok = await SERVICES.find((s) => s.name === 'erp-listener')!.start({ ...ctx, settings: { ...ctx.settings, listenerBindAddress: '127.0.0.2', listenerApiKey: 'a-key-0123456789' } });
    await ok.close();
  });

  it('a notify on the ERP listener refreshes the pricing listener; a replaced ERP file is 503 until restored', async () => {
    const priceUrl = priceQuery(running.find((r) => r.price)!.endpoints['Pricing listener'], { customer: 'C2', product: 'P1', warehouse: 'MEL', quantity: 1 });
    const notify = () => request(`${running.find((r) => !r.price)!.endpoints['ERP listener']}/erp/notify`, { method: 'POST' });
    expect((await request(priceUrl)).json).toMatchObject({ unitPrice: 100 });
    await erpWrite(erpFile, "UPDATE stock_master SET base_price = 101 WHERE stock_code = 'P1'");
    expect((await request(priceUrl)).json).toMatchObject({ unitPrice: 100 });
    expect((await notify()).json).toMatchObject({ refreshed: true });
    expect((await request(priceUrl)).json).toMatchObject({ unitPrice: 101 });

    fs.renameSync(erpFile, `${erpFile}.away`);
    fs.writeFileSync(erpFile, 'garbage'.repeat(1000));
    await notify();
    expect((await request(priceUrl)).status).toBe(503);
    fs.rmSync(erpFile);
    fs.renameSync(`${erpFile}.away`, erpFile);
    let r = await request(priceUrl);
    for (let i = 0; i < 50 && r.status !== 200; i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await request(priceUrl);
    }
    expect(r.status).toBe(200);
  });
});
