// Every ERP row is read through here, so a value means the same whatever engine and column type hold it.
// SQL Server returns CHAR(n) values padded with spaces and compares them ignoring trailing spaces; it returns
// DATETIME values as Date objects. The integrator reads ERP text without its trailing spaces (so 'C001' from a
// CHAR(10) accountcode is the web's 'C001', and looking it up again finds the same row) and ERP dates as
// ISO-8601 text, the form the web's date columns hold.
import type { Db, Params, Row } from '../db/db.js';
import { DelegatingDb } from '../db/delegatingDb.js';

/** One ERP value as the integrator uses it. */
export function erpValue(v: unknown): unknown {
  if (typeof v === 'string') return v.endsWith(' ') ? v.replace(/ +$/, '') : v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  return v;
}

/** One ERP row as the integrator uses it. In place: the drivers hand out a fresh object per row. */
export function erpRow<T = Row>(row: Row): T {
  for (const k in row) {
    const v = row[k];
    if (typeof v === 'string' ? v.endsWith(' ') : v instanceof Date) row[k] = erpValue(v);
  }
  return row as T;
}

/** One ERP row of values (Db.values) as the integrator uses it. In place. */
export function erpValues(row: unknown[]): unknown[] {
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (typeof v === 'string' ? v.endsWith(' ') : v instanceof Date) row[i] = erpValue(v);
  }
  return row;
}

const READS = Symbol('erpReads');

/** The ERP database with every row it returns normalised by erpRow. Wrapping twice is wrapping once. */
export function erpReads(db: Db): Db {
  if ((db as { [READS]?: true })[READS]) return db;
  return new ErpReadDb(db);
}

class ErpReadDb extends DelegatingDb {
  readonly [READS] = true as const;
  override async all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    const rows = await this.inner.all<Row>(sql, params);
    for (const r of rows) erpRow(r);
    return rows as T[];
  }
  override async get<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    const r = await this.inner.get<Row>(sql, params);
    return r === undefined ? undefined : erpRow<T>(r);
  }
  override async values(sql: string, params?: Params): Promise<unknown[][]> {
    const rows = await this.inner.values(sql, params);
    for (const r of rows) erpValues(r);
    return rows;
  }
  override async *stream<T = Row>(sql: string, params?: Params, batchSize?: number): AsyncIterable<T[]> {
    for await (const batch of this.inner.stream<Row>(sql, params, batchSize)) yield batch.map((r) => erpRow<T>(r));
  }
  override transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.inner.transaction((tx) => fn(erpReads(tx)));
  }
}
