// The customer list behind the admin UI (CRM approval filters by Site and status), and one customer as the admin
// API returns it after an action. Shapes: CustomersResponseSchema / CustomerSchema in core/contracts/adminApi.ts.
import type { z } from 'zod';
import type { Db, Params } from '../db/db.js';
import type { Customer, CustomersQuerySchema, CustomersResponseSchema } from '../contracts/adminApi.js';
import { findCustomer } from './customerLookup.js';

type Query = z.infer<typeof CustomersQuerySchema>;
type Response = z.infer<typeof CustomersResponseSchema>;

const COLUMNS = `[CustomerCode], [Name], [ActiveStatus], [CrmStatus], [Site], [Email], [Phone], [IsDisabled], [ErpStatus], [Source], [EmailMatch], [ErpCode]`;

function toCustomer(r: Record<string, unknown>): Customer {
  const s = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    customerCode: String(r.CustomerCode),
    name: s(r.Name),
    activeStatus: String(r.ActiveStatus ?? 'Inactive'),
    crmStatus: s(r.CrmStatus),
    site: s(r.Site),
    email: s(r.Email),
    phone: s(r.Phone),
    isDisabled: Boolean(Number(r.IsDisabled ?? 0)),
    erpStatus: s(r.ErpStatus),
    source: s(r.Source),
    // Offered and not answered yet (a Link in progress has its ErpCode).
    emailMatch: r.Source === 'WEB' && !r.ErpCode ? s(r.EmailMatch) : null,
  };
}

/** Customers matching every given filter (search: code, name or email contains), by code, one page. */
export async function listCustomers(webDb: Db, query: Query): Promise<Response> {
  const where: string[] = [];
  const params: Params = {};
  if (query.search?.trim()) {
    const like = `LIKE @search ESCAPE '\\'`;
    where.push(`([CustomerCode] ${like} OR [Name] ${like} OR [Email] ${like} OR [WebCode] ${like})`);
    // Typed text is matched literally: wildcards escaped (SQL Server also treats [ as one).
    const special = webDb.kind === 'mssql' ? /[%_\\[]/g : /[%_\\]/g;
    params.search = `%${query.search.trim().replace(special, (c) => `\\${c}`)}%`;
  }
  for (const [key, column] of [['activeStatus', 'ActiveStatus'], ['crmStatus', 'CrmStatus'], ['site', 'Site']] as const) {
    const v = query[key];
    if (v !== undefined && v !== '') {
      where.push(`[${column}] = @${key}`);
      params[key] = v;
    }
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  // Whole numbers in range, so they can stand in the SQL text (both dialects take no parameter there alike).
  const limit = Math.max(1, Math.min(500, Math.trunc(Number(query.limit ?? 100)) || 100));
  const offset = Math.max(0, Math.trunc(Number(query.offset ?? 0)) || 0);
  const page = webDb.kind === 'mssql' ? `OFFSET ${offset} ROWS FETCH NEXT ${limit} ROWS ONLY` : `LIMIT ${limit} OFFSET ${offset}`;
  const rows = await webDb.all(`SELECT ${COLUMNS} FROM [Customer] ${clause} ORDER BY [CustomerCode] ${page}`, params);
  const total = Number((await webDb.get<{ n: number }>(`SELECT COUNT(*) AS [n] FROM [Customer] ${clause}`, params))?.n ?? 0);
  return { customers: rows.map(toCustomer), total };
}

/** One customer by its code or the code the web created it under (an approval gives it its ERP code). */
export async function getCustomer(webDb: Db, code: string): Promise<Customer> {
  const found = await findCustomer(webDb, code);
  const row = await webDb.get(`SELECT ${COLUMNS} FROM [Customer] WHERE [CustomerCode] = @code`, { code: found.CustomerCode });
  return toCustomer(row!);
}
