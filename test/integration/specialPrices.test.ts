import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendSpecialPrices } from '../../core/events/specialPricesStep.js';
import { CUSTOMER_MASTER_STEPS } from '../../core/events/customerMasterSteps.js';
import type { EventContext } from '../../core/events/types.js';
import { tmpDir } from '../helpers/tmp.js';
import { count, openDemo, putErpCustomersOnWeb, silentLogger, type DemoPair } from '../helpers/webDemo.js';

const dir = tmpDir('integrator-prices-');
let p: DemoPair;

beforeAll(async () => {
  p = await openDemo(dir, 'prices', 80);
  await putErpCustomersOnWeb(p.erp, p.web);
});
afterAll(async () => p.close());

function ctx(): EventContext {
  return {
    erpDb: p.erp,
    webDb: p.web,
    settings: p.settings,
    logger: silentLogger,
    signal: new AbortController().signal,
    progress: () => undefined,
    runId: 0,
    runEvent: async () => ({ read: 0, written: 0, skipped: 0, failed: 0 }),
    now: () => new Date('2026-11-02T09:00:00Z'),
  };
}

const manual = () => p.web.all(`SELECT [CustomerCode], [ProductCode], [Price] FROM [PricingOverride] WHERE [Source] = 'MANUAL' ORDER BY 1, 2`);
const erpRowsOnWeb = () => count(p.web, `SELECT COUNT(*) AS n FROM [PricingOverride] WHERE [Source] = 'ERP'`);
const erpSpecials = () => count(p.erp, `SELECT COUNT(*) AS n FROM [deb_special_price]`);

describe('special prices follow-on step of customer-master', () => {
  it('is one of the customer-master steps, always on', () => {
    const step = CUSTOMER_MASTER_STEPS.find((s) => s.name === 'special-prices');
    expect(step?.enabled(p.settings)).toBe(true);
  });

  it('replaces ERP rows, never touches MANUAL rows, and removes rows of departed debtors on Send All only', async () => {
    const debtors = (await p.erp.all<{ accountcode: string }>(`SELECT DISTINCT [accountcode] FROM [deb_special_price] ORDER BY [accountcode]`)).map((r) => r.accountcode);
    expect(debtors.length).toBeGreaterThanOrEqual(3);
    const [x, y, z] = debtors;
    const xProduct = (await p.erp.get<{ stock_code: string }>(`SELECT [stock_code] FROM [deb_special_price] WHERE [accountcode] = @x ORDER BY [stock_code]`, { x }))!.stock_code;
    await p.web.insertMany('PricingOverride', [
      // Manual prices, one on the same product the ERP has a special for.
      { CustomerCode: x, ProductCode: xProduct, Source: 'MANUAL', Price: 1.23 },
      { CustomerCode: z, ProductCode: 'P09999', Source: 'MANUAL', Price: 2 },
      // A stale ERP row the ERP no longer has.
      { CustomerCode: x, ProductCode: 'P08888', Source: 'ERP', Price: 9 },
    ]);
    const manualBefore = await manual();
    expect(manualBefore.length).toBe(3); // two here, one from the web demo data

    const first = await sendSpecialPrices(ctx(), { all: false });
    expect(await erpRowsOnWeb()).toBe(await erpSpecials());
    expect(first.details).toMatchObject({ specialPricesRemoved: 1 });
    expect(await manual()).toEqual(manualBefore);
    expect(await p.web.get(`SELECT [Price] FROM [PricingOverride] WHERE [CustomerCode] = @x AND [ProductCode] = @p AND [Source] = 'ERP'`, { x, p: xProduct })).toBeTruthy();

    // Nothing changed: nothing written.
    expect((await sendSpecialPrices(ctx(), { all: false })).written).toBe(0);

    // ERP changes: a new price for x, y loses every special.
    await p.erp.run(`UPDATE [deb_special_price] SET [price] = 77 WHERE [accountcode] = @x AND [stock_code] = @p`, { x, p: xProduct });
    await p.erp.run(`DELETE FROM [deb_special_price] WHERE [accountcode] = @y`, { y });
    const changed = await sendSpecialPrices(ctx(), { all: false });
    expect(changed.written).toBe(1);
    expect(await p.web.get(`SELECT [Price] FROM [PricingOverride] WHERE [CustomerCode] = @x AND [ProductCode] = @p AND [Source] = 'ERP'`, { x, p: xProduct })).toEqual({ Price: 77 });
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [PricingOverride] WHERE [CustomerCode] = @y AND [Source] = 'ERP'`, { y })).toBe(0);
    expect(await manual()).toEqual(manualBefore);

    // z leaves the ERP: Send Changed leaves its rows alone, Send All removes its ERP rows, never its MANUAL one.
    const zRows = await count(p.web, `SELECT COUNT(*) AS n FROM [PricingOverride] WHERE [CustomerCode] = @z AND [Source] = 'ERP'`, { z });
    expect(zRows).toBeGreaterThan(0);
    await p.erp.run(`DELETE FROM [deb_special_price] WHERE [accountcode] = @z`, { z });
    await p.erp.run(`DELETE FROM [deb_master] WHERE [accountcode] = @z`, { z });
    await sendSpecialPrices(ctx(), { all: false });
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [PricingOverride] WHERE [CustomerCode] = @z AND [Source] = 'ERP'`, { z })).toBe(zRows);
    const all = await sendSpecialPrices(ctx(), { all: true });
    expect(all.details).toMatchObject({ specialPricesRemoved: zRows });
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [PricingOverride] WHERE [CustomerCode] = @z AND [Source] = 'ERP'`, { z })).toBe(0);
    expect(await erpRowsOnWeb()).toBe(await erpSpecials());
    expect(await manual()).toEqual(manualBefore);
  });

  it('honours the debtor inclusion filter and names a bad one', async () => {
    const c = ctx();
    c.settings = { ...p.settings, debtorInclusionFilter: 'dr_colour = red' };
    await expect(sendSpecialPrices(c, { all: true })).rejects.toThrow(/Debtor Inclusion Filter \(debtorInclusionFilter\): unknown debtor column "dr_colour"/);
    c.settings = { ...p.settings, debtorInclusionFilter: "accountcode = 'NONE'" };
    // No debtor is sent: Send Changed keeps every ERP row, Send All clears them all; MANUAL stays.
    const before = await erpRowsOnWeb();
    await sendSpecialPrices(c, { all: false });
    expect(await erpRowsOnWeb()).toBe(before);
    await sendSpecialPrices(c, { all: true });
    expect(await erpRowsOnWeb()).toBe(0);
    expect((await manual()).length).toBe(3);
  });
});
