// web-accounts and the special prices step against hand-written bulk copies of the same rows on the same files.
// Size: BENCH_WEB_ACCOUNTS (web accounts, each with one 2-line order; default 5,000) and BENCH_PRICE_DEBTORS
// (ERP debtors for the special prices Send All; default 20,000).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Benchmark, BenchLine } from './harness.js';
import { demoInit } from '../../core/demo/demoData.js';
import { openDb } from '../../core/db/openDb.js';
import { runEvent } from '../../core/events/runEvent.js';
import { sendSpecialPrices } from '../../core/events/specialPricesStep.js';
import { loadSettings } from '../../core/settings/settingsFile.js';
import { createLogger } from '../../core/logging/logger.js';

const ACCOUNTS = Number(process.env.BENCH_WEB_ACCOUNTS ?? 5000);
const PRICE_DEBTORS = Number(process.env.BENCH_PRICE_DEBTORS ?? 20000);
const logger = createLogger({});

function addWebAccounts(webFile: string, n: number): void {
  const db = new Database(webFile);
  const c = db.prepare(`INSERT INTO Customer (CustomerCode, Name, Email, Phone, ActiveStatus, PendingErpPush) VALUES (?, ?, ?, '0400 000 000', 'Active', 1)`);
  const a = db.prepare(`INSERT INTO CustomerAddress (CustomerCode, AddressType, Name, Street, Suburb, State, Postcode, Country) VALUES (?, '00', ?, '1 Main St', 'Melbourne', 'VIC', '3000', 'Australia')`);
  const o = db.prepare(`INSERT INTO SalesOrder (OrderNo, CustomerCode, OrderDate, Total, Source) VALUES (?, ?, '2026-11-01T10:00:00Z', 30, 'WEB')`);
  const l = db.prepare(`INSERT INTO SalesOrderLine (OrderNo, LineNo, ProductCode, Qty, Price) VALUES (?, ?, 'P00001', 1, 15)`);
  db.transaction(() => {
    for (let i = 1; i <= n; i++) {
      const code = `B${String(i).padStart(7, '0')}`;
      c.run(code, `Bench Buyer ${i}`, `bench.${i}@example.net`);
      a.run(code, `Bench Buyer ${i}`);
      const no = `WB${String(i).padStart(7, '0')}`;
      o.run(no, code);
      l.run(no, 1);
      l.run(no, 2);
    }
  })();
  db.close();
}

/** The least any implementation must do: the same ERP inserts and web renames, straight through better-sqlite3. */
function baselineAccounts(erpFile: string, webFile: string): void {
  const erp = new Database(erpFile);
  const web = new Database(webFile);
  const rows = web.prepare(`SELECT CustomerCode, Name, Email, Phone FROM Customer WHERE Source = 'WEB' AND CrmStatus IS NULL ORDER BY CustomerCode`).all() as Array<Record<string, string>>;
  const deb = erp.prepare(`INSERT INTO deb_master (accountcode, dr_name, dr_status, terms_code, email, phone) VALUES (?, ?, 'A', 'WEB', ?, ?)`);
  const na = erp.prepare(`INSERT INTO name_and_address_master (accountcode, na_type, na_name) VALUES (?, '00', ?)`);
  const so = erp.prepare(`INSERT INTO sales_order (so_order_no, accountcode, so_order_status, so_order_total) VALUES (?, ?, '10', 30)`);
  const sol = erp.prepare(`INSERT INTO sales_order_line (so_order_no, line_no, stock_code, qty, price) VALUES (?, ?, 'P00001', 1, 15)`);
  erp.transaction(() => {
    rows.forEach((r, i) => {
      const code = `BASE-${String(i + 1).padStart(6, '0')}`;
      deb.run(code, r.Name, r.Email, r.Phone);
      na.run(code, r.Name);
      const no = `BASE${i}`;
      so.run(no, code);
      sol.run(no, 1);
      sol.run(no, 2);
    });
  })();
  const moves = ['Customer', 'CustomerAddress', 'SalesOrder'].map((t) => web.prepare(`UPDATE ${t} SET CustomerCode = ? WHERE CustomerCode = ?`));
  web.transaction(() => rows.forEach((r, i) => moves.forEach((m) => m.run(`BASE-${String(i + 1).padStart(6, '0')}`, r.CustomerCode))))();
  erp.close();
  web.close();
}

