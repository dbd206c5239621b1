// ErpSource over the PRONTO-shaped tables through the Db port: one SQL text for SQLite and SQL Server.
import type { Db, Params, Row } from '../db/db.js';
import { q } from '../db/db.js';
import type { DebtorPageQuery, ErpAddress, ErpDebtor, ErpOrder, ErpOrderLine, ErpSource, ErpTrans } from './erpSource.js';
import type { FilterCondition } from './inclusionFilter.js';
import { filterToSql } from './inclusionFilter.js';

/** SQL Server takes at most 2,100 parameters per statement: IN lists are sent in chunks well below that. */
export const IN_CHUNK = 500;

export function chunks<T>(xs: readonly T[], n = IN_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

export function inList(values: readonly string[], prefix: string): { sql: string; params: Params } {
  const params: Params = {};
  const names = values.map((v, i) => {
    params[`${prefix}${i}`] = v;
    return `@${prefix}${i}`;
  });
  return { sql: names.length ? names.join(', ') : 'NULL', params };
}

const ADDRESS_COLUMNS = ['accountcode', 'na_type', 'na_name', 'street', 'suburb', 'state', 'postcode', 'country'];
const ORDER_COLUMNS = ['so_order_no', 'accountcode', 'so_order_status', 'so_date_stamp', 'so_order_total'];
const TRANS_COLUMNS = ['accountcode', 'trans_ref', 'trans_date', 'trans_type', 'amount', 'outstanding', 'pay_by_date'];

const trimCode = (v: unknown): string => String(v ?? '').trim();

export class SqlErpSource implements ErpSource {
  private columnsCache?: string[];

  constructor(private readonly db: Db) {}

  async debtorColumns(): Promise<string[]> {
    return (this.columnsCache ??= await this.db.columns('deb_master'));
  }

  async countDebtors(filter: readonly FilterCondition[]): Promise<number> {
    const f = filterToSql(filter);
    const r = await this.db.get<{ n: number }>(`SELECT COUNT(*) AS [n] FROM [deb_master] WHERE ${f.sql}`, f.params);
    return Number(r?.n ?? 0);
  }

  async debtorPage(query: DebtorPageQuery): Promise<ErpDebtor[]> {
    const f = filterToSql(query.filter);
    const cols = ['accountcode', ...query.columns.filter((c) => c !== 'accountcode')];
    const lim = this.db.limit(query.limit);
    const rows = await this.db.all<Row>(
      `SELECT ${lim.top} ${cols.map(q).join(', ')} FROM [deb_master] WHERE ${query.after === null ? '1=1' : '[accountcode] > @after'} AND ${f.sql} ORDER BY [accountcode] ${lim.tail}`,
      { ...f.params, after: query.after ?? undefined },
    );
    if (!rows.length) return [];
    const first = String(rows[0].accountcode);
    const last = String(rows[rows.length - 1].accountcode);
    // One range read for the page's addresses: the primary key (accountcode, na_type) serves it.
    const addresses = await this.db.all<ErpAddress & { accountcode: string }>(
      `SELECT ${ADDRESS_COLUMNS.map(q).join(', ')} FROM [name_and_address_master] WHERE [accountcode] >= @first AND [accountcode] <= @last ORDER BY [accountcode], [na_type]`,
      { first, last },
    );
    const byCode = new Map<string, ErpAddress[]>();
    for (const a of addresses) {
      const list = byCode.get(a.accountcode);
      const { accountcode: _code, ...rest } = a;
      void _code;
      if (list) list.push(rest);
      else byCode.set(a.accountcode, [rest]);
    }
    return rows.map((r) => ({ accountcode: String(r.accountcode), fields: r, addresses: byCode.get(String(r.accountcode)) ?? [] }));
  }

  async debtorCodesBetween(first: string, last: string): Promise<Set<string>> {
    const rows = await this.db.all<{ accountcode: string }>(`SELECT [accountcode] FROM [deb_master] WHERE [accountcode] >= @first AND [accountcode] <= @last`, { first, last });
    return new Set(rows.map((r) => trimCode(r.accountcode)));
  }

  private async withLines(headers: Row[]): Promise<ErpOrder[]> {
    if (!headers.length) return [];
    const byNo = new Map<string, ErpOrderLine[]>();
    for (const part of chunks(headers.map((h) => String(h.so_order_no)))) {
      const inl = inList(part, 'o');
      const lines = await this.db.all<ErpOrderLine & { so_order_no: string }>(
        `SELECT [so_order_no], [line_no], [stock_code], [qty], [price] FROM [sales_order_line] WHERE [so_order_no] IN (${inl.sql}) ORDER BY [so_order_no], [line_no]`,
        inl.params,
      );
      for (const l of lines) {
        const list = byNo.get(l.so_order_no) ?? [];
        list.push({ line_no: Number(l.line_no), stock_code: l.stock_code, qty: l.qty, price: l.price });
        byNo.set(l.so_order_no, list);
      }
    }
    return headers.map((h) => ({
      so_order_no: String(h.so_order_no),
      accountcode: trimCode(h.accountcode),
      so_order_status: (h.so_order_status as string | null) ?? null,
      so_date_stamp: (h.so_date_stamp as string | null) ?? null,
      so_order_total: (h.so_order_total as number | null) ?? null,
      lines: byNo.get(String(h.so_order_no)) ?? [],
    }));
  }

  async ordersOfCustomers(codes: readonly string[], since: string | null): Promise<ErpOrder[]> {
    const out: ErpOrder[] = [];
    for (const part of chunks(codes)) {
      const inl = inList(part, 'c');
      const headers = await this.db.all<Row>(
        `SELECT ${ORDER_COLUMNS.map(q).join(', ')} FROM [sales_order] WHERE [accountcode] IN (${inl.sql}) ${since ? 'AND [so_date_stamp] >= @since' : ''} ORDER BY [so_order_no]`,
        { ...inl.params, since: since ?? undefined },
      );
      out.push(...(await this.withLines(headers)));
    }
    return out;
  }

  async orderPage(after: string | null, limit: number, since: string | null): Promise<ErpOrder[]> {
    const lim = this.db.limit(limit);
    const headers = await this.db.all<Row>(
      `SELECT ${lim.top} ${ORDER_COLUMNS.map(q).join(', ')} FROM [sales_order] WHERE ${after === null ? '1=1' : '[so_order_no] > @after'} ${since ? 'AND [so_date_stamp] >= @since' : ''} ORDER BY [so_order_no] ${lim.tail}`,
      { after: after ?? undefined, since: since ?? undefined },
    );
    return this.withLines(headers);
  }

  async orderNumbersBetween(first: string, last: string): Promise<Set<string>> {
    const rows = await this.db.all<{ so_order_no: string }>(`SELECT [so_order_no] FROM [sales_order] WHERE [so_order_no] >= @first AND [so_order_no] <= @last`, { first, last });
    return new Set(rows.map((r) => String(r.so_order_no)));
  }

  async transOfCustomers(codes: readonly string[]): Promise<ErpTrans[]> {
    const out: ErpTrans[] = [];
    for (const part of chunks(codes)) {
      const inl = inList(part, 'c');
      out.push(
        ...(await this.db.all<ErpTrans>(
          `SELECT ${TRANS_COLUMNS.map(q).join(', ')} FROM [deb_trans] WHERE [accountcode] IN (${inl.sql}) ORDER BY [accountcode], [trans_ref]`,
          inl.params,
        )),
      );
    }
    return out.map((t) => ({ ...t, accountcode: trimCode(t.accountcode) }));
  }

  async transPage(after: { accountcode: string; trans_ref: string } | null, limit: number): Promise<ErpTrans[]> {
    const lim = this.db.limit(limit);
    const where = after === null ? '1=1' : '([accountcode] > @a OR ([accountcode] = @a AND [trans_ref] > @r))';
    const rows = await this.db.all<ErpTrans>(
      `SELECT ${lim.top} ${TRANS_COLUMNS.map(q).join(', ')} FROM [deb_trans] WHERE ${where} ORDER BY [accountcode], [trans_ref] ${lim.tail}`,
      { a: after?.accountcode, r: after?.trans_ref },
    );
    return rows.map((t) => ({ ...t, accountcode: trimCode(t.accountcode) }));
  }
}
