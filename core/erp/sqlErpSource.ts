// ErpSource over the PRONTO-shaped tables through the Db port: one SQL text for SQLite and SQL Server. Rows are
// read through erpReads (codes without CHAR padding, dates as ISO text); pages are keyset pages in the ERP's own
// collation, and whatever belongs to a page (its addresses, its lines) is read by the page's exact keys.
import type { Db, Row } from '../db/db.js';
import { keyLists } from '../db/keys.js';
import { q } from '../db/db.js';
import type { DebtorFingerprint, DebtorPageQuery, ErpAddress, ErpDebtor, ErpOrder, ErpOrderLine, ErpSource, ErpTrans } from './erpSource.js';
import type { FilterCondition } from './inclusionFilter.js';
import { filterToSql } from './inclusionFilter.js';
import { erpReads } from './erpReads.js';
import { isDateColumn } from '../db/schema.js';
import { chunks, inList } from '../db/sqlLists.js';

const ADDRESS_COLUMNS = ['accountcode', 'na_type', 'na_name', 'street', 'suburb', 'state', 'postcode', 'country'];
const ORDER_COLUMNS = ['so_order_no', 'accountcode', 'so_order_status', 'so_date_stamp', 'so_order_total'];
const TRANS_COLUMNS = ['accountcode', 'trans_ref', 'trans_date', 'trans_type', 'amount', 'outstanding', 'pay_by_date'];

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
   * SQL for a debtor's fingerprint, computed by the ERP engine: the text of the asked columns, then of every
   * address in na_type order. NULL is kept apart from '' (CHAR(0)); values are cast to text the engine's own way,
   * so the fingerprint is stable for one ERP engine (moving the ERP to another engine re-sends every debtor once).
   * SQL Server hashes that text itself (HASHBYTES, SHA-256) and sends the hash: a Send Changed scan then moves a
   * code and 64 characters per debtor instead of the text of every column and address.
   */
  private fingerprintSql(columns: readonly string[]): { debtor: string; addresses: string; hash: string } {
    const debtor = `CONCAT_WS(CHAR(1), '', ${columns.map((c) => SqlErpSource.text(`d.${q(c)}`)).join(', ')})`;
    const addr = SqlErpSource.addressFingerprint;
    const agg =
      this.db.kind === 'sqlite'
        ? `GROUP_CONCAT(${addr}, CHAR(2) ORDER BY a.[na_type])`
        : `STRING_AGG(CAST(${addr} AS NVARCHAR(MAX)), CHAR(2)) WITHIN GROUP (ORDER BY a.[na_type])`;
    const addresses = `(SELECT ${agg} FROM [name_and_address_master] a WHERE a.[accountcode] = d.[accountcode])`;
    const hash = `CONVERT(CHAR(64), HASHBYTES('SHA2_256', CONCAT(CAST(${debtor} AS NVARCHAR(MAX)), CHAR(3), ${addresses})), 2)`;
    return { debtor, addresses, hash };
  }

  /**
   * The select list of a page of debtors, read as values: accountcode, the asked columns (a full read), then the
   * fingerprint: SQL Server's hash; on SQLite the debtor's text, and in the scan the engine's aggregate of the
   * address texts too. A full read on SQLite reads the addresses anyway and joins their texts itself (assemble):
   * the same text, without a second pass over the addresses.
   */
  private selectDebtors(columns: readonly string[], withFields: boolean): { sql: string; fields: string[] } {
    const fp = this.fingerprintSql(columns);
    const fields = withFields ? ['accountcode', ...columns.filter((c) => c !== 'accountcode')] : ['accountcode'];
    const prints = this.db.kind === 'sqlite' ? (withFields ? [fp.debtor] : [fp.debtor, fp.addresses]) : [fp.hash];
    return { sql: [...fields.map((c) => `d.${q(c)}`), ...prints].join(', '), fields };
  }

  /** Addresses (with their fingerprint text on SQLite); the caller orders them by (accountcode, na_type). */
  private selectAddresses(): string {
    const fp = this.db.kind === 'sqlite' ? `, ${SqlErpSource.addressFingerprint}` : '';
    return `SELECT ${ADDRESS_COLUMNS.map((c) => `a.${q(c)}`).join(', ')}${fp} FROM [name_and_address_master] a`;
  }

  async debtorFingerprints(query: DebtorPageQuery): Promise<DebtorFingerprint[]> {
    const f = filterToSql(query.filter, 'f', 'd');
    const lim = this.db.limit(query.limit);
    const rows = await this.db.values(
      `SELECT ${lim.top} ${this.selectDebtors(query.columns, false).sql} FROM [deb_master] d WHERE ${query.after === null ? '1=1' : 'd.[accountcode] > @after'} AND ${f.sql} ORDER BY d.[accountcode] ${lim.tail}`,
      { ...f.params, after: query.after ?? undefined },
    );
    const sqlite = this.db.kind === 'sqlite';
    const out: DebtorFingerprint[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      out[i] = { accountcode: String(r[0]), fingerprint: sqlite ? `${String(r[1] ?? '')}\u0003${String(r[2] ?? '')}` : String(r[1]) };
    }
    return out;
  }

  async debtorPage(query: DebtorPageQuery): Promise<ErpDebtor[]> {
    const f = filterToSql(query.filter, 'f', 'd');
    const lim = this.db.limit(query.limit);
    const select = this.selectDebtors(query.columns, true);
    const rows = await this.db.values(
      `SELECT ${lim.top} ${select.sql} FROM [deb_master] d WHERE ${query.after === null ? '1=1' : 'd.[accountcode] > @after'} AND ${f.sql} ORDER BY d.[accountcode] ${lim.tail}`,
      { ...f.params, after: query.after ?? undefined },
    );
    if (!rows.length) return [];
    // The page's addresses by its exact codes, not by the range between its first and last: the address table's
    // accountcode may sort under another collation than deb_master's (a range would miss some).
    const addresses: unknown[][] = [];
    for (const inl of keyLists(this.db.kind, rows.map((r) => String(r[0])), 'c')) {
      for (const a of await this.db.values(`${this.selectAddresses()} WHERE a.[accountcode] IN (${inl.sql}) ORDER BY a.[accountcode], a.[na_type]`, inl.params)) addresses.push(a);
    }
    return this.assemble(select.fields, rows, addresses);
  }

  async debtorsByCodes(codes: readonly string[], columns: readonly string[]): Promise<ErpDebtor[]> {
    const out: ErpDebtor[] = [];
    const select = this.selectDebtors(columns, true);
    for (const inl of keyLists(this.db.kind, codes, 'c')) {
      const rows = await this.db.values(`SELECT ${select.sql} FROM [deb_master] d WHERE d.[accountcode] IN (${inl.sql}) ORDER BY d.[accountcode]`, inl.params);
      const addresses = await this.db.values(`${this.selectAddresses()} WHERE a.[accountcode] IN (${inl.sql}) ORDER BY a.[accountcode], a.[na_type]`, inl.params);
      for (const d of this.assemble(select.fields, rows, addresses)) out.push(d);
    }
    return out;
  }

  /**
   * Debtors from rows of values (the fields, then the fingerprint column) and their address rows (the
   * ADDRESS_COLUMNS, then on SQLite the address's fingerprint text), in (accountcode, na_type) order. Plain
   * loops and object literals: this runs for every debtor and address of a Send All.
   */
  private assemble(fields: readonly string[], rows: unknown[][], addresses: unknown[][]): ErpDebtor[] {
    const sqlite = this.db.kind === 'sqlite';
    const byCode = new Map<string, { list: ErpAddress[]; fp: string[] }>();
    for (const a of addresses) {
      const rest: ErpAddress = {
        na_type: a[1] as string,
        na_name: a[2] as string | null,
        street: a[3] as string | null,
        suburb: a[4] as string | null,
        state: a[5] as string | null,
        postcode: a[6] as string | null,
        country: a[7] as string | null,
      };
      const code = String(a[0]);
      const entry = byCode.get(code);
      if (entry) {
        entry.list.push(rest);
        if (sqlite) entry.fp.push(a[8] as string);
      } else byCode.set(code, { list: [rest], fp: sqlite ? [a[8] as string] : [] });
    }
    const n = fields.length;
    const out: ErpDebtor[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const values: Row = {};
      for (let j = 0; j < n; j++) values[fields[j]] = r[j];
      const code = String(r[0]);
      const entry = byCode.get(code);
      // SQLite: the text the engine's GROUP_CONCAT gives in the scan (the rows came in na_type order).
      const fingerprint = sqlite ? `${String(r[n] ?? '')}\u0003${entry ? entry.fp.join('\u0002') : ''}` : String(r[n]);
      out[i] = { accountcode: code, fields: values, addresses: entry?.list ?? [], fingerprint };
    }
    return out;
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