function copyDemo(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(to, { recursive: true });
  for (const f of ['erp.sqlite', 'web.sqlite', 'settings.json']) fs.copyFileSync(path.join(from, f), path.join(to, f));
}

const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;

export const benchmark: Benchmark = {
  name: 'web accounts and special prices',
  async run(log) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'integrator-bench-webacc-'));
    const lines: BenchLine[] = [];
    try {
      const seedDir = path.join(root, 'seed');
      const d = await demoInit({ dir: seedDir, customers: 2000, seed: 1 });
      addWebAccounts(d.web, ACCOUNTS);
      log(`${ACCOUNTS} web accounts, each with one 2-line order, on a 2,000-debtor demo ERP`);

      copyDemo(seedDir, path.join(root, 'base'));
      let t = process.hrtime.bigint();
      baselineAccounts(path.join(root, 'base', 'erp.sqlite'), path.join(root, 'base', 'web.sqlite'));
      const base = ms(t);

      copyDemo(seedDir, path.join(root, 'run'));
      const s = loadSettings(path.join(root, 'run', 'settings.json'));
      const erpDb = await openDb(`sqlite:${path.join(root, 'run', 'erp.sqlite')}`);
      const webDb = await openDb(`sqlite:${path.join(root, 'run', 'web.sqlite')}`);
      t = process.hrtime.bigint();
      const out = await runEvent('web-accounts', {}, { erpDb, webDb, settings: s.values, logger });
      const took = ms(t);
      if (out.status !== 'Succeeded') throw new Error(`web-accounts ${out.status}: ${out.error}`);
      log(`web-accounts: ${JSON.stringify(out.summary.details)}`);
      await erpDb.close();
      await webDb.close();
      lines.push({ name: `web-accounts, ${ACCOUNTS} accounts + orders`, value: took, baseline: base, unit: 'ms', higherIsBetter: false, target: 0.2, note: 'baseline: bare prepared inserts/renames, no numbering, matching, batching or crash safety' });

      // Special prices, Send All, against a plain INSERT ... SELECT-like copy of the same rows.
      const pd = await demoInit({ dir: path.join(root, 'prices'), customers: PRICE_DEBTORS, seed: 2, settings: {} });
      const perp = await openDb(`sqlite:${pd.erp}`);
      const pweb = await openDb(`sqlite:${pd.web}`);
      const codes = (await perp.all<{ accountcode: string; dr_name: string }>(`SELECT [accountcode], [dr_name] FROM [deb_master]`)).map((r) => ({ CustomerCode: r.accountcode, Name: r.dr_name, Source: 'ERP' }));
      await pweb.insertMany('Customer', codes);
      const specials = await perp.all<{ accountcode: string; stock_code: string; price: number }>(`SELECT * FROM [deb_special_price]`);
      log(`${PRICE_DEBTORS} debtors, ${specials.length} special prices`);
      t = process.hrtime.bigint();
      await pweb.transaction(async (tx) => {
        await tx.run(`DELETE FROM [PricingOverride] WHERE [Source] = 'ERP'`);
        await tx.insertMany('PricingOverride', specials.map((r) => ({ CustomerCode: r.accountcode, ProductCode: r.stock_code, Source: 'ERP', Price: r.price })));
      });
      const pbase = ms(t);
      await pweb.run(`DELETE FROM [PricingOverride] WHERE [Source] = 'ERP'`);
      const ctx = { erpDb: perp, webDb: pweb, settings: loadSettings(pd.settings).values, logger, signal: new AbortController().signal, progress: () => undefined, runId: 0, runEvent: async () => ({ read: 0, written: 0, skipped: 0, failed: 0 }), now: () => new Date() };
      t = process.hrtime.bigint();
      await sendSpecialPrices(ctx, { all: true });
      const pfirst = ms(t);
      t = process.hrtime.bigint();
      const again = await sendSpecialPrices(ctx, { all: true });
      const pagain = ms(t);
      if (again.written !== 0) throw new Error('second Send All wrote rows');
      await perp.close();
      await pweb.close();
      lines.push({ name: `special prices Send All (first), ${specials.length} rows`, value: pfirst, baseline: pbase, unit: 'ms', higherIsBetter: false, target: 0.3, note: 'baseline: delete all ERP rows + one bulk insert' });
      lines.push({ name: `special prices Send All (unchanged), ${specials.length} rows`, value: pagain, baseline: pbase, unit: 'ms', higherIsBetter: false, note: 'diff only: nothing written' });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
    return lines;
  },
};
