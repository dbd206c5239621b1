// Reading a SQLite file as an outside observer would: a connection of its own, opened read-only for one query.
import Database from 'better-sqlite3';

/** Every row the query returns. */
export function queryRows(file: string, sql: string): Array<Record<string, unknown>> {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(sql).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

/** The first column of the first row, as a number (a COUNT, a MAX). */
export function queryNumber(file: string, sql: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return Number(db.prepare(sql).pluck().get());
  } finally {
    db.close();
  }
}
