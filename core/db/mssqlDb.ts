// The SQL Server driver of the Db port (through the mssql package and tedious).
//
// It shares the database with the web store's own traffic, so every session the integrator opens yields: it is
// the preferred deadlock victim (DEADLOCK_PRIORITY LOW) and aborts its transaction whole on any error
// (XACT_ABORT ON). A transaction chosen as a deadlock victim (1205) or timed out waiting for a lock (1222) is run
// again, a few times, before the failure reaches the run. Parameters are typed to their column (see
// mssqlTypes.ts); a batch too big for one statement's 2,100 parameters is bulk-loaded into a #temp table and
// merged by one statement per slice of rows.
import sql from 'mssql';
import type { Db, Params, Row, RunResult, UpsertOptions, UpsertRefs } from './db.js';
import { q } from './db.js';
import type { MssqlDsn } from './dsn.js';
import { mssqlWhere } from './dsn.js';
import { FatalError, RetryableError } from '../errors.js';
import { columnSqlType, typedValue, type ColumnType } from './mssqlTypes.js';

type Runner = sql.ConnectionPool | sql.Transaction;
type TediousConnection = Parameters<NonNullable<sql.config['beforeConnect']>>[0];

// SQL Server accepts at most 2100 parameters a request; stay under it with room to spare.
export const MAX_PARAMS = 2000;
/**
 * Rows one statement writes at most: SQL Server escalates to a table lock when one statement takes some 5,000
 * row locks on a table, which would block every shopper's write to that table until the transaction ends.
 */
export const MAX_ROWS_PER_STATEMENT = 4000;
/** Runs of one transaction (or statement) that lost a deadlock or waited too long for a lock. */
export const LOCK_ATTEMPTS = 4;

/** What every integrator session sets before its first statement. */
export const SESSION_SQL = ['set xact_abort on', 'set deadlock_priority low'] as const;

const MERGE_REFS: UpsertRefs = { target: (c) => `t.${q(c)}`, source: (c) => `s.${q(c)}` };

const NETWORK_CODES = new Set(['ESOCKET', 'ECONNCLOSED', 'ETIMEOUT', 'ECONNRESET', 'EINSTLOOKUP', 'ENOTOPEN', 'ECONNREFUSED', 'ENOCONN']);
/** A TLS failure because this machine does not trust the server's certificate (Node's messages and codes for it). */
const CERTIFICATE = /self[- ]signed certificate|unable to verify the first certificate|unable to get local issuer certificate|certificate has expired|does not match certificate's altnames|certificate is not yet valid|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|ERR_TLS_CERT_ALTNAME_INVALID/i;

/** A transaction that lost a deadlock (1205) or timed out waiting for a lock (1222): worth running again. */
export class LockConflictError extends RetryableError {
  override name = 'LockConflictError';
}

interface DriverError {
  code?: string;
  number?: number;
  message?: string;
  isTransient?: boolean;
  originalError?: DriverError;
  cause?: unknown;
}

/** Every message and code along an error's chain (mssql wraps tedious, tedious wraps the socket's). */
function chain(err: unknown): DriverError[] {
  const out: DriverError[] = [];
  let e = err as DriverError | undefined;
  for (let i = 0; e && typeof e === 'object' && i < 6; i++) {
    out.push(e);
    e = (e.originalError ?? e.cause) as DriverError | undefined;
  }
  return out;
}

const hide = (text: string, secret: string) => (secret ? text.split(secret).join('***') : text);

