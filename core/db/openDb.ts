import type { Db } from './db.js';
import { parseDsn, redactDsn } from './dsn.js';
import { SqliteDb } from './sqliteDb.js';
import { RetryableError } from '../errors.js';

export interface OpenOptions {
  /** Folder a relative sqlite path is resolved against. */
  baseDir?: string;
  /** sqlite: create the file when missing. */
  create?: boolean;
  readonly?: boolean;
  /** SQL Server: connections the pool holds at most (default 10); 1 gives a session of its own. */
  poolSize?: number;
}

/** DSN -> Db. The only place that chooses a driver. */
export async function openDb(dsn: string, options: OpenOptions = {}): Promise<Db> {
  const parsed = parseDsn(dsn, options.baseDir);
  if (parsed.kind === 'sqlite') {
    try {
      return new SqliteDb(parsed.path, { create: options.create, readonly: options.readonly });
    } catch (err) {
      if (err instanceof RetryableError) throw new RetryableError(`cannot open ${redactDsn(dsn)}: ${(err as Error).message}`, { cause: err });
      throw err;
    }
  }
  const { MssqlDb } = await import('./mssqlDb.js');
  return MssqlDb.connect(parsed, { poolSize: options.poolSize });
}
