// Every web column the integrator fills from an ERP column (and every ERP column web-accounts fills from a web
// one) holds whatever the source can hold: SQL Server refuses a value wider than its column.
import { describe, expect, it } from 'vitest';
import type { ColumnDef } from '../../core/db/schema.js';
import { WEB_TABLES_BY_NAME } from '../../core/web/webSchema.js';
import { ERP_TABLES_BY_NAME } from '../../core/erp/erpSchema.js';
import { DEFAULT_CUSTOMER_MAP } from '../../core/web/customerMapping.js';
import { ADDRESS_MAP } from '../../core/events/customerMapper.js';

const column = (tables: ReadonlyMap<string, { columns: ColumnDef[] }>, table: string, name: string): ColumnDef => {
  const c = tables.get(table)?.columns.find((x) => x.name === name);
  if (!c) throw new Error(`${table}.${name} is not declared`);
  return c;
};

// [web table, web column, ERP table, ERP column]
const MIRRORED: Array<[string, string, string, string]> = [
  ['Customer', 'CustomerCode', 'deb_master', 'accountcode'],
  ...Object.entries(DEFAULT_CUSTOMER_MAP).map(([web, erp]): [string, string, string, string] => ['Customer', web, 'deb_master', erp]),
  ['CustomerAddress', 'CustomerCode', 'name_and_address_master', 'accountcode'],
  ...Object.entries(ADDRESS_MAP).map(([web, erp]): [string, string, string, string] => ['CustomerAddress', web, 'name_and_address_master', erp]),
  ['SalesOrder', 'OrderNo', 'sales_order', 'so_order_no'],
  ['SalesOrder', 'CustomerCode', 'sales_order', 'accountcode'],
  ['SalesOrder', 'Status', 'sales_order', 'so_order_status'],
  ['SalesOrderLine', 'OrderNo', 'sales_order_line', 'so_order_no'],
  ['SalesOrderLine', 'ProductCode', 'sales_order_line', 'stock_code'],
  ['StatementLine', 'CustomerCode', 'deb_trans', 'accountcode'],
  ['StatementLine', 'TransRef', 'deb_trans', 'trans_ref'],
  ['StatementLine', 'TransType', 'deb_trans', 'trans_type'],
  ['PricingOverride', 'CustomerCode', 'deb_special_price', 'accountcode'],
  ['PricingOverride', 'ProductCode', 'deb_special_price', 'stock_code'],
  ['CustomerConversion', 'OldCode', 'deb_conversion', 'old_accountcode'],
  ['CustomerConversion', 'NewCode', 'deb_conversion', 'new_accountcode'],
];

// What web-accounts writes to the ERP from web columns: [ERP table, ERP column, web table, web column].
const PUSHED: Array<[string, string, string, string]> = [
  ['deb_master', 'accountcode', 'Customer', 'ErpCode'],
  ['deb_master', 'dr_name', 'Customer', 'Name'],
  ['deb_master', 'email', 'Customer', 'Email'],
  ['deb_master', 'phone', 'Customer', 'Phone'],
  ['deb_master', 'rep_code', 'Customer', 'RepCode'],
  ['deb_master', 'price_code', 'Customer', 'PriceCode'],
  ...Object.entries(ADDRESS_MAP).map(([web, erp]): [string, string, string, string] => ['name_and_address_master', erp, 'CustomerAddress', web]),
  ['sales_order', 'so_order_no', 'SalesOrder', 'OrderNo'],
  ['sales_order_line', 'stock_code', 'SalesOrderLine', 'ProductCode'],
];

function narrowerTargets(pairs: Array<[ReadonlyMap<string, { columns: ColumnDef[] }>, string, string, ReadonlyMap<string, { columns: ColumnDef[] }>, string, string]>): string[] {
  const out: string[] = [];
  for (const [targets, tt, tc, sources, st, sc] of pairs) {
    const target = column(targets, tt, tc);
    const source = column(sources, st, sc);
    expect(target.type === 'text' || target.type === 'datetime', `${tt}.${tc}`).toBe(source.type === 'text' || source.type === 'datetime');
    if (target.type !== 'text' || source.type !== 'text') continue;
    if ((target.length ?? Infinity) < (source.length ?? Infinity)) out.push(`${tt}.${tc} (${target.length}) < ${st}.${sc} (${source.length})`);
  }
  return out;
}

describe('column widths', () => {
  it('every web column filled from an ERP column is at least as wide', () => {
    expect(narrowerTargets(MIRRORED.map(([wt, wc, et, ec]) => [WEB_TABLES_BY_NAME, wt, wc, ERP_TABLES_BY_NAME, et, ec]))).toEqual([]);
    expect(column(WEB_TABLES_BY_NAME, 'Customer', 'Name').length).toBe(80);
  });

  it('every ERP column web-accounts fills from a web column is at least as wide', () => {
    expect(narrowerTargets(PUSHED.map(([et, ec, wt, wc]) => [ERP_TABLES_BY_NAME, et, ec, WEB_TABLES_BY_NAME, wt, wc]))).toEqual([]);
  });
});
