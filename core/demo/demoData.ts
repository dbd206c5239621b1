// Deterministic sample ERP data for the demo, the tests and the benchmarks.
import fs from 'node:fs';
import path from 'node:path';
import { SqliteDb } from '../db/sqliteDb.js';
import { createTables, migrate } from '../db/schema.js';
import { ERP_TABLES } from '../erp/erpSchema.js';
import { WEB_MIGRATIONS } from '../web/webSchema.js';
import { writeSettingsFile } from '../settings/settingsFile.js';
import { defaultSettings, type SettingsInput } from '../contracts/settings.schema.js';
import { Rng } from './rng.js';
import { generateWebDemo } from './webDemoData.js';
import { DEMO_TODAY } from './demoToday.js';

export { DEMO_TODAY } from './demoToday.js';
export const DEMO_WAREHOUSES = ['MEL', 'SYD', 'BNE', 'PER'] as const;
export const DEMO_PRICE_CODES = ['A', 'B', 'C', 'D'] as const;
export const DEMO_ORDER_STATUSES = ['10', '30', '40', '70', '80', '90'] as const;

export interface ErpDemoOptions {
  customers: number;
  seed: number;
  /** Default: customers / 2, at least 50, at most 5,000. */
  products?: number;
  /** Generate sales orders and lines (default true). */
  orders?: boolean;
  /** Generate deb_trans statement transactions (default true). */
  statements?: boolean;
  /** Generate deb_conversion rows, a chain among them (default true). */
  conversions?: boolean;
}

export interface ErpDemoSummary {
  debtors: number;
  addresses: number;
  products: number;
  prices: number;
  specials: number;
  stockRows: number;
  orders: number;
  orderLines: number;
  transactions: number;
  conversions: number;
}

const FIRST = ['Acme', 'Harbour', 'Summit', 'Blue Gum', 'Southern', 'Coastal', 'Redback', 'Outback', 'Metro', 'Wattle', 'Kookaburra', 'Ironbark', 'Silver', 'Golden', 'Eastside', 'Northern'];
const SECOND = ['Hardware', 'Plumbing', 'Electrical', 'Supplies', 'Builders', 'Traders', 'Engineering', 'Farm Supplies', 'Auto Parts', 'Timber', 'Hospitality', 'Medical', 'Office', 'Garden Centre'];
const SUFFIX = ['Pty Ltd', 'Pty Ltd', 'Co', '& Sons', 'Group', 'Australia', ''];
const STREETS = ['George St', 'Collins St', 'Queen St', 'King William St', 'Hay St', 'Main Rd', 'Station St', 'High St', 'Church St', 'Industrial Dr', 'Enterprise Way', 'Pacific Hwy'];
const PLACES: Array<[string, string, string]> = [
  ['Melbourne', 'VIC', '3000'], ['Dandenong', 'VIC', '3175'], ['Geelong', 'VIC', '3220'], ['Sydney', 'NSW', '2000'],
  ['Parramatta', 'NSW', '2150'], ['Newcastle', 'NSW', '2300'], ['Brisbane', 'QLD', '4000'], ['Townsville', 'QLD', '4810'],
  ['Perth', 'WA', '6000'], ['Fremantle', 'WA', '6160'], ['Adelaide', 'SA', '5000'], ['Hobart', 'TAS', '7000'], ['Darwin', 'NT', '0800'],
];
const PRODUCTS = ['Bolt', 'Hinge', 'Pipe', 'Valve', 'Cable', 'Switch', 'Bracket', 'Sealant', 'Drill Bit', 'Fitting', 'Panel', 'Sensor', 'Filter', 'Gasket', 'Clamp'];
const SIZES = ['6mm', '10mm', '25mm', '50mm', 'Small', 'Medium', 'Large', '1m', '5m', '20m'];

export function accountCode(i: number): string {
  return `C${String(i).padStart(5, '0')}`;
}
export function stockCode(i: number): string {
  return `P${String(i).padStart(5, '0')}`;
}

function isoDaysBefore(anchor: string, days: number, seconds = 0): string {
  const d = new Date(`${anchor}T00:00:00Z`);
  d.setUTCSeconds(d.getUTCSeconds() - days * 86400 + seconds);
  return d.toISOString().replace('.000Z', 'Z');
}

