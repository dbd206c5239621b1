// better-sqlite3 answers synchronously, so an event's `await db.…` calls settle as microtasks and a long run
// never gives the event loop a turn: the admin API, the pricing listener and SIGTERM would all wait for the
// whole run. The worker hands events this wrapper, which yields to the event loop between calls once a
// slice of time has passed, so the process stays responsive and a stop lands between batches.
import type { Db, Params, Row, RunResult, UpsertOptions } from '../db/db.js';
import { DelegatingDb } from '../db/delegatingDb.js';

const SLICE_MS = 20;

export class YieldingDb extends DelegatingDb {
  private last = Date.now();

  private async turn(): Promise<void> {
    if (Date.now() - this.last < SLICE_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = Date.now();
  }

  override async all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    await this.turn();
    return this.inner.all<T>(sql, params);
  }

  override async get<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    await this.turn();
    return this.inner.get<T>(sql, params);
  }

  override async values(sql: string, params?: Params): Promise<unknown[][]> {
    await this.turn();
    return this.inner.values(sql, params);
  }

  override async run(sql: string, params?: Params): Promise<RunResult> {
    await this.turn();
    return this.inner.run(sql, params);
  }

  override async exec(sql: string): Promise<void> {
    await this.turn();
    return this.inner.exec(sql);
  }

  override async *stream<T = Row>(sql: string, params?: Params, batchSize?: number): AsyncIterable<T[]> {
    for await (const batch of this.inner.stream<T>(sql, params, batchSize)) {
      yield batch;
      await this.turn();
    }
  }

  override async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    await this.turn();
    // Inside a transaction nothing yields: it stays as short as the event made it.
    return this.inner.transaction(fn);
  }

  override async upsert(table: string, keyColumns: readonly string[], rows: readonly Row[], options?: UpsertOptions): Promise<number> {
    await this.turn();
    return this.inner.upsert(table, keyColumns, rows, options);
  }

  override async insertMany(table: string, rows: readonly Row[], columns?: readonly string[]): Promise<number> {
    await this.turn();
    return this.inner.insertMany(table, rows, columns);
  }
}
