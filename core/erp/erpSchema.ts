// The PRONTO-shaped ERP tables of SPEC 3: what the demo ERP database holds and the SQL ERP adapter reads.
import type { TableDef } from '../db/schema.js';

const t = (name: string, length: number) => ({ name, type: 'text' as const, length });

export const ERP_TABLES: readonly TableDef[] = [
  {
    name: 'deb_master',
    columns: [
      t('accountcode', 20),
      t('dr_name', 80),
      t('dr_status', 1),
      t('terms_code', 10),
      t('rep_code', 10),
      t('price_code', 10),
      { name: 'credit_limit', type: 'money' },
      t('email', 120),
      t('phone', 40),
      t('fax', 40),
      { name: 'dr_date_created', type: 'datetime' },
      { name: 'dr_date_last_changed', type: 'datetime' },
    ],
    primaryKey: ['accountcode'],
    indexes: [['dr_date_last_changed']],
  },
  {
    name: 'name_and_address_master',
    columns: [t('accountcode', 20), t('na_type', 2), t('na_name', 80), t('street', 120), t('suburb', 60), t('state', 20), t('postcode', 12), t('country', 60)],
    primaryKey: ['accountcode', 'na_type'],
  },
  {
    name: 'deb_conversion',
    columns: [t('old_accountcode', 20), t('new_accountcode', 20), { name: 'conversion_date', type: 'datetime' }],
    primaryKey: ['old_accountcode', 'new_accountcode'],
  },
  {
    name: 'stock_master',
    columns: [t('stock_code', 30), t('description', 120), t('condition_code', 4), { name: 'base_price', type: 'money' }],
    primaryKey: ['stock_code'],
  },
  {
    name: 'stock_price',
    columns: [t('stock_code', 30), t('price_code', 10), { name: 'qty_break', type: 'qty' }, { name: 'price', type: 'money' }],
    primaryKey: ['stock_code', 'price_code', 'qty_break'],
  },
  {
    name: 'deb_special_price',
    columns: [t('accountcode', 20), t('stock_code', 30), { name: 'price', type: 'money' }],
    primaryKey: ['accountcode', 'stock_code'],
  },
  {
    name: 'stock_warehouse_detail',
    columns: [t('stock_code', 30), t('whse_code', 10), { name: 'qty_on_hand', type: 'qty' }, { name: 'qty_committed', type: 'qty' }],
    primaryKey: ['stock_code', 'whse_code'],
  },
  {
    name: 'sales_order',
    columns: [
      t('so_order_no', 20),
      t('accountcode', 20),
      t('so_order_status', 4),
      { name: 'so_date_stamp', type: 'datetime' },
      { name: 'so_order_total', type: 'money' },
    ],
    primaryKey: ['so_order_no'],
    indexes: [['accountcode'], ['so_date_stamp']],
  },
  {
    name: 'sales_order_line',
    columns: [t('so_order_no', 20), { name: 'line_no', type: 'int' }, t('stock_code', 30), { name: 'qty', type: 'qty' }, { name: 'price', type: 'money' }],
    primaryKey: ['so_order_no', 'line_no'],
  },
  {
    name: 'deb_trans',
    columns: [
      t('accountcode', 20),
      t('trans_ref', 30),
      { name: 'trans_date', type: 'datetime' },
      t('trans_type', 10),
      { name: 'amount', type: 'money' },
      { name: 'outstanding', type: 'money' },
      { name: 'pay_by_date', type: 'datetime' },
    ],
    primaryKey: ['accountcode', 'trans_ref'],
  },
];

export const ERP_TABLES_BY_NAME: ReadonlyMap<string, TableDef> = new Map(ERP_TABLES.map((t) => [t.name, t]));
