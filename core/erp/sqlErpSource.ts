// ErpSource over the PRONTO-shaped tables through the Db port: one SQL text for SQLite and SQL Server. Rows are
// read through erpReads (codes without CHAR padding, dates as ISO text); pages are keyset pages in the ERP's own
// collation, and whatever belongs to a page (its addresses, its lines) is read by the page's exact keys.
import type { Db, Row } from '../db/db.js';
import { chunks, inList, keyLists } from '../db/keys.js';
import { q } from '../db/db.js';
import type { DebtorFingerprint, DebtorPageQuery, ErpAddress, ErpDebtor, ErpOrder, ErpOrderLine, ErpSource, ErpTrans } from './erpSource.js';
import type { FilterCondition } from './inclusionFilter.js';
import { filterToSql } from './inclusionFilter.js';
import { erpReads } from './erpReads.js';
import { isDateColumn } from '../db/schema.js';

// Re-exported for the modules that take the key-list helpers from here.
export { chunks, IN_CHUNK, inList } from '../db/keys.js';

const ADDRESS_COLUMNS = ['accountcode', 'na_type', 'na_name', 'street', 'suburb', 'state', 'postcode', 'country'];
const ORDER_COLUMNS = ['so_order_no', 'accountcode', 'so_order_status', 'so_date_stamp', 'so_order_total'];
const TRANS_COLUMNS = ['accountcode', 'trans_ref', 'trans_date', 'trans_type', 'amount', 'outstanding', 'pay_by_date'];

type AddressRow = ErpAddress & { accountcode: string; fp: string };

export class SqlErpSource implements ErpSource {
  private columnsCache?: string[];
  private orderDateIsDate?: Promise<boolean>;
  private readonly db: Db;

  constructor(db: Db) {
    this.db = erpReads(db);
  }

  async debtorColumns(): Promise<string[]> {
    return (this.columnsCache ??= await this.db.columns('deb_master'));
  }

  async countDebtors(filter: readonly FilterCondition[]): Promise<number> {
    const f = filterToSql(filter, 'f', 'd');
    const r = await this.db.get<{ n: number }>(`SELECT COUNT(*) AS [n] FROM [deb_master] d WHERE ${f.sql}`, f.params);
    return Number(r?.n ?? 0);
  }

  /** One value as fingerprint text (see fingerprintSql). */
  private static text(c: string): string {
    return `COALESCE(CAST(${c} AS NVARCHAR(4000)), CHAR(0))`;
  }
  /** The fingerprint text of one address row (alias a); a debtor's are joined by CHAR(2) in na_type order. */
  private static readonly addressFingerprint = `CONCAT_WS(CHAR(1), '', ${ADDRESS_COLUMNS.slice(1).map((c) => SqlErpSource.text(`a.${q(c)}`)).join(', ')})`;

  /**
   * SQL for a debtor's fingerprint text, computed by the ERP engine: the asked columns, then every address in
   * na_type order. NULL is kept apart from '' (CHAR(0)); values are cast to text the engine's own way, so the
   * text is stable for one ERP engine (moving the ERP to another engine re-sends every debtor once).
   */
  private fingerprintSql(columns: readonly string[]): { debtor: string; addresses: string } {
    const debtor = `CONCAT_WS(CHAR(1), '', ${columns.map((c) => SqlErpSource.text(`d.${q(c)}`)).join(', ')})`;
    const addr = SqlErpSource.addressFingerprint;
    const agg =
      this.db.kind === 'sqlite'
        ? `GROUP_CONCAT(${addr}, CHAR(2) ORDER BY a.[na_type])`
        : `STRING_AGG(CAST(${addr} AS NVARCHAR(MAX)), CHAR(2)) WITHIN GROUP (ORDER BY a.[na_type])`;
    return { debtor, addresses: `(SELECT ${agg} FROM [name_and_address_master] a WHERE a.[accountcode] = d.[accountcode])` };
  }

