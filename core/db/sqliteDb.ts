import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Db, Params, Row, RunResult, UpsertOptions, UpsertRefs } from './db.js';
import { q } from './db.js';
import { RetryableError, FatalError } from '../errors.js';

type Stmt = Database.Statement;

export interface SqliteOptions {
  /** Create the file when missing (the web database). The ERP database must exist. */
  create?: boolean;
  readonly?: boolean;
  busyTimeoutMs?: number;
}

/** Serialises async work: a transaction holds the connection across awaits. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const prev = this.tail;
    this.tail = prev.then(() => next);
    await prev;
    return release;
  }
}

function bind(params: Params | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!params) return out;
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) out[k] = null;
    else if (typeof v === 'boolean') out[k] = v ? 1 : 0;
    else if (v instanceof Date) out[k] = v.toISOString();
    else out[k] = v;
  }
  return out;
}

function value(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.toISOString();
  return v;
}

/** Which file a path names: the same path may name another file after a delete and a copy. */
interface FileIdentity {
  dev: number;
  ino: number;
}

function identityOf(file: string): FileIdentity | null {
  try {
    const st = fs.statSync(file);
    return { dev: st.dev, ino: st.ino };
  } catch {
    return null;
  }
}

const sameFile = (a: FileIdentity | null, b: FileIdentity | null) => a !== null && b !== null && a.dev === b.dev && a.ino === b.ino;

/**
 * Every open connection of this process, by file path. A file deleted or replaced under the integrator (an admin
 * restoring a backup) must not be written through connections to the old file, and those connections must be gone
 * before one opens the new file: the -wal and -shm beside it are found by name, so an old connection still open
 * would share them with the new file. SQLite removes them when the last connection to the old file closes.
 */
const OPEN = new Map<string, Set<SqliteDb>>();

function register(db: SqliteDb): void {
  let set = OPEN.get(db.path);
  if (!set) OPEN.set(db.path, (set = new Set()));
  set.add(db);
}

function unregister(db: SqliteDb): void {
  const set = OPEN.get(db.path);
  set?.delete(db);
  if (set && !set.size) OPEN.delete(db.path);
}

const JOURNALS = ['-wal', '-shm'] as const;

/** Rows written by one INSERT statement (SQLite takes at most 32,766 parameters a statement). */
const ROWS_PER_STATEMENT = 100;
const MAX_VARIABLES = 32_000;

/** Reads outside a transaction check the file at most this often; writes and transactions check it every time. */
const READ_CHECK_MS = 200;

/**
 * Closes every connection of this process to a file that is no longer the one at `file` (now `current`). SQLite does
 * not checkpoint a moved file on close, so its -wal and -shm stay beside the path, where the next connection would
 * read the old file's pages into the new one: those that are still the ones the old connections used are renamed
 * aside (kept, never applied).
 */
function retireStale(file: string, current: FileIdentity | null): void {
  const stale = [...(OPEN.get(file) ?? [])].filter((db) => !sameFile(db.identity, current));
  if (!stale.length) return;
  const how = current ? 'replaced' : 'removed';
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const moved: string[] = [];
  for (const db of stale) db.retire(how);
  for (const suffix of JOURNALS) {
    const journal = file + suffix;
    if (!stale.some((db) => sameFile(db.journals[suffix], identityOf(journal)))) continue;
    const aside = `${journal}.${how}-${stamp}`;
    try {
      fs.renameSync(journal, aside);
      moved.push(path.basename(aside));
    } catch {
      // Gone meanwhile.
    }
  }
  for (const db of stale) db.noteSetAside(moved);
}

function translate(err: unknown, where: string): Error {
  const e = err as { code?: string; message?: string };
  const code = e?.code ?? '';
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_IOERR' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN') {
    return new RetryableError(`${where}: ${e.message}`, { cause: err });
  }
  if (err instanceof Error) return err;
  return new FatalError(`${where}: ${String(err)}`);
}

export class SqliteDb implements Db {
  readonly kind = 'sqlite' as const;
  readonly description: string;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Stmt>();
  private readonly mutex = new Mutex();
  private depth = 0;
  /** The file this connection opened (null for :memory:), and the -wal and -shm it shares with other connections. */
  readonly identity: FileIdentity | null = null;
  readonly journals: Record<(typeof JOURNALS)[number], FileIdentity | null> = { '-wal': null, '-shm': null };
  /** Set once the file was found removed or replaced: every further use fails with it. */
  private stale: RetryableError | null = null;
  private checkedAt = -Infinity;