/** A failure to connect, as the user sees it: a wrong login or an untrusted certificate is fatal, the rest retried. */
export function connectFailure(err: unknown, dsn: MssqlDsn): Error {
  const links = chain(err);
  const code = links.find((e) => e.code)?.code;
  const message = hide(links[0]?.message ?? String(err), dsn.password);
  const where = `mssql ${mssqlWhere(dsn)}`;
  // A login SQL Server itself calls transient (a database starting, a failover) is marked so by tedious.
  if (code === 'ELOGIN' && !links.some((e) => e.isTransient)) {
    const who = dsn.domain ? `the Windows login ${dsn.domain}\\${dsn.user}` : `the login ${dsn.user || '(none)'}`;
    return new FatalError(`cannot log in to ${where}: ${message} Check ${who} and its password in the DSN.`, { cause: err });
  }
  if (links.some((e) => CERTIFICATE.test(`${e.message ?? ''} ${e.code ?? ''}`))) {
    return new FatalError(
      `cannot connect to ${where}: the server's TLS certificate is not trusted (${message}); add trustServerCertificate=true to the DSN to accept it (a self-signed certificate), or give the server a certificate this machine trusts`,
      { cause: err },
    );
  }
  if (code === 'EINSTLOOKUP') {
    return new RetryableError(`cannot connect to ${where}: ${message} (a named instance is found through the SQL Server Browser, UDP port 1434: is it running, and is the instance name right?)`, { cause: err });
  }
  return new RetryableError(`cannot connect to ${where}: ${message}`, { cause: err });
}

/** A failed statement: a lock conflict or a lost connection is retryable, a login failure fatal, the rest as is. */
export function statementFailure(err: unknown, where: string, dsn: MssqlDsn): Error {
  const links = chain(err);
  const message = `${where}: ${hide(links[0]?.message ?? String(err), dsn.password)}`;
  if (links.some((e) => e.number === 1205 || e.number === 1222)) return new LockConflictError(message, { cause: err });
  const code = links.find((e) => e.code && e.code !== 'EREQUEST')?.code;
  if (code === 'ELOGIN' || links.some((e) => CERTIFICATE.test(e.message ?? ''))) return connectFailure(err, dsn);
  if (code && NETWORK_CODES.has(code)) return new RetryableError(message, { cause: err });
  return new Error(message, { cause: err });
}

export function isLockConflict(err: unknown): boolean {
  return err instanceof LockConflictError;
}

/**
 * Runs `fn` again when it lost a deadlock or timed out on a lock, up to `attempts` runs in all, waiting a little
 * longer each time (with jitter, so two sessions do not collide again in step). Any other failure, or the last
 * conflict, goes to the caller.
 */
export async function withLockRetry<T>(fn: () => Promise<T>, options: { attempts?: number; baseMs?: number; sleep?: (ms: number) => Promise<void> } = {}): Promise<T> {
  const attempts = options.attempts ?? LOCK_ATTEMPTS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isLockConflict(err) || attempt >= attempts) throw err;
      const base = (options.baseMs ?? 50) * 2 ** (attempt - 1);
      await sleep(base + Math.floor(Math.random() * base));
    }
  }
}

/** The pool's configuration for a DSN. */
export function poolConfig(dsn: MssqlDsn, poolSize = 10): sql.config {
  const options: NonNullable<sql.config['options']> = {
    encrypt: dsn.encrypt,
    trustServerCertificate: dsn.trustServerCertificate,
    appName: 'integrator',
    // SET XACT_ABORT ON at login: any error rolls the whole transaction back, no half-applied batch.
    abortTransactionOnError: true,
    enableArithAbort: true,
  };
  if (dsn.instanceName) options.instanceName = dsn.instanceName;
  const config: sql.config = {
    user: dsn.user,
    password: dsn.password,
    server: dsn.host,
    database: dsn.database,
    // A single-connection pool is a session held on purpose (its session-owned locks end with it): never reaped idle.
    pool: { max: poolSize, min: poolSize === 1 ? 1 : 0, idleTimeoutMillis: 30_000 },
    options,
    connectionTimeout: dsn.connectionTimeoutMs ?? 15_000,
    requestTimeout: dsn.requestTimeoutMs ?? 60_000,
    beforeConnect: yieldToShoppers,
  };
  // A Windows login (NTLM) when a domain is given; a named instance is found through the SQL Server Browser.
  if (dsn.domain) config.domain = dsn.domain;
  if (dsn.port !== undefined && !dsn.instanceName) config.port = dsn.port;
  return config;
}