  /**
   * The scan (no fields) has the engine aggregate the address fingerprints; a full read selects the debtor
   * part only, reads the addresses anyway and joins their fingerprints itself (assemble): the same text,
   * without a second pass over the addresses.
   */
  private selectDebtors(columns: readonly string[], withFields: boolean): string {
    const fp = this.fingerprintSql(columns);
    const fields = withFields ? ['accountcode', ...columns.filter((c) => c !== 'accountcode')] : ['accountcode'];
    return `${fields.map((c) => `d.${q(c)}`).join(', ')}, ${fp.debtor} AS [fp_debtor]${withFields ? '' : `, ${fp.addresses} AS [fp_addresses]`}`;
  }

  /** Addresses with their fingerprint text; the caller orders them by (accountcode, na_type). */
  private static readonly selectAddresses = `SELECT ${ADDRESS_COLUMNS.map((c) => `a.${q(c)}`).join(', ')}, ${SqlErpSource.addressFingerprint} AS [fp] FROM [name_and_address_master] a`;

  private static fingerprintOf(r: Row): string {
    return `${String(r.fp_debtor ?? '')}\u0003${String(r.fp_addresses ?? '')}`;
  }

  async debtorFingerprints(query: DebtorPageQuery): Promise<DebtorFingerprint[]> {
    const f = filterToSql(query.filter, 'f', 'd');
    const lim = this.db.limit(query.limit);
    const rows = await this.db.all<Row>(
      `SELECT ${lim.top} ${this.selectDebtors(query.columns, false)} FROM [deb_master] d WHERE ${query.after === null ? '1=1' : 'd.[accountcode] > @after'} AND ${f.sql} ORDER BY d.[accountcode] ${lim.tail}`,
      { ...f.params, after: query.after ?? undefined },
    );
    return rows.map((r) => ({ accountcode: String(r.accountcode), fingerprint: SqlErpSource.fingerprintOf(r) }));
  }

  async debtorPage(query: DebtorPageQuery): Promise<ErpDebtor[]> {
    const f = filterToSql(query.filter, 'f', 'd');
    const lim = this.db.limit(query.limit);
    const rows = await this.db.all<Row>(
      `SELECT ${lim.top} ${this.selectDebtors(query.columns, true)} FROM [deb_master] d WHERE ${query.after === null ? '1=1' : 'd.[accountcode] > @after'} AND ${f.sql} ORDER BY d.[accountcode] ${lim.tail}`,
      { ...f.params, after: query.after ?? undefined },
    );
    if (!rows.length) return [];
    // The page's addresses by its exact codes, not by the range between its first and last: the address table's
    // accountcode may sort under another collation than deb_master's (a range would miss some).
    const addresses: AddressRow[] = [];
    for (const inl of keyLists(this.db.kind, rows.map((r) => String(r.accountcode)), 'c')) {
      for (const a of await this.db.all<AddressRow>(`${SqlErpSource.selectAddresses} WHERE a.[accountcode] IN (${inl.sql}) ORDER BY a.[accountcode], a.[na_type]`, inl.params)) addresses.push(a);
    }
    return this.assemble(rows, addresses);
  }

  async debtorsByCodes(codes: readonly string[], columns: readonly string[]): Promise<ErpDebtor[]> {
    const out: ErpDebtor[] = [];
    for (const inl of keyLists(this.db.kind, codes, 'c')) {
      const rows = await this.db.all<Row>(`SELECT ${this.selectDebtors(columns, true)} FROM [deb_master] d WHERE d.[accountcode] IN (${inl.sql}) ORDER BY d.[accountcode]`, inl.params);
      const addresses = await this.db.all<AddressRow>(
        `${SqlErpSource.selectAddresses} WHERE a.[accountcode] IN (${inl.sql}) ORDER BY a.[accountcode], a.[na_type]`,
        inl.params,
      );
      for (const d of this.assemble(rows, addresses)) out.push(d);
    }
    return out;
  }

