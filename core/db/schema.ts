// Tables declared as data, turned into DDL for either engine. Dates are ISO-8601 text on both engines so
// they compare and sort the same way everywhere.
import type { Db, DbKind } from './db.js';
import { q } from './db.js';
import { FatalError } from '../errors.js';

export type ColumnType = 'text' | 'int' | 'bigint' | 'money' | 'qty' | 'bool' | 'datetime' | 'id';

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
    case 'bigint':
      type = kind === 'sqlite' ? 'INTEGER' : 'BIGINT';
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
  /**
   * The tables this migration creates, or adopts where the database already has them (checked first: a table
   * of another shape is refused, never taken as ours).
   */
  tables?: readonly TableDef[];
}

/** The database is not one the integrator may migrate: another application's, or not a database at all. */
export class SchemaMismatchError extends FatalError {
  override name = 'SchemaMismatchError';
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
  // Before anything is written: a database that is neither new nor ours is refused, untouched.
  await checkMigratable(db, migrations);
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

/**
 * Gives a column the default declared in `table` on a database created with another one. SQL Server swaps the
 * column's default constraint. SQLite cannot alter a column: the table is rebuilt under the same name with every
 * row, every column (ones it does not declare too), its indexes and its triggers. Call inside a transaction.
 */
export async function applyColumnDefault(db: Db, table: TableDef, columnName: string): Promise<void> {
  const column = table.columns.find((c) => c.name === columnName);
  if (!column) throw new Error(`column ${columnName} is not declared on ${table.name}`);
  if (db.kind === 'mssql') {
    const lit = (s: string) => `N'${s.replace(/'/g, "''")}'`;
    await db.exec(
      `DECLARE @df sysname = (SELECT dc.[name] FROM sys.default_constraints dc JOIN sys.columns c ON c.[object_id] = dc.[parent_object_id] AND c.[column_id] = dc.[parent_column_id]
         WHERE dc.[parent_object_id] = OBJECT_ID(${lit(table.name)}) AND c.[name] = ${lit(column.name)});
       IF @df IS NOT NULL EXEC(N'ALTER TABLE ${q(table.name).replace(/'/g, "''")} DROP CONSTRAINT ' + QUOTENAME(@df));` +
        (column.default !== undefined ? `\n       ALTER TABLE ${q(table.name)} ADD CONSTRAINT ${q(`DF_${table.name}_${column.name}`)} DEFAULT ${column.default} FOR ${q(column.name)};` : ''),
    );
    return;
  }
  const info = await db.all<{ name: string; type: string; notnull: number; dflt_value: string | null; pk: number }>(`PRAGMA table_info(${q(table.name)})`);
  if (!info.length) return;
  const declared = new Map(table.columns.map((c) => [c.name, c]));
  const keep = await db.all<{ sql: string }>(`SELECT [sql] FROM [sqlite_master] WHERE [tbl_name] = @t AND [type] IN ('index', 'trigger') AND [sql] IS NOT NULL ORDER BY [type]`, { t: table.name });
  const pk = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  const shape: TableDef = { ...table, primaryKey: pk.length ? pk : table.primaryKey };
  const parts = info.map((c) => {
    const d = declared.get(c.name);
    if (d) return columnSql('sqlite', d, shape);
    return `${q(c.name)} ${c.type}${c.notnull ? ' NOT NULL' : ''}${c.dflt_value !== null ? ` DEFAULT ${c.dflt_value}` : ''}`;
  });
  if (!info.some((c) => declared.get(c.name)?.type === 'id')) parts.push(`CONSTRAINT ${q(`PK_${table.name}`)} PRIMARY KEY (${shape.primaryKey.map(q).join(', ')})`);
  for (const u of table.unique ?? []) parts.push(`CONSTRAINT ${q(`UQ_${table.name}_${u.join('_')}`)} UNIQUE (${u.map(q).join(', ')})`);
  const tmp = `${table.name}__rebuild`;
  const cols = info.map((c) => q(c.name)).join(', ');
  // legacy_alter_table: the rename below must not rewrite or re-check views that name the table (they name it
  // again once it is back). Foreign keys are checked at commit, when the table is whole again.
  await db.exec(`PRAGMA legacy_alter_table = ON; PRAGMA defer_foreign_keys = ON`);
  try {
    await db.exec(`DROP TABLE IF EXISTS ${q(tmp)}; CREATE TABLE ${q(tmp)} (\n  ${parts.join(',\n  ')}\n)`);
    await db.exec(`INSERT INTO ${q(tmp)} (${cols}) SELECT ${cols} FROM ${q(table.name)}`);
    await db.exec(`DROP TABLE ${q(table.name)}; ALTER TABLE ${q(tmp)} RENAME TO ${q(table.name)}`);
    for (const o of keep) await db.exec(o.sql);
  } finally {
    await db.exec(`PRAGMA legacy_alter_table = OFF`);
  }
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

/** A column as the database holds it. */
interface FoundColumn {
  name: string;
  /** SQLite: the declared type; SQL Server: DATA_TYPE. Lower case. */
  type: string;
  primaryKey: boolean;
}

async function foundColumns(db: Db, table: string): Promise<FoundColumn[]> {
  if (db.kind === 'sqlite') {
    const rows = await db.all<{ name: string; type: string; pk: number }>(`SELECT [name], [type], [pk] FROM pragma_table_info(@t)`, { t: table });
    return rows.map((r) => ({ name: r.name, type: String(r.type ?? '').toLowerCase(), primaryKey: Number(r.pk) > 0 }));
  }
  // The schema the unqualified name resolves to (the login's default schema, else dbo), as every query does.
  const rows = await db.all<{ name: string; type: string; pk: number }>(
    `SELECT c.[COLUMN_NAME] AS [name], c.[DATA_TYPE] AS [type],
            CASE WHEN EXISTS (SELECT 1 FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS tc JOIN INFORMATION_SCHEMA.KEY_COLUMN_USAGE k
                                ON k.[CONSTRAINT_NAME] = tc.[CONSTRAINT_NAME] AND k.[TABLE_SCHEMA] = tc.[TABLE_SCHEMA]
                               WHERE tc.[CONSTRAINT_TYPE] = 'PRIMARY KEY' AND tc.[TABLE_SCHEMA] = c.[TABLE_SCHEMA] AND tc.[TABLE_NAME] = c.[TABLE_NAME]
                                 AND k.[COLUMN_NAME] = c.[COLUMN_NAME]) THEN 1 ELSE 0 END AS [pk]
       FROM INFORMATION_SCHEMA.COLUMNS c
      WHERE c.[TABLE_SCHEMA] = COALESCE(OBJECT_SCHEMA_NAME(OBJECT_ID(@t)), SCHEMA_NAME()) AND c.[TABLE_NAME] = @t
      ORDER BY c.[ORDINAL_POSITION]`,
    { t: table },
  );
  return rows.map((r) => ({ name: r.name, type: String(r.type ?? '').toLowerCase(), primaryKey: Number(r.pk) === 1 }));
}

/**
 * Whether a column holds dates as a date type (SQL Server DATETIME and kin), so a value compared with it or
 * written to it goes as a date, not as text that SQL Server would read through the session's DATEFORMAT. Our
 * own date columns are ISO-8601 text on both engines; an ERP at a real site may hold DATETIME. Unknown (a
 * synonym): false, the value goes as the ISO text the integrator keeps dates in.
 */
export async function isDateColumn(db: Db, table: string, column: string): Promise<boolean> {
  if (db.kind !== 'mssql') return false;
  const found = (await foundColumns(db, table)).find((c) => c.name.toLowerCase() === column.toLowerCase());
  return ['date', 'datetime', 'datetime2', 'smalldatetime', 'datetimeoffset'].includes(found?.type ?? '');
}

/** Whether a found column type can hold what a declared column holds. */
export function typeFits(kind: DbKind, declared: ColumnType, found: string): boolean {
  if (kind === 'sqlite') {
    // SQLite's type affinity rules (https://sqlite.org/datatype3.html#determination_of_column_affinity).
    const affinity = /int/.test(found) ? 'integer' : /char|clob|text/.test(found) ? 'text' : /blob/.test(found) || found === '' ? 'blob' : /real|floa|doub/.test(found) ? 'real' : 'numeric';
    switch (declared) {
      case 'text':
        return affinity === 'text' || affinity === 'blob';
      case 'datetime':
        return affinity === 'text' || affinity === 'numeric' || affinity === 'blob';
      case 'int':
      case 'bigint':
      case 'id':
      case 'bool':
        return affinity === 'integer' || affinity === 'numeric';
      case 'money':
      case 'qty':
        return affinity !== 'text';
    }
  }
  const text = ['char', 'varchar', 'nchar', 'nvarchar', 'text', 'ntext'];
  const integer = ['int', 'bigint', 'smallint', 'tinyint'];
  switch (declared) {
    case 'text':
      return text.includes(found);
    case 'datetime':
      return text.includes(found) || ['date', 'datetime', 'datetime2', 'smalldatetime', 'datetimeoffset'].includes(found);
    case 'int':
    case 'bigint':
    case 'id':
      return integer.includes(found);
    case 'bool':
      return found === 'bit' || integer.includes(found);
    case 'money':
    case 'qty':
      return ['decimal', 'numeric', 'money', 'smallmoney', 'float', 'real', ...integer].includes(found);
  }
}

/** A column a migration can add to an existing table: not part of the key, and NULL or a default fills old rows. */
const addable = (t: TableDef, c: ColumnDef) => !t.primaryKey.includes(c.name) && c.type !== 'id' && (c.nullable !== false || c.default !== undefined);

/** What makes an existing table unusable as the declared one; empty when it can be adopted. */
async function tableDifferences(db: Db, t: TableDef, foundName: string): Promise<string[]> {
  const found = await foundColumns(db, foundName);
  const byName = new Map(found.map((c) => [c.name.toLowerCase(), c]));
  const out: string[] = [];
  for (const c of t.columns) {
    const f = byName.get(c.name.toLowerCase());
    if (!f) {
      if (!addable(t, c)) out.push(`no column ${c.name}`);
    } else if (!typeFits(db.kind, c.type, f.type)) out.push(`${c.name} is ${f.type || 'untyped'} (${c.type} expected)`);
  }
  const key = found.filter((c) => c.primaryKey).map((c) => c.name.toLowerCase()).sort();
  const want = t.primaryKey.map((k) => k.toLowerCase()).sort();
  if (key.join(',') !== want.join(',')) out.push(`primary key is ${key.length ? `(${found.filter((c) => c.primaryKey).map((c) => c.name).join(', ')})` : 'missing'}, (${t.primaryKey.join(', ')}) expected`);
  return out.length ? [`[${foundName}]: ${out.join(', ')}`] : [];
}

const listed = (names: readonly string[], max = 6) => (names.length > max ? `${names.slice(0, max).join(', ')}, ...` : names.join(', '));

/**
 * What a database must look like before the integrator migrates it: new (no tables), or already carrying the
 * schema the pending migrations create (their tables, each of a shape the integrator can use; missing columns
 * that NULL or a default can fill are added by the migration). Anything else (another application's database,
 * a table of the same name and another shape) is refused with one line naming what was found, before anything
 * is written.
 */
export async function checkMigratable(db: Db, migrations: readonly Migration[]): Promise<void> {
  const found = await db.tables();
  const byName = new Map(found.map((t) => [t.toLowerCase(), t]));
  const versioned = byName.has(VERSION_TABLE.name.toLowerCase());
  const done = versioned
    ? new Set((await db.all<{ Version: number }>(`SELECT [Version] FROM ${q(byName.get(VERSION_TABLE.name.toLowerCase())!)}`)).map((r) => Number(r.Version)))
    : new Set<number>();
  const declared = migrations.filter((m) => !done.has(m.version)).flatMap((m) => m.tables ?? []);
  if (!versioned && found.length && declared.length && !declared.some((t) => byName.has(t.name.toLowerCase()))) {
    throw new SchemaMismatchError(
      `${db.description} is not a database the integrator keeps: it holds ${found.length} table${found.length === 1 ? '' : 's'} (${listed(found)}) and none of its own ` +
        `(${listed(declared.map((t) => t.name))}); point the DSN at the web store's database or at a new one`,
    );
  }
  const problems: string[] = [];
  for (const t of declared) {
    const name = byName.get(t.name.toLowerCase());
    if (name) problems.push(...(await tableDifferences(db, t, name)));
  }
  if (problems.length) {
    throw new SchemaMismatchError(`${db.description} has tables of another shape than the integrator's, so it is not migrated: ${problems.join('; ')}`);
  }
}

/**
 * Creates every table (and index) of a list that is missing; an existing one (checked by checkMigratable) gets
 * the declared columns it lacks. The body of a "create schema" migration. Returns the columns added to
 * existing tables, by table.
 */
export async function createOrAdoptTables(db: Db, tables: readonly TableDef[]): Promise<Map<string, string[]>> {
  const existing = new Set((await db.tables()).map((t) => t.toLowerCase()));
  const added = new Map<string, string[]>();
  for (const t of tables) {
    if (existing.has(t.name.toLowerCase())) {
      for (const c of t.columns) if (addable(t, c) && (await addColumnIfMissing(db, t, c.name))) added.set(t.name, [...(added.get(t.name) ?? []), c.name]);
      for (const ix of t.indexes ?? []) await db.exec(createIndexSql(db.kind, t.name, ix));
    } else for (const s of createTableSql(db.kind, t)) await db.exec(s);
  }
  return added;
}