  constructor(readonly path: string, options: SqliteOptions = {}) {
    this.description = `sqlite ${path}`;
    const onDisk = path !== ':memory:' && path !== '';
    if (onDisk && !options.create && !fs.existsSync(path)) {
      throw new RetryableError(`database file not found: ${path}`);
    }
    if (onDisk) refuseForeignFile(path);
    // Connections to a file that was here before go first, so they never share -wal and -shm with this one.
    if (onDisk) retireStale(path, identityOf(path));
    try {
      this.db = new Database(path, { fileMustExist: !options.create && path !== ':memory:', readonly: options.readonly ?? false });
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      if (!options.readonly && path !== ':memory:') this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
    } catch (err) {
      throw translate(err, `cannot open ${path}`);
    }
    if (onDisk) {
      this.identity = identityOf(path);
      for (const suffix of JOURNALS) this.journals[suffix] = identityOf(path + suffix);
      register(this);
    }
  }

  /**
   * Fails when the file at the path is no longer the one this connection opened (deleted, or replaced by a copy):
   * every connection of this process to the old file is closed, so nothing more is written into it and the next
   * open finds the file now there. Checked before each transaction and each write outside one; before reads at
   * most every READ_CHECK_MS (a read of the old file harms nothing, and a new connection closes the old ones first).
   */
  private verify(writes: boolean): void {
    if (this.stale) throw this.stale;
    if (!this.identity) return;
    const at = performance.now();
    if (!writes && at - this.checkedAt < READ_CHECK_MS) return;
    const now = identityOf(this.path);
    this.checkedAt = at;
    if (sameFile(this.identity, now)) return;
    retireStale(this.path, now);
    throw this.stale ?? new RetryableError(`the database file ${this.path} changed while in use`);
  }

  /**
   * Whether this connection still serves the file at its path: false once it was retired, or when the file there now
   * is another one or none (then every connection of this process to the old file is retired, as on its next use).
   */
  isCurrent(): boolean {
    try {
      this.verify(true);
      return true;
    } catch {
      return false;
    }
  }

  /** Closes this connection to a file that was removed or replaced; every further use fails with the reason. */
  retire(how: 'removed' | 'replaced'): void {
    this.stale ??= new RetryableError(`the database file ${this.path} was ${how} while in use: what was in progress stopped, and the next use opens the file now there`);
    unregister(this);
    this.statements.clear();
    try {
      // Any transaction still open on it rolls back (into the old file, which nothing reads any more).
      if (this.db.open) this.db.close();
    } catch {
      // Busy (an iteration in progress): it closes when that ends and close() is called.
    }
  }

  /** The old file's -wal / -shm that were renamed aside, named in the reason. */
  noteSetAside(files: readonly string[]): void {
    if (!files.length || !this.stale || this.stale.message.includes('kept aside')) return;
    this.stale = new RetryableError(`${this.stale.message}; the old file's journal is kept aside as ${files.join(', ')}`);
  }

  /** Whether a statement may write (INSERT ... RETURNING reads and writes). Unparseable SQL fails where it runs. */
  private mayWrite(sql: string): boolean {
    try {
      return !this.prepare(sql).readonly;
    } catch {
      return true;
    }
  }

  private failure(err: unknown, where: string): Error {
    return this.stale ?? translate(err, where);
  }

  /** The underlying connection, for code that must be synchronous (benchmarks, the demo generator). */
  get raw(): Database.Database {
    return this.db;
  }

