// IN-lists for both engines: SQL Server takes at most 2,100 parameters per statement, so long lists go in chunks.
import type { Params } from './db.js';

/** Values per IN-list, well below SQL Server's 2,100 parameters per statement. */
export const IN_CHUNK = 500;

/** Splits a list into chunks of at most n. */
export function chunks<T>(xs: readonly T[], n = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** Parameters @prefix0, @prefix1, ... for `IN (...)`; an empty list matches nothing (NULL), on both engines. */
export function inList(values: readonly string[], prefix: string): { sql: string; params: Params } {
  const params: Params = {};
  const names = values.map((v, i) => {
    params[`${prefix}${i}`] = v;
    return `@${prefix}${i}`;
  });
  return { sql: names.length ? names.join(', ') : 'NULL', params };
}
