// Exact-key lists and set-based writes by composite key, for both engines: one statement per chunk of keys,
// never one per row.
import type { Db, DbKind, Params, SqlValue } from './db.js';
import { q } from './db.js';
import { chunks, inList } from './sqlLists.js';

/**
 * The body of `IN (...)` for exact keys, in as few statements as the engine allows: on SQLite one statement for
 * the whole list, given as one JSON array (`SELECT value FROM json_each(@c)`), so no object of hundreds of
 * parameter names is built and bound per statement; on SQL Server IN_CHUNK named parameters per statement.
 */
export function keyLists(kind: DbKind, values: readonly string[], prefix: string): Array<{ sql: string; params: Params }> {
  if (kind === 'sqlite') return values.length ? [{ sql: `SELECT [value] FROM json_each(@${prefix})`, params: { [prefix]: JSON.stringify(values) } }] : [];
  return chunks(values).map((part) => inList(part, prefix));
}

/** Parameters per statement for key lists: well under SQL Server's 2,100. */
const KEY_PARAMS = 1000;

/**
 * Deletes the rows whose key columns hold one of `keys` (and that match `where`, an SQL condition without
 * parameters): `(k1 = @a AND k2 = @b) OR ...`, a chunk of keys per statement. Returns the rows deleted.
 */
export async function deleteByKeys(db: Db, table: string, keyColumns: readonly string[], keys: ReadonlyArray<readonly SqlValue[]>, where?: string): Promise<number> {
  const per = Math.max(1, Math.floor(KEY_PARAMS / keyColumns.length));
  let n = 0;
  for (let i = 0; i < keys.length; i += per) {
    const params: Params = {};
    const terms = keys.slice(i, i + per).map((key, r) => `(${keyColumns.map((c, j) => ((params[`k${r}_${j}`] = key[j]), `${q(c)} = @k${r}_${j}`)).join(' AND ')})`);
    n += (await db.run(`DELETE FROM ${q(table)} WHERE ${where ? `${where} AND ` : ''}(${terms.join(' OR ')})`, params)).changes;
  }
  return n;
}
