// The conversion statements through the Db port only, so the same test runs on every driver: SQLite always,
// SQL Server when INTEGRATOR_TEST_MSSQL holds the DSN of a scratch database.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../core/db/db.js';
import { openDb } from '../../core/db/openDb.js';
import { migrate } from '../../core/db/schema.js';
import { WEB_MIGRATIONS } from '../../core/web/webSchema.js';
import { processPendingConversions, type ConversionDetails } from '../../core/events/conversions.js';
import { createLogger } from '../../core/logging/logger.js';
import { tmpDir } from '../helpers/tmp.js';
import { MSSQL, dropAll, skippedWithoutMssql } from '../helpers/mssqlFixture.js';

const logger = createLogger();

async function seed(db: Db, code: string, tag: string, addressTypes: string[], products: string[]) {
  await db.insertMany('Customer', [{ CustomerCode: code, Name: tag, ActiveStatus: 'Inactive' }]);
  await db.insertMany('CustomerAddress', addressTypes.map((t) => ({ CustomerCode: code, AddressType: t, Name: tag })));
  await db.insertMany('WebUser', [{ UserId: `u-${code}`, Email: `${code}@example.com` }]);
  await db.insertMany('UserCustomer', [{ UserId: `u-${code}`, CustomerCode: code, IsDefault: 1 }]);
  await db.insertMany('SalesOrder', [{ OrderNo: `SO-${code}`, CustomerCode: code, Status: '10', Total: 10 }]);
  await db.insertMany('StatementLine', [{ CustomerCode: code, TransRef: `INV-${code}`, TransType: 'IN', Amount: 1, Outstanding: 1 }]);
  await db.insertMany('PricingOverride', products.map((p) => ({ CustomerCode: code, ProductCode: p, Source: 'ERP', Price: 1 })));
}

async function count(db: Db, table: string, code: string): Promise<number> {
  return Number((await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM [${table}] WHERE [CustomerCode] = @code`, { code }))?.n);
}

function contract(name: string, open: () => Promise<Db>) {
  describe(`customer conversions on ${name}`, () => {
    let db: Db;
    beforeAll(async () => {
      db = await open();
      if (name === 'mssql') await dropAll(db);
      await migrate(db, WEB_MIGRATIONS);
    });
    afterAll(async () => db?.close());

    it('renames, merges with recorded collisions and resolves a chain', async () => {
      await seed(db, 'A', 'a', ['00', '01'], ['P1']);
      await seed(db, 'B', 'b', ['00', '02'], ['P1', 'P2']);
      await seed(db, 'R', 'r', ['00'], ['P1']);
      const at = '2026-11-01T00:00:00Z';
      await db.insertMany('CustomerConversion', [
        { OldCode: 'A', NewCode: 'B', ReceivedAt: at, Status: 'Pending' },
        { OldCode: 'B', NewCode: 'C', ReceivedAt: at, Status: 'Pending' },
        { OldCode: 'R', NewCode: 'S', ReceivedAt: at, Status: 'Pending' },
      ]);
      const s = await processPendingConversions(db, { logger });
      expect(s).toMatchObject({ read: 3, written: 3, failed: 0 });
      for (const t of ['Customer', 'CustomerAddress', 'UserCustomer', 'SalesOrder', 'StatementLine', 'PricingOverride']) {
        for (const gone of ['A', 'B', 'R']) expect(await count(db, t, gone), `${t} ${gone}`).toBe(0);
      }
      expect(await count(db, 'CustomerAddress', 'C')).toBe(3);
      expect(await count(db, 'PricingOverride', 'C')).toBe(2);
      expect(await count(db, 'UserCustomer', 'C')).toBe(2);
      expect(await count(db, 'SalesOrder', 'S')).toBe(1);
      expect((await db.get<{ Name: string }>(`SELECT [Name] FROM [CustomerAddress] WHERE [CustomerCode] = 'C' AND [AddressType] = '00'`))?.Name).toBe('b');
      const rows = await db.all<{ OldCode: string; Status: string; Details: string }>(`SELECT [OldCode], [Status], [Details] FROM [CustomerConversion] ORDER BY [Id]`);
      expect(rows.map((r) => r.Status)).toEqual(['Processed', 'Processed', 'Processed']);
      const a = JSON.parse(rows[0].Details) as ConversionDetails;
      expect(a.finalCode).toBe('C');
      expect(a.customer).toBe('merged');
      expect(a.dropped.map((d) => [d.table, d.key])).toEqual([
        ['CustomerAddress', { CustomerCode: 'A', AddressType: '00' }],
        ['PricingOverride', { CustomerCode: 'A', ProductCode: 'P1', Source: 'ERP' }],
      ]);
      expect(JSON.parse(rows[1].Details).customer).toBe('renamed');
      expect(await processPendingConversions(db, { logger })).toMatchObject({ read: 0, written: 0 });
    });
  });
}

const dir = tmpDir('integrator-conv-contract-');
contract('sqlite', () => openDb(`sqlite:${path.join(dir, 'web.sqlite')}`, { create: true }));
const mssqlDsn = MSSQL;
if (mssqlDsn) contract('mssql', () => openDb(mssqlDsn));
else skippedWithoutMssql('customer conversions on mssql');
