// Set-based writes by composite key, for both engines: one statement per chunk of keys, never one per row.
import type { Db, Params, SqlValue } from './db.js';
import { q } from './db.js';

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
