// Every event on SQL Server, with an ERP shaped as real sites have it: CHAR(10) codes (returned padded), VARCHAR
// names, DATETIME dates, mixed-case and hyphenated codes, an 80-character name, in a database with a
// case-insensitive SQL_* collation (VARCHAR and NVARCHAR sort hyphens differently there). Runs where
// INTEGRATOR_TEST_MSSQL names a scratch database (the CI workflow .github/workflows/mssql.yml); skips here.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../core/db/db.js';
import { migrate } from '../../core/db/schema.js';
import { WEB_MIGRATIONS } from '../../core/web/webSchema.js';
import { demoInit, DEMO_TODAY } from '../../core/demo/demoData.js';
import { defaultSettings, type SettingsInput, type SettingsValues } from '../../core/contracts/settings.schema.js';
import { runEvent } from '../../core/events/runEvent.js';
import type { EventName } from '../../core/contracts/events.js';
import { tmpDir } from '../helpers/tmp.js';
import { silentLogger } from '../helpers/webDemo.js';
import { MSSQL, copyErpToMssql, dropAll, openMssql, skippedWithoutMssql } from '../helpers/mssqlFixture.js';

const SUITE = 'events on SQL Server (CHAR codes, case-insensitive collation)';
const NOW = new Date(`${DEMO_TODAY}T12:00:00Z`);
const ODD_CODES = ['a-100', 'Ab-200', 'b-300', 'BB-1', 'c-1', 'Zed-9', 'z-1', 'x-CASE', 'M-m', 'CO-OP1', 'COOP2', 'CO-OP3'];
const settings: SettingsValues = { ...defaultSettings(), batchSize: 25, autoActivateAllCustomers: true, sendCustomerConversions: true };

const n = async (db: Db, text: string, params?: Record<string, string>) => Number((await db.get<{ n: number }>(text, params))?.n ?? 0);

