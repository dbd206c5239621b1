// ERP databases shaped as real sites have them, on SQLite: code columns under another collation (SQL Server's
// default is case-insensitive) and CHAR(n) codes that come back padded with spaces (SQL Server compares them
// ignoring trailing spaces, as SQLite's RTRIM collation does).
import Database from 'better-sqlite3';
import { ERP_TABLES_BY_NAME } from '../../core/erp/erpSchema.js';

/** Rebuilds a table from its CREATE statement as `edit` changes it; rows, indexes and triggers are kept. */
export function rebuildTable(db: Database.Database, table: string, edit: (createSql: string) => string): void {
  const create = db.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`).pluck().get(table) as string;
  const keep = db.prepare(`SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = ? AND sql IS NOT NULL ORDER BY type`).pluck().all(table) as string[];
  const sql = edit(create.replace(/^CREATE TABLE (IF NOT EXISTS )?(\[[^\]]+\]|"[^"]+"|\S+)/i, `CREATE TABLE [${table}__rebuilt]`));
  // Triggers of other tables may name this one: the rename must not re-check them while it is away.
  db.pragma('legacy_alter_table = ON');
  try {
    db.transaction(() => {
      db.exec(sql);
      db.exec(`INSERT INTO [${table}__rebuilt] SELECT * FROM [${table}]`);
      db.exec(`DROP TABLE [${table}]`);
      db.exec(`ALTER TABLE [${table}__rebuilt] RENAME TO [${table}]`);
      for (const o of keep) db.exec(o);
    })();
  } finally {
    db.pragma('legacy_alter_table = OFF');
  }
}

/** Rebuilds a table with some columns declared under another collation. */
export function setCollation(db: Database.Database, table: string, collations: Record<string, string>): void {
  rebuildTable(db, table, (create) => {
    let sql = create;
    for (const [column, collation] of Object.entries(collations)) {
      const re = new RegExp(`(\\[${column}\\] TEXT)( COLLATE \\w+)?`);
      if (!re.test(sql)) throw new Error(`${table}.${column} is not a TEXT column`);
      sql = sql.replace(re, `$1 COLLATE ${collation}`);
    }
    return sql;
  });
}

/** The code columns of every ERP table (what SQL Server sites often hold as CHAR(n)). */
export const ERP_CODE_COLUMNS: Record<string, string[]> = {
  deb_master: ['accountcode', 'dr_status', 'terms_code', 'rep_code', 'price_code'],
  name_and_address_master: ['accountcode', 'na_type'],
  deb_conversion: ['old_accountcode', 'new_accountcode'],
  stock_master: ['stock_code', 'condition_code'],
  stock_price: ['stock_code', 'price_code'],
  deb_special_price: ['accountcode', 'stock_code'],
  stock_warehouse_detail: ['stock_code', 'whse_code'],
  sales_order: ['so_order_no', 'accountcode', 'so_order_status'],
  sales_order_line: ['so_order_no', 'stock_code'],
  deb_trans: ['accountcode', 'trans_ref', 'trans_type'],
};

/**
 * Turns every code column of every ERP table into CHAR(n) as SQL Server returns it: values padded with spaces
 * to the column's width, compared ignoring trailing spaces (COLLATE RTRIM).
 */
export function padErpCodes(erpFile: string): void {
  const db = new Database(erpFile);
  try {
    for (const [table, columns] of Object.entries(ERP_CODE_COLUMNS)) {
      setCollation(db, table, Object.fromEntries(columns.map((c) => [c, 'RTRIM'])));
      const widths = new Map(ERP_TABLES_BY_NAME.get(table)!.columns.map((c) => [c.name, c.length ?? 10]));
      db.exec(`UPDATE [${table}] SET ${columns.map((c) => `[${c}] = CASE WHEN [${c}] IS NULL THEN NULL ELSE substr([${c}] || '${' '.repeat(40)}', 1, max(${widths.get(c)}, length([${c}]))) END`).join(', ')}`);
    }
  } finally {
    db.close();
  }
}
