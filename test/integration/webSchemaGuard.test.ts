// What a database must look like before the integrator migrates it: new, or already the web store's. A web DSN
// pointing elsewhere (a copy of the ERP, a log file, a table of the same name and another shape) is refused
// with one line naming what was found, and nothing is written to it.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openDb } from '../../core/db/openDb.js';
import { migrate, SchemaMismatchError } from '../../core/db/schema.js';
import { WEB_MIGRATIONS, WEB_TABLES } from '../../core/web/webSchema.js';
import { FatalError } from '../../core/errors.js';
import { demoInit } from '../../core/demo/demoData.js';
import { writeSettingsFile, loadSettings } from '../../core/settings/settingsFile.js';
import { tmpDir } from '../helpers/tmp.js';
import { integrator } from '../helpers/cli.js';
import { makeRig } from '../helpers/eventRig.js';

const dir = tmpDir('integrator-guard-');
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const tablesOf = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[];
  } finally {
    db.close();
  }
};

describe("a web DSN that points at a database that is not the integrator's", () => {
  it('a copy of the ERP is refused by name and keeps its tables (integrator send)', async () => {
    const demo = await demoInit({ dir: path.join(dir, 'erpcopy'), customers: 20, seed: 1, force: true });
    const copy = path.join(demo.dir, 'erp-copy.sqlite');
    fs.copyFileSync(demo.erp, copy);
    const before = tablesOf(copy);
    expect(before).toHaveLength(10);
    const settings = loadSettings(demo.settings).values;
    writeSettingsFile(demo.settings, { ...settings, webDsn: 'sqlite:erp-copy.sqlite' });
    const r = integrator(['send', 'customer-master', '--config', demo.settings]);
    expect(r.status).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/erp-copy\.sqlite is not a database the integrator keeps: it holds 10 tables \(deb_conversion, deb_master, deb_special_price, deb_trans, name_and_address_master, sales_order, \.\.\.\) and none of its own/);
    expect(tablesOf(copy)).toEqual(before);
  });

  it('an empty log file is refused and stays empty; no journal is created beside it', async () => {
    const log = path.join(dir, 'integrator.log');
    fs.writeFileSync(log, '');
    const err = await openDb(`sqlite:${log}`, { create: true }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FatalError);
    expect((err as Error).message).toBe(`${log} is an empty (0-byte) file, not a SQLite database; point the DSN at a SQLite database file, or at a path where none exists yet`);
    expect(fs.statSync(log).size).toBe(0);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('integrator.log'))).toEqual(['integrator.log']);
  });

  it('a text file is refused and is byte for byte what it was', async () => {
    const notes = path.join(dir, 'notes.txt');
    fs.writeFileSync(notes, 'not a database\n'.repeat(40));
    const before = sha(notes);
    await expect(openDb(`sqlite:${notes}`, { create: true })).rejects.toThrow(/notes\.txt is not a SQLite database \(a 600-byte text file\)/);
    await expect(openDb(`sqlite:${notes}`)).rejects.toThrow(FatalError);
    expect(sha(notes)).toBe(before);
    expect(fs.existsSync(`${notes}-wal`)).toBe(false);
  });

  it('a table of the same name and another shape is refused with the differences, before anything is written', async () => {
    const file = path.join(dir, 'other-shop.sqlite');
    const raw = new Database(file);
    raw.exec(`CREATE TABLE Customer (Id INTEGER PRIMARY KEY, CustomerCode INTEGER, Name TEXT, Balance REAL); CREATE TABLE Invoice (Id INTEGER PRIMARY KEY)`);
    raw.close();
    const db = await openDb(`sqlite:${file}`, { create: true });
    try {
      const err = await migrate(db, WEB_MIGRATIONS).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SchemaMismatchError);
      expect((err as Error).message).toBe(
        `sqlite ${file} has tables of another shape than the integrator's, so it is not migrated: [Customer]: CustomerCode is integer (text expected), primary key is (Id), (CustomerCode) expected`,
      );
      expect(await db.tables()).toEqual(['Customer', 'Invoice']);
    } finally {
      await db.close();
    }
  });
});

