// WebStore over the web tables through the Db port (SQLite or SQL Server).
import type { Db, Row, UpsertOptions } from '../db/db.js';
import { q } from '../db/db.js';
import { chunks, inList } from '../db/sqlLists.js';
import { deleteByKeys, keyLists } from '../db/keys.js';
import type { CustomerBatch, CustomerState, WebOrderState, WebStore } from './webStore.js';
import { CUSTOMER_INDEXES, rowVersionSnapshot } from './webSchema.js';
import { createIndexSql } from '../db/schema.js';

const ADDRESS_COLUMNS = ['CustomerCode', 'AddressType', 'Name', 'Street', 'Suburb', 'State', 'Postcode', 'Country'];

/**
 * IsDisabled as written: the ERP's verdict (IsDisabled of the new row) or the admin's disable as the stored row
 * holds it when the write runs, so a Disable committed while a page was being prepared is never overwritten.
 */
export const ADMIN_DISABLE_KEPT: UpsertOptions['updateAs'] = {
  IsDisabled: (r) => `CASE WHEN ${r.target('DisabledByAdmin')} = 1 OR ${r.source('IsDisabled')} = 1 THEN 1 ELSE 0 END`,
};

const ORDER_COLUMNS = ['OrderNo', 'CustomerCode', 'Status', 'OrderDate', 'Total', 'Source', 'IsShipped', 'ErpHash', 'UpdatedAt'];

export class SqlWebStore implements WebStore {
  constructor(private readonly db: Db) {}