/** Adds SET DEADLOCK_PRIORITY LOW to the statements tedious runs when a connection logs in. */
export function yieldToShoppers(conn: TediousConnection): void {
  const initial = conn.getInitialSql.bind(conn);
  conn.getInitialSql = () => [initial(), ...SESSION_SQL.filter((s) => !initial().includes(s))].join('\n');
}

/** `(VALUES (@p0_0, ...), ...) AS s ([a], [b], ...)` for rows of these columns. */
export function valuesSource(rowCount: number, columns: readonly string[]): string {
  const rows = Array.from({ length: rowCount }, (_, r) => `(${columns.map((_c, j) => `@p${r}_${j}`).join(', ')})`);
  return `(VALUES ${rows.join(', ')}) AS s (${columns.map(q).join(', ')})`;
}

/** One MERGE of a source (VALUES or a #temp table, aliased s) into a table by its key columns. */
export function mergeSql(table: string, source: string, columns: readonly string[], keys: readonly string[], options: UpsertOptions = {}): string {
  const insertOnly = new Set(options.insertOnly ?? []);
  const updates = columns.filter((c) => !keys.includes(c) && !insertOnly.has(c));
  return (
    `MERGE INTO ${q(table)} WITH (HOLDLOCK) AS t USING ${source} ` +
    `ON ${keys.map((k) => `t.${q(k)} = s.${q(k)}`).join(' AND ')} ` +
    (updates.length ? `WHEN MATCHED THEN UPDATE SET ${updates.map((c) => `${q(c)} = ${options.updateAs?.[c]?.(MERGE_REFS) ?? `s.${q(c)}`}`).join(', ')} ` : '') +
    `WHEN NOT MATCHED THEN INSERT (${columns.map(q).join(', ')}) VALUES (${columns.map((c) => `s.${q(c)}`).join(', ')});`
  );
}

/** Rows per statement for a batch of this many columns: under the parameter limit and the lock-escalation one. */
export function rowsPerValuesStatement(columns: number, cap = 1000): number {
  return Math.max(1, Math.min(cap, Math.floor(MAX_PARAMS / Math.max(1, columns))));
}

interface Shared {
  pool: sql.ConnectionPool;
  dsn: MssqlDsn;
  /** Column types per table (lower case), read once; DDL through exec() clears it. */
  catalogue: Map<string, Promise<Map<string, ColumnType>>>;
}

export class MssqlDb implements Db {
  readonly kind = 'mssql' as const;
  readonly description: string;

  private constructor(
    private readonly shared: Shared,
    private readonly runner: Runner,
  ) {
    this.description = `mssql ${mssqlWhere(shared.dsn)}`;
  }

  /** A pool of connections to the DSN's database (`poolSize` 1: one session, e.g. for a session-owned lock). */
  static async connect(dsn: MssqlDsn, options: { poolSize?: number } = {}): Promise<MssqlDb> {
    const pool = new sql.ConnectionPool(poolConfig(dsn, options.poolSize));
    // A connection that fails while idle is reported here; without a listener the process would exit. The next
    // request opens a fresh connection.
    pool.on('error', () => undefined);
    try {
      await pool.connect();
    } catch (err) {
      throw connectFailure(err, dsn);
    }
    return new MssqlDb({ pool, dsn, catalogue: new Map() }, pool);
  }

  private get dsn(): MssqlDsn {
    return this.shared.dsn;
  }

  private get inTransaction(): boolean {
    return this.runner instanceof sql.Transaction;
  }

