// Tests that play the web store write web rows as it does: the columns of the contract (SPEC 4) and nothing
// else. The integrator's private columns (Source on Customer, ErpStatus, CreatedAt, ...) are its own business;
// a test that set them would hide a default that makes a web row look like the ERP's.
import type Database from 'better-sqlite3';
import type { Db, Row } from '../../core/db/db.js';

/** SPEC 4: the columns the web store knows, per table. */
export const WEB_CONTRACT: Readonly<Record<string, readonly string[]>> = {
  Customer: ['CustomerCode', 'Name', 'ActiveStatus', 'CrmStatus', 'Site', 'TermsCode', 'RepCode', 'PriceCode', 'Email', 'Phone', 'IsDisabled', 'ErpHash', 'ErpChangedAt', 'WebEditedAt', 'PendingErpPush'],
  CustomerAddress: ['CustomerCode', 'AddressType', 'Name', 'Street', 'Suburb', 'State', 'Postcode', 'Country'],
  WebUser: ['UserId', 'Email', 'IsDisabled'],
  UserCustomer: ['UserId', 'CustomerCode', 'IsDefault'],
  SalesOrder: ['OrderNo', 'CustomerCode', 'Status', 'OrderDate', 'Total', 'Source', 'SentToErpAt', 'IsShipped'],
  SalesOrderLine: ['OrderNo', 'LineNo', 'ProductCode', 'Qty', 'Price'],
  StatementLine: ['CustomerCode', 'TransRef', 'TransDate', 'TransType', 'Amount', 'Outstanding', 'PayByDate'],
  PricingOverride: ['CustomerCode', 'ProductCode', 'Source', 'Price'],
};

function columnsOf(table: string, rows: readonly Row[]): string[] {
  const allowed = WEB_CONTRACT[table];
  if (!allowed) throw new Error(`the web store writes no ${table} rows`);
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const private_ = columns.filter((c) => !allowed.includes(c));
  if (private_.length) throw new Error(`${table}.${private_.join(', ')}: not a column of the web contract (SPEC 4); the web store never writes it`);
  return columns;
}

/**
 * Inserts rows as the web store does (contract columns only; anything else throws), through the port or a
 * plain better-sqlite3 handle.
 */
export async function insertWebRows(db: Db | Database.Database, table: string, rows: readonly Row[]): Promise<void> {
  if (!rows.length) return;
  const columns = columnsOf(table, rows);
  const values = rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null])));
  if (!('kind' in db)) {
    const stmt = db.prepare(`INSERT INTO [${table}] (${columns.map((c) => `[${c}]`).join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
    db.transaction(() => {
      for (const v of values) stmt.run(v);
    })();
    return;
  }
  await db.insertMany(table, values, columns);
}

/** Updates one row as the web store does (contract columns only). */
export async function updateWebRow(db: Db, table: string, key: Row, set: Row): Promise<void> {
  columnsOf(table, [key, set]);
  const params: Record<string, string | number | null> = {};
  const sets = Object.entries(set).map(([c, v], i) => ((params[`s${i}`] = v as string | number | null), `[${c}] = @s${i}`));
  const where = Object.entries(key).map(([c, v], i) => ((params[`k${i}`] = v as string | number | null), `[${c}] = @k${i}`));
  const r = await db.run(`UPDATE [${table}] SET ${sets.join(', ')} WHERE ${where.join(' AND ')}`, params);
  if (r.changes !== 1) throw new Error(`no ${table} row ${JSON.stringify(key)}`);
}
