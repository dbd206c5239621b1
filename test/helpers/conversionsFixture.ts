// Web databases with customers spread over every customer-code table, for the conversion tests.
import path from 'node:path';
import { SqliteDb } from '../../core/db/sqliteDb.js';
import { migrate } from '../../core/db/schema.js';
import { WEB_MIGRATIONS, WEB_TABLES } from '../../core/web/webSchema.js';
import { codeTables } from '../../core/web/customerCodeRename.js';

let n = 0;

export async function webDb(dir: string, name = `web-${++n}.sqlite`): Promise<SqliteDb> {
  const db = new SqliteDb(path.join(dir, name), { create: true });
  await migrate(db, WEB_MIGRATIONS);
  return db;
}

export interface CustomerFixture {
  name?: string;
  activeStatus?: string;
  /** Address types (default 00, 01). */
  addresses?: string[];
  /** Users linked to it (default u-<code>). */
  users?: string[];
  orders?: string[];
  transRefs?: string[];
  products?: string[];
}

/** A customer with rows in every customer-code table; `name` tags the rows' text so a test can tell whose row survived. */
export function addCustomer(db: SqliteDb, code: string, f: CustomerFixture = {}): void {
  const raw = db.raw;
  const tag = f.name ?? code;
  raw.prepare(`INSERT INTO Customer (CustomerCode, Name, ActiveStatus) VALUES (?, ?, ?)`).run(code, tag, f.activeStatus ?? 'Inactive');
  for (const t of f.addresses ?? ['00', '01']) raw.prepare(`INSERT INTO CustomerAddress (CustomerCode, AddressType, Name, Street) VALUES (?, ?, ?, ?)`).run(code, t, tag, `${t} ${tag} St`);
  for (const u of f.users ?? [`u-${code}`]) {
    raw.prepare(`INSERT OR IGNORE INTO WebUser (UserId, Email) VALUES (?, ?)`).run(u, `${u}@example.com`);
    raw.prepare(`INSERT INTO UserCustomer (UserId, CustomerCode, IsDefault) VALUES (?, ?, 1)`).run(u, code);
  }
  for (const o of f.orders ?? [`SO-${code}-1`, `SO-${code}-2`]) {
    raw.prepare(`INSERT INTO SalesOrder (OrderNo, CustomerCode, Status, Total) VALUES (?, ?, '10', 100)`).run(o, code);
    raw.prepare(`INSERT INTO SalesOrderLine (OrderNo, LineNo, ProductCode, Qty, Price) VALUES (?, 1, 'P00001', 1, 100)`).run(o);
  }
  for (const r of f.transRefs ?? [`INV-${code}`]) raw.prepare(`INSERT INTO StatementLine (CustomerCode, TransRef, TransType, Amount, Outstanding) VALUES (?, ?, 'IN', 50, ?)`).run(code, r, tag.length);
  for (const p of f.products ?? ['P00001', 'P00002']) raw.prepare(`INSERT INTO PricingOverride (CustomerCode, ProductCode, Source, Price) VALUES (?, ?, 'ERP', ?)`).run(code, p, 9.5);
}

export function addConversion(db: SqliteDb, oldCode: string, newCode: string): void {
  db.raw.prepare(`INSERT INTO CustomerConversion (OldCode, NewCode, ReceivedAt, Status) VALUES (?, ?, '2026-11-01T00:00:00Z', 'Pending')`).run(oldCode, newCode);
}

/** Rows of each code, per customer-code table. */
export function rowsOf(db: SqliteDb, code: string): Record<string, number> {
  return Object.fromEntries(codeTables().map((t) => [t.table, Number((db.raw.prepare(`SELECT COUNT(*) AS n FROM [${t.table}] WHERE [${t.column}] = ?`).get(code) as { n: number }).n)]));
}

/** Every row of every web table, in key order: compare two of them to prove nothing changed. */
export function snapshot(db: SqliteDb, skip: string[] = ['IntegrationRun', 'IntegratorEventLog', 'CustomerConversion']): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const t of WEB_TABLES) {
    if (skip.includes(t.name)) continue;
    out[t.name] = db.raw.prepare(`SELECT * FROM [${t.name}] ORDER BY ${t.primaryKey.map((k) => `[${k}]`).join(', ')}`).all();
  }
  return out;
}

export interface ConversionRow {
  Id: number;
  OldCode: string;
  NewCode: string;
  Status: string;
  Error: string | null;
  ProcessedAt: string | null;
  Details: string | null;
}

export function conversions(db: SqliteDb): ConversionRow[] {
  return db.raw.prepare(`SELECT Id, OldCode, NewCode, Status, Error, ProcessedAt, Details FROM CustomerConversion ORDER BY Id`).all() as ConversionRow[];
}