  // Plain object literals and loops, not rest destructuring: V8 copies an object minus some keys many times
  // slower, and this runs for every debtor and address of a Send All.
  private assemble(rows: Row[], addresses: AddressRow[]): ErpDebtor[] {
    const byCode = new Map<string, { list: ErpAddress[]; fp: string[] }>();
    for (const a of addresses) {
      const rest: ErpAddress = { na_type: a.na_type, na_name: a.na_name, street: a.street, suburb: a.suburb, state: a.state, postcode: a.postcode, country: a.country };
      const entry = byCode.get(a.accountcode);
      if (entry) {
        entry.list.push(rest);
        entry.fp.push(a.fp);
      } else byCode.set(a.accountcode, { list: [rest], fp: [a.fp] });
    }
    return rows.map((r) => {
      const entry = byCode.get(String(r.accountcode));
      // The text the engine's GROUP_CONCAT / STRING_AGG gives in the scan: the rows came in na_type order.
      const fingerprint = `${String(r.fp_debtor ?? '')}\u0003${entry ? entry.fp.join('\u0002') : ''}`;
      // The row itself (its fp_debtor beside the columns): a copy of every row cost more than the mapping.
      return { accountcode: String(r.accountcode), fields: r, addresses: entry?.list ?? [], fingerprint };
    });
  }

  private async existing(table: string, column: string, keys: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const inl of keyLists(this.db.kind, keys, 'k')) {
      for (const r of await this.db.all<{ k: string }>(`SELECT ${q(column)} AS [k] FROM ${q(table)} WHERE ${q(column)} IN (${inl.sql})`, inl.params)) out.add(String(r.k));
    }
    return out;
  }

  existingDebtorCodes(codes: readonly string[]): Promise<Set<string>> {
    return this.existing('deb_master', 'accountcode', codes);
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
      accountcode: String(h.accountcode),
      so_order_status: (h.so_order_status as string | null) ?? null,
      so_date_stamp: (h.so_date_stamp as string | null) ?? null,
      so_order_total: (h.so_order_total as number | null) ?? null,
      lines: byNo.get(String(h.so_order_no)) ?? [],
    }));
  }

  /**
   * The archive date as so_date_stamp holds dates: a Date for a date column (never text SQL Server would read
   * through the session's DATEFORMAT), the ISO text otherwise.
   */
  private async sinceValue(since: string | null): Promise<string | Date | undefined> {
    if (since === null) return undefined;
    this.orderDateIsDate ??= isDateColumn(this.db, 'sales_order', 'so_date_stamp');
    return (await this.orderDateIsDate) ? new Date(since.length === 10 ? `${since}T00:00:00Z` : since) : since;
  }

  async ordersOfCustomers(codes: readonly string[], since: string | null): Promise<ErpOrder[]> {
    const out: ErpOrder[] = [];
    const sinceValue = await this.sinceValue(since);
    for (const part of chunks(codes)) {
      const inl = inList(part, 'c');
      const headers = await this.db.all<Row>(
        `SELECT ${ORDER_COLUMNS.map(q).join(', ')} FROM [sales_order] WHERE [accountcode] IN (${inl.sql}) ${since ? 'AND [so_date_stamp] >= @since' : ''} ORDER BY [so_order_no]`,
        { ...inl.params, since: sinceValue },
      );
      out.push(...(await this.withLines(headers)));
    }
    return out;
  }

  async orderPage(after: string | null, limit: number, since: string | null): Promise<ErpOrder[]> {
    const lim = this.db.limit(limit);
    const headers = await this.db.all<Row>(
      `SELECT ${lim.top} ${ORDER_COLUMNS.map(q).join(', ')} FROM [sales_order] WHERE ${after === null ? '1=1' : '[so_order_no] > @after'} ${since ? 'AND [so_date_stamp] >= @since' : ''} ORDER BY [so_order_no] ${lim.tail}`,
      { after: after ?? undefined, since: await this.sinceValue(since) },
    );
    return this.withLines(headers);
  }

  existingOrderNumbers(orderNos: readonly string[]): Promise<Set<string>> {
    return this.existing('sales_order', 'so_order_no', orderNos);
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
    return out;
  }

  async transPage(after: { accountcode: string; trans_ref: string } | null, limit: number): Promise<ErpTrans[]> {
    const lim = this.db.limit(limit);
    const where = after === null ? '1=1' : '([accountcode] > @a OR ([accountcode] = @a AND [trans_ref] > @r))';
    const rows = await this.db.all<ErpTrans>(
      `SELECT ${lim.top} ${TRANS_COLUMNS.map(q).join(', ')} FROM [deb_trans] WHERE ${where} ORDER BY [accountcode], [trans_ref] ${lim.tail}`,
      { a: after?.accountcode, r: after?.trans_ref },
    );
    return rows;
  }
}
