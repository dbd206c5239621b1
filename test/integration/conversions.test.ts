import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { SqliteDb } from '../../core/db/sqliteDb.js';
import { processPendingConversions, type ConversionDetails } from '../../core/events/conversions.js';
import { runEvent } from '../../core/events/runEvent.js';
import { createLogger } from '../../core/logging/logger.js';
import { defaultSettings } from '../../core/contracts/settings.schema.js';
import { codeTables, tablesHoldingCode, tablesHoldingCodes } from '../../core/web/customerCodeRename.js';
import { WEB_TABLES, customerCodeColumns } from '../../core/web/webSchema.js';
import type { TableDef } from '../../core/db/schema.js';
import { createTableSql } from '../../core/db/schema.js';
import { tmpDir } from '../helpers/tmp.js';
import { ROOT } from '../helpers/cli.js';
import { addConversion, addCustomer, conversions, rowsOf, snapshot, webDb } from '../helpers/conversionsFixture.js';

const dir = tmpDir('integrator-conv-');
const logger = createLogger();
const open: SqliteDb[] = [];
async function freshDb(): Promise<SqliteDb> {
  const db = await webDb(dir);
  open.push(db);
  return db;
}
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
});

const convert = (db: SqliteDb) => processPendingConversions(db, { logger });
const details = (db: SqliteDb, oldCode: string): ConversionDetails => JSON.parse(conversions(db).find((c) => c.OldCode === oldCode)!.Details!);
// SPEC 4's tables, and the one the integrator adds (what Customer Master last wrote, by code).
const SPEC_TABLES = ['Customer', 'CustomerAddress', 'UserCustomer', 'SalesOrder', 'StatementLine', 'PricingOverride', 'CustomerErpWrite'];
const none = Object.fromEntries(SPEC_TABLES.map((t) => [t, 0]));

