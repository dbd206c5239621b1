// Tables declared as data, turned into DDL for either engine. Dates are ISO-8601 text on both engines so
// they compare and sort the same way everywhere.
import type { Db, DbKind } from './db.js';
import { q } from './db.js';

export type ColumnType = 'text' | 'int' | 'money' | 'qty' | 'bool' | 'datetime' | 'id';

export interface ColumnDef {
  name: string;
  type: ColumnType;
  /** Longest text accepted (text columns). */
  length?: number;
  nullable?: boolean;
  /** SQL literal default. */
  default?: string;
  /** This column holds a customer code: a customer conversion renames it. */
  customerCode?: boolean;
}

export interface TableDef {
  name: string;
  columns: ColumnDef[];
  primaryKey: string[];
  unique?: string[][];
  indexes?: string[][];
}

function columnSql(kind: DbKind, c: ColumnDef, table: TableDef): string {
  const single = table.primaryKey.length === 1 && table.primaryKey[0] === c.name;
  if (c.type === 'id') {
    return kind === 'sqlite' ? `${q(c.name)} INTEGER PRIMARY KEY AUTOINCREMENT` : `${q(c.name)} INT IDENTITY(1,1) PRIMARY KEY`;
  }
  let type: string;
  switch (c.type) {
    case 'text':
      type = kind === 'sqlite' ? 'TEXT' : mssqlTextType(c);
      break;
    case 'datetime':
      type = kind === 'sqlite' ? 'TEXT' : 'NVARCHAR(40)';
      break;
    case 'int':
      type = kind === 'sqlite' ? 'INTEGER' : 'INT';
      break;
    case 'bool':
      type = kind === 'sqlite' ? 'INTEGER' : 'BIT';
      break;
    case 'money':
      type = kind === 'sqlite' ? 'REAL' : 'DECIMAL(19,4)';
      break;
    case 'qty':
      type = kind === 'sqlite' ? 'REAL' : 'DECIMAL(19,4)';
      break;
  }
  const nullable = c.nullable === false || table.primaryKey.includes(c.name) ? ' NOT NULL' : '';
  const def = c.default !== undefined ? ` DEFAULT ${c.default}` : '';
  return `${q(c.name)} ${type}${nullable}${def}${single && kind === 'sqlite' ? '' : ''}`;
}

export function createTableSql(kind: DbKind, t: TableDef): string[] {
  const hasId = t.columns.some((c) => c.type === 'id');
  const parts = t.columns.map((c) => columnSql(kind, c, t));
  if (!hasId) parts.push(`CONSTRAINT ${q(`PK_${t.name}`)} PRIMARY KEY (${t.primaryKey.map(q).join(', ')})`);
  for (const u of t.unique ?? []) parts.push(`CONSTRAINT ${q(`UQ_${t.name}_${u.join('_')}`)} UNIQUE (${u.map(q).join(', ')})`);
  const out = [
    kind === 'sqlite'
      ? `CREATE TABLE IF NOT EXISTS ${q(t.name)} (\n  ${parts.join(',\n  ')}\n)`
      : `IF OBJECT_ID(N'${t.name}', N'U') IS NULL CREATE TABLE ${q(t.name)} (\n  ${parts.join(',\n  ')}\n)`,
  ];
  for (const ix of t.indexes ?? []) out.push(createIndexSql(kind, t.name, ix));
  return out;
}

export function createIndexSql(kind: DbKind, table: string, columns: string[]): string {
  const name = `IX_${table}_${columns.join('_')}`;
  return kind === 'sqlite'
    ? `CREATE INDEX IF NOT EXISTS ${q(name)} ON ${q(table)} (${columns.map(q).join(', ')})`
    : `IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'${name}') CREATE INDEX ${q(name)} ON ${q(table)} (${columns.map(q).join(', ')})`;
}

export function addColumnSql(kind: DbKind, table: TableDef, column: ColumnDef): string {
  const col = columnSql(kind, column, table);
  return kind === 'sqlite' ? `ALTER TABLE ${q(table.name)} ADD COLUMN ${col}` : `ALTER TABLE ${q(table.name)} ADD ${col}`;
}

export interface Migration {
  /** Unique; applied once, in ascending order. */
  version: number;
  description: string;
  up(db: Db): Promise<void>;
}

