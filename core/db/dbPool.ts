// One long-lived connection per database for a whole process: SQLite's one connection per file, SQL Server's
// pool (TCP, TLS and the login paid once, not per admin request or per run). The runs, the services and the admin
// API of a process share it; what they are handed can never close it, only the pool's owner does.
import type { Db, Params, Row, RunResult, UpsertOptions } from './db.js';
import { describeDsn, parseDsn, type Dsn } from './dsn.js';
import { openDb } from './openDb.js';

export interface DbPoolOptions {
  /** Folder a relative SQLite path is resolved against. */
  baseDir?: string;
  /** SQLite: create the file at the first open (never again: a file removed later is not recreated empty). */
  create?: boolean;
  /** Run once on every connection the pool opens, before anyone uses it (the web database's migrations). */
  prepare?(db: Db): Promise<void>;
}

/** Whether a connection still serves its database (SQLite: the same file at the same path). */
function stillCurrent(db: Db): boolean {
  const current = (db as Db & { isCurrent?: () => boolean }).isCurrent;
  return typeof current === 'function' ? current.call(db) : true;
}

export class DbPool {
  readonly kind: Db['kind'];
  readonly description: string;
  private readonly parsed: Dsn;
  private current: Db | null = null;
  private opening: Promise<Db> | null = null;
  private createNext: boolean;
  /** The handle for long-lived users: every call goes to the connection open now, reopened when it is gone. */
  readonly follower: Db;

  constructor(
    readonly dsn: string,
    private readonly options: DbPoolOptions = {},
  ) {
    this.parsed = parseDsn(dsn, options.baseDir);
    this.kind = this.parsed.kind;
    this.description = describeDsn(this.parsed);
    this.createNext = options.create ?? false;
    this.follower = new SharedDb(this, null);
  }

  /**
   * The connection for one run or one request, checked first (a SQLite file removed or replaced is let go and the
   * one at the path now is opened; none there fails with the reason). It stays bound to that connection: if the
   * file is replaced while it is in use, its statements fail rather than reach the new file. Never close it.
   */
  async borrow(): Promise<Db> {
    return new SharedDb(this, await this.connection());
  }

  /** A connection of its own (SQL Server: one session, e.g. for a session-owned lock); the caller closes it. */
  async session(): Promise<Db> {
    if (this.kind === 'sqlite') throw new Error('a SQLite database has one connection per process: borrow it');
    return openDb(this.dsn, { baseDir: this.options.baseDir, poolSize: 1 });
  }

  /** The connection open now, or one opened now. */
  async connection(): Promise<Db> {
    const db = this.current;
    if (db && stillCurrent(db)) return db;
    if (db) {
      this.current = null;
      // Let go without waiting: whoever still holds it finds it retired.
      void db.close().catch(() => undefined);
    }
    this.opening ??= this.open().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async open(): Promise<Db> {
    const db = await openDb(this.dsn, { baseDir: this.options.baseDir, create: this.createNext });
    try {
      await this.options.prepare?.(db);
    } catch (err) {
      await db.close().catch(() => undefined);
      throw err;
    }
    this.createNext = false;
    this.current = db;
    return db;
  }

  /** The connection seen last (open or not), for what needs no database: the dialect's LIMIT. */
  lastConnection(): Db | null {
    return this.current;
  }

  /** Closes the connection; a later use opens a new one. */
  async close(): Promise<void> {
    const pending = this.opening;
    if (pending) await pending.catch(() => undefined);
    const db = this.current;
    this.current = null;
    await db?.close();
  }
}

/** A connection of the pool as a Db: close() leaves it open (the pool closes it). */
class SharedDb implements Db {
  private seen: Db | null;

  /** Bound to `pinned`, or (null) following the pool's connection. */
  constructor(
    private readonly pool: DbPool,
    private readonly pinned: Db | null,
  ) {
    this.seen = pinned;
  }

  get kind(): Db['kind'] {
    return this.pool.kind;
  }

  get description(): string {
    return this.seen?.description ?? this.pool.description;
  }

  private async db(): Promise<Db> {
    if (this.pinned) return this.pinned;
    this.seen = await this.pool.connection();
    return this.seen;
  }

  async all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    return (await this.db()).all<T>(sql, params);
  }

  async get<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return (await this.db()).get<T>(sql, params);
  }

  async values(sql: string, params?: Params): Promise<unknown[][]> {
    return (await this.db()).values(sql, params);
  }

  async run(sql: string, params?: Params): Promise<RunResult> {
    return (await this.db()).run(sql, params);
  }

  async exec(sql: string): Promise<void> {
    return (await this.db()).exec(sql);
  }

  async *stream<T = Row>(sql: string, params?: Params, batchSize?: number): AsyncIterable<T[]> {
    yield* (await this.db()).stream<T>(sql, params, batchSize);
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return (await this.db()).transaction(fn);
  }

  async upsert(table: string, keyColumns: readonly string[], rows: readonly Row[], options?: UpsertOptions): Promise<number> {
    return (await this.db()).upsert(table, keyColumns, rows, options);
  }

  async insertMany(table: string, rows: readonly Row[], columns?: readonly string[]): Promise<number> {
    return (await this.db()).insertMany(table, rows, columns);
  }

  limit(n: number): { top: string; tail: string } {
    const db = this.seen ?? this.pool.lastConnection();
    if (!db) throw new Error(`${this.pool.description} is not open yet`);
    return db.limit(n);
  }

  async tables(): Promise<string[]> {
    return (await this.db()).tables();
  }

  async columns(table: string): Promise<string[]> {
    return (await this.db()).columns(table);
  }

  async close(): Promise<void> {
    // The pool's connection: its owner closes it.
  }
}
