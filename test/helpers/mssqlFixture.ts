// The SQL Server contract suites' shared parts: the DSN from INTEGRATOR_TEST_MSSQL (a scratch database; the CI
// workflow creates one with a case-insensitive SQL_* collation), a clean slate per suite, and an ERP shaped as
// real sites have it (CHAR and VARCHAR codes, DATETIME dates) filled from the SQLite demo ERP.
import { describe, it } from 'vitest';
import type { Db, Row } from '../../core/db/db.js';
import { openDb } from '../../core/db/openDb.js';
import { ERP_TABLES } from '../../core/erp/erpSchema.js';
import { RUN_LOCK_TABLE, WEB_TABLES } from '../../core/web/webSchema.js';

export const MSSQL = process.env.INTEGRATOR_TEST_MSSQL;

/** Registers a skipped test that says why, and prints it once. */
export function skippedWithoutMssql(suite: string): void {
  describe(suite, () => {
    it.skip('skipped: set INTEGRATOR_TEST_MSSQL to a mssql:// DSN of a scratch database to run it on SQL Server', () => undefined);
  });
  console.log(`${suite}: skipped, INTEGRATOR_TEST_MSSQL is not set (no SQL Server on this machine).`);
}

/** Tables, views and synonyms the suites create besides the web and ERP tables. */
export const PROBE_OBJECTS = { views: ['deb_master_view'], synonyms: ['deb_master_syn'], tables: ['ContractProbe', 'DeadlockProbe', 'LoadProbe'] };

/** Drops everything the suites create, so each starts from an empty database (the schema guard needs one). */
export async function dropAll(db: Db): Promise<void> {
  for (const v of PROBE_OBJECTS.views) await db.exec(`IF OBJECT_ID(N'${v}', N'V') IS NOT NULL DROP VIEW [${v}]`);
  for (const s of PROBE_OBJECTS.synonyms) await db.exec(`IF OBJECT_ID(N'${s}', N'SN') IS NOT NULL DROP SYNONYM [${s}]`);
  const tables = [...PROBE_OBJECTS.tables, ...[...WEB_TABLES].reverse().map((t) => t.name), RUN_LOCK_TABLE.name, 'SchemaVersion', ...ERP_TABLES.map((t) => t.name)];
  for (const t of tables) await db.exec(`IF OBJECT_ID(N'${t}', N'U') IS NOT NULL DROP TABLE [${t}]`);
}

/**
 * The PRONTO-shaped tables as a SQL Server site holds them: codes CHAR(n) (returned padded) or VARCHAR, names
 * VARCHAR(80), dates DATETIME, amounts DECIMAL.
 */
export const MSSQL_ERP_DDL: Record<string, string> = {
  deb_master: `[accountcode] CHAR(10) NOT NULL PRIMARY KEY, [dr_name] VARCHAR(80), [dr_status] CHAR(1), [terms_code] CHAR(10), [rep_code] VARCHAR(10), [price_code] CHAR(10),
    [credit_limit] DECIMAL(19,4), [email] VARCHAR(120), [phone] VARCHAR(40), [fax] VARCHAR(40), [dr_date_created] DATETIME, [dr_date_last_changed] DATETIME`,
  name_and_address_master: `[accountcode] CHAR(10) NOT NULL, [na_type] CHAR(2) NOT NULL, [na_name] VARCHAR(80), [street] VARCHAR(120), [suburb] VARCHAR(60), [state] CHAR(3),
    [postcode] VARCHAR(12), [country] VARCHAR(60), PRIMARY KEY ([accountcode], [na_type])`,
  deb_conversion: `[old_accountcode] CHAR(10) NOT NULL, [new_accountcode] CHAR(10) NOT NULL, [conversion_date] DATETIME, PRIMARY KEY ([old_accountcode], [new_accountcode])`,
  stock_master: `[stock_code] CHAR(16) NOT NULL PRIMARY KEY, [description] VARCHAR(120), [condition_code] CHAR(4), [base_price] DECIMAL(19,4)`,
  stock_price: `[stock_code] CHAR(16) NOT NULL, [price_code] CHAR(10) NOT NULL, [qty_break] DECIMAL(19,4) NOT NULL, [price] DECIMAL(19,4), PRIMARY KEY ([stock_code], [price_code], [qty_break])`,
  deb_special_price: `[accountcode] CHAR(10) NOT NULL, [stock_code] CHAR(16) NOT NULL, [price] DECIMAL(19,4), PRIMARY KEY ([accountcode], [stock_code])`,
  stock_warehouse_detail: `[stock_code] CHAR(16) NOT NULL, [whse_code] CHAR(4) NOT NULL, [qty_on_hand] DECIMAL(19,4), [qty_committed] DECIMAL(19,4), PRIMARY KEY ([stock_code], [whse_code])`,
  sales_order: `[so_order_no] CHAR(10) NOT NULL PRIMARY KEY, [accountcode] CHAR(10), [so_order_status] CHAR(4), [so_date_stamp] DATETIME, [so_order_total] DECIMAL(19,4)`,
  sales_order_line: `[so_order_no] CHAR(10) NOT NULL, [line_no] INT NOT NULL, [stock_code] CHAR(16), [qty] DECIMAL(19,4), [price] DECIMAL(19,4), PRIMARY KEY ([so_order_no], [line_no])`,
  deb_trans: `[accountcode] CHAR(10) NOT NULL, [trans_ref] VARCHAR(30) NOT NULL, [trans_date] DATETIME, [trans_type] CHAR(4), [amount] DECIMAL(19,4), [outstanding] DECIMAL(19,4),
    [pay_by_date] DATETIME, PRIMARY KEY ([accountcode], [trans_ref])`,
};

/** Creates the ERP tables on SQL Server and copies every row of a SQLite demo ERP into them. */
export async function copyErpToMssql(sqliteErpFile: string, target: Db): Promise<Record<string, number>> {
  const source = await openDb(`sqlite:${sqliteErpFile}`);
  const counts: Record<string, number> = {};
  try {
    for (const [table, ddl] of Object.entries(MSSQL_ERP_DDL)) {
      await target.exec(`CREATE TABLE [${table}] (${ddl})`);
      const rows = await source.all<Row>(`SELECT * FROM [${table}]`);
      counts[table] = await target.insertMany(table, rows);
    }
  } finally {
    await source.close();
  }
  return counts;
}

export const openMssql = (): Promise<Db> => openDb(MSSQL!);
