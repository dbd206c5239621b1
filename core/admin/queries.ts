// Read models of the admin API over the web database: run history, customers, conversions, log tail.
import fs from 'node:fs';
import type { Db, Params } from '../db/db.js';
import type { RunRecord } from '../contracts/events.js';
import type { Customer } from '../contracts/adminApi.js';
import { RotatingFile } from '../logging/rotatingFile.js';
import { toRunRecord } from '../worker/runHistory.js';

const parseJson = (text: unknown): unknown => {
  if (typeof text !== 'string' || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const iso = (v: unknown): string | null => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v));

function page(db: Db, limit: number, offset: number): string {
  return db.kind === 'sqlite' ? `LIMIT ${limit} OFFSET ${offset}` : `OFFSET ${offset} ROWS FETCH NEXT ${limit} ROWS ONLY`;
}

export async function listRuns(db: Db, options: { limit: number; event?: string }): Promise<RunRecord[]> {
  const where = options.event ? 'WHERE [Event] = @event' : '';
  const rows = await db.all<Record<string, unknown>>(`SELECT * FROM [IntegrationRun] ${where} ORDER BY [Id] DESC ${page(db, options.limit, 0)}`, { event: options.event });
  return rows.map(toRunRecord);
}

export function toCustomer(r: Record<string, unknown>): Customer {
  return {
    customerCode: String(r.CustomerCode),
    name: str(r.Name),
    activeStatus: String(r.ActiveStatus ?? 'Inactive'),
    crmStatus: str(r.CrmStatus),
    site: str(r.Site),
    email: str(r.Email),
    phone: str(r.Phone),
    isDisabled: Boolean(Number(r.IsDisabled ?? 0)),
    erpStatus: str(r.ErpStatus),
    source: str(r.Source),
  };
}

const CUSTOMER_COLUMNS = '[CustomerCode], [Name], [ActiveStatus], [CrmStatus], [Site], [Email], [Phone], [IsDisabled], [ErpStatus], [Source]';

export async function getCustomer(db: Db, code: string): Promise<Customer | null> {
  const r = await db.get<Record<string, unknown>>(`SELECT ${CUSTOMER_COLUMNS} FROM [Customer] WHERE [CustomerCode] = @code`, { code });
  return r ? toCustomer(r) : null;
}

export async function searchCustomers(
  db: Db,
  q: { search?: string; activeStatus?: string; crmStatus?: string; site?: string; limit?: number; offset?: number },
): Promise<{ customers: Customer[]; total: number }> {
  const where: string[] = [];
  const params: Params = {};
  if (q.search?.trim()) {
    where.push('([CustomerCode] LIKE @search OR [Name] LIKE @search OR [Email] LIKE @search)');
    params.search = `%${q.search.trim().replace(/[%_[]/g, (c) => `[${c}]`)}%`;
    if (db.kind === 'sqlite') params.search = `%${q.search.trim().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
  }
  if (q.activeStatus) {
    where.push('[ActiveStatus] = @activeStatus');
    params.activeStatus = q.activeStatus;
  }
  if (q.crmStatus) {
    where.push('[CrmStatus] = @crmStatus');
    params.crmStatus = q.crmStatus;
  }
  if (q.site) {
    where.push('[Site] = @site');
    params.site = q.site;
  }
  let clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  if (db.kind === 'sqlite' && params.search) clause = clause.replace(/LIKE @search/g, "LIKE @search ESCAPE '\\'");
  const total = await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM [Customer] ${clause}`, params);
  const rows = await db.all<Record<string, unknown>>(
    `SELECT ${CUSTOMER_COLUMNS} FROM [Customer] ${clause} ORDER BY [CustomerCode] ${page(db, q.limit ?? 50, q.offset ?? 0)}`,
    params,
  );
  return { customers: rows.map(toCustomer), total: Number(total?.n ?? 0) };
}

export async function listConversions(db: Db, options: { status?: string; limit: number }) {
  const where = options.status ? 'WHERE [Status] = @status' : '';
  const rows = await db.all<Record<string, unknown>>(`SELECT * FROM [CustomerConversion] ${where} ORDER BY [Id] DESC ${page(db, options.limit, 0)}`, { status: options.status });
  const countRows = await db.all<{ Status: string; n: number }>(`SELECT [Status], COUNT(*) AS n FROM [CustomerConversion] GROUP BY [Status]`);
  const counts = { Pending: 0, Processed: 0, Failed: 0 };
  for (const c of countRows) if (c.Status in counts) counts[c.Status as keyof typeof counts] = Number(c.n);
  return {
    conversions: rows.map((r) => ({
      id: Number(r.Id),
      oldCode: String(r.OldCode),
      newCode: String(r.NewCode),
      erpConversionDate: iso(r.ErpConversionDate),
      receivedAt: iso(r.ReceivedAt),
      status: String(r.Status),
      processedAt: iso(r.ProcessedAt),
      error: str(r.Error),
      details: parseJson(r.Details),
    })),
    counts,
  };
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const LEVEL_RANK: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** The last lines of the log (current file, then rotated ones when it is short), oldest first. */
export function tailLog(file: string, options: { lines: number; level?: string }): Array<{ time: string | null; level: string; msg: string; event: string | null }> {
  const min = options.level ? (LEVEL_RANK[options.level] ?? 0) : 0;
  const out: Array<{ time: string | null; level: string; msg: string; event: string | null }> = [];
  for (const f of RotatingFile.files(file)) {
    let text: string;
    try {
      const fd = fs.openSync(f, 'r');
      try {
        const size = fs.fstatSync(fd).size;
        const want = Math.min(size, 2 * 1024 * 1024);
        const buf = Buffer.alloc(want);
        fs.readSync(fd, buf, 0, want, size - want);
        text = buf.toString('utf8');
        if (want < size) text = text.slice(text.indexOf('\n') + 1);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      continue;
    }
    const lines = text.split('\n').filter(Boolean);
    const parsed: typeof out = [];
    for (const line of lines) {
      try {
        const j = JSON.parse(line) as { time?: number | string; level?: number | string; msg?: string; event?: string };
        const level = typeof j.level === 'number' ? (LEVELS[j.level] ?? String(j.level)) : String(j.level ?? 'info');
        if ((LEVEL_RANK[level] ?? 0) < min) continue;
        parsed.push({ time: j.time === undefined ? null : new Date(j.time).toISOString(), level, msg: String(j.msg ?? ''), event: j.event ?? null });
      } catch {
        parsed.push({ time: null, level: 'info', msg: line, event: null });
      }
    }
    out.unshift(...parsed);
    if (out.length >= options.lines) break;
  }
  return out.slice(-options.lines);
}
