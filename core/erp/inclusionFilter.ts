// The debtor inclusion filter: a small, safe condition language over deb_master columns, turned into a
// parameterised WHERE clause. Column names are checked against the known columns, never pasted blind.
//
//   dr_status in (A,H) and rep_code = R01 and dr_name like 'Acme%'
//
// Conditions are joined by "and"; operators: = != <> in (...) "not in" (...) like "not like". Values are bare
// words or 'quoted text'.
import type { Params } from '../db/db.js';
import { q } from '../db/db.js';

export interface FilterCondition {
  column: string;
  op: '=' | '!=' | 'in' | 'not in' | 'like' | 'not like';
  values: string[];
}

export class FilterError extends Error {
  override name = 'FilterError';
}

const CONDITION = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=|!=|<>|not\s+in|in|not\s+like|like)\s*(.+?)\s*$/i;

function splitAnd(text: string): string[] {
  // "and" outside quotes and parentheses.
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && /\s/.test(c) && /^\s+and\s+/i.test(text.slice(i))) {
      parts.push(text.slice(start, i));
      const m = /^\s+and\s+/i.exec(text.slice(i))!;
      i += m[0].length - 1;
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean);
}

function parseValue(v: string): string {
  const t = v.trim();
  if (/^'.*'$/.test(t)) return t.slice(1, -1).replace(/''/g, "'");
  if (/['()\s]/.test(t)) throw new FilterError(`value ${t} must be a single word or 'quoted text'`);
  return t;
}

function parseList(v: string): string[] {
  const t = v.trim();
  if (!/^\(.*\)$/.test(t)) throw new FilterError(`a list must be in parentheses, e.g. (A,H); got ${t}`);
  const items: string[] = [];
  let cur = '';
  let quoted = false;
  for (const c of t.slice(1, -1)) {
    if (c === "'") quoted = !quoted;
    if (c === ',' && !quoted) {
      items.push(cur);
      cur = '';
    } else cur += c;
  }
  items.push(cur);
  const out = items.map((s) => s.trim()).filter(Boolean).map(parseValue);
  if (!out.length) throw new FilterError('an empty list matches nothing');
  return out;
}

/** Parses the filter. `columns`: the deb_master columns that exist. Empty text: no conditions. */
export function parseInclusionFilter(text: string, columns: readonly string[]): FilterCondition[] {
  const trimmed = text.trim();
  if (!trimmed) return [];
  const known = new Set(columns.map((c) => c.toLowerCase()));
  return splitAnd(trimmed).map((part) => {
    const m = CONDITION.exec(part);
    if (!m) throw new FilterError(`cannot read "${part}": expected <column> <operator> <value>, e.g. dr_status = A`);
    const column = m[1].toLowerCase();
    if (!known.has(column)) throw new FilterError(`unknown debtor column "${m[1]}" (deb_master has: ${columns.join(', ')})`);
    const rawOp = m[2].toLowerCase().replace(/\s+/g, ' ');
    const op = (rawOp === '<>' ? '!=' : rawOp) as FilterCondition['op'];
    const values = op === 'in' || op === 'not in' ? parseList(m[3]) : [parseValue(m[3])];
    return { column, op, values };
  });
}

/** A WHERE fragment (without "WHERE") and its parameters; "1=1" when there are no conditions. */
export function filterToSql(conditions: readonly FilterCondition[], prefix = 'f', alias?: string): { sql: string; params: Params } {
  if (!conditions.length) return { sql: '1=1', params: {} };
  const params: Params = {};
  let n = 0;
  const p = (v: string) => {
    const name = `${prefix}${n++}`;
    params[name] = v;
    return `@${name}`;
  };
  const col = (c: string) => (alias ? `${alias}.${q(c)}` : q(c));
  const sql = conditions
    .map((c) => {
      switch (c.op) {
        case '=':
          return `${col(c.column)} = ${p(c.values[0])}`;
        case '!=':
          return `(${col(c.column)} <> ${p(c.values[0])} OR ${col(c.column)} IS NULL)`;
        case 'in':
          return `${col(c.column)} IN (${c.values.map(p).join(', ')})`;
        case 'not in':
          return `(${col(c.column)} NOT IN (${c.values.map(p).join(', ')}) OR ${col(c.column)} IS NULL)`;
        case 'like':
          return `${col(c.column)} LIKE ${p(c.values[0])}`;
        case 'not like':
          return `(${col(c.column)} NOT LIKE ${p(c.values[0])} OR ${col(c.column)} IS NULL)`;
      }
    })
    .join(' AND ');
  return { sql, params };
}

/** The same conditions applied to one row in memory (for tests and previews). */
export function matchesFilter(conditions: readonly FilterCondition[], row: Record<string, unknown>): boolean {
  const like = (pattern: string) => new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, 'i');
  return conditions.every((c) => {
    const v = row[c.column] == null ? null : String(row[c.column]);
    switch (c.op) {
      case '=':
        return v === c.values[0];
      case '!=':
        return v !== c.values[0];
      case 'in':
        return v !== null && c.values.includes(v);
      case 'not in':
        return v === null || !c.values.includes(v);
      case 'like':
        return v !== null && like(c.values[0]).test(v);
      case 'not like':
        return v === null || !like(c.values[0]).test(v);
    }
  });
}