/** Fills an ERP SQLite database with every table of SPEC 3 and realistic variety. */
export function generateErp(db: SqliteDb, options: ErpDemoOptions): ErpDemoSummary {
  const rng = new Rng(options.seed);
  const raw = db.raw;
  const nProducts = options.products ?? Math.min(5000, Math.max(50, Math.floor(options.customers / 2)));
  const sum: ErpDemoSummary = { debtors: 0, addresses: 0, products: 0, prices: 0, specials: 0, stockRows: 0, orders: 0, orderLines: 0, transactions: 0, conversions: 0 };

  const ins = (table: string, cols: string[]) =>
    raw.prepare(`INSERT INTO [${table}] (${cols.map((c) => `[${c}]`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
  const debtor = ins('deb_master', ['accountcode', 'dr_name', 'dr_status', 'terms_code', 'rep_code', 'price_code', 'credit_limit', 'email', 'phone', 'fax', 'dr_date_created', 'dr_date_last_changed']);
  const address = ins('name_and_address_master', ['accountcode', 'na_type', 'na_name', 'street', 'suburb', 'state', 'postcode', 'country']);
  const product = ins('stock_master', ['stock_code', 'description', 'condition_code', 'base_price']);
  const price = ins('stock_price', ['stock_code', 'price_code', 'qty_break', 'price']);
  const special = ins('deb_special_price', ['accountcode', 'stock_code', 'price']);
  const stock = ins('stock_warehouse_detail', ['stock_code', 'whse_code', 'qty_on_hand', 'qty_committed']);
  const order = ins('sales_order', ['so_order_no', 'accountcode', 'so_order_status', 'so_date_stamp', 'so_order_total']);
  const line = ins('sales_order_line', ['so_order_no', 'line_no', 'stock_code', 'qty', 'price']);
  const trans = ins('deb_trans', ['accountcode', 'trans_ref', 'trans_date', 'trans_type', 'amount', 'outstanding', 'pay_by_date']);
  const conversion = ins('deb_conversion', ['old_accountcode', 'new_accountcode', 'conversion_date']);

  raw.transaction(() => {
    // Products first: orders and special prices refer to them.
    const basePrices: number[] = [];
    for (let p = 1; p <= nProducts; p++) {
      const code = stockCode(p);
      const base = rng.money(2, 400);
      basePrices[p] = base;
      const condition = rng.chance(0.06) ? rng.pick(['D', 'I', 'Y', 'N', 'T']) : rng.chance(0.1) ? 'A' : '';
      product.run(code, `${rng.pick(PRODUCTS)} ${rng.pick(SIZES)}`, condition, base);
      sum.products++;
      if (rng.chance(0.7)) {
        for (const level of DEMO_PRICE_CODES) {
          const factor = { A: 0.95, B: 0.9, C: 0.85, D: 0.8 }[level];
          for (const [brk, disc] of [[1, 1], [10, 0.95], [50, 0.9]] as const) {
            if (brk > 1 && rng.chance(0.3)) continue;
            price.run(code, level, brk, Math.round(base * factor * disc * 100) / 100);
            sum.prices++;
          }
        }
      }
      const warehouses = DEMO_WAREHOUSES.filter((_, i) => i === 0 || rng.chance(0.6));
      for (const w of warehouses) {
        const onHand = rng.chance(0.1) ? 0 : rng.int(0, 500);
        stock.run(code, w, onHand, Math.min(onHand, rng.int(0, 40)));
        sum.stockRows++;
      }
    }

    const customers = options.customers;
    let orderNo = 100000;
    for (let i = 1; i <= customers; i++) {
      const code = accountCode(i);
      const name = `${rng.pick(FIRST)} ${rng.pick(SECOND)} ${rng.pick(SUFFIX)}`.trim();
      const status = rng.chance(0.05) ? 'H' : rng.chance(0.02) ? 'C' : 'A';
      const created = isoDaysBefore(DEMO_TODAY, rng.int(60, 2000));
      const changed = isoDaysBefore(DEMO_TODAY, rng.int(1, 59), rng.int(0, 86399));
      const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '.').replace(/^\.|\.$/g, '');
      const priceCode = rng.chance(0.8) ? rng.pick(DEMO_PRICE_CODES) : '';
      debtor.run(code, name, status, rng.pick(['30D', '7D', 'COD', 'EOM']), `R${String(rng.int(1, 12)).padStart(2, '0')}`, priceCode,
        rng.pick([0, 1000, 5000, 10000, 50000]), `accounts@${slug}.example.com.au`, `0${rng.int(2, 8)} ${rng.int(1000, 9999)} ${rng.int(1000, 9999)}`,
        rng.chance(0.3) ? `0${rng.int(2, 8)} ${rng.int(1000, 9999)} ${rng.int(1000, 9999)}` : '', created, changed);
      sum.debtors++;
      const deliveries = rng.pick([0, 1, 1, 2, 2, 3]);
      for (let a = 0; a <= deliveries; a++) {
        const [suburb, state, postcode] = rng.pick(PLACES);
        const country = rng.chance(0.1) ? '' : 'Australia';
        address.run(code, String(a).padStart(2, '0'), a === 0 ? name : `${name} - ${suburb}`, `${rng.int(1, 400)} ${rng.pick(STREETS)}`, suburb, state, postcode, country);
        sum.addresses++;
      }
      if (rng.chance(0.1)) {
        const taken = new Set<number>();
        for (let s = rng.int(1, 5); s > 0; s--) {
          const p = rng.int(1, nProducts);
          if (taken.has(p)) continue;
          taken.add(p);
          special.run(code, stockCode(p), Math.round(basePrices[p] * 0.7 * 100) / 100);
          sum.specials++;
        }
      }
      if (options.orders !== false) {
        for (let o = rng.pick([0, 1, 2, 3, 5, 8]); o > 0; o--) {
          const no = String(++orderNo);
          const lines = rng.int(1, 6);
          let total = 0;
          const rows: Array<[string, number, string, number, number]> = [];
          for (let l = 1; l <= lines; l++) {
            const p = rng.int(1, nProducts);
            const qty = rng.int(1, 60);
            const unit = basePrices[p];
            total += qty * unit;
            rows.push([no, l, stockCode(p), qty, unit]);
          }
          order.run(no, code, rng.pick(DEMO_ORDER_STATUSES), isoDaysBefore(DEMO_TODAY, rng.int(0, 900), rng.int(0, 86399)), Math.round(total * 100) / 100);
          for (const r of rows) line.run(...r);
          sum.orders++;
          sum.orderLines += rows.length;
        }
      }
      if (options.statements !== false) {
        for (let t = rng.pick([0, 2, 4, 6, 10]); t > 0; t--) {
          const type = rng.pick(['IN', 'IN', 'IN', 'PA', 'CR']);
          const days = rng.int(0, 180);
          const amount = type === 'IN' ? rng.money(50, 5000) : -rng.money(20, 2000);
          const outstanding = type === 'IN' && rng.chance(0.4) ? amount : 0;
          trans.run(code, `${type}${String(sum.transactions + 1).padStart(7, '0')}`, isoDaysBefore(DEMO_TODAY, days), type, amount, outstanding,
            type === 'IN' ? isoDaysBefore(DEMO_TODAY, days - 30) : null);
          sum.transactions++;
        }
      }
    }

    // The generic guest customer that guest checkouts are booked to.
    debtor.run('GUEST', 'Web Guest Customer', 'A', 'COD', 'R01', '', 0, 'guest@example.com.au', '', '', isoDaysBefore(DEMO_TODAY, 2000), isoDaysBefore(DEMO_TODAY, 2000));
    address.run('GUEST', '00', 'Web Guest Customer', '1 Web St', 'Melbourne', 'VIC', '3000', 'Australia');
    sum.debtors++;
    sum.addresses++;

    if (options.conversions !== false && customers >= 30) {
      // Legacy codes renamed in the ERP: the new codes are live debtors, the old ones are gone.
      const at = (d: number) => isoDaysBefore(DEMO_TODAY, d);
      const pairs: Array<[string, string, string]> = [
        [`L${accountCode(3).slice(1)}`, accountCode(3), at(20)],
        [`L${accountCode(11).slice(1)}`, accountCode(11), at(15)],
        // A chain: X -> Y, then Y -> C00021.
        [`X${accountCode(21).slice(1)}`, `Y${accountCode(21).slice(1)}`, at(40)],
        [`Y${accountCode(21).slice(1)}`, accountCode(21), at(10)],
      ];
      for (const p of pairs) {
        conversion.run(...p);
        sum.conversions++;
      }
    }
  })();
  return sum;
}

export interface DemoInitOptions {
  dir: string;
  customers: number;
  seed: number;
  /** Overwrite existing files (default: refuse). */
  force?: boolean;
  /** Extra settings to write. */
  settings?: SettingsInput;
}

export interface DemoInitResult {
  dir: string;
  erp: string;
  web: string;
  settings: string;
  summary: ErpDemoSummary;
}

export class DemoExistsError extends Error {
  override name = 'DemoExistsError';
}

/** Writes D/erp.sqlite, D/web.sqlite (migrated, with the web-side demo rows of webDemoData.ts) and D/settings.json pointing at them. */
export async function demoInit(options: DemoInitOptions): Promise<DemoInitResult> {
  const dir = path.resolve(options.dir);
  const erp = path.join(dir, 'erp.sqlite');
  const web = path.join(dir, 'web.sqlite');
  const settings = path.join(dir, 'settings.json');
  const existing = [erp, web, settings].filter((f) => fs.existsSync(f));
  if (existing.length && !options.force) {
    throw new DemoExistsError(`${existing.map((f) => path.basename(f)).join(', ')} already in ${dir}; use --force to replace`);
  }
  fs.mkdirSync(dir, { recursive: true });
  for (const f of [erp, web]) for (const suffix of ['', '-wal', '-shm']) fs.rmSync(f + suffix, { force: true });

  // Build the ERP in a temporary file and rename it, so an interrupted init never leaves half an ERP.
  const tmpErp = `${erp}.${process.pid}.tmp`;
  const erpDb = new SqliteDb(tmpErp, { create: true });
  let summary: ErpDemoSummary;
  try {
    await createTables(erpDb, ERP_TABLES);
    erpDb.raw.pragma('journal_mode = DELETE');
    summary = generateErp(erpDb, { customers: options.customers, seed: options.seed });
  } finally {
    await erpDb.close();
  }
  fs.renameSync(tmpErp, erp);

  const webDb = new SqliteDb(web, { create: true });
  try {
    await migrate(webDb, WEB_MIGRATIONS);
    generateWebDemo(webDb, erp);
  } finally {
    await webDb.close();
  }

  const values = { ...defaultSettings(), erpDsn: 'sqlite:erp.sqlite', webDsn: 'sqlite:web.sqlite', ...(options.settings ?? {}) };
  writeSettingsFile(settings, values);
  return { dir, erp, web, settings, summary: summary! };
}
