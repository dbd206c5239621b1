// The Send Customer Conversions step of customer-master, on a real demo ERP database: deb_conversion is copied
// to CustomerConversion and processed when new rows arrived; with the setting off nothing is copied.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoInit } from '../../core/demo/demoData.js';
import { SqliteDb } from '../../core/db/sqliteDb.js';
import { CUSTOMER_MASTER_STEPS, conversionsStep } from '../../core/events/customerMasterSteps.js';
import type { EventContext, RunOptions } from '../../core/events/types.js';
import { runEvent } from '../../core/events/runEvent.js';
import { createLogger } from '../../core/logging/logger.js';
import { defaultSettings, type SettingsValues } from '../../core/contracts/settings.schema.js';
import { tmpDir } from '../helpers/tmp.js';
import { addCustomer, conversions, rowsOf } from '../helpers/conversionsFixture.js';

const dir = tmpDir('integrator-conv-cm-');
const logger = createLogger();

async function setup(name: string) {
  const r = await demoInit({ dir: path.join(dir, name), customers: 60, seed: 3 });
  const erpDb = new SqliteDb(r.erp);
  const webDb = new SqliteDb(r.web);
  // The web as a Send Changed leaves it: the legacy codes were sent before, some new codes have just arrived.
  addCustomer(webDb, 'L00003', { activeStatus: 'Active' });
  addCustomer(webDb, 'C00003', { addresses: ['00'], users: [], orders: [], transRefs: [], products: [] });
  addCustomer(webDb, 'L00011');
  addCustomer(webDb, 'X00021');
  addCustomer(webDb, 'Y00021', { addresses: ['00', '02'] });
  addCustomer(webDb, 'C00021', { addresses: ['00'], users: [], orders: [], transRefs: [], products: [] });
  return { erpDb, webDb };
}

function context(erpDb: SqliteDb, webDb: SqliteDb, settings: SettingsValues): EventContext {
  const deps = { erpDb, webDb, settings, logger };
  return {
    erpDb,
    webDb,
    settings,
    logger,
    signal: new AbortController().signal,
    progress: () => undefined,
    runId: 0,
    now: () => new Date(),
    runEvent: async (name, o) => (await runEvent(name, o ?? {}, deps)).summary,
  };
}

/** What customer-master does after sending customers: every enabled step, in order. */
async function followOnSteps(ctx: EventContext, options: RunOptions = { all: false }) {
  const results = [];
  for (const step of CUSTOMER_MASTER_STEPS) if (step.enabled(ctx.settings)) results.push(await step.run(ctx, options));
  return results;
}

// The special prices step runs after the conversions: the ERP rows on the web end as the ERP's own special prices.
const specials = (db: SqliteDb, code: string) => Number((db.raw.prepare(`SELECT COUNT(*) AS n FROM deb_special_price WHERE accountcode = ?`).get(code) as { n: number }).n);

const conversionRuns = (db: SqliteDb) => db.raw.prepare(`SELECT Status, Read, Written, Failed, Details FROM IntegrationRun WHERE Event = 'conversions' ORDER BY Id`).all() as Array<{ Status: string; Read: number; Written: number; Details: string }>;

describe('Send Customer Conversions during customer-master', () => {
  it('on: copies deb_conversion as Pending and processes it; codes follow chains; a second run adds and moves nothing', async () => {
    const { erpDb, webDb } = await setup('on');
    const settings = { ...defaultSettings(), sendCustomerConversions: true };
    const ctx = context(erpDb, webDb, settings);
    expect(conversionsStep.enabled(settings)).toBe(true);

    const [first] = await followOnSteps(ctx);
    expect(first).toMatchObject({ read: 4, written: 4, details: { conversionsInErp: 4, conversionsAdded: 4, conversionsProcessed: 4, conversionsFailed: 0 } });
    // The processing ran as its own recorded run and found the four copied rows Pending.
    const runs = conversionRuns(webDb);
    expect(runs).toMatchObject([{ Status: 'Succeeded', Read: 4, Written: 4 }]);
    const c = conversions(webDb);
    expect(c.map((x) => [x.OldCode, x.NewCode, x.Status])).toEqual(
      expect.arrayContaining([
        ['L00003', 'C00003', 'Processed'],
        ['L00011', 'C00011', 'Processed'],
        ['X00021', 'Y00021', 'Processed'],
        ['Y00021', 'C00021', 'Processed'],
      ]),
    );
    for (const old of ['L00003', 'L00011', 'X00021', 'Y00021']) expect(Object.values(rowsOf(webDb, old)).every((n) => n === 0), old).toBe(true);
    expect(rowsOf(webDb, 'C00003')).toEqual({ Customer: 1, CustomerAddress: 2, UserCustomer: 1, SalesOrder: 2, StatementLine: 1, PricingOverride: specials(erpDb, 'C00003'), CustomerErpWrite: 0 });
    expect(rowsOf(webDb, 'C00011')).toEqual({ Customer: 1, CustomerAddress: 2, UserCustomer: 1, SalesOrder: 2, StatementLine: 1, PricingOverride: specials(erpDb, 'C00011'), CustomerErpWrite: 0 });
    expect(rowsOf(webDb, 'C00021')).toEqual({ Customer: 1, CustomerAddress: 3, UserCustomer: 2, SalesOrder: 4, StatementLine: 2, PricingOverride: specials(erpDb, 'C00021'), CustomerErpWrite: 0 });
    // X00021's prices collided with Y00021's (same products): Y's were kept, X's are on the record.
    const x = JSON.parse(c.find((r) => r.OldCode === 'X00021')!.Details!);
    expect(x).toMatchObject({ finalCode: 'C00021', path: ['X00021', 'Y00021', 'C00021'] });
    expect(x.dropped.filter((d: { table: string }) => d.table === 'PricingOverride')).toHaveLength(2);
    expect(webDb.raw.prepare(`SELECT ActiveStatus FROM Customer WHERE CustomerCode = 'C00003'`).get()).toEqual({ ActiveStatus: 'Active' });

    const [second] = await followOnSteps(ctx);
    expect(second).toMatchObject({ read: 4, written: 0, details: { conversionsAdded: 0 } });
    expect(conversionRuns(webDb)).toHaveLength(1);
    expect(conversions(webDb)).toEqual(c);
    await erpDb.close();
    await webDb.close();
  });

  it('off: nothing is copied and nothing moves', async () => {
    const { erpDb, webDb } = await setup('off');
    const settings = { ...defaultSettings(), sendCustomerConversions: false };
    expect(conversionsStep.enabled(settings)).toBe(false);
    const before = rowsOf(webDb, 'L00003');
    await followOnSteps(context(erpDb, webDb, settings));
    expect(conversions(webDb)).toEqual([]);
    expect(conversionRuns(webDb)).toEqual([]);
    expect(rowsOf(webDb, 'L00003')).toEqual(before);
    await erpDb.close();
    await webDb.close();
  });
});