  /** A request with its parameters typed (to the column each one is written to, when given). */
  private request(params?: Params, columnOf?: (name: string) => ColumnType | undefined): sql.Request {
    const req = new sql.Request(this.runner as sql.ConnectionPool);
    if (params) {
      for (const [k, v] of Object.entries(params)) {
        const t = typedValue(v, columnOf?.(k));
        req.input(k, t.type, t.value);
      }
    }
    return req;
  }

  /** Outside a transaction a statement that loses a deadlock is run again; inside, the transaction is. */
  private retrying<T>(fn: () => Promise<T>): Promise<T> {
    return this.inTransaction ? fn() : withLockRetry(fn);
  }

  private async query(text: string, params: Params | undefined, where: string, columnOf?: (name: string) => ColumnType | undefined, arrayRows = false): Promise<sql.IResult<unknown>> {
    return this.retrying(async () => {
      try {
        const req = this.request(params, columnOf);
        if (arrayRows) req.arrayRowMode = true;
        return await req.query(text);
      } catch (err) {
        throw statementFailure(err, where, this.dsn);
      }
    });
  }

  async all<T = Row>(text: string, params?: Params): Promise<T[]> {
    return ((await this.query(text, params, 'query failed')).recordset ?? []) as T[];
  }
  async get<T = Row>(text: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(text, params))[0];
  }
  async values(text: string, params?: Params): Promise<unknown[][]> {
    return ((await this.query(text, params, 'query failed', undefined, true)).recordset ?? []) as unknown as unknown[][];
  }
  async run(text: string, params?: Params): Promise<RunResult> {
    const r = await this.query(text, params, 'statement failed');
    return { changes: r.rowsAffected.reduce((a, b) => a + b, 0) };
  }
  /** A batch without parameters (DDL): runs in the session itself, not in sp_executesql. */
  async exec(text: string): Promise<void> {
    // A migration may have changed a table: column types are read again.
    this.shared.catalogue.clear();
    await this.batch(text);
  }

  /** A batch of the driver's own (savepoints, #temp tables): changes no table's columns. */
  private async batch(text: string): Promise<void> {
    await this.retrying(async () => {
      try {
        await this.request().batch(text);
      } catch (err) {
        throw statementFailure(err, 'statement failed', this.dsn);
      }
    });
  }

  async *stream<T = Row>(text: string, params?: Params, batchSize = 1000): AsyncIterable<T[]> {
    const req = this.request(params);
    req.stream = true;
    const queue: T[][] = [];
    let batch: T[] = [];
    let done = false;
    let failure: unknown;
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    req.on('row', (row: T) => {
      batch.push(row);
      if (batch.length >= batchSize) {
        queue.push(batch);
        batch = [];
        req.pause();
        notify();
      }
    });
    req.on('error', (err: unknown) => {
      failure = err;
      notify();
    });
    req.on('done', () => {
      if (batch.length) queue.push(batch);
      done = true;
      notify();
    });
    void req.query(text);
    while (true) {
      if (failure) throw statementFailure(failure, 'query failed', this.dsn);
      const next = queue.shift();
      if (next) {
        yield next;
        if (!done) req.resume();
        continue;
      }
      if (done) return;
      await new Promise<void>((r) => (wake = r));
    }
  }

  /**
   * All or nothing. A transaction that loses a deadlock or times out on a lock is rolled back and run again
   * (LOCK_ATTEMPTS in all): `fn` must be safe to run again, deriving what it returns from what it reads.
   * Nested calls are savepoints.
   */
  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    if (this.inTransaction) {
      const name = `sp${Math.random().toString(36).slice(2, 10)}`;
      await this.batch(`SAVE TRANSACTION ${name}`);
      try {
        return await fn(this);
      } catch (err) {
        await this.batch(`ROLLBACK TRANSACTION ${name}`).catch(() => undefined);
        throw err;
      }
    }
    return withLockRetry(async () => {
      const tx = new sql.Transaction(this.shared.pool);
      try {
        await tx.begin();
      } catch (err) {
        throw statementFailure(err, 'cannot start a transaction', this.dsn);
      }
      const handle = new MssqlDb(this.shared, tx);
      try {
        const result = await fn(handle);
        await tx.commit();
        return result;
      } catch (err) {
        // After a deadlock (XACT_ABORT ON) the server has rolled back already; nothing more to undo.
        await tx.rollback().catch(() => undefined);
        throw err;
      }
    });
  }

  /** The column types of a table, as INFORMATION_SCHEMA has them in the schema its unqualified name resolves to. */
  private columnTypes(table: string): Promise<Map<string, ColumnType>> {
    const key = table.toLowerCase();
    let types = this.shared.catalogue.get(key);
    if (!types) {
      types = this.all<{ name: string; type: string; len: number | null; prec: number | null; scale: number | null }>(
        `SELECT [COLUMN_NAME] AS [name], [DATA_TYPE] AS [type], [CHARACTER_MAXIMUM_LENGTH] AS [len], [NUMERIC_PRECISION] AS [prec],
                COALESCE([NUMERIC_SCALE], [DATETIME_PRECISION]) AS [scale]
           FROM INFORMATION_SCHEMA.COLUMNS WHERE [TABLE_SCHEMA] = COALESCE(OBJECT_SCHEMA_NAME(OBJECT_ID(@t)), SCHEMA_NAME()) AND [TABLE_NAME] = @t`,
        { t: table },
      ).then((rows) => new Map(rows.map((r) => [r.name.toLowerCase(), { type: String(r.type).toLowerCase(), length: r.len === null ? null : Number(r.len), precision: r.prec === null ? null : Number(r.prec), scale: r.scale === null ? null : Number(r.scale) }])));
      types.catch(() => this.shared.catalogue.delete(key));
      this.shared.catalogue.set(key, types);
    }
    return types;
  }

  /** Params named p<row>_<column index> are typed as that column. */
  private static byColumn(columns: readonly string[], types: Map<string, ColumnType>): (name: string) => ColumnType | undefined {
    return (name) => {
      const j = Number(name.slice(name.indexOf('_') + 1));
      return types.get(String(columns[j]).toLowerCase());
    };
  }

  private static valuesParams(rows: readonly Row[], columns: readonly string[]): Params {
    const params: Params = {};
    rows.forEach((row, r) => columns.forEach((c, j) => (params[`p${r}_${j}`] = row[c] as never)));
    return params;
  }

  async upsert(table: string, keys: readonly string[], rows: readonly Row[], options: UpsertOptions = {}): Promise<number> {
    if (rows.length === 0) return 0;
    const columns = options.columns ?? Object.keys(rows[0]);
    const types = await this.columnTypes(table);
    const perStatement = rowsPerValuesStatement(columns.length);
    if (rows.length <= perStatement) {
      const text = mergeSql(table, valuesSource(rows.length, columns), columns, keys, options);
      return (await this.query(text, MssqlDb.valuesParams(rows, columns), 'statement failed', MssqlDb.byColumn(columns, types))).rowsAffected.reduce((a, b) => a + b, 0);
    }
    // More than one statement's parameters: bulk-loaded into a #temp table (on the transaction's connection)
    // and merged from there.
    return this.withTemp(table, columns, rows, types, (temp) => mergeSql(table, `${temp} AS s`, columns, keys, options));
  }

  async insertMany(table: string, rows: readonly Row[], columns?: readonly string[]): Promise<number> {
    if (rows.length === 0) return 0;
    const cols = columns ?? Object.keys(rows[0]);
    const types = await this.columnTypes(table);
    const perStatement = rowsPerValuesStatement(cols.length);
    if (rows.length <= perStatement) {
      const values = Array.from({ length: rows.length }, (_, r) => `(${cols.map((_c, j) => `@p${r}_${j}`).join(', ')})`).join(', ');
      return (await this.query(`INSERT INTO ${q(table)} (${cols.map(q).join(', ')}) VALUES ${values}`, MssqlDb.valuesParams(rows, cols), 'statement failed', MssqlDb.byColumn(cols, types))).rowsAffected.reduce(
        (a, b) => a + b,
        0,
      );
    }
    const list = cols.map(q).join(', ');
    return this.withTemp(table, cols, rows, types, (temp) => `INSERT INTO ${q(table)} (${list}) SELECT ${list} FROM ${temp}`);
  }

  /**
   * Loads rows into a #temp table typed as the target's columns, slice by slice (MAX_ROWS_PER_STATEMENT), and
   * runs `statement` (reading the #temp table) after each slice. In one transaction: a #temp table belongs to
   * one connection.
   */
  private async withTemp(table: string, columns: readonly string[], rows: readonly Row[], types: Map<string, ColumnType>, statement: (temp: string) => string): Promise<number> {
    if (!this.inTransaction) return this.transaction((tx) => (tx as MssqlDb).withTemp(table, columns, rows, types, statement));
    const temp = `#load_${Math.random().toString(36).slice(2, 10)}`;
    const defs = columns.map((c) => ({ name: c, ...columnSqlType(types.get(c.toLowerCase()), rows.map((r) => r[c])) }));
    await this.batch(`CREATE TABLE ${temp} (${defs.map((d) => `${q(d.name)} ${d.declaration} NULL`).join(', ')})`);
    let written = 0;
    try {
      for (let i = 0; i < rows.length; i += MAX_ROWS_PER_STATEMENT) {
        const load = new sql.Table(temp);
        for (const d of defs) load.columns.add(d.name, d.type, { nullable: true });
        for (const row of rows.slice(i, i + MAX_ROWS_PER_STATEMENT)) {
          load.rows.add(...defs.map((d) => typedValue(row[d.name], types.get(d.name.toLowerCase())).value as string | number | boolean | Date | Buffer | null));
        }
        try {
          await this.request().bulk(load);
        } catch (err) {
          throw statementFailure(err, `bulk load for ${table} failed`, this.dsn);
        }
        written += (await this.run(statement(temp))).changes;
        await this.batch(`TRUNCATE TABLE ${temp}`);
      }
    } finally {
      await this.batch(`DROP TABLE ${temp}`).catch(() => undefined);
    }
    return written;
  }

  limit(n: number): { top: string; tail: string } {
    return { top: `TOP (${Math.max(0, Math.floor(n))})`, tail: '' };
  }

  /** Tables, views and synonyms a query can name unqualified: in the login's default schema or in dbo. */
  async tables(): Promise<string[]> {
    const rows = await this.all<{ name: string }>(
      `SELECT [name] FROM (
         SELECT [TABLE_NAME] AS [name] FROM INFORMATION_SCHEMA.TABLES WHERE [TABLE_SCHEMA] IN (SCHEMA_NAME(), 'dbo')
         UNION SELECT s.[name] FROM sys.synonyms s WHERE SCHEMA_NAME(s.[schema_id]) IN (SCHEMA_NAME(), 'dbo')
       ) x ORDER BY [name]`,
    );
    return rows.map((r) => r.name);
  }

  /** The columns a query of the table sees (a view's, a synonym's target's), in order. */
  async columns(table: string): Promise<string[]> {
    const exists = await this.get<{ id: number | null }>(`SELECT OBJECT_ID(@t) AS [id]`, { t: table });
    if (exists?.id === null || exists?.id === undefined) return [];
    const r = await this.query(`SELECT TOP (0) * FROM ${q(table)}`, undefined, 'query failed');
    const cols = (r.recordset as unknown as { columns?: Record<string, { index: number; name: string }> } | undefined)?.columns ?? {};
    return Object.values(cols)
      .sort((a, b) => a.index - b.index)
      .map((c) => c.name);
  }

  async close(): Promise<void> {
    if (this.runner === this.shared.pool) await this.shared.pool.close();
  }
}
