// WebStore over the web tables through the Db port (SQLite or SQL Server).
import type { Db, Row, UpsertOptions } from '../db/db.js';
import { chunks, inList } from '../erp/sqlErpSource.js';
import { deleteByKeys } from '../db/keys.js';
import type { CustomerBatch, CustomerState, WebOrderState, WebStore } from './webStore.js';

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
    for (const part of chunks(codes)) {
      const inl = inList(part, 'c');
      const rows = await this.db.all<{ CustomerCode: string; ErpHash: string | null }>(`SELECT [CustomerCode], [ErpHash] FROM [Customer] WHERE [Source] = 'ERP' AND [CustomerCode] IN (${inl.sql})`, inl.params);
      for (const r of rows) out.set(r.CustomerCode, r.ErpHash);
    }
    return out;
  }

  async customerStatesOf(codes: readonly string[]): Promise<Map<string, CustomerState>> {
    const out = new Map<string, CustomerState>();
    for (const part of chunks(codes)) {
      const inl = inList(part, 'c');
      SqlWebStore.states(await this.db.all(`SELECT [CustomerCode], [ErpHash], [PendingErpPush], [DisabledByAdmin], [Source] FROM [Customer] WHERE [CustomerCode] IN (${inl.sql})`, inl.params), out);
    }
    return out;
  }

  async addressTypesOf(codes: readonly string[]): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    for (const part of chunks(codes)) {
      const inl = inList(part, 'c');
      SqlWebStore.types(await this.db.all(`SELECT [CustomerCode], [AddressType] FROM [CustomerAddress] WHERE [CustomerCode] IN (${inl.sql})`, inl.params), out);
    }
    return out;
  }

  async writeCustomers(batch: CustomerBatch): Promise<void> {
    if (batch.customers.length) {
      // The union of the rows' keys in first-seen order, without an array of keys per row (flatMap cost
      // some 100 ms per 50,000 customers).
      const seen = new Set<string>();
      for (const c of batch.customers) for (const k in c) seen.add(k);
      const columns = [...seen];
      await this.db.upsert('Customer', ['CustomerCode'], batch.customers, { columns, insertOnly: batch.insertOnly, updateAs: ADMIN_DISABLE_KEPT });
    }
    // Set-based, a chunk of keys per statement: never a DELETE per row.
    await deleteByKeys(this.db, 'CustomerAddress', ['CustomerCode', 'AddressType'], batch.staleAddresses.map((a) => [a.code, a.type]));
    if (batch.addresses.length) {
      await this.db.upsert('CustomerAddress', ['CustomerCode', 'AddressType'], batch.addresses, {
        columns: ['CustomerCode', 'AddressType', 'Name', 'Street', 'Suburb', 'State', 'Postcode', 'Country'],
      });
    }
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
    for (const part of chunks(codes)) {
      const inl = inList(part, 'c');
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