describe('customer conversions', () => {
  it('the registry holds every customer-code table of SPEC 4, each with an index led by the code column', () => {
    expect(customerCodeColumns().map((c) => c.table)).toEqual(SPEC_TABLES);
    // Each conversion looks its rows up by code; without such an index every conversion would scan the table.
    for (const { table, column } of customerCodeColumns()) {
      const t = WEB_TABLES.find((x) => x.name === table)!;
      const leads = [t.primaryKey, ...(t.unique ?? []), ...(t.indexes ?? [])].some((k) => k[0] === column);
      expect(leads, `${table}.${column} needs an index that starts with it`).toBe(true);
    }
    // What a moved row can collide on, per table: the other columns of each key that holds the code.
    expect(Object.fromEntries(codeTables().map((t) => [t.table, t.keys]))).toEqual({
      Customer: [[]],
      CustomerAddress: [['AddressType']],
      UserCustomer: [['UserId']],
      SalesOrder: [],
      StatementLine: [['TransRef']],
      PricingOverride: [['ProductCode', 'Source']],
      CustomerErpWrite: [[]],
    });
  });

  it('renames the old code in every table when the new code does not exist yet; the old code appears nowhere', async () => {
    const db = await freshDb();
    addCustomer(db, 'OLD1', { activeStatus: 'Active' });
    addCustomer(db, 'OTHER');
    addConversion(db, 'OLD1', 'NEW1');
    const before = rowsOf(db, 'OLD1');
    const other = snapshot(db).StatementLine.filter((r) => (r as { CustomerCode: string }).CustomerCode === 'OTHER');

    const s = await convert(db);
    expect(s).toMatchObject({ read: 1, written: 1, failed: 0 });
    expect(rowsOf(db, 'OLD1')).toEqual(none);
    expect(rowsOf(db, 'NEW1')).toEqual(before);
    expect(before).toEqual({ Customer: 1, CustomerAddress: 2, UserCustomer: 1, SalesOrder: 2, StatementLine: 1, PricingOverride: 2, CustomerErpWrite: 0 });
    const c = db.raw.prepare(`SELECT Name, ActiveStatus FROM Customer WHERE CustomerCode = 'NEW1'`).get();
    expect(c).toEqual({ Name: 'OLD1', ActiveStatus: 'Active' });
    // Order lines follow their order; other customers are untouched.
    expect(db.raw.prepare(`SELECT COUNT(*) AS n FROM SalesOrderLine l JOIN SalesOrder o ON o.OrderNo = l.OrderNo WHERE o.CustomerCode = 'NEW1'`).get()).toEqual({ n: 2 });
    expect(snapshot(db).StatementLine.filter((r) => (r as { CustomerCode: string }).CustomerCode === 'OTHER')).toEqual(other);

    const [conv] = conversions(db);
    expect(conv.Status).toBe('Processed');
    expect(conv.ProcessedAt).toBeTruthy();
    expect(conv.Error).toBeNull();
    expect(details(db, 'OLD1')).toMatchObject({ finalCode: 'NEW1', customer: 'renamed', dropped: [], moved: before });
    expect(s.details).toMatchObject({ rowsMoved: before, customers: { renamed: 1, merged: 0, absent: 0 } });
  });

  it('records rows moved per table on the run (IntegrationRun.Details) when run as the conversions event', async () => {
    const db = await freshDb();
    addCustomer(db, 'A1');
    addConversion(db, 'A1', 'B1');
    const outcome = await runEvent('conversions', {}, { erpDb: db, webDb: db, settings: defaultSettings(), logger });
    expect(outcome.status).toBe('Succeeded');
    const run = db.raw.prepare(`SELECT Event, Status, Read, Written, Failed, Details FROM IntegrationRun WHERE Id = ?`).get(outcome.runId) as { Details: string };
    expect(run).toMatchObject({ Event: 'conversions', Status: 'Succeeded', Read: 1, Written: 1, Failed: 0 });
    expect(JSON.parse(run.Details).rowsMoved).toEqual({ Customer: 1, CustomerAddress: 2, UserCustomer: 1, SalesOrder: 2, StatementLine: 1, PricingOverride: 2, CustomerErpWrite: 0 });
  });

  it('moves into an existing new code: the old Customer row goes, collisions keep the target row and are recorded', async () => {
    const db = await freshDb();
    // The user is linked to both codes; both have a billing address, one common statement ref and price.
    addCustomer(db, 'OLD', { name: 'old', activeStatus: 'Active', addresses: ['00', '02'], users: ['shared', 'u-old'], transRefs: ['INV-1', 'INV-OLD'], products: ['P1', 'P2'] });
    addCustomer(db, 'NEW', { name: 'new', activeStatus: 'Inactive', addresses: ['00', '01'], users: ['shared'], transRefs: ['INV-1'], products: ['P1'] });
    addConversion(db, 'OLD', 'NEW');

    const s = await convert(db);
    expect(s).toMatchObject({ written: 1, failed: 0 });
    expect(rowsOf(db, 'OLD')).toEqual(none);
    expect(rowsOf(db, 'NEW')).toEqual({ Customer: 1, CustomerAddress: 3, UserCustomer: 2, SalesOrder: 4, StatementLine: 2, PricingOverride: 2, CustomerErpWrite: 0 });
    // The target's rows won.
    expect(db.raw.prepare(`SELECT Name FROM Customer WHERE CustomerCode = 'NEW'`).get()).toEqual({ Name: 'new' });
    expect(db.raw.prepare(`SELECT Name FROM CustomerAddress WHERE CustomerCode = 'NEW' AND AddressType = '00'`).get()).toEqual({ Name: 'new' });
    expect(db.raw.prepare(`SELECT Name FROM CustomerAddress WHERE CustomerCode = 'NEW' AND AddressType = '02'`).get()).toEqual({ Name: 'old' });
    // The old customer was active on the web: it stays active under the new code.
    expect(db.raw.prepare(`SELECT ActiveStatus FROM Customer WHERE CustomerCode = 'NEW'`).get()).toEqual({ ActiveStatus: 'Active' });

    const d = details(db, 'OLD');
    expect(d.customer).toBe('merged');
    expect(d.activeStatusCarried).toBe('Active');
    expect(d.dropped.map((x) => [x.table, x.key])).toEqual([
      ['CustomerAddress', { CustomerCode: 'OLD', AddressType: '00' }],
      ['UserCustomer', { UserId: 'shared', CustomerCode: 'OLD' }],
      ['StatementLine', { CustomerCode: 'OLD', TransRef: 'INV-1' }],
      ['PricingOverride', { CustomerCode: 'OLD', ProductCode: 'P1', Source: 'ERP' }],
    ]);
    expect(d.dropped[0].row).toMatchObject({ Name: 'old', Street: '00 old St' });
    expect(d.moved).toEqual({ Customer: 0, CustomerAddress: 1, UserCustomer: 1, SalesOrder: 2, StatementLine: 1, PricingOverride: 1, CustomerErpWrite: 0 });
    expect(s.details).toMatchObject({ rowsDropped: { CustomerAddress: 1, UserCustomer: 1, StatementLine: 1, PricingOverride: 1 }, customers: { merged: 1 } });
  });

  // Four arrival orders of A->B, B->C; in each, A and B both have a billing address, C does not exist.
  // B's rows win over A's (B is the later identity), whatever the order.
  const scenarios: Array<[string, Array<Array<[string, string]>>]> = [
    ['both at once, A->B first', [[['A', 'B'], ['B', 'C']]]],
    ['both at once, B->C first', [[['B', 'C'], ['A', 'B']]]],
    ['A->B processed, then B->C arrives', [[['A', 'B']], [['B', 'C']]]],
    ['B->C processed, then A->B arrives', [[['B', 'C']], [['A', 'B']]]],
  ];
  for (const [label, batches] of scenarios) {
    it(`a chain ends at the final code: ${label}`, async () => {
      const db = await freshDb();
      addCustomer(db, 'A', { name: 'a', addresses: ['00', '05'], transRefs: ['INV-A'] });
      addCustomer(db, 'B', { name: 'b', addresses: ['00', '06'], transRefs: ['INV-B'] });
      for (const batch of batches) {
        for (const [o, n] of batch) addConversion(db, o, n);
        const s = await convert(db);
        expect(s.failed).toBe(0);
      }
      expect(rowsOf(db, 'A')).toEqual(none);
      expect(rowsOf(db, 'B')).toEqual(none);
      expect(rowsOf(db, 'C')).toEqual({ Customer: 1, CustomerAddress: 3, UserCustomer: 2, SalesOrder: 4, StatementLine: 2, PricingOverride: 2, CustomerErpWrite: 0 });
      expect(db.raw.prepare(`SELECT Name FROM Customer WHERE CustomerCode = 'C'`).get()).toEqual({ Name: 'b' });
      expect(db.raw.prepare(`SELECT Name FROM CustomerAddress WHERE CustomerCode = 'C' AND AddressType = '00'`).get()).toEqual({ Name: 'b' });
      expect(conversions(db).map((c) => c.Status)).toEqual(['Processed', 'Processed']);
    });
  }

  it('a cycle is Failed with the reason and moves nothing; so is a chain into it', async () => {
    const db = await freshDb();
    addCustomer(db, 'A');
    addCustomer(db, 'B');
    addCustomer(db, 'Z');
    addCustomer(db, 'K');
    addConversion(db, 'A', 'B');
    addConversion(db, 'B', 'A');
    addConversion(db, 'Z', 'A');
    addConversion(db, 'K', 'L');
    const before = snapshot(db);
    const s = await convert(db);
    expect(s).toMatchObject({ read: 4, written: 1, failed: 3 });
    const c = conversions(db);
    expect(c.map((x) => [x.OldCode, x.Status])).toEqual([
      ['A', 'Failed'],
      ['B', 'Failed'],
      ['Z', 'Failed'],
      ['K', 'Processed'],
    ]);
    expect(c[0].Error).toBe('cycle: A -> B -> A; nothing moved');
    expect(c[2].Error).toBe('cycle: Z -> A -> B -> A; nothing moved');
    // Only K moved.
    const after = snapshot(db);
    expect(rowsOf(db, 'K')).toEqual(none);
    for (const code of ['A', 'B', 'Z']) expect(rowsOf(db, code)).toEqual({ Customer: 1, CustomerAddress: 2, UserCustomer: 1, SalesOrder: 2, StatementLine: 1, PricingOverride: 2, CustomerErpWrite: 0 });
    expect(after.WebUser).toEqual(before.WebUser);
    // Failed conversions are not retried: the next run has nothing to do.
    expect(await convert(db)).toMatchObject({ read: 0, written: 0, failed: 0 });
  });

  it('processing twice changes nothing the second time', async () => {
    const db = await freshDb();
    addCustomer(db, 'OLD');
    addCustomer(db, 'NEW', { addresses: ['00'] });
    addConversion(db, 'OLD', 'NEW');
    await convert(db);
    const once = snapshot(db, []).CustomerConversion;
    const data = snapshot(db);
    const second = await convert(db);
    expect(second).toMatchObject({ read: 0, written: 0, failed: 0, skipped: 0 });
    expect(snapshot(db)).toEqual(data);
    expect(snapshot(db, []).CustomerConversion).toEqual(once);
    // A conversion set back to Pending by hand finds nothing left to move.
    db.raw.prepare(`UPDATE CustomerConversion SET Status = 'Pending'`).run();
    const third = await convert(db);
    expect(third).toMatchObject({ read: 1, written: 1, failed: 0 });
    expect(snapshot(db)).toEqual(data);
    expect(details(db, 'OLD').moved).toEqual(none);
  });

  for (const batchSize of [100, 1]) {
    it(`a failure in the middle of a conversion leaves nothing half-renamed; after the cause is removed a rerun converges (${batchSize} a commit)`, async () => {
      const db = await freshDb();
      addCustomer(db, 'FIRST');
      addCustomer(db, 'OLD');
      addCustomer(db, 'QUIET', { transRefs: [] });
      addConversion(db, 'FIRST', 'FIRST2');
      addConversion(db, 'OLD', 'NEW');
      addConversion(db, 'QUIET', 'LOUD');
      // StatementLine is renamed after Customer, CustomerAddress, UserCustomer and SalesOrder: those statements
      // have already run inside the transaction when this one fails. FIRST has already been moved in the same batch.
      db.raw.exec(`CREATE TRIGGER statement_guard BEFORE UPDATE OF CustomerCode ON StatementLine WHEN OLD.CustomerCode = 'OLD' BEGIN SELECT RAISE(ABORT, 'statement lines are locked for audit'); END`);
      const before = snapshot(db);

      const s = await processPendingConversions(db, { logger, batchSize });
      expect(s).toMatchObject({ read: 3, written: 2, failed: 1 });
      const after = snapshot(db);
      for (const t of SPEC_TABLES) {
        const oldRows = (rows: unknown[]) => rows.filter((r) => ['OLD', 'NEW'].includes((r as { CustomerCode: string }).CustomerCode));
        expect(oldRows(after[t]), t).toEqual(oldRows(before[t]));
      }
      expect(rowsOf(db, 'NEW')).toEqual(none);
      expect(rowsOf(db, 'FIRST')).toEqual(none);
      expect(rowsOf(db, 'FIRST2')).toEqual({ Customer: 1, CustomerAddress: 2, UserCustomer: 1, SalesOrder: 2, StatementLine: 1, PricingOverride: 2, CustomerErpWrite: 0 });
      expect(rowsOf(db, 'QUIET')).toEqual(none);
      const [first, failed, ok] = conversions(db);
      expect(failed).toMatchObject({ Status: 'Pending', ProcessedAt: null, Details: null });
      expect(failed.Error).toMatch(/statement lines are locked for audit/);
      expect([first.Status, ok.Status]).toEqual(['Processed', 'Processed']);
      expect(JSON.parse(first.Details!).moved.StatementLine).toBe(1);
      expect((s.details as { failures: unknown[] }).failures).toEqual([
        { id: failed.Id, oldCode: 'OLD', newCode: 'NEW', status: 'Pending', reason: expect.stringMatching(/locked for audit/) },
      ]);

      db.raw.exec(`DROP TRIGGER statement_guard`);
      const rerun = await processPendingConversions(db, { logger, batchSize });
      expect(rerun).toMatchObject({ read: 1, written: 1, failed: 0 });
      expect(rowsOf(db, 'OLD')).toEqual(none);
      expect(rowsOf(db, 'NEW')).toEqual({ Customer: 1, CustomerAddress: 2, UserCustomer: 1, SalesOrder: 2, StatementLine: 1, PricingOverride: 2, CustomerErpWrite: 0 });
      expect(conversions(db)[1]).toMatchObject({ Status: 'Processed', Error: null });
      expect(await convert(db)).toMatchObject({ read: 0 });
    });
  }

  for (const [batchSize, committed] of [[1, 2], [100, 0]] as const) {
    it(`a process killed in the middle of a conversion leaves nothing half-renamed; a rerun converges (${batchSize} a commit)`, async () => {
      const file = path.join(dir, `crash-${batchSize}.sqlite`);
      const db = await webDb(dir, `crash-${batchSize}.sqlite`);
      const codes = ['K1', 'K2', 'K3', 'K4'];
      for (const c of codes) {
        addCustomer(db, c);
        addConversion(db, c, `${c}N`);
      }
      await db.close();
      const child = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/helpers/conversionCrash.ts'), file, '3', String(batchSize)], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(child.signal).toBe('SIGKILL');
      expect(child.stdout).not.toContain('finished');

      const after = await webDb(dir, `crash-${batchSize}.sqlite`);
      open.push(after);
      const full = { Customer: 1, CustomerAddress: 2, UserCustomer: 1, SalesOrder: 2, StatementLine: 1, PricingOverride: 2, CustomerErpWrite: 0 };
      codes.forEach((c, i) => {
        // Each customer is wholly on its old code or wholly on its new one.
        expect([rowsOf(after, c), rowsOf(after, `${c}N`)], c).toEqual(i < committed ? [none, full] : [full, none]);
      });
      expect(conversions(after).map((c) => c.Status)).toEqual(codes.map((_, i) => (i < committed ? 'Processed' : 'Pending')));
      expect(await processPendingConversions(after, { logger, batchSize })).toMatchObject({ read: 4 - committed, written: 4 - committed, failed: 0 });
      for (const c of codes) expect([rowsOf(after, c), rowsOf(after, `${c}N`)]).toEqual([none, full]);
    });
  }

  it('a table added later with a customerCode column is renamed too', async () => {
    const db = await freshDb();
    const extra: TableDef = {
      name: 'CustomerNote',
      columns: [{ name: 'NoteId', type: 'int' }, { name: 'CustomerCode', type: 'text', length: 20, customerCode: true }, { name: 'Body', type: 'text', length: 200 }],
      primaryKey: ['NoteId'],
      indexes: [['CustomerCode']],
    };
    for (const sql of createTableSql('sqlite', extra)) db.raw.exec(sql);
    addCustomer(db, 'OLD');
    db.raw.prepare(`INSERT INTO CustomerNote (NoteId, CustomerCode, Body) VALUES (1, 'OLD', 'call first'), (2, 'OTHER', 'x')`).run();
    addConversion(db, 'OLD', 'NEW');
    const tables = codeTables([...WEB_TABLES, extra]);
    const s = await processPendingConversions(db, { logger, tables });
    expect(s.written).toBe(1);
    expect(db.raw.prepare(`SELECT NoteId, CustomerCode FROM CustomerNote ORDER BY NoteId`).all()).toEqual([
      { NoteId: 1, CustomerCode: 'NEW' },
      { NoteId: 2, CustomerCode: 'OTHER' },
    ]);
    expect((s.details as { rowsMoved: Record<string, number> }).rowsMoved.CustomerNote).toBe(1);
  });

  it('probes where many codes already have rows, past one statement per 200 codes', async () => {
    const db = await freshDb();
    const codes = Array.from({ length: 450 }, (_, i) => `Q${i}`);
    addCustomer(db, 'Q7');
    addCustomer(db, 'Q449', { addresses: [], transRefs: [] });
    db.raw.prepare(`INSERT INTO PricingOverride (CustomerCode, ProductCode, Source, Price) VALUES ('Q250', 'P1', 'MANUAL', 1)`).run();
    const holds = await tablesHoldingCodes(db, codeTables(), [...codes, 'Q7']);
    expect(holds.size).toBe(450);
    expect([...holds.get('Q7')!].sort()).toEqual(['Customer', 'CustomerAddress', 'PricingOverride', 'StatementLine', 'UserCustomer']);
    expect([...holds.get('Q449')!].sort()).toEqual(['Customer', 'PricingOverride', 'UserCustomer']);
    expect([...holds.get('Q250')!]).toEqual(['PricingOverride']);
    expect([...holds].filter(([, t]) => t.size > 0).map(([c]) => c).sort()).toEqual(['Q250', 'Q449', 'Q7']);
    for (const c of ['Q7', 'Q449', 'Q250', 'Q0']) expect(holds.get(c), c).toEqual(await tablesHoldingCode(db, codeTables(), c));
  });

  it('a conversion of a code the web never had is processed and moves nothing', async () => {
    const db = await freshDb();
    addCustomer(db, 'KEEP');
    addConversion(db, 'GHOST', 'KEEP');
    const before = snapshot(db);
    expect(await convert(db)).toMatchObject({ written: 1, failed: 0 });
    expect(snapshot(db)).toEqual(before);
    expect(details(db, 'GHOST')).toMatchObject({ customer: 'absent', moved: none });
  });

  it('stops between conversions when asked, leaving the rest Pending', async () => {
    const db = await freshDb();
    for (const c of ['A', 'B', 'C']) {
      addCustomer(db, c);
      addConversion(db, c, `${c}2`);
    }
    const stop = new AbortController();
    // The stop arrives while the first conversion is running: it finishes, the others wait for the next run.
    const s = await processPendingConversions(db, {
      logger,
      signal: stop.signal,
      now: () => {
        stop.abort();
        return new Date();
      },
    });
    expect(s.written).toBe(1);
    expect(s.incomplete).toMatch(/stopped after 1 of 3/);
    expect(conversions(db).map((c) => c.Status)).toEqual(['Processed', 'Pending', 'Pending']);
    expect(await convert(db)).toMatchObject({ read: 2, written: 2 });
  });
});
