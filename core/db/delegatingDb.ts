// A Db that hands every call to another Db. Wrappers (the worker's yielding connection, the ERP's normalised reads)
// extend it and change only the calls they are about.
import type { Db, Params, Row, RunResult, UpsertOptions } from './db.js';

export class DelegatingDb implements Db {
  constructor(protected readonly inner: Db) {}

  get kind() {
    return this.inner.kind;
  }

  get description() {
    return this.inner.description;
  }

  all<T = Row>(sql: string, params?: Params): Promise<T[]> {
    return this.inner.all<T>(sql, params);
  }

  get<T = Row>(sql: string, params?: Params): Promise<T | undefined> {
    return this.inner.get<T>(sql, params);
  }

  values(sql: string, params?: Params): Promise<unknown[][]> {
    return this.inner.values(sql, params);
  }

  run(sql: string, params?: Params): Promise<RunResult> {
    return this.inner.run(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.inner.exec(sql);
  }

  stream<T = Row>(sql: string, params?: Params, batchSize?: number): AsyncIterable<T[]> {
    return this.inner.stream<T>(sql, params, batchSize);
  }

  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.inner.transaction(fn);
  }

  upsert(table: string, keyColumns: readonly string[], rows: readonly Row[], options?: UpsertOptions): Promise<number> {
    return this.inner.upsert(table, keyColumns, rows, options);
  }

  insertMany(table: string, rows: readonly Row[], columns?: readonly string[]): Promise<number> {
    return this.inner.insertMany(table, rows, columns);
  }

  limit(n: number): { top: string; tail: string } {
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
