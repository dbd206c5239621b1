// One contract for every Db driver: SQLite always, SQL Server when INTEGRATOR_TEST_MSSQL holds a DSN.
import path from 'node:path';
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import sql from 'mssql';
import { MssqlDb, poolConfig } from '../../core/db/mssqlDb.js';
import { parseDsn, type MssqlDsn } from '../../core/db/dsn.js';
import { FatalError } from '../../core/errors.js';
import { readCommittedSnapshot } from '../../core/customers/checkConfig.js';
import type { Db } from '../../core/db/db.js';
import { insertReturningId } from '../../core/db/db.js';
import { openDb } from '../../core/db/openDb.js';
import { migrate, schemaStatus, createTables, addColumnIfMissing, type TableDef } from '../../core/db/schema.js';
import { WEB_MIGRATIONS, WEB_TABLES, customerCodeColumns } from '../../core/web/webSchema.js';
import { tmpDir } from '../helpers/tmp.js';
import { deleteByKeys, keyLists } from '../../core/db/keys.js';
import { allocateCodes, parseTemplate } from '../../core/customers/numbering.js';
import { MSSQL, dropAll, skippedWithoutMssql } from '../helpers/mssqlFixture.js';
import { webPool } from '../../core/run/connections.js';
import { RunLock, RunRefusedError, liveLocks } from '../../core/run/runLock.js';

