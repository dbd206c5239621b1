import sql from 'mssql';
import type { Db, Params, Row, RunResult, UpsertOptions, UpsertRefs } from './db.js';
import { q } from './db.js';
import type { Dsn } from './dsn.js';
import { RetryableError } from '../errors.js';

type MssqlDsn = Extract<Dsn, { kind: 'mssql' }>;
type Runner = sql.ConnectionPool | sql.Transaction;

// SQL Server accepts at most 2100 parameters a request; stay under it with room to spare.
const MAX_PARAMS = 2000;

const MERGE_REFS: UpsertRefs = { target: (c) => `t.${q(c)}`, source: (c) => `s.${q(c)}` };

const RETRYABLE_CODES = new Set(['ESOCKET', 'ECONNCLOSED', 'ETIMEOUT', 'ECONNRESET', 'ELOGIN', 'EINSTLOOKUP', 'ENOTOPEN', 'ECONNREFUSED']);

function translate(err: unknown, where: string, secret: string): Error {
  const e = err as { code?: string; number?: number; message?: string };
  // Never let a password reach error text.
  const message = (e?.message ?? String(err)).split(secret || '\u0000').join('***');
  // 1205 deadlock victim, 1222 lock request timeout.
  if ((e?.code && RETRYABLE_CODES.has(e.code)) || e?.number === 1205 || e?.number === 1222) {
    return new RetryableError(`${where}: ${message}`, { cause: err });
  }
  const out = new Error(`${where}: ${message}`, { cause: err });
  return out;
}

function input(req: sql.Request, name: string, v: unknown): void {
  if (v === undefined || v === null) req.input(name, sql.NVarChar, null);
  else if (typeof v === 'boolean') req.input(name, sql.Bit, v);
  else if (typeof v === 'number') req.input(name, Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? sql.Int : sql.Float, v);
  else if (typeof v === 'bigint') req.input(name, sql.BigInt, v.toString());
  else if (v instanceof Date) req.input(name, sql.NVarChar, v.toISOString());
  else if (Buffer.isBuffer(v)) req.input(name, sql.VarBinary(sql.MAX), v);
  else req.input(name, sql.NVarChar(sql.MAX), String(v));
}

export class MssqlDb implements Db {
  readonly kind = 'mssql' as const;
  readonly description: string;

  private constructor(
    private readonly pool: sql.ConnectionPool,
    private readonly runner: Runner,
    private readonly dsn: MssqlDsn,
  ) {
    this.description = `mssql ${dsn.host}:${dsn.port}/${dsn.database}`;
  }

  static async connect(dsn: MssqlDsn): Promise<MssqlDb> {
    const pool = new sql.ConnectionPool({
      user: dsn.user,
      password: dsn.password,
      server: dsn.host,
      port: dsn.port,
      database: dsn.database,
      pool: { max: 10, min: 0, idleTimeoutMillis: 30_000 },
      options: {
        encrypt: dsn.options.encrypt !== 'false',
        trustServerCertificate: dsn.options.trustServerCertificate === 'true',
      },
      connectionTimeout: Number(dsn.options.connectionTimeout ?? 15_000),
      requestTimeout: Number(dsn.options.requestTimeout ?? 60_000),
    });
    try {
      await pool.connect();
    } catch (err) {
      throw new RetryableError(`cannot connect to mssql ${dsn.host}:${dsn.port}/${dsn.database}: ${translate(err, 'connect', dsn.password).message}`);
    }
    return new MssqlDb(pool, pool, dsn);
  }

  private request(params?: Params): sql.Request {
    const req = new sql.Request(this.runner as sql.ConnectionPool);
    if (params) for (const [k, v] of Object.entries(params)) input(req, k, v);
    return req;
  }

