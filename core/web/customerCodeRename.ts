// Moving every row of one customer code to another, in every table of the customer-code registry
// (`customerCodeColumns()`): a table declared later with a `customerCode` column is covered without a change
// here. Set-based: a handful of statements per table, whatever the number of rows.
import type { Db, DbKind, Params, Row } from '../db/db.js';
import { q } from '../db/db.js';
import type { TableDef } from '../db/schema.js';
import { WEB_TABLES, customerCodeColumns } from './webSchema.js';

export interface CodeTable {
  table: string;
  column: string;
  /** The table's primary key: how a dropped row is named in the record. */
  primaryKey: string[];
  /**
   * For each key (primary or unique) that includes the code column, its other columns. A moved row collides
   * with a row of the new code that has the same values in all of them. An empty list means the code alone
   * is the key (the Customer row itself).
   */
  keys: string[][];
}

export function codeTables(tables: readonly TableDef[] = WEB_TABLES): CodeTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  return customerCodeColumns(tables).map(({ table, column }) => {
    const t = byName.get(table)!;
    const keys = [t.primaryKey, ...(t.unique ?? [])].filter((k) => k.includes(column)).map((k) => k.filter((c) => c !== column));
    return { table, column, primaryKey: t.primaryKey, keys };
  });
}

export interface DroppedRow {
  table: string;
  /** Primary key of the dropped row (with the old code). */
  key: Record<string, unknown>;
  /** Every column of the dropped row, so nothing is lost for good. */
  row: Row;
}

export interface RenameResult {
  /** Rows moved to the new code, per table. */
  moved: Record<string, number>;
  /** Rows of the old code not moved because the new code already has a row with the same key: the new code's row was kept. */
  dropped: DroppedRow[];
  /**
   * Per table whose key is the code alone (Customer): `renamed` when the new code had no row (the old row
   * now carries the new code), `merged` when it had one (the old row went), `absent` when the old code had none.
   */
  entities: Record<string, 'renamed' | 'merged' | 'absent'>;
}

interface Statements {
  collisions?: string;
  drop?: string;
  move: string;
  /** The code alone is a key (Customer): the old row is deleted when the new code has one. */
  entity: boolean;
}

/**
 * Rows one statement moves at most on SQL Server: past some 5,000 row locks in one statement it escalates to a
 * table lock, and every shopper's write to that table would wait for the conversion's transaction. The move
 * and the drop repeat until they change fewer rows (the moved rows no longer match the old code).
 */
export const RENAME_ROWS_PER_STATEMENT = 4000;

const statementCache = new WeakMap<CodeTable, Partial<Record<DbKind, Statements>>>();

export function renameStatements(kind: DbKind, t: CodeTable): Statements {
  const cached = statementCache.get(t) ?? {};
  let s = cached[kind];
  if (s) return s;
  const T = q(t.table);
  const C = q(t.column);
  const top = kind === 'mssql' ? `TOP (${RENAME_ROWS_PER_STATEMENT}) ` : '';
  const entity = t.keys.some((k) => k.length === 0);
  s = { move: `UPDATE ${top}${T} SET ${C} = @newCode WHERE ${C} = @oldCode`, entity };
  if (entity) {
    s.drop = `DELETE FROM ${T} WHERE ${C} = @oldCode`;
  } else if (t.keys.length) {
    // A row of the old code collides when, for some key holding the code, the new code has a row equal in the key's other columns.
    const collision = (outer: string) =>
      t.keys.map((others) => `EXISTS (SELECT 1 FROM ${T} n WHERE n.${C} = @newCode${others.map((c) => ` AND n.${q(c)} = ${outer}.${q(c)}`).join('')})`).join(' OR ');
    s.collisions = `SELECT o.* FROM ${T} o WHERE o.${C} = @oldCode AND (${collision('o')})`;
    s.drop = `DELETE ${top}FROM ${T} WHERE ${C} = @oldCode AND (${collision(T)})`;
  }
  cached[kind] = s;
  statementCache.set(t, cached);
  return s;
}

/** Runs a statement that may be capped (TOP) until it changes fewer rows than the cap; the total changed. */
async function runToTheEnd(tx: Db, sql: string, params: Params): Promise<number> {
  let total = 0;
  for (;;) {
    const n = (await tx.run(sql, params)).changes;
    total += n;
    if (tx.kind !== 'mssql' || n < RENAME_ROWS_PER_STATEMENT) return total;
  }
}

const probeCache = new WeakMap<readonly CodeTable[], { sql: string; keyed: CodeTable[] } | null>();