if (!MSSQL) skippedWithoutMssql(SUITE);
else
  describe(SUITE, () => {
    const dir = tmpDir('integrator-mssql-events-');
    let erp: Db;
    let web: Db;
    const run = (event: EventName, all: boolean, over: SettingsInput = {}) =>
      runEvent(event, { all }, { erpDb: erp, webDb: web, settings: { ...settings, ...over }, logger: silentLogger, now: () => NOW });

    beforeAll(async () => {
      web = await openMssql();
      await dropAll(web);
      // The web schema first: the integrator migrates only a new database or its own.
      await migrate(web, WEB_MIGRATIONS);
      const demo = await demoInit({ dir: path.join(dir, 'demo'), customers: 150, seed: 7, force: true });
      erp = await openMssql();
      await copyErpToMssql(demo.erp, erp);
      const at = '2026-10-01T09:00:00Z';
      await erp.insertMany(
        'deb_master',
        ODD_CODES.map((code, i) => ({ accountcode: code, dr_name: `Odd Code ${code}`, dr_status: 'A', terms_code: '30D', rep_code: 'R01', price_code: 'A', credit_limit: 100, email: `odd${i}@example.com`, phone: '', fax: '', dr_date_created: at, dr_date_last_changed: at })),
      );
      await erp.insertMany(
        'name_and_address_master',
        ODD_CODES.flatMap((code) => ['00', '01'].map((t) => ({ accountcode: code, na_type: t, na_name: `Odd Code ${code}`, street: '1 Case St', suburb: 'Melbourne', state: 'VIC', postcode: '3000', country: 'Australia' }))),
      );
      await erp.insertMany('sales_order', ODD_CODES.map((code, i) => ({ so_order_no: `S${i}`, accountcode: code, so_order_status: '10', so_date_stamp: '2026-10-15T10:00:00Z', so_order_total: 12.5 })));
      await erp.insertMany('sales_order_line', ODD_CODES.map((_code, i) => ({ so_order_no: `S${i}`, line_no: 1, stock_code: 'P00001', qty: 1, price: 12.5 })));
      await erp.run(`UPDATE [deb_master] SET [dr_name] = REPLICATE('N', 80) WHERE [accountcode] = 'C00002'`);
    });
    afterAll(async () => {
      if (web) await dropAll(web).catch(() => undefined);
      await erp?.close();
      await web?.close();
    });

    it('Customer Master Send All: every debtor arrives unpadded, with its addresses and an 80-character name', async () => {
      const started = Date.now();
      const out = await run('customer-master', true);
      const secs = (Date.now() - started) / 1000;
      expect(out.status, out.error).toBe('Succeeded');
      console.log(`SQL Server Send All: ${out.summary.read} debtors in ${secs.toFixed(1)} s (${Math.round(out.summary.read / secs)} rows/s)`);
      const debtors = await n(erp, `SELECT COUNT(*) AS [n] FROM [deb_master]`);
      expect(await n(web, `SELECT COUNT(*) AS [n] FROM [Customer] WHERE [Source] = 'ERP'`)).toBe(debtors);
      expect(await n(web, `SELECT COUNT(*) AS [n] FROM [CustomerAddress]`)).toBe(await n(erp, `SELECT COUNT(*) AS [n] FROM [name_and_address_master]`));
      const codes = (await web.all<{ c: string }>(`SELECT [CustomerCode] AS [c] FROM [Customer]`)).map((r) => r.c);
      expect(codes.filter((c) => c !== c.trimEnd())).toEqual([]);
      expect(codes).toEqual(expect.arrayContaining(ODD_CODES));
      expect((await web.get<{ Name: string }>(`SELECT [Name] FROM [Customer] WHERE [CustomerCode] = 'C00002'`))?.Name).toBe('N'.repeat(80));
      expect(out.summary.details?.steps).toMatchObject({ conversions: { read: 4, written: 4, details: { conversionsFailed: 0 } } });
    });

    it('a second Send All disables nothing that exists, keeps an admin disable; Send Changed then writes nothing', async () => {
      await web.run(`UPDATE [Customer] SET [DisabledByAdmin] = 1, [IsDisabled] = 1 WHERE [CustomerCode] IN ('b-300', 'C00004')`);
      const again = await run('customer-master', true);
      expect(again.status, again.error).toBe('Succeeded');
      expect(again.summary.details).toMatchObject({ disabledRemoved: 0 });
      expect(await n(web, `SELECT COUNT(*) AS [n] FROM [Customer] WHERE [CustomerCode] IN ('b-300', 'C00004') AND [IsDisabled] = 1`)).toBe(2);
      const held = await n(erp, `SELECT COUNT(*) AS [n] FROM [deb_master] WHERE [dr_status] IN ('H', 'C')`);
      expect(await n(web, `SELECT COUNT(*) AS [n] FROM [Customer] WHERE [IsDisabled] = 1`)).toBe(held + 2);
      const changed = await run('customer-master', false);
      expect(changed.summary).toMatchObject({ written: 0, failed: 0 });
    });

    it('Get Orders Send All brings the archive window (DATETIME compared as a date) and removes nothing on a rerun', async () => {
      const first = await run('orders', true);
      expect(first.status, first.error).toBe('Succeeded');
      const inWindow = await n(erp, `SELECT COUNT(*) AS [n] FROM [sales_order] WHERE [so_date_stamp] >= '20251101'`);
      expect(await n(web, `SELECT COUNT(*) AS [n] FROM [SalesOrder] WHERE [Source] = 'ERP'`)).toBe(inWindow);
      const second = await run('orders', true);
      expect(second.summary.details).toMatchObject({ removed: 0 });
      expect(await n(web, `SELECT COUNT(*) AS [n] FROM [SalesOrder] WHERE [Source] = 'ERP'`)).toBe(inWindow);
      const odd = await web.get<{ CustomerCode: string; OrderDate: string }>(`SELECT [CustomerCode], [OrderDate] FROM [SalesOrder] WHERE [OrderNo] = 'S0'`);
      expect(odd).toEqual({ CustomerCode: 'a-100', OrderDate: '2026-10-15T10:00:00.000Z' });
    });

    it('Statements and special prices arrive for every customer, by unpadded codes', async () => {
      const out = await run('statements', true);
      expect(out.status, out.error).toBe('Succeeded');
      expect(await n(web, `SELECT COUNT(*) AS [n] FROM [StatementLine]`)).toBe(await n(erp, `SELECT COUNT(*) AS [n] FROM [deb_trans]`));
      expect(await n(web, `SELECT COUNT(*) AS [n] FROM [PricingOverride] WHERE [Source] = 'ERP'`)).toBe(await n(erp, `SELECT COUNT(*) AS [n] FROM [deb_special_price]`));
    });

    it('web-accounts creates the ERP debtor (CHAR code, DATETIME stamps) and moves the web rows to it', async () => {
      await web.insertMany('Customer', [{ CustomerCode: 'B2C-9001', Name: 'Shopper Nine', Email: 'shopper9@example.net', Source: 'WEB', ActiveStatus: 'Inactive' }]);
      await web.insertMany('CustomerAddress', [{ CustomerCode: 'B2C-9001', AddressType: '00', Name: 'Shopper Nine', Street: '9 Web St', Suburb: 'Carlton', State: 'VIC', Postcode: '3053', Country: 'Australia' }]);
      await web.insertMany('SalesOrder', [{ OrderNo: 'W900001', CustomerCode: 'B2C-9001', OrderDate: '2026-10-30T10:00:00Z', Total: 20, Source: 'WEB' }]);
      await web.insertMany('SalesOrderLine', [{ OrderNo: 'W900001', LineNo: 1, ProductCode: 'P00002', Qty: 2, Price: 10 }]);
      const out = await run('web-accounts', false);
      expect(out.status, out.error).toBe('Succeeded');
      const debtor = await erp.get<{ code: string; created: string }>(`SELECT RTRIM([accountcode]) AS [code], CONVERT(VARCHAR(19), [dr_date_created], 126) AS [created] FROM [deb_master] WHERE [email] = 'shopper9@example.net'`);
      expect(debtor).toEqual({ code: 'WEB-00001', created: '2026-11-01T12:00:00' });
      expect(await web.get(`SELECT [Source], [WebCode] FROM [Customer] WHERE [CustomerCode] = 'WEB-00001'`)).toEqual({ Source: 'ERP', WebCode: 'B2C-9001' });
      expect(await n(erp, `SELECT COUNT(*) AS [n] FROM [sales_order] WHERE [so_order_no] = 'W900001' AND [accountcode] = 'WEB-00001'`)).toBe(1);
    });

    it('a web Name column narrower than the ERP name (an older schema) fails only that customer, with the reason', async () => {
      // Names already on the web fit the older width (the 80-character one is not written again: unchanged).
      await web.run(`UPDATE [Customer] SET [Name] = LEFT([Name], 60)`);
      await web.exec(`ALTER TABLE [Customer] ALTER COLUMN [Name] NVARCHAR(60) NULL`);
      try {
        await erp.run(`UPDATE [deb_master] SET [dr_name] = REPLICATE('W', 70), [dr_date_last_changed] = '20261101 11:00' WHERE [accountcode] = 'C00010'`);
        await erp.run(`UPDATE [deb_master] SET [rep_code] = 'R99', [dr_date_last_changed] = '20261101 11:00' WHERE [accountcode] = 'C00011'`);
        const out = await run('customer-master', false);
        expect(out.status).toBe('Partial');
        expect(out.summary).toMatchObject({ written: 1, failed: 1 });
        expect(out.summary.details?.failures).toEqual([{ code: 'C00010', reason: expect.stringMatching(/truncated/i) }]);
        expect((await web.get<{ RepCode: string }>(`SELECT [RepCode] FROM [Customer] WHERE [CustomerCode] = 'C00011'`))?.RepCode).toBe('R99');
      } finally {
        await web.exec(`ALTER TABLE [Customer] ALTER COLUMN [Name] NVARCHAR(80) NULL`);
      }
    });
  });
