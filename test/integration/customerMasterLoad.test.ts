// A first Send All into an empty web database (a load): the customer indexes are built once at its end, the rows
// carry the integrator's row versions (below zero on SQLite), and a load killed mid-way leaves a database the next
// run finishes. Real SQLite files, the real command, a real SIGKILL.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { integrator, sendAllKilledAfter } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { checksum, differences, erpCanonical, webCanonical } from '../helpers/customerChecksum.js';
import { updateWebRow } from '../helpers/webStore.js';
import { demoInit } from '../../core/demo/demoData.js';
import { SqliteDb } from '../../core/db/sqliteDb.js';
import { migrate } from '../../core/db/schema.js';
import { WEB_MIGRATIONS } from '../../core/web/webSchema.js';
import { makeRig } from '../helpers/eventRig.js';

const dir = tmpDir('integrator-cm-load-');

function query<T = Record<string, unknown>>(file: string, sql: string): T[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}
const count = (file: string, sql: string) => Number(Object.values(query(file, sql)[0])[0]);
const customerIndexes = (file: string) =>
  query<{ name: string; sql: string }>(file, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('Customer', 'CustomerAddress') AND sql IS NOT NULL ORDER BY name`);

/** The indexes a web database migrated from nothing has on Customer and CustomerAddress. */
async function migratedIndexes(): Promise<Array<{ name: string; sql: string }>> {
  const file = path.join(dir, `fresh-${Date.now()}.sqlite`);
  const db = new SqliteDb(file, { create: true });
  await migrate(db, WEB_MIGRATIONS);
  await db.close();
  return customerIndexes(file);
}

function removeWeb(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
}

describe('a first Send All into an empty web database', () => {
  it('killed with SIGKILL mid-way: the indexes it set aside are built by the next run, and a Send All resumes and converges', async () => {
    const expected = await migratedIndexes();
    expect(expected.map((i) => i.name)).toEqual(expect.arrayContaining(['IX_Customer_Email', 'IX_Customer_RowVersion', 'IX_CustomerAddress_RowVersion']));
    const r = await demoInit({ dir: path.join(dir, 'kill'), customers: 12000, seed: 5, settings: { batchSize: 300 } });
    removeWeb(r.web);
    expect(await sendAllKilledAfter(r.settings, r.web, 1500)).toBeNull();
    expect(count(r.web, `SELECT COUNT(*) FROM Customer`)).toBeLessThan(12001);
    expect(query(r.web, 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    // The load went without its secondary indexes (the primary keys stay).
    expect(customerIndexes(r.web)).toEqual([]);

    // Any other run builds them first.
    const changed = integrator(['send', 'customer-master', '--config', r.settings], { timeout: 120_000 });
    expect(changed.status, changed.err).toBe(0);
    expect(customerIndexes(r.web)).toEqual(expected);

    const rerun = integrator(['send', 'customer-master', '--all', '--config', r.settings], { timeout: 120_000 });
    expect(rerun.status, rerun.err).toBe(0);
    const details = JSON.parse(String(query<{ Details: string }>(r.web, `SELECT Details FROM IntegrationRun ORDER BY Id DESC LIMIT 1`)[0].Details)) as { resumedFrom?: string };
    expect(details.resumedFrom).toMatch(/^C\d{5}$/);
    expect(customerIndexes(r.web)).toEqual(expected);
    const erp = erpCanonical(r.erp);
    const web = webCanonical(r.web);
    expect(differences(erp, web)).toEqual([]);
    expect(checksum(web)).toBe(checksum(erp));
  });

  it('ends with the indexes a migrated database has; rows are marked as the integrator left them, and a web edit after it is put back', async () => {
    const expected = await migratedIndexes();
    const rig = await makeRig(path.join(dir, 'load'), 300, 8);
    try {
      // An empty web database: the demo's web rows go.
      rig.web.exec(`DELETE FROM UserCustomer; DELETE FROM WebUser; DELETE FROM SalesOrderLine; DELETE FROM SalesOrder; DELETE FROM StatementLine; DELETE FROM PricingOverride; DELETE FROM CustomerAddress; DELETE FROM Customer`);
      const out = await rig.run('customer-master', { all: true });
      expect(out.status, out.error).toBe('Succeeded');
      expect(customerIndexes(rig.webFile)).toEqual(expected);
      // SQLite marks the integrator's writes in the rows (versions below zero): nothing recorded per customer.
      expect(rig.web.prepare(`SELECT COUNT(*) FROM Customer WHERE RowVersion >= 0`).pluck().get()).toBe(0);
      expect(rig.web.prepare(`SELECT COUNT(*) FROM CustomerAddress WHERE RowVersion >= 0`).pluck().get()).toBe(0);
      expect(rig.web.prepare(`SELECT COUNT(*) FROM CustomerErpWrite`).pluck().get()).toBe(0);
      const erp = erpCanonical(rig.erpFile);
      expect(checksum(webCanonical(rig.webFile))).toBe(checksum(erp));

      await updateWebRow(rig.webDb, 'Customer', { CustomerCode: 'C00007' }, { Name: 'Renamed On The Web' });
      await updateWebRow(rig.webDb, 'CustomerAddress', { CustomerCode: 'C00009', AddressType: '00' }, { Street: '1 Web Lane' });
      const again = await rig.run('customer-master');
      expect(again.summary.details).toMatchObject({ webEditsUndone: 2, webEditsUndoneCustomers: ['C00007', 'C00009'] });
      expect(checksum(webCanonical(rig.webFile))).toBe(checksum(erp));
      expect((await rig.run('customer-master')).summary).toMatchObject({ written: 0, details: { webEditsUndone: 0 } });
    } finally {
      await rig.close();
    }
  });
});

describe('web migration 100 on a database whose integrator writes are recorded in CustomerErpWrite', () => {
  it('keeps every web edit made since for the next Send Changed, and nothing else', async () => {
    const rig = await makeRig(path.join(dir, 'migrate'), 200, 6);
    try {
      expect((await rig.run('customer-master', { all: true })).status).toBe('Succeeded');
      // The database as the version before left it: the integrator's rows at positive versions, those versions
      // recorded in CustomerErpWrite, migration 100 not applied.
      rig.web.exec(`
        UPDATE Customer SET RowVersion = -RowVersion WHERE RowVersion < 0;
        UPDATE CustomerAddress SET RowVersion = -RowVersion WHERE RowVersion < 0;
        INSERT INTO CustomerErpWrite (CustomerCode, CustomerVersion, AddressVersion)
          SELECT c.CustomerCode, c.RowVersion, COALESCE((SELECT MAX(a.RowVersion) FROM CustomerAddress a WHERE a.CustomerCode = c.CustomerCode), 0)
            FROM Customer c WHERE c.Source = 'ERP';
        DELETE FROM SchemaVersion WHERE Version = 100;`);
      const recorded = Number(rig.web.prepare(`SELECT COUNT(*) FROM CustomerErpWrite`).pluck().get());
      expect(recorded).toBeGreaterThan(100);
      // The web store edits after that run: the update trigger gives the rows new versions.
      await updateWebRow(rig.webDb, 'Customer', { CustomerCode: 'C00012' }, { RepCode: 'R99' });
      await updateWebRow(rig.webDb, 'CustomerAddress', { CustomerCode: 'C00015', AddressType: '00' }, { Suburb: 'Elsewhere' });

      expect(await migrate(rig.webDb, WEB_MIGRATIONS)).toEqual([100]);
      expect(rig.web.prepare(`SELECT COUNT(*) FROM CustomerErpWrite`).pluck().get()).toBe(0);
      expect(rig.web.prepare(`SELECT CustomerCode FROM Customer WHERE Source = 'ERP' AND RowVersion > 0 ORDER BY 1`).pluck().all()).toEqual(['C00012']);
      expect(rig.web.prepare(`SELECT CustomerCode FROM CustomerAddress WHERE RowVersion > 0 ORDER BY 1`).pluck().all()).toEqual(['C00015']);

      const out = await rig.run('customer-master');
      expect(out.summary.details).toMatchObject({ webEditsUndone: 2, webEditsUndoneCustomers: ['C00012', 'C00015'] });
      expect(checksum(webCanonical(rig.webFile))).toBe(checksum(erpCanonical(rig.erpFile)));
      expect((await rig.run('customer-master')).summary.details).toMatchObject({ webEditsUndone: 0 });
    } finally {
      await rig.close();
    }
  });
});