  transaction<T>(fn: (store: WebStore) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new SqlWebStore(tx)));
  }

  async getState(key: string): Promise<string | undefined> {
    const r = await this.db.get<{ Value: string }>(`SELECT [Value] FROM [IntegrationState] WHERE [Key] = @key`, { key });
    return r?.Value ?? undefined;
  }
  async setState(key: string, value: string, at: string): Promise<void> {
    await this.db.upsert('IntegrationState', ['Key'], [{ Key: key, Value: value, UpdatedAt: at }]);
  }
  async deleteState(key: string): Promise<void> {
    await this.db.run(`DELETE FROM [IntegrationState] WHERE [Key] = @key`, { key });
  }

  private static states(rows: Array<{ CustomerCode: string; ErpHash: string | null; PendingErpPush: number | boolean; DisabledByAdmin: number | boolean; Source: string }>, into = new Map<string, CustomerState>()): Map<string, CustomerState> {
    for (const r of rows) into.set(r.CustomerCode, { hash: r.ErpHash, pendingErpPush: Boolean(Number(r.PendingErpPush)), disabledByAdmin: Boolean(Number(r.DisabledByAdmin)), source: r.Source });
    return into;
  }

  private static types(rows: Array<{ CustomerCode: string; AddressType: string }>, into = new Map<string, Set<string>>()): Map<string, Set<string>> {
    for (const r of rows) {
      const s = into.get(r.CustomerCode);
      if (s) s.add(r.AddressType);
      else into.set(r.CustomerCode, new Set([r.AddressType]));
    }
    return into;
  }

  async erpHashesOf(codes: readonly string[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    for (const inl of keyLists(this.db.kind, codes, 'c')) {
      const rows = await this.db.all<{ CustomerCode: string; ErpHash: string | null }>(`SELECT [CustomerCode], [ErpHash] FROM [Customer] WHERE [Source] = 'ERP' AND [CustomerCode] IN (${inl.sql})`, inl.params);
      for (const r of rows) out.set(r.CustomerCode, r.ErpHash);
    }
    return out;
  }

  async customerStatesOf(codes: readonly string[]): Promise<Map<string, CustomerState>> {
    const out = new Map<string, CustomerState>();
    for (const inl of keyLists(this.db.kind, codes, 'c')) {
      SqlWebStore.states(await this.db.all(`SELECT [CustomerCode], [ErpHash], [PendingErpPush], [DisabledByAdmin], [Source] FROM [Customer] WHERE [CustomerCode] IN (${inl.sql})`, inl.params), out);
    }
    return out;
  }

  async addressTypesOf(codes: readonly string[]): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    for (const inl of keyLists(this.db.kind, codes, 'c')) {
      SqlWebStore.types(await this.db.all(`SELECT [CustomerCode], [AddressType] FROM [CustomerAddress] WHERE [CustomerCode] IN (${inl.sql})`, inl.params), out);
    }
    return out;
  }

  async writeCustomers(batch: CustomerBatch): Promise<void> {
    // Addresses the ERP no longer has go first: on SQLite a delete moves its customer's row version.
    // Set-based, a chunk of keys per statement: never a DELETE per row.
    await deleteByKeys(this.db, 'CustomerAddress', ['CustomerCode', 'AddressType'], batch.staleAddresses.map((a) => [a.code, a.type]));
    const sqlite = this.db.kind === 'sqlite';
    // SQLite: rows written from the ERP carry the negative of a version drawn from the clock (see
    // integratorVersionsBelowZero), so the version triggers (there for the web store's writes) stand aside and the
    // rows read as the integrator left them. SQL Server's rowversion moves by itself; what it was left at is
    // recorded below.
    const stamped = sqlite && batch.recordErpWrite === true;
    if (stamped) {
      const n = batch.customers.length + batch.addresses.length;
      let next = n ? Number((await this.db.get<{ Value: number }>(`UPDATE [RowVersionClock] SET [Value] = [Value] + @n WHERE [Id] = 1 RETURNING [Value]`, { n }))?.Value ?? 0) - n : 0;
      for (const c of batch.customers) c.RowVersion = -++next;
      for (const a of batch.addresses) a.RowVersion = -++next;
    }
    if (batch.customers.length) {
      // The union of the rows' keys in first-seen order, without an array of keys per row (flatMap cost
      // some 100 ms per 50,000 customers).
      const seen = new Set<string>();
      for (const c of batch.customers) for (const k in c) seen.add(k);
      const columns = [...seen];
      const { fresh, held } = this.split(batch.customers, (c) => batch.existingCustomers?.has(String(c.CustomerCode)) ?? true);
      if (fresh.length) await this.db.insertMany('Customer', fresh, columns);
      if (held.length) await this.db.upsert('Customer', ['CustomerCode'], held, { columns, insertOnly: batch.insertOnly, updateAs: ADMIN_DISABLE_KEPT });
    }
    if (batch.addresses.length) {
      const columns = stamped ? [...ADDRESS_COLUMNS, 'RowVersion'] : ADDRESS_COLUMNS;
      const { fresh, held } = this.split(batch.addresses, (a) => (batch.existingAddresses ? batch.existingAddresses.get(String(a.CustomerCode))?.has(String(a.AddressType)) === true : true));
      if (fresh.length) await this.db.insertMany('CustomerAddress', fresh, columns);
      if (held.length) await this.db.upsert('CustomerAddress', ['CustomerCode', 'AddressType'], held, { columns });
    }
    if (!batch.recordErpWrite || sqlite || !batch.customers.length) return;
    for (const part of chunks(batch.customers.map((c) => String(c.CustomerCode)))) {
      const inl = inList(part, 'c');
      await this.db.run(`DELETE FROM [CustomerErpWrite] WHERE [CustomerCode] IN (${inl.sql})`, inl.params);
      await this.db.run(
        `INSERT INTO [CustomerErpWrite] ([CustomerCode], [CustomerVersion], [AddressVersion])
         SELECT c.[CustomerCode], c.[RowVersion], COALESCE((SELECT MAX(a.[RowVersion]) FROM [CustomerAddress] a WHERE a.[CustomerCode] = c.[CustomerCode]), 0)
           FROM [Customer] c WHERE c.[CustomerCode] IN (${inl.sql})`,
        inl.params,
      );
    }
  }

  /**
   * Rows the web does not hold go in as plain inserts on SQLite: an upsert into a table with triggers opens a
   * statement journal (a temporary file) for every statement, which doubled the cost of writing a row. SQL Server
   * merges every row (another session may insert the same key meanwhile under READ COMMITTED).
   */
  private split(rows: Row[], held: (row: Row) => boolean): { fresh: Row[]; held: Row[] } {
    if (this.db.kind !== 'sqlite') return { fresh: [], held: rows };
    const out: { fresh: Row[]; held: Row[] } = { fresh: [], held: [] };
    for (const r of rows) (held(r) ? out.held : out.fresh).push(r);
    return out;
  }

  async beginBulkLoad(): Promise<boolean> {
    if (this.db.kind !== 'sqlite') return false;
    // A B-tree filled in key order is written once; one filled row by row in another order (Email, RowVersion)
    // touches a page per row, and each page again at every commit.
    const r = await this.db.get<{ held: number }>(`SELECT EXISTS (SELECT 1 FROM [Customer]) + EXISTS (SELECT 1 FROM [CustomerAddress]) AS [held]`);
    if (Number(r?.held ?? 1) !== 0) return false;
    for (const ix of CUSTOMER_INDEXES) await this.db.exec(`DROP INDEX IF EXISTS ${q(`IX_${ix.table}_${ix.columns.join('_')}`)}`);
    return true;
  }

  async buildIndexes(progress?: (done: number, total: number) => void): Promise<void> {
    if (this.db.kind !== 'sqlite') return;
    for (let i = 0; i < CUSTOMER_INDEXES.length; i++) {
      const ix = CUSTOMER_INDEXES[i];
      await this.db.exec(createIndexSql(this.db.kind, ix.table, ix.columns));
      progress?.(i + 1, CUSTOMER_INDEXES.length);
    }
  }

  rowVersionSnapshot(): Promise<number> {
    return rowVersionSnapshot(this.db);
  }

  async driftCandidates(from: number): Promise<string[]> {
    if (this.db.kind === 'sqlite') {
      // Versions below zero are the integrator's own writes; a row someone else inserted has version 0, one someone
      // else updated a version from the clock (integratorVersionsBelowZero). `from` is at least 1. UNION ALL, the
      // duplicates dropped here: for a UNION SQLite merges both tables whole in key order instead of reading the
      // few rows the RowVersion indexes point at.
      const rows = await this.db.all<{ CustomerCode: string }>(
        `SELECT c.[CustomerCode] FROM [Customer] c WHERE (c.[RowVersion] >= @from OR c.[RowVersion] = 0) AND c.[Source] = 'ERP'
         UNION ALL
         SELECT a.[CustomerCode] FROM [CustomerAddress] a JOIN [Customer] c ON c.[CustomerCode] = a.[CustomerCode]
          WHERE (a.[RowVersion] >= @from OR a.[RowVersion] = 0) AND c.[Source] = 'ERP'`,
        { from: Math.max(1, from) },
      );
      return [...new Set(rows.map((r) => r.CustomerCode))].sort();
    }
    const since = (t: string) => `${t}.[RowVersion] >= @from`;
    const rows = await this.db.all<{ CustomerCode: string }>(
      `SELECT c.[CustomerCode] FROM [Customer] c LEFT JOIN [CustomerErpWrite] w ON w.[CustomerCode] = c.[CustomerCode]
        WHERE ${since('c')} AND c.[Source] = 'ERP' AND (w.[CustomerCode] IS NULL OR c.[RowVersion] <> w.[CustomerVersion])
       UNION
       SELECT a.[CustomerCode] FROM [CustomerAddress] a JOIN [Customer] c ON c.[CustomerCode] = a.[CustomerCode] LEFT JOIN [CustomerErpWrite] w ON w.[CustomerCode] = a.[CustomerCode]
        WHERE ${since('a')} AND c.[Source] = 'ERP' AND (w.[CustomerCode] IS NULL OR a.[RowVersion] > w.[AddressVersion] OR a.[RowVersion] = 0)`,
      { from },
    );
    return rows.map((r) => r.CustomerCode).sort();
  }

  async customerRows(codes: readonly string[], columns: readonly string[]): Promise<Map<string, Row>> {
    const out = new Map<string, Row>();
    const cols = [...new Set(['CustomerCode', ...columns])].map((c) => `[${c}]`).join(', ');
    for (const inl of keyLists(this.db.kind, codes, 'c')) {
      for (const r of await this.db.all<Row & { CustomerCode: string }>(`SELECT ${cols} FROM [Customer] WHERE [CustomerCode] IN (${inl.sql})`, inl.params)) out.set(r.CustomerCode, r);
    }
    return out;
  }

  async addressRowsOf(codes: readonly string[]): Promise<Row[]> {
    const out: Row[] = [];
    for (const inl of keyLists(this.db.kind, codes, 'c')) {
      for (const r of await this.db.all<Row>(`SELECT ${ADDRESS_COLUMNS.map((c) => `[${c}]`).join(', ')} FROM [CustomerAddress] WHERE [CustomerCode] IN (${inl.sql})`, inl.params)) out.push(r);
    }
    return out;
  }

  async erpCustomerCodes(after: string | null, limit: number): Promise<string[]> {
    const lim = this.db.limit(limit);
    const rows = await this.db.all<{ CustomerCode: string }>(
      `SELECT ${lim.top} [CustomerCode] FROM [Customer] WHERE [Source] = 'ERP' ${after === null ? '' : 'AND [CustomerCode] > @after'} ORDER BY [CustomerCode] ${lim.tail}`,
      { after: after ?? undefined },
    );
    return rows.map((r) => r.CustomerCode);
  }

  async disableRemoved(codes: readonly string[], at: string): Promise<number> {
    let n = 0;
    for (const inl of keyLists(this.db.kind, codes, 'c')) {
      // A debtor gone from the ERP is treated as closed, so the disabled rule (H/C or admin) stays one rule;
      // the hash is cleared so the debtor is written again should it come back.
      const r = await this.db.run(
        `UPDATE [Customer] SET [IsDisabled] = 1, [ErpStatus] = 'C', [ErpHash] = NULL, [UpdatedAt] = @at WHERE [Source] = 'ERP' AND [CustomerCode] IN (${inl.sql}) AND ([IsDisabled] = 0 OR [ErpStatus] IS NULL OR [ErpStatus] <> 'C')`,
        { ...inl.params, at },
      );
      n += r.changes;
    }
    return n;
  }

  async eligibleCustomers(after: string | null, limit: number, statuses: readonly string[] | 'all'): Promise<Array<{ code: string; status: string }>> {
    const lim = this.db.limit(limit);
    const st = statuses === 'all' ? null : inList(statuses, 's');
    const rows = await this.db.all<{ CustomerCode: string; ActiveStatus: string }>(
      `SELECT ${lim.top} [CustomerCode], [ActiveStatus] FROM [Customer] WHERE ${after === null ? '1=1' : '[CustomerCode] > @after'} ${st ? `AND [ActiveStatus] IN (${st.sql})` : ''} ORDER BY [CustomerCode] ${lim.tail}`,
      { ...(st?.params ?? {}), after: after ?? undefined },
    );
    return rows.map((r) => ({ code: r.CustomerCode, status: r.ActiveStatus }));
  }

  async orderStates(orderNos: readonly string[]): Promise<Map<string, WebOrderState>> {
    const out = new Map<string, WebOrderState>();
    for (const part of chunks(orderNos)) {
      const inl = inList(part, 'o');
      const rows = await this.db.all<{ OrderNo: string; ErpHash: string | null; Source: string }>(
        `SELECT [OrderNo], [ErpHash], [Source] FROM [SalesOrder] WHERE [OrderNo] IN (${inl.sql})`,
        inl.params,
      );
      for (const r of rows) out.set(r.OrderNo, { hash: r.ErpHash, source: r.Source });
    }
    return out;
  }

  async writeOrders(orders: Row[], lines: Row[]): Promise<void> {
    if (!orders.length) return;
    await this.db.upsert('SalesOrder', ['OrderNo'], orders, { columns: ORDER_COLUMNS });
    for (const part of chunks(orders.map((o) => String(o.OrderNo)))) {
      const inl = inList(part, 'o');
      await this.db.run(`DELETE FROM [SalesOrderLine] WHERE [OrderNo] IN (${inl.sql})`, inl.params);
    }
    if (lines.length) await this.db.insertMany('SalesOrderLine', lines, ['OrderNo', 'LineNo', 'ProductCode', 'Qty', 'Price']);
  }

  async promote(codes: readonly string[], at: string): Promise<number> {
    let n = 0;
    for (const part of chunks(codes)) {
      const inl = inList(part, 'c');
      n += (await this.db.run(`UPDATE [Customer] SET [ActiveStatus] = 'Active', [UpdatedAt] = @at WHERE [ActiveStatus] = 'PendingGetOrders' AND [CustomerCode] IN (${inl.sql})`, { ...inl.params, at })).changes;
    }
    return n;
  }

  async erpOrderNumbers(after: string | null, limit: number): Promise<string[]> {
    const lim = this.db.limit(limit);
    const rows = await this.db.all<{ OrderNo: string }>(
      `SELECT ${lim.top} [OrderNo] FROM [SalesOrder] WHERE [Source] = 'ERP' ${after === null ? '' : 'AND [OrderNo] > @after'} ORDER BY [OrderNo] ${lim.tail}`,
      { after: after ?? undefined },
    );
    return rows.map((r) => r.OrderNo);
  }

  async deleteOrders(orderNos: readonly string[]): Promise<number> {
    let n = 0;
    for (const part of chunks(orderNos)) {
      const inl = inList(part, 'o');
      await this.db.run(`DELETE FROM [SalesOrderLine] WHERE [OrderNo] IN (${inl.sql})`, inl.params);
      n += (await this.db.run(`DELETE FROM [SalesOrder] WHERE [Source] = 'ERP' AND [OrderNo] IN (${inl.sql})`, inl.params)).changes;
    }
    return n;
  }

  async statementLines(codes: readonly string[]): Promise<Map<string, Row>> {
    const out = new Map<string, Row>();
    for (const part of chunks(codes)) {
      const inl = inList(part, 'c');
      const rows = await this.db.all<Row>(
        `SELECT [CustomerCode], [TransRef], [TransDate], [TransType], [Amount], [Outstanding], [PayByDate] FROM [StatementLine] WHERE [CustomerCode] IN (${inl.sql})`,
        inl.params,
      );
      for (const r of rows) out.set(`${String(r.CustomerCode)}\u0000${String(r.TransRef)}`, r);
    }
    return out;
  }

  async writeStatementLines(lines: Row[]): Promise<void> {
    if (lines.length) await this.db.upsert('StatementLine', ['CustomerCode', 'TransRef'], lines);
  }

  async deleteStatementLines(keys: ReadonlyArray<{ code: string; ref: string }>): Promise<number> {
    return deleteByKeys(this.db, 'StatementLine', ['CustomerCode', 'TransRef'], keys.map((k) => [k.code, k.ref]));
  }
}
