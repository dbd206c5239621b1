// better-sqlite3 answers synchronously, so an event's `await db.…` calls settle as microtasks and a long run
// never gives the event loop a turn: the admin API, the pricing listener and SIGTERM would all wait for the
// whole run. The worker hands events this wrapper, which yields to the event loop between calls once a
// slice of time has passed, so the process stays responsive and a stop lands between batches.
import type { Db, Params, Row, RunResult, UpsertOptions } from '../db/db.js';

const SLICE_MS = 20;

export class YieldingDb implements Db {
  private last = Date.now();

  constructor(private readonly inner: Db) {}

  get kind() {
    return this.inner.kind;
  }

  get description() {
    return this.inner.description;
  }

  private async turn(): Promise<void> {
    if (Date.now() - this.last < SLICE_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = Date.now();
  }

  async all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    await this.turn();
    return this.inner.all<T>(sql, params);
  }

  async get<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    await this.turn();
    return this.inner.get<T>(sql, params);
  }

  async values(sql: string, params?: Params): Promise<unknown[][]> {
    await this.turn();
    return this.inner.values(sql, params);
  }

  async run(sql: string, params?: Params): Promise<RunResult> {
    await this.turn();
    return this.inner.run(sql, params);
  }

  async exec(sql: string): Promise<void> {
    await this.turn();
    return this.inner.exec(sql);
  }

  async *stream<T = Row>(sql: string, params?: Params, batchSize?: number): AsyncIterable<T[]> {
    for await (const batch of this.inner.stream<T>(sql, params, batchSize)) {
      yield batch;
      await this.turn();
    }
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    await this.turn();
    // Inside a transaction nothing yields: it stays as short as the event made it.
    return this.inner.transaction(fn);
  }

  async upsert(table: string, keyColumns: readonly string[], rows: readonly Row[], options?: UpsertOptions): Promise<number> {
    await this.turn();
    return this.inner.upsert(table, keyColumns, rows, options);
  }

  async insertMany(table: string, rows: readonly Row[], columns?: readonly string[]): Promise<number> {
    await this.turn();
    return this.inner.insertMany(table, rows, columns);
  }

  limit(n: number) {
    return this.inner.limit(n);
  }

  tables(): Promise<string[]> {
    return this.inner.tables();
  }

  columns(table: string): Promise<string[]> {
    return this.inner.columns(table);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