/**
 * The tables (with a key holding the code) in which the new code already has rows: only there can a moved row
 * collide. One statement for all tables, so a plain rename costs no collision query at all.
 */
export async function tablesHoldingCode(tx: Db, tables: readonly CodeTable[], code: string): Promise<Set<string>> {
  let probe = probeCache.get(tables);
  if (probe === undefined) {
    const keyed = tables.filter((t) => t.keys.length);
    probe = keyed.length
      ? { keyed, sql: `SELECT ${keyed.map((t, i) => `CASE WHEN EXISTS (SELECT 1 FROM ${q(t.table)} WHERE ${q(t.column)} = @code) THEN 1 ELSE 0 END AS [t${i}]`).join(', ')}` }
      : null;
    probeCache.set(tables, probe);
  }
  if (!probe) return new Set();
  const row = (await tx.get<Record<string, number>>(probe.sql, { code })) ?? {};
  return new Set(probe.keyed.filter((_, i) => Number(row[`t${i}`]) === 1).map((t) => t.table));
}

// Codes per probe statement: under SQLite's 500 terms of a compound SELECT and SQL Server's 2,100 parameters.
const PROBE_CHUNK = 200;

/**
 * `tablesHoldingCode` for many codes in one statement per 200 codes: a group of conversions asks once, then
 * keeps the answer up to date itself as rows move (see `noteMoved`).
 */
export async function tablesHoldingCodes(tx: Db, tables: readonly CodeTable[], codes: readonly string[]): Promise<Map<string, Set<string>>> {
  const unique = [...new Set(codes)];
  const out = new Map(unique.map((c) => [c, new Set<string>()]));
  const keyed = tables.filter((t) => t.keys.length);
  if (!keyed.length) return out;
  for (let i = 0; i < unique.length; i += PROBE_CHUNK) {
    const chunk = unique.slice(i, i + PROBE_CHUNK);
    const params: Params = Object.fromEntries(chunk.map((c, j) => [`c${j}`, c]));
    const codesCte = `WITH [probe] ([code]) AS (${chunk.map((_, j) => `SELECT @c${j}`).join(' UNION ALL ')})`;
    const sql = `${codesCte} ${keyed
      .map((t, k) => `SELECT ${k} AS [t], p.[code] AS [code] FROM [probe] p WHERE EXISTS (SELECT 1 FROM ${q(t.table)} x WHERE x.${q(t.column)} = p.[code])`)
      .join(' UNION ALL ')}`;
    for (const r of await tx.all<{ t: number; code: string }>(sql, params)) out.get(String(r.code))?.add(keyed[Number(r.t)].table);
  }
  return out;
}

/** After oldCode's rows moved to a code, that code holds rows wherever some moved. */
export function noteMoved(holds: Set<string>, result: RenameResult): void {
  for (const [table, n] of Object.entries(result.moved)) if (n > 0) holds.add(table);
}

/**
 * Moves every row of oldCode to newCode in every table. Run it inside a transaction: it is several
 * statements, and only the caller knows what else belongs with them. `targetHolds` is what
 * `tablesHoldingCode(newCode)` said, when the caller already asked.
 */
export async function renameCustomerCode(tx: Db, tables: readonly CodeTable[], oldCode: string, newCode: string, targetHolds?: Set<string>): Promise<RenameResult> {
  const params: Params = { oldCode, newCode };
  const holds = targetHolds ?? (await tablesHoldingCode(tx, tables, newCode));
  const result: RenameResult = { moved: {}, dropped: [], entities: {} };
  for (const t of tables) {
    const s = renameStatements(tx.kind, t);
    const collide = holds.has(t.table);
    if (s.entity) {
      if (collide) {
        const gone = (await tx.run(s.drop!, params)).changes;
        result.moved[t.table] = (result.moved[t.table] ?? 0) + 0;
        result.entities[t.table] = gone ? 'merged' : 'absent';
      } else {
        const moved = await runToTheEnd(tx, s.move, params);
        result.moved[t.table] = (result.moved[t.table] ?? 0) + moved;
        result.entities[t.table] = moved ? 'renamed' : 'absent';
      }
      continue;
    }
    if (collide && s.collisions) {
      const collided = await tx.all<Row>(s.collisions, params);
      if (collided.length) {
        await runToTheEnd(tx, s.drop!, params);
        for (const row of collided) result.dropped.push({ table: t.table, key: Object.fromEntries(t.primaryKey.map((c) => [c, row[c]])), row });
      }
    }
    const moved = await runToTheEnd(tx, s.move, params);
    result.moved[t.table] = (result.moved[t.table] ?? 0) + moved;
  }
  return result;
}