const VERSION_TABLE: TableDef = {
  name: 'SchemaVersion',
  columns: [
    { name: 'Version', type: 'int' },
    { name: 'Description', type: 'text', length: 200 },
    { name: 'AppliedAt', type: 'datetime' },
  ],
  primaryKey: ['Version'],
};

/**
 * Applies every migration not yet recorded, each in its own transaction with its version row, so a crash
 * mid-migration leaves the schema at the last complete version and a rerun carries on. Returns those applied.
 */
export async function migrate(db: Db, migrations: readonly Migration[]): Promise<number[]> {
  for (const s of createTableSql(db.kind, VERSION_TABLE)) await db.exec(s);
  const done = new Set((await db.all<{ Version: number }>(`SELECT [Version] FROM [SchemaVersion]`)).map((r) => Number(r.Version)));
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    await db.transaction(async (tx) => {
      await m.up(tx);
      await tx.run(`INSERT INTO [SchemaVersion] ([Version], [Description], [AppliedAt]) VALUES (@v, @d, @at)`, {
        v: m.version,
        d: m.description,
        at: new Date().toISOString(),
      });
    });
    applied.push(m.version);
  }
  return applied;
}

/** Versions recorded in the database, and which of the given migrations are missing. */
export async function schemaStatus(db: Db, migrations: readonly Migration[]): Promise<{ applied: number[]; missing: number[] }> {
  const tables = await db.tables();
  const applied = tables.includes('SchemaVersion')
    ? (await db.all<{ Version: number }>(`SELECT [Version] FROM [SchemaVersion] ORDER BY [Version]`)).map((r) => Number(r.Version))
    : [];
  const set = new Set(applied);
  return { applied, missing: migrations.map((m) => m.version).filter((v) => !set.has(v)) };
}

/** Creates every table (and index) of a list: the body of a "create schema" migration. */
export async function createTables(db: Db, tables: readonly TableDef[]): Promise<void> {
  for (const t of tables) for (const s of createTableSql(db.kind, t)) await db.exec(s);
}

/**
 * Adds a column declared in `table` when the database lacks it. Migrations that add columns use this, so
 * a database created from the current declarations (which already have the column) is left alone.
 */
export async function addColumnIfMissing(db: Db, table: TableDef, columnName: string): Promise<boolean> {
  const column = table.columns.find((c) => c.name === columnName);
  if (!column) throw new Error(`column ${columnName} is not declared on ${table.name}`);
  const existing = await db.columns(table.name);
  if (existing.includes(columnName)) return false;
  await db.exec(addColumnSql(db.kind, table, column));
  return true;
}

/** Declared width of a text column as SQL Server stores it (SQLite text has no width). */
function mssqlTextType(c: ColumnDef): string {
  return c.length && c.length <= 4000 ? `NVARCHAR(${c.length})` : 'NVARCHAR(MAX)';
}

/**
 * Widens a text column to its declared length when the database holds it narrower (SQL Server; SQLite text has
 * no width). Widening an NVARCHAR changes metadata only: no row is rewritten. Returns whether it changed.
 */
export async function widenColumnIfNarrower(db: Db, table: TableDef, columnName: string): Promise<boolean> {
  const column = table.columns.find((c) => c.name === columnName);
  if (!column || column.type !== 'text') throw new Error(`text column ${columnName} is not declared on ${table.name}`);
  if (db.kind !== 'mssql') return false;
  const row = await db.get<{ len: number | null }>(
    `SELECT CHARACTER_MAXIMUM_LENGTH AS [len] FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = SCHEMA_NAME() AND TABLE_NAME = @t AND COLUMN_NAME = @c`,
    { t: table.name, c: columnName },
  );
  const len = row?.len === null || row?.len === undefined ? null : Number(row.len);
  // -1 is (MAX); null: no such column (not ours to change).
  if (len === null || len === -1 || (column.length !== undefined && len >= column.length)) return false;
  const nullable = column.nullable === false || table.primaryKey.includes(column.name) ? 'NOT NULL' : 'NULL';
  await db.exec(`ALTER TABLE ${q(table.name)} ALTER COLUMN ${q(column.name)} ${mssqlTextType(column)} ${nullable}`);
  return true;
}