  async all<T = Row>(text: string, params?: Params): Promise<T[]> {
    try {
      const r = await this.request(params).query(text);
      return (r.recordset ?? []) as T[];
    } catch (err) {
      throw translate(err, 'query failed', this.dsn.password);
    }
  }
  async get<T = Row>(text: string, params?: Params): Promise<T | undefined> {
    return (await this.all<T>(text, params))[0];
  }
  async run(text: string, params?: Params): Promise<RunResult> {
    try {
      const r = await this.request(params).query(text);
      return { changes: r.rowsAffected.reduce((a, b) => a + b, 0) };
    } catch (err) {
      throw translate(err, 'statement failed', this.dsn.password);
    }
  }
  async exec(text: string): Promise<void> {
    try {
      await this.request().batch(text);
    } catch (err) {
      throw translate(err, 'statement failed', this.dsn.password);
    }
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
      if (failure) throw translate(failure, 'query failed', this.dsn.password);
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

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    if (this.runner instanceof sql.Transaction) {
      // Nested: a savepoint inside the open transaction.
      const name = `sp${Math.random().toString(36).slice(2, 10)}`;
      await this.exec(`SAVE TRANSACTION ${name}`);
      try {
        return await fn(this);
      } catch (err) {
        await this.exec(`ROLLBACK TRANSACTION ${name}`).catch(() => undefined);
        throw err;
      }
    }
    const tx = new sql.Transaction(this.pool);
    try {
      await tx.begin();
    } catch (err) {
      throw translate(err, 'cannot start a transaction', this.dsn.password);
    }
    const handle = new MssqlDb(this.pool, tx, this.dsn);
    try {
      const result = await fn(handle);
      await tx.commit();
      return result;
    } catch (err) {
      await tx.rollback().catch(() => undefined);
      throw err;
    }
  }

  async upsert(table: string, keys: readonly string[], rows: readonly Row[], options: UpsertOptions = {}): Promise<number> {
    if (rows.length === 0) return 0;
    const columns = options.columns ?? Object.keys(rows[0]);
    const insertOnly = new Set(options.insertOnly ?? []);
    const updates = columns.filter((c) => !keys.includes(c) && !insertOnly.has(c));
    const perChunk = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
    let written = 0;
    for (let i = 0; i < rows.length; i += perChunk) {
      const chunk = rows.slice(i, i + perChunk);
      const params: Params = {};
      const values = chunk.map((row, r) => `(${columns.map((c, j) => {
        params[`p${r}_${j}`] = row[c] as never;
        return `@p${r}_${j}`;
      }).join(', ')})`);
      const text =
        `MERGE INTO ${q(table)} WITH (HOLDLOCK) AS t USING (VALUES ${values.join(', ')}) AS s (${columns.map(q).join(', ')}) ` +
        `ON ${keys.map((k) => `t.${q(k)} = s.${q(k)}`).join(' AND ')} ` +
        (updates.length ? `WHEN MATCHED THEN UPDATE SET ${updates.map((c) => `${q(c)} = ${options.updateAs?.[c]?.(MERGE_REFS) ?? `s.${q(c)}`}`).join(', ')} ` : '') +
        `WHEN NOT MATCHED THEN INSERT (${columns.map(q).join(', ')}) VALUES (${columns.map((c) => `s.${q(c)}`).join(', ')});`;
      written += (await this.run(text, params)).changes;
    }
    return written;
  }

  async insertMany(table: string, rows: readonly Row[], columns?: readonly string[]): Promise<number> {
    if (rows.length === 0) return 0;
    const cols = columns ?? Object.keys(rows[0]);
    // INSERT ... VALUES takes at most 1000 rows.
    const perChunk = Math.max(1, Math.min(1000, Math.floor(MAX_PARAMS / cols.length)));
    let written = 0;
    for (let i = 0; i < rows.length; i += perChunk) {
      const chunk = rows.slice(i, i + perChunk);
      const params: Params = {};
      const values = chunk.map((row, r) => `(${cols.map((c, j) => {
        params[`p${r}_${j}`] = row[c] as never;
        return `@p${r}_${j}`;
      }).join(', ')})`);
      written += (await this.run(`INSERT INTO ${q(table)} (${cols.map(q).join(', ')}) VALUES ${values.join(', ')}`, params)).changes;
    }
    return written;
  }

  limit(n: number): { top: string; tail: string } {
    return { top: `TOP (${Math.max(0, Math.floor(n))})`, tail: '' };
  }

  async tables(): Promise<string[]> {
    const rows = await this.all<{ name: string }>(`SELECT TABLE_NAME AS name FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME`);
    return rows.map((r) => r.name);
  }
  async columns(table: string): Promise<string[]> {
    const rows = await this.all<{ name: string }>(
      `SELECT COLUMN_NAME AS name FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = @t ORDER BY ORDINAL_POSITION`,
      { t: table },
    );
    return rows.map((r) => r.name);
  }

  async close(): Promise<void> {
    if (this.runner === this.pool) await this.pool.close();
  }
}
