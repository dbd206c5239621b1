import type { Params } from '../db/db.js';

/** Parameters for `IN (...)`; SQL Server allows 2,100 parameters per statement, so callers keep lists shorter. */
export function inList(prefix: string, values: readonly string[]): { sql: string; params: Params } {
  const params: Params = {};
  const names = values.map((v, i) => {
    params[`${prefix}${i}`] = v;
    return `@${prefix}${i}`;
  });
  // An empty list matches nothing, on both engines.
  return { sql: names.length ? names.join(', ') : 'NULL', params };
}

/** Splits a list into chunks of at most n. */
export function chunks<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}