  private prepare(sql: string): Stmt {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      if (this.statements.size > 500) this.statements.clear();
      this.statements.set(sql, s);
    }
    return s;
  }

  /**
   * Runs fn with the connection to itself (waits for any open transaction of another caller), once the file is
   * verified: always before a write, at most every READ_CHECK_MS before reads.
   */
  private async exclusive<T>(writes: boolean | (() => boolean), fn: () => T | Promise<T>): Promise<T> {
    const release = await this.mutex.lock();
    try {
      this.verify(typeof writes === 'function' ? writes() : writes);
      return await fn();
    } finally {
      release();
    }
  }

  private allSync<T>(sql: string, params?: Params): T[] {
    try {
      const s = this.prepare(sql);
      return s.reader ? (s.all(bind(params)) as T[]) : (s.run(bind(params)), []);
    } catch (err) {
      throw this.failure(err, 'query failed');
    }
  }

  private valuesSync(sql: string, params?: Params): unknown[][] {
    try {
      // A statement of its own (raw mode is a property of the statement), cached beside the other.
      const key = `\u0000values\u0000${sql}`;
      let s = this.statements.get(key);
      if (!s) {
        s = this.db.prepare(sql).raw(true);
        if (this.statements.size > 500) this.statements.clear();
        this.statements.set(key, s);
      }
      return s.all(bind(params)) as unknown[][];
    } catch (err) {
      throw this.failure(err, 'query failed');
    }
  }

  private runSync(sql: string, params?: Params): RunResult {
    try {
      const r = this.prepare(sql).run(bind(params));
      return { changes: r.changes };
    } catch (err) {
      throw this.failure(err, 'statement failed');
    }
  }

  private upsertSync(table: string, keys: readonly string[], rows: readonly Row[], options: UpsertOptions = {}): number {
    if (rows.length === 0) return 0;
    const columns = options.columns ?? Object.keys(rows[0]);
    const insertOnly = new Set(options.insertOnly ?? []);
    const updates = columns.filter((c) => !keys.includes(c) && !insertOnly.has(c));
    const refs: UpsertRefs = { target: (c) => `${q(table)}.${q(c)}`, source: (c) => `excluded.${q(c)}` };
    const set = (c: string) => `${q(c)} = ${options.updateAs?.[c]?.(refs) ?? `excluded.${q(c)}`}`;
    const conflict = ` ON CONFLICT (${keys.map(q).join(', ')}) DO ` + (updates.length ? `UPDATE SET ${updates.map(set).join(', ')}` : 'NOTHING');
    return this.writeRows(`INSERT INTO ${q(table)} (${columns.map(q).join(', ')})`, conflict, columns, rows);
  }

  private insertSync(table: string, rows: readonly Row[], columns?: readonly string[]): number {
    if (rows.length === 0) return 0;
    const cols = columns ?? Object.keys(rows[0]);
    return this.writeRows(`INSERT INTO ${q(table)} (${cols.map(q).join(', ')})`, '', cols, rows);
  }

  /**
   * `${head} VALUES (...), (...) ${tail}`: ROWS_PER_STATEMENT rows a statement, what is left in tens, the rest one
   * by one. Fewer statements cost less to run, and an upsert into a table with triggers opens a statement journal
   * per statement.
   */
  private writeRows(head: string, tail: string, columns: readonly string[], rows: readonly Row[]): number {
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const width = columns.length;
    const most = Math.max(1, Math.min(ROWS_PER_STATEMENT, Math.floor(MAX_VARIABLES / Math.max(1, width))));
    const write = () => {
      let n = 0;
      let i = 0;
      for (const per of [most, 10, 1]) {
        if (per > most || rows.length - i < per) continue;
        const stmt = this.prepare(`${head} VALUES ${new Array<string>(per).fill(tuple).join(', ')}${tail}`);
        const args = new Array(per * width);
        for (; i + per <= rows.length; i += per) {
          let a = 0;
          for (let r = i; r < i + per; r++) {
            const row = rows[r];
            for (let j = 0; j < width; j++) args[a++] = value(row[columns[j]]);
          }
          n += stmt.run(args).changes;
        }
      }
      return n;
    };
    try {
      return this.db.inTransaction ? write() : this.db.transaction(write)();
    } catch (err) {
      throw this.failure(err, `write to ${table(head)} failed`);
    }
  }

  async all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    return this.exclusive(() => this.mayWrite(sql), () => this.allSync<T>(sql, params));
  }
  async get<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }
  async values(sql: string, params?: Params): Promise<unknown[][]> {
    return this.exclusive(false, () => this.valuesSync(sql, params));
  }
  async run(sql: string, params?: Params): Promise<RunResult> {
    return this.exclusive(true, () => this.runSync(sql, params));
  }
  async exec(sql: string): Promise<void> {
    return this.exclusive(true, () => {
      try {
        this.db.exec(sql);
      } catch (err) {
        throw this.failure(err, 'statement failed');
      }
    });
  }
  async upsert(tableName: string, keys: readonly string[], rows: readonly Row[], options?: UpsertOptions): Promise<number> {
    return this.exclusive(true, () => this.upsertSync(tableName, keys, rows, options));
  }
  async insertMany(tableName: string, rows: readonly Row[], columns?: readonly string[]): Promise<number> {
    if (rows.length === 0) return 0;
    return this.exclusive(true, () => this.insertSync(tableName, rows, columns));
  }

  async *stream<T = Row>(sql: string, params?: Params, batchSize = 1000): AsyncIterable<T[]> {
    const release = await this.mutex.lock();
    try {
      this.verify(false);
      let it: IterableIterator<unknown>;
      try {
        it = this.db.prepare(sql).iterate(bind(params));
      } catch (err) {
        throw this.failure(err, 'query failed');
      }
      let batch: T[] = [];
      for (const row of it) {
        batch.push(row as T);
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length) yield batch;
    } finally {
      release();
    }
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const release = await this.mutex.lock();
    try {
      this.verify(true);
      return await this.txBody(fn);
    } finally {
      release();
    }
  }

  private async txBody<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const depth = this.depth++;
    const sp = `sp${depth}`;
    try {
      this.db.exec(depth === 0 ? 'BEGIN IMMEDIATE' : `SAVEPOINT ${sp}`);
    } catch (err) {
      this.depth--;
      throw this.failure(err, 'cannot start a transaction');
    }
    try {
      const result = await fn(this.txHandle());
      try {
        this.db.exec(depth === 0 ? 'COMMIT' : `RELEASE ${sp}`);
      } catch (err) {
        throw this.failure(err, 'commit failed');
      }
      return result;
    } catch (err) {
      try {
        if (depth === 0) {
          if (this.db.inTransaction) this.db.exec('ROLLBACK');
        } else this.db.exec(`ROLLBACK TO ${sp}; RELEASE ${sp}`);
      } catch {
        // The original error says more than a failed rollback.
      }
      throw this.stale ?? err;
    } finally {
      this.depth--;
    }
  }

  /** The same connection, without the lock (the transaction already holds it). */
  private txHandle(): Db {
    // The handle is a plain object whose generator method needs the connection; arrows cannot be generators.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      kind: 'sqlite',
      description: this.description,
      all: async <T>(sql: string, params?: Params) => self.allSync<T>(sql, params),
      get: async <T>(sql: string, params?: Params) => self.allSync<T>(sql, params)[0],
      values: async (sql: string, params?: Params) => self.valuesSync(sql, params),
      run: async (sql: string, params?: Params) => self.runSync(sql, params),
      exec: async (sql: string) => void self.db.exec(sql),
      stream: async function* <T>(sql: string, params?: Params, batchSize = 1000) {
        const rows = self.allSync<T>(sql, params);
        for (let i = 0; i < rows.length; i += batchSize) yield rows.slice(i, i + batchSize);
      },
      transaction: <T>(fn: (tx: Db) => Promise<T>) => self.txBody(fn),
      upsert: async (t: string, k: readonly string[], r: readonly Row[], o?: UpsertOptions) => self.upsertSync(t, k, r, o),
      insertMany: async (t: string, r: readonly Row[], c?: readonly string[]) => self.insertSync(t, r, c),
      limit: (n: number) => self.limit(n),
      tables: async () => self.tablesSync(),
      columns: async (t: string) => self.columnsSync(t),
      close: async () => {
        throw new Error('close the database, not a transaction');
      },
    };
  }

  limit(n: number): { top: string; tail: string } {
    return { top: '', tail: `LIMIT ${Math.max(0, Math.floor(n))}` };
  }

  /** Tables and views: an ERP may offer its tables as views. */
  private tablesSync(): string[] {
    return (this.db.prepare(`SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
  }
  private columnsSync(tableName: string): string[] {
    return (this.db.prepare(`SELECT name FROM pragma_table_info(?)`).all(tableName) as { name: string }[]).map((r) => r.name);
  }
  async tables(): Promise<string[]> {
    return this.exclusive(false, () => this.tablesSync());
  }
  async columns(tableName: string): Promise<string[]> {
    return this.exclusive(false, () => this.columnsSync(tableName));
  }

  async close(): Promise<void> {
    const release = await this.mutex.lock();
    try {
      unregister(this);
      this.statements.clear();
      if (this.db.open) this.db.close();
    } finally {
      release();
    }
  }
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\u0000', 'latin1');

/**
 * An existing file that is not a SQLite database is refused before SQLite opens it: SQLite would take an empty
 * file for a new database and write one into it (a log file named as the DSN by mistake would be overwritten).
 */
function refuseForeignFile(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return; // Missing (created on open when allowed) or unreadable: SQLite says why.
  }
  try {
    const size = fs.fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 512));
    fs.readSync(fd, head, 0, head.length, 0);
    const where = 'point the DSN at a SQLite database file, or at a path where none exists yet';
    if (size === 0) throw new FatalError(`${file} is an empty (0-byte) file, not a SQLite database; ${where}`);
    if (!head.subarray(0, SQLITE_HEADER.length).equals(SQLITE_HEADER)) {
      const text = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b !== 127));
      throw new FatalError(`${file} is not a SQLite database (a ${size}-byte ${text ? 'text' : 'binary'} file); ${where}`);
    }
  } finally {
    fs.closeSync(fd);
  }
}

function table(sql: string): string {
  return /INTO\s+(\[[^\]]+\]|\S+)/i.exec(sql)?.[1] ?? 'table';
}
