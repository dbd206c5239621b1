// The database port. Both drivers take the same SQL: named parameters as @name and identifiers quoted
// with [brackets] (SQLite accepts both), so events are written once for SQLite and SQL Server.

export type SqlValue = string | number | bigint | boolean | null | Buffer | Date;
export type Params = Record<string, SqlValue | undefined>;
export type Row = Record<string, unknown>;

export type DbKind = 'sqlite' | 'mssql';

export interface RunResult {
  changes: number;
}

/** How an update expression names the stored row's columns and the new values. */
export interface UpsertRefs {
  target(column: string): string;
  source(column: string): string;
}

export interface UpsertOptions {
  /** Columns to write; default: the keys of the first row. */
  columns?: readonly string[];
  /** Columns left alone when the row exists (written only on insert). */
  insertOnly?: readonly string[];
  /**
   * Columns whose new value, when the row exists, is an SQL expression of the stored row and the new values,
   * evaluated by the write itself: what another session committed a moment before is taken into account.
   */
  updateAs?: Readonly<Record<string, (ref: UpsertRefs) => string>>;
}

export interface Db {
  readonly kind: DbKind;
  /** Where it points, without secrets. */
  readonly description: string;
  all<T = Row>(sql: string, params?: Params): Promise<T[]>;
  get<T = Row>(sql: string, params?: Params): Promise<T | undefined>;
  /**
   * Rows as arrays of their values, in the select list's order: for reads of whole pages, where building an
   * object per row costs more than reading it.
   */
  values(sql: string, params?: Params): Promise<unknown[][]>;
  run(sql: string, params?: Params): Promise<RunResult>;
  /** Several statements without parameters (DDL). */
  exec(sql: string): Promise<void>;
  /**
   * Rows in batches, without loading the whole result. On SQLite the connection is busy until the
   * iteration ends: read one database while writing another, or page with keyset queries instead.
   */
  stream<T = Row>(sql: string, params?: Params, batchSize?: number): AsyncIterable<T[]>;
  /** All or nothing. Nested calls become savepoints. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Insert or update by key, as one prepared bulk operation. Returns the rows written. */
  upsert(table: string, keyColumns: readonly string[], rows: readonly Row[], options?: UpsertOptions): Promise<number>;
  /** Plain bulk insert. */
  insertMany(table: string, rows: readonly Row[], columns?: readonly string[]): Promise<number>;
  /** `SELECT ${top} ... ${tail}`: the dialect's way of limiting rows. */
  limit(n: number): { top: string; tail: string };
  /**
   * Names of the tables a query can name unqualified: tables and views (SQL Server: also synonyms; in the
   * login's default schema or dbo, as SQL Server resolves names).
   */
  tables(): Promise<string[]>;
  /** Column names of a table, view or synonym as a query sees it (empty when there is none). */
  columns(table: string): Promise<string[]>;
  close(): Promise<void>;
}

export const q = (identifier: string): string => `[${identifier.replace(/]/g, ']]')}]`;

/** Inserts one row and returns its generated [Id] (SQLite RETURNING, SQL Server OUTPUT). */
export async function insertReturningId(db: Db, table: string, row: Row): Promise<number> {
  const cols = Object.keys(row);
  const values = cols.map((c) => `@${c}`).join(', ');
  const names = cols.map(q).join(', ');
  const sql =
    db.kind === 'sqlite'
      ? `INSERT INTO ${q(table)} (${names}) VALUES (${values}) RETURNING [Id]`
      : `INSERT INTO ${q(table)} (${names}) OUTPUT INSERTED.[Id] VALUES (${values})`;
  const r = await db.get<{ Id: number }>(sql, row as Params);
  return Number(r?.Id);
}