function contract(name: string, open: () => Promise<Db>) {
  describe(`Db contract: ${name}`, () => {
    let db: Db;
    beforeAll(async () => {
      db = await open();
      if (name === 'mssql') await dropAll(db);
    });
    afterAll(async () => db?.close());

    it('migrates the web schema, idempotently', async () => {
      expect(await migrate(db, WEB_MIGRATIONS)).toEqual(WEB_MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
      expect(await migrate(db, WEB_MIGRATIONS)).toEqual([]);
      const tables = await db.tables();
      for (const t of WEB_TABLES) expect(tables, t.name).toContain(t.name);
      expect((await schemaStatus(db, WEB_MIGRATIONS)).missing).toEqual([]);
      expect(await db.columns('SalesOrderLine')).toEqual(['OrderNo', 'LineNo', 'ProductCode', 'Qty', 'Price']);
    });

    it('lists every customer-code column of SPEC 4', () => {
      const tables = new Set(customerCodeColumns().map((c) => c.table));
      for (const t of ['Customer', 'CustomerAddress', 'UserCustomer', 'SalesOrder', 'StatementLine', 'PricingOverride']) expect(tables).toContain(t);
    });

    it('upserts by key: inserts, then updates, never duplicates', async () => {
      const rows = Array.from({ length: 1500 }, (_, i) => ({ CustomerCode: `K${i}`, Name: `Name ${i}`, ActiveStatus: 'Inactive' }));
      expect(await db.upsert('Customer', ['CustomerCode'], rows)).toBe(1500);
      await db.upsert('Customer', ['CustomerCode'], rows.slice(0, 10).map((r) => ({ ...r, Name: `${r.Name} changed` })));
      const count = await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM [Customer]`);
      expect(Number(count?.n)).toBe(1500);
      expect((await db.get<{ Name: string }>(`SELECT [Name] FROM [Customer] WHERE [CustomerCode] = @c`, { c: 'K3' }))?.Name).toBe('Name 3 changed');
    });

    it('reads rows as arrays of values in the select list order, inside a transaction too, and a key list the engine way', async () => {
      const codes = ['K17', 'K15', 'NOPE', 'K16'];
      const [list, ...more] = keyLists(db.kind, codes, 'c');
      expect(more).toEqual([]);
      const sqlText = `SELECT [Name], [CustomerCode], [IsDisabled] FROM [Customer] WHERE [CustomerCode] IN (${list.sql}) ORDER BY [CustomerCode]`;
      const expected = [
        ['Name 15', 'K15', false],
        ['Name 16', 'K16', false],
        ['Name 17', 'K17', false],
      ].map((r) => (db.kind === 'sqlite' ? [r[0], r[1], 0] : r));
      expect(await db.values(sqlText, list.params)).toEqual(expected);
      expect(await db.transaction((tx) => tx.values(sqlText, list.params))).toEqual(expected);
      expect(keyLists(db.kind, [], 'c')).toEqual([]);
    });

    it('leaves insert-only columns alone on update', async () => {
      await db.upsert('Customer', ['CustomerCode'], [{ CustomerCode: 'K1', Name: 'again', ActiveStatus: 'Active' }], { insertOnly: ['ActiveStatus'] });
      const row = await db.get<{ Name: string; ActiveStatus: string }>(`SELECT [Name], [ActiveStatus] FROM [Customer] WHERE [CustomerCode] = 'K1'`);
      expect(row).toEqual({ Name: 'again', ActiveStatus: 'Inactive' });
    });

    it('rolls a failed transaction back whole', async () => {
      await expect(
        db.transaction(async (tx) => {
          await tx.run(`UPDATE [Customer] SET [Name] = 'tx' WHERE [CustomerCode] = 'K20'`);
          await tx.run(`INSERT INTO [Customer] ([CustomerCode], [Name]) VALUES ('K20', 'duplicate key')`);
        }),
      ).rejects.toThrow();
      expect((await db.get<{ Name: string }>(`SELECT [Name] FROM [Customer] WHERE [CustomerCode] = 'K20'`))?.Name).toBe('Name 20');
    });

    it('rolls back a nested transaction to its savepoint only', async () => {
      await db.transaction(async (tx) => {
        await tx.run(`UPDATE [Customer] SET [Name] = 'outer' WHERE [CustomerCode] = 'K40'`);
        await tx.transaction(async (inner) => {
          await inner.run(`UPDATE [Customer] SET [Name] = 'inner' WHERE [CustomerCode] = 'K50'`);
          throw new Error('inner fails');
        }).catch(() => undefined);
      });
      const names = await db.all<{ CustomerCode: string; Name: string }>(`SELECT [CustomerCode], [Name] FROM [Customer] WHERE [CustomerCode] IN ('K40', 'K50') ORDER BY [CustomerCode]`);
      expect(names).toEqual([{ CustomerCode: 'K40', Name: 'outer' }, { CustomerCode: 'K50', Name: 'Name 50' }]);
    });

    it('serialises a transaction against other callers', async () => {
      const order: string[] = [];
      const tx = db.transaction(async (t) => {
        order.push('tx start');
        await new Promise((r) => setTimeout(r, 30));
        await t.run(`UPDATE [Customer] SET [Name] = 'serial' WHERE [CustomerCode] = 'K60'`);
        order.push('tx end');
      });
      const outside = db.get<{ Name: string }>(`SELECT [Name] FROM [Customer] WHERE [CustomerCode] = 'K60'`).then((r) => {
        order.push(`read ${r?.Name}`);
      });
      await Promise.all([tx, outside]);
      if (name === 'sqlite') expect(order).toEqual(['tx start', 'tx end', 'read serial']);
    });

    it('streams in batches', async () => {
      const batches: number[] = [];
      for await (const b of db.stream(`SELECT [CustomerCode] FROM [Customer] ORDER BY [CustomerCode]`, {}, 400)) batches.push(b.length);
      expect(batches).toEqual([400, 400, 400, 300]);
    });

    it('returns generated ids and quotes reserved words', async () => {
      const id1 = await insertReturningId(db, 'IntegrationRun', { Event: 'orders', Mode: 'SendAll', StartedAt: new Date().toISOString(), Status: 'Running' });
      const id2 = await insertReturningId(db, 'IntegrationRun', { Event: 'orders', Mode: 'SendAll', StartedAt: new Date().toISOString(), Status: 'Running' });
      expect(id2).toBe(id1 + 1);
      await db.run(`UPDATE [IntegrationRun] SET [Read] = @r WHERE [Id] = @id`, { r: 7, id: id1 });
      expect(Number((await db.get<{ Read: number }>(`SELECT [Read] FROM [IntegrationRun] WHERE [Id] = @id`, { id: id1 }))?.Read)).toBe(7);
      const { top, tail } = db.limit(2);
      expect(await db.all(`SELECT ${top} [CustomerCode] FROM [Customer] ORDER BY [CustomerCode] ${tail}`)).toHaveLength(2);
    });

    it('adds a declared column only when missing', async () => {
      const probe: TableDef = { name: 'ContractProbe', columns: [{ name: 'K', type: 'text', length: 10 }, { name: 'Extra', type: 'int' }], primaryKey: ['K'] };
      await createTables(db, [{ ...probe, columns: probe.columns.slice(0, 1) }]);
      expect(await addColumnIfMissing(db, probe, 'Extra')).toBe(true);
      expect(await addColumnIfMissing(db, probe, 'Extra')).toBe(false);
      expect(await db.columns('ContractProbe')).toEqual(['K', 'Extra']);
    });

    it('writes a batch bigger than one statement (bulk-loaded on SQL Server), text intact, then updates it', async () => {
      const rows = Array.from({ length: 5000 }, (_, i) => ({ CustomerCode: `B${String(i).padStart(5, '0')}`, Name: `Zoë Ñandú ${i} 東京`, ActiveStatus: 'Inactive', CreditLimit: i + 0.25 }));
      expect(await db.upsert('Customer', ['CustomerCode'], rows)).toBe(5000);
      expect(await db.upsert('Customer', ['CustomerCode'], rows.map((r) => ({ ...r, Name: `${r.Name} v2` })), { insertOnly: ['ActiveStatus'] })).toBe(5000);
      const back = await db.all<{ CustomerCode: string; Name: string; CreditLimit: number }>(`SELECT [CustomerCode], [Name], [CreditLimit] FROM [Customer] WHERE [CustomerCode] IN ('B00000', 'B04999') ORDER BY [CustomerCode]`);
      expect(back.map((r) => [r.CustomerCode, r.Name, Number(r.CreditLimit)])).toEqual([
        ['B00000', 'Zoë Ñandú 0 東京 v2', 0.25],
        ['B04999', 'Zoë Ñandú 4999 東京 v2', 4999.25],
      ]);
      const lines = Array.from({ length: 4500 }, (_, i) => ({ CustomerCode: 'B00001', TransRef: `T${i}`, TransDate: '2026-10-01T00:00:00Z', Amount: i, Outstanding: 0 }));
      expect(await db.insertMany('StatementLine', lines)).toBe(4500);
      expect(await deleteByKeys(db, 'StatementLine', ['CustomerCode', 'TransRef'], lines.slice(0, 1200).map((l) => [l.CustomerCode, l.TransRef]))).toBe(1200);
      expect(Number((await db.get<{ n: number }>(`SELECT COUNT(*) AS [n] FROM [StatementLine] WHERE [CustomerCode] = 'B00001'`))?.n)).toBe(3300);
    });

    it('lists views as tables and reads their columns', async () => {
      await db.exec(`CREATE VIEW [deb_master_view] AS SELECT [K] AS [accountcode], [Extra] AS [dr_name] FROM [ContractProbe]`);
      expect(await db.tables()).toContain('deb_master_view');
      expect(await db.columns('deb_master_view')).toEqual(['accountcode', 'dr_name']);
      expect(await db.columns('no_such_table')).toEqual([]);
      await db.exec(`DROP VIEW [deb_master_view]`);
    });
  });
}

const dir = tmpDir();
contract('sqlite', () => openDb(`sqlite:${path.join(dir, 'contract.sqlite')}`, { create: true }));

const mssqlDsn = MSSQL;
if (mssqlDsn) {
  contract('mssql', () => openDb(mssqlDsn));
  mssqlSpecifics(mssqlDsn);
} else {
  skippedWithoutMssql('Db contract: mssql');
  skippedWithoutMssql('SQL Server specifics');
}

describe('sqlite driver specifics', () => {
  it('refuses to create an ERP database that is not there', async () => {
    await expect(openDb(`sqlite:${path.join(dir, 'missing.sqlite')}`)).rejects.toThrow(/not found/);
  });
});

/** What only SQL Server has: logins, TLS, session settings, deadlocks, schemas, synonyms, column widths. */
function mssqlSpecifics(dsnText: string) {
  describe('SQL Server specifics', () => {
    const dsn = parseDsn(dsnText) as MssqlDsn;
    let db: Db;
    beforeAll(async () => {
      db = await openDb(dsnText);
      await dropAll(db);
    });
    afterAll(async () => {
      await dropAll(db);
      await db?.close();
    });

    it('a wrong password is a fatal login failure that names the login, never the password', async () => {
      const wrong = `${dsn.password}-wrong#/?%`;
      const err = await MssqlDb.connect({ ...dsn, password: wrong }).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(FatalError);
      expect(err!.message).toMatch(/^cannot log in to mssql .*Check the login/);
      expect(err!.message).not.toContain(wrong);
    });

    it("the server's self-signed certificate is refused without trustServerCertificate, saying what to set", async () => {
      const err = await MssqlDb.connect({ ...dsn, encrypt: true, trustServerCertificate: false }).then(
        (d) => (void d.close(), null),
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(FatalError);
      expect(err!.message).toMatch(/TLS certificate is not trusted .*trustServerCertificate=true/);
    });

    it('sessions run with XACT_ABORT ON and DEADLOCK_PRIORITY LOW', async () => {
      const r = await db.get<{ xact: number; priority: number }>(
        `SELECT (@@OPTIONS & 16384) AS [xact], (SELECT [deadlock_priority] FROM sys.dm_exec_sessions WHERE [session_id] = @@SPID) AS [priority]`,
      );
      expect(Number(r?.xact)).toBe(16384);
      expect(Number(r?.priority)).toBe(-5);
      await db.transaction(async (tx) => {
        const t = await tx.get<{ priority: number }>(`SELECT [deadlock_priority] AS [priority] FROM sys.dm_exec_sessions WHERE [session_id] = @@SPID`);
        expect(Number(t?.priority)).toBe(-5);
      });
    });

    it("loses a deadlock against the store's session and runs its transaction again", async () => {
      await db.exec(`CREATE TABLE [DeadlockProbe] ([Id] INT NOT NULL PRIMARY KEY, [V] INT NOT NULL)`);
      await db.run(`INSERT INTO [DeadlockProbe] ([Id], [V]) VALUES (1, 0), (2, 0)`);
      // The store: a session at normal priority.
      const store = new sql.ConnectionPool({ ...poolConfig(dsn), beforeConnect: undefined });
      await store.connect();
      try {
        const storeTx = new sql.Transaction(store);
        await storeTx.begin();
        await new sql.Request(storeTx).query(`UPDATE [DeadlockProbe] SET [V] = [V] + 1 WHERE [Id] = 1`);
        let runs = 0;
        let blocked!: () => void;
        const integratorBlocked = new Promise<void>((r) => (blocked = r));
        const integrator = db.transaction(async (tx) => {
          runs++;
          await tx.run(`UPDATE [DeadlockProbe] SET [V] = [V] + 10 WHERE [Id] = 2`);
          if (runs === 1) setTimeout(blocked, 300);
          await tx.run(`UPDATE [DeadlockProbe] SET [V] = [V] + 10 WHERE [Id] = 1`);
        });
        await integratorBlocked;
        // The store now needs row 2, which the integrator holds: a deadlock, and the integrator is the victim.
        await new sql.Request(storeTx).query(`UPDATE [DeadlockProbe] SET [V] = [V] + 1 WHERE [Id] = 2`);
        await storeTx.commit();
        await integrator;
        expect(runs).toBe(2);
        expect(await db.all(`SELECT [Id], [V] FROM [DeadlockProbe] ORDER BY [Id]`)).toEqual([
          { Id: 1, V: 11 },
          { Id: 2, V: 11 },
        ]);
      } finally {
        await store.close();
        // The next tests need a database with no table of anyone else's.
        await db.exec(`DROP TABLE [DeadlockProbe]`);
      }
    });

    it('reads READ_COMMITTED_SNAPSHOT for the check-config warning', async () => {
      const r = await readCommittedSnapshot(db);
      const truth = await db.get<{ on: number }>(`SELECT CAST([is_read_committed_snapshot_on] AS INT) AS [on] FROM sys.databases WHERE [database_id] = DB_ID()`);
      expect(r.on).toBe(Number(truth?.on) === 1);
      expect(r.database).toBe(dsn.database);
    });

    it('refuses to migrate a database with a [Customer] table of another shape, listing the differences', async () => {
      await db.exec(`CREATE TABLE [Customer] ([Id] INT NOT NULL PRIMARY KEY, [CustomerCode] INT, [Name] NVARCHAR(50))`);
      await expect(migrate(db, WEB_MIGRATIONS)).rejects.toThrow(/has tables of another shape than the integrator's, so it is not migrated: \[Customer\]: CustomerCode is int \(text expected\), primary key is \(Id\), \(CustomerCode\) expected/);
      expect(await db.tables()).not.toContain('SchemaVersion');
      await db.exec(`DROP TABLE [Customer]`);
    });

    it('migration 80 widens Name columns left at 60 characters by an older schema', async () => {
      await migrate(db, WEB_MIGRATIONS);
      await db.exec(`ALTER TABLE [Customer] ALTER COLUMN [Name] NVARCHAR(60) NULL`);
      await db.run(`DELETE FROM [SchemaVersion] WHERE [Version] = 80`);
      expect(await migrate(db, WEB_MIGRATIONS)).toEqual([80]);
      const width = await db.get<{ n: number }>(`SELECT [CHARACTER_MAXIMUM_LENGTH] AS [n] FROM INFORMATION_SCHEMA.COLUMNS WHERE [TABLE_NAME] = 'Customer' AND [COLUMN_NAME] = 'Name'`);
      expect(Number(width?.n)).toBe(80);
    });

    it('claims numbering values atomically from two connections at once, each in its own transaction (READ COMMITTED)', async () => {
      const other = await openDb(dsnText);
      try {
        const t = parseTemplate('CT-####');
        const slow = async () => {
          await new Promise((r) => setTimeout(r, 20));
          return new Set<string>();
        };
        const [a, b] = await Promise.all([
          db.transaction((tx) => allocateCodes(tx, t, 25, slow)),
          other.transaction((tx) => allocateCodes(tx, t, 25, slow)),
        ]);
        expect(new Set([...a.codes, ...b.codes]).size).toBe(50);
      } finally {
        await other.close();
      }
    });

    it('lists views and synonyms as tables; a synonym has its table\'s columns; dates and VARCHAR codes typed to their columns', async () => {
      await db.exec(`CREATE TABLE [LoadProbe] ([code] VARCHAR(20) NOT NULL PRIMARY KEY, [name] NVARCHAR(80), [at] DATETIME, [amount] DECIMAL(19,4))`);
      await db.exec(`CREATE SYNONYM [deb_master_syn] FOR [LoadProbe]`);
      await db.exec(`CREATE VIEW [deb_master_view] AS SELECT [code] FROM [LoadProbe]`);
      const tables = await db.tables();
      expect(tables).toEqual(expect.arrayContaining(['LoadProbe', 'deb_master_syn', 'deb_master_view']));
      expect(await db.columns('deb_master_syn')).toEqual(['code', 'name', 'at', 'amount']);
      const rows = Array.from({ length: 3000 }, (_, i) => ({ code: `L-${i}`, name: `Café ${i}`, at: `2026-0${1 + (i % 9)}-15T10:30:00Z`, amount: i / 4 }));
      const started = process.hrtime.bigint();
      expect(await db.insertMany('LoadProbe', rows)).toBe(3000);
      const secs = Number(process.hrtime.bigint() - started) / 1e9;
      console.log(`SQL Server bulk insert: ${rows.length} rows in ${secs.toFixed(2)} s (${Math.round(rows.length / secs)} rows/s)`);
      const back = await db.get<{ at: string; name: string }>(`SELECT CONVERT(VARCHAR(19), [at], 126) AS [at], [name] FROM [LoadProbe] WHERE [code] = @c`, { c: 'L-10' });
      expect(back).toEqual({ at: '2026-02-15T10:30:00', name: 'Café 10' });
      const since = await db.get<{ n: number }>(`SELECT COUNT(*) AS [n] FROM [LoadProbe] WHERE [at] >= @since`, { since: new Date('2026-09-01T00:00:00Z') });
      expect(Number(since?.n)).toBe(rows.filter((r) => r.at >= '2026-09').length);
    });

    it('one pool for the process: every borrow reuses its login; a pool closed by its users is still open', async () => {
      const pool = webPool(dsnText, { baseDir: dir });
      try {
        const seen = new Set<string>();
        for (let i = 0; i < 30; i++) {
          const conn = await pool.borrow();
          const r = await conn.get<{ at: Date }>(`SELECT [connect_time] AS [at] FROM sys.dm_exec_connections WHERE [session_id] = @@SPID`);
          seen.add(new Date(r!.at).toISOString());
          await conn.close();
        }
        // Sequential requests share one connection: one TCP, TLS and login for all thirty.
        expect(seen.size).toBe(1);
      } finally {
        await pool.close();
      }
    });

    it('the run lock is a session-owned application lock: one holder, named to the refused; the server frees it when the holder dies', async () => {
      const pool = webPool(dsnText, { baseDir: dir });
      try {
        const web = await pool.borrow();
        const holder = { command: 'integrator run', host: 'site-a', pid: 1111 };
        const held = await RunLock.take(pool, web, { event: 'customer-master', trigger: 'schedule', holder });
        await held.attachRun(42);
        const refused = await RunLock.take(pool, web, { event: 'conversions', trigger: 'cli', holder: { ...holder, host: 'site-b', pid: 2222 } }).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(RunRefusedError);
        expect((refused as Error).message).toMatch(/^Customer Conversions waits: Customer Master is running and includes its work \(run 42, started .* by integrator run on site-a pid 1111\)$/);
        expect((await liveLocks(web)).map((h) => h.event)).toEqual(['customer-master']);
        // The holder's process dies: its session ends (killed from the server), and the server releases the lock.
        const spid = await web.get<{ id: number }>(`SELECT TOP (1) [request_session_id] AS [id] FROM sys.dm_tran_locks WHERE [resource_type] = 'APPLICATION' AND [request_owner_type] = 'SESSION'`);
        await web.exec(`KILL ${Number(spid!.id)}`);
        const next = await RunLock.take(pool, web, { event: 'customer-master', trigger: 'cli', holder: { ...holder, host: 'site-b', pid: 2222 } });
        // The old holder's heartbeat learns it.
        await (held as unknown as { beat(): Promise<void> }).beat();
        expect(held.lost.aborted).toBe(true);
        await held.release();
        expect((await liveLocks(web)).map((h) => h.pid)).toEqual([2222]);
        await next.release();
        expect(await liveLocks(web)).toEqual([]);
      } finally {
        await pool.close();
      }
    });
  });
}