describe('a database the integrator may migrate', () => {
  it('a new, empty SQLite database is migrated', async () => {
    const file = path.join(dir, 'empty.sqlite');
    new Database(file).exec('PRAGMA user_version = 1').close();
    const db = await openDb(`sqlite:${file}`, { create: true });
    try {
      expect(await migrate(db, WEB_MIGRATIONS)).toEqual(WEB_MIGRATIONS.map((m) => m.version));
      expect(await migrate(db, WEB_MIGRATIONS)).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it("the web store's own database (SPEC 4 tables with the contract columns only) is adopted: the integrator's columns are added, the store's rows kept", async () => {
    const rig = await makeRig(path.join(dir, 'store'), 30, 2);
    await rig.close();
    // The store's database as the store made it: SPEC 4 tables with their contract columns, and a table of its own.
    const store = path.join(dir, 'store', 'store.sqlite');
    const raw = new Database(store);
    const contract: Record<string, string> = {
      Customer: `CustomerCode TEXT PRIMARY KEY, Name TEXT, ActiveStatus TEXT, CrmStatus TEXT, Site TEXT, TermsCode TEXT, RepCode TEXT, PriceCode TEXT, Email TEXT, Phone TEXT, IsDisabled INTEGER, ErpHash TEXT, ErpChangedAt TEXT, WebEditedAt TEXT, PendingErpPush INTEGER`,
      CustomerAddress: `CustomerCode TEXT, AddressType TEXT, Name TEXT, Street TEXT, Suburb TEXT, State TEXT, Postcode TEXT, Country TEXT, PRIMARY KEY (CustomerCode, AddressType)`,
      WebUser: `UserId TEXT PRIMARY KEY, Email TEXT, IsDisabled INTEGER`,
      UserCustomer: `UserId TEXT, CustomerCode TEXT, IsDefault INTEGER, PRIMARY KEY (UserId, CustomerCode)`,
      SalesOrder: `OrderNo TEXT PRIMARY KEY, CustomerCode TEXT, Status TEXT, OrderDate TEXT, Total REAL, Source TEXT, SentToErpAt TEXT, IsShipped INTEGER`,
      SalesOrderLine: `OrderNo TEXT, LineNo INTEGER, ProductCode TEXT, Qty REAL, Price REAL, PRIMARY KEY (OrderNo, LineNo)`,
      StatementLine: `CustomerCode TEXT, TransRef TEXT, TransDate TEXT, TransType TEXT, Amount REAL, Outstanding REAL, PayByDate TEXT, PRIMARY KEY (CustomerCode, TransRef)`,
      PricingOverride: `CustomerCode TEXT, ProductCode TEXT, Source TEXT, Price REAL, PRIMARY KEY (CustomerCode, ProductCode, Source)`,
      StoreBanner: `Id INTEGER PRIMARY KEY, Text TEXT`,
    };
    for (const [t, cols] of Object.entries(contract)) raw.exec(`CREATE TABLE ${t} (${cols})`);
    raw.prepare(`INSERT INTO Customer (CustomerCode, Name, ActiveStatus, IsDisabled, PendingErpPush) VALUES ('B2C-9', 'Shopper', 'Active', 0, 0)`).run();
    raw.close();
    const db = await openDb(`sqlite:${store}`, { create: true });
    try {
      await migrate(db, WEB_MIGRATIONS);
      for (const t of WEB_TABLES) expect(await db.columns(t.name), t.name).toEqual(expect.arrayContaining(t.columns.map((c) => c.name)));
      // The store's own customer stays the store's.
      expect(await db.get(`SELECT [CustomerCode], [Name], [ActiveStatus], [Source], [DisabledByAdmin] FROM [Customer]`)).toEqual({ CustomerCode: 'B2C-9', Name: 'Shopper', ActiveStatus: 'Active', Source: 'WEB', DisabledByAdmin: 0 });
      expect(await db.tables()).toContain('StoreBanner');
    } finally {
      await db.close();
    }
    const erp = await openDb(`sqlite:${path.join(dir, 'store', 'erp.sqlite')}`);
    const web = await openDb(`sqlite:${store}`);
    try {
      const { runEvent } = await import('../../core/events/runEvent.js');
      const { silentLogger } = await import('../helpers/webDemo.js');
      const { defaultSettings } = await import('../../core/contracts/settings.schema.js');
      const out = await runEvent('customer-master', { all: true }, { erpDb: erp, webDb: web, settings: defaultSettings(), logger: silentLogger });
      expect(out.status, out.error).toBe('Succeeded');
      expect(out.summary.written).toBe(31);
      expect(out.summary.details).toMatchObject({ disabledRemoved: 0 });
      expect(await web.get(`SELECT [IsDisabled] FROM [Customer] WHERE [CustomerCode] = 'B2C-9'`)).toEqual({ IsDisabled: 0 });
    } finally {
      await erp.close();
      await web.close();
    }
  });
});
