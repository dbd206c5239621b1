// Customer conversions over a big web database, against the same renames done as one raw set-based UPDATE
// per table (no transaction per conversion, no chain or collision handling): the floor for this work.
//   CONVERSIONS_BENCH_ROWS         code-bearing rows in the web database (default 1,000,000)
//   CONVERSIONS_BENCH_CONVERSIONS  pending conversions (default 10,000)
//   CONVERSIONS_BENCH_REPEAT       timed runs of each side, median taken (default 1)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Benchmark } from './harness.js';
import { median } from './harness.js';
import { SqliteDb } from '../../core/db/sqliteDb.js';
import { migrate } from '../../core/db/schema.js';
import { WEB_MIGRATIONS } from '../../core/web/webSchema.js';
import { codeTables } from '../../core/web/customerCodeRename.js';
import { DEFAULT_CONVERSION_BATCH, processPendingConversions } from '../../core/events/conversions.js';
import { createLogger } from '../../core/logging/logger.js';

const envInt = (name: string, dflt: number) => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive whole number`);
  return v;
};

// Rows per customer in each code table: 20 in all.
const SHAPE = { Customer: 1, CustomerAddress: 3, UserCustomer: 2, SalesOrder: 6, StatementLine: 5, PricingOverride: 3 };
const PER_CUSTOMER = Object.values(SHAPE).reduce((a, b) => a + b, 0);
const code = (i: number) => `C${String(i).padStart(7, '0')}`;

export async function build(file: string, customers: number, conversions: number): Promise<void> {
  const db = new SqliteDb(file, { create: true });
  const raw = db.raw;
  await migrate(db, WEB_MIGRATIONS);
  const ins = (sql: string) => raw.prepare(sql);
  const cust = ins(`INSERT INTO Customer (CustomerCode, Name, ActiveStatus, Email) VALUES (?, ?, 'Active', ?)`);
  const addr = ins(`INSERT INTO CustomerAddress (CustomerCode, AddressType, Name, Street, Suburb, State, Postcode, Country) VALUES (?, ?, ?, '1 George St', 'Sydney', 'NSW', '2000', 'Australia')`);
  const user = ins(`INSERT INTO WebUser (UserId, Email) VALUES (?, ?)`);
  const link = ins(`INSERT INTO UserCustomer (UserId, CustomerCode, IsDefault) VALUES (?, ?, ?)`);
  const order = ins(`INSERT INTO SalesOrder (OrderNo, CustomerCode, Status, OrderDate, Total, Source) VALUES (?, ?, '70', '2026-10-01', 123.45, 'ERP')`);
  const stmt = ins(`INSERT INTO StatementLine (CustomerCode, TransRef, TransDate, TransType, Amount, Outstanding) VALUES (?, ?, '2026-10-01', 'IN', 99.5, 10)`);
  const price = ins(`INSERT INTO PricingOverride (CustomerCode, ProductCode, Source, Price) VALUES (?, ?, 'ERP', 9.95)`);
  const conv = ins(`INSERT INTO CustomerConversion (OldCode, NewCode, ReceivedAt, Status) VALUES (?, ?, '2026-11-01T00:00:00Z', 'Pending')`);
  raw.transaction(() => {
    for (let i = 0; i < customers; i++) {
      const c = code(i);
      cust.run(c, `Customer ${i}`, `c${i}@example.com`);
      for (let a = 0; a < SHAPE.CustomerAddress; a++) addr.run(c, String(a).padStart(2, '0'), `Customer ${i}`);
      for (let u = 0; u < SHAPE.UserCustomer; u++) {
        user.run(`u${i}-${u}`, `u${i}-${u}@example.com`);
        link.run(`u${i}-${u}`, c, u === 0 ? 1 : 0);
      }
      for (let o = 0; o < SHAPE.SalesOrder; o++) order.run(`SO${i}-${o}`, c);
      for (let s = 0; s < SHAPE.StatementLine; s++) stmt.run(c, `INV${i}-${s}`);
      for (let p = 0; p < SHAPE.PricingOverride; p++) price.run(c, `P${String((i * 7 + p) % 5000).padStart(5, '0')}-${p}`);
    }
    // Spread the renamed customers over the whole table; new codes do not exist yet, so a raw UPDATE is valid.
    const step = Math.max(1, Math.floor(customers / conversions));
    for (let k = 0; k < conversions; k++) conv.run(code(k * step), `N${code(k * step).slice(1)}`);
  })();
  raw.exec('ANALYZE');
  await db.close();
}

/** Old codes left and new codes present per table: both sides must end the same. */
function outcome(raw: SqliteDb['raw']): string {
  return codeTables()
    .map((t) => {
      const r = raw.prepare(`SELECT SUM(CASE WHEN [${t.column}] LIKE 'N%' THEN 1 ELSE 0 END) AS n, COUNT(*) AS total FROM [${t.table}]`).get() as { n: number; total: number };
      return `${t.table}:${r.n}/${r.total}`;
    })
    .join(' ');
}

export const benchmark: Benchmark = {
  name: 'customer conversions',
  async run(log) {
    const rows = envInt('CONVERSIONS_BENCH_ROWS', 1_000_000);
    const customers = Math.max(1, Math.floor(rows / PER_CUSTOMER));
    const n = Math.min(envInt('CONVERSIONS_BENCH_CONVERSIONS', 10_000), customers);
    const repeat = envInt('CONVERSIONS_BENCH_REPEAT', 1);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrator-bench-conv-'));
    try {
      const template = path.join(dir, 'template.sqlite');
      const t = Date.now();
      await build(template, customers, n);
      log(`web database: ${customers.toLocaleString('en-AU')} customers, ${(customers * PER_CUSTOMER).toLocaleString('en-AU')} code-bearing rows, ${n.toLocaleString('en-AU')} pending conversions (built in ${((Date.now() - t) / 1000).toFixed(1)}s)`);

      const fresh = (name: string) => {
        const f = path.join(dir, name);
        fs.copyFileSync(template, f);
        return new SqliteDb(f);
      };
      const logger = createLogger();
      const baseline: number[] = [];
      const product: Record<string, number[]> = { batched: [], single: [] };
      // CPU time too: on a shared machine it says more than wall time about the work done.
      const cpu: Record<string, number[]> = { baseline: [], batched: [], single: [] };
      const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
      const outcomes = new Set<string>();
      const runProduct = async (label: 'batched' | 'single', i: number) => {
        const db = fresh(`${label}-${i}.sqlite`);
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const s = await processPendingConversions(db, { logger, batchSize: label === 'single' ? 1 : undefined });
        product[label].push(performance.now() - t0);
        cpu[label].push(cpuMs(process.cpuUsage(c0)));
        if (s.written !== n || s.failed) throw new Error(`expected ${n} conversions processed, got ${JSON.stringify(s)}`);
        outcomes.add(outcome(db.raw));
        await db.close();
      };
      for (let i = 0; i < repeat; i++) {
        {
          const db = fresh(`baseline-${i}.sqlite`);
          // The same renames, read from the same table, as one UPDATE per code table.
          const map = `SELECT [OldCode], [NewCode] FROM [CustomerConversion] WHERE [Status] = 'Pending'`;
          const t0 = performance.now();
          const c0 = process.cpuUsage();
          db.raw.transaction(() => {
            for (const ct of codeTables()) {
              db.raw.prepare(`UPDATE [${ct.table}] SET [${ct.column}] = m.[NewCode] FROM (${map}) m WHERE [${ct.table}].[${ct.column}] = m.[OldCode]`).run();
            }
            db.raw.prepare(`UPDATE [CustomerConversion] SET [Status] = 'Processed' WHERE [Status] = 'Pending'`).run();
          })();
          baseline.push(performance.now() - t0);
          cpu.baseline.push(cpuMs(process.cpuUsage(c0)));
          outcomes.add(outcome(db.raw));
          await db.close();
        }
        await runProduct('batched', i);
        await runProduct('single', i);
        for (const f of fs.readdirSync(dir)) if (f !== 'template.sqlite') fs.rmSync(path.join(dir, f), { force: true });
      }
      if (outcomes.size !== 1) throw new Error(`the runs ended differently:\n  ${[...outcomes].join('\n  ')}`);
      log(`every run ends with ${[...outcomes][0]}`);
      const b = median(baseline);
      const lines = (['batched', 'single'] as const).map((label) => {
        const p = median(product[label]);
        log(`${label === 'batched' ? `default (${DEFAULT_CONVERSION_BATCH} conversions a commit)` : 'a commit per conversion'}: ${(p / 1000).toFixed(2)}s vs baseline ${(b / 1000).toFixed(2)}s = ${(p / b).toFixed(2)}x the baseline's time (aim <= 3x), ${((n / p) * 1000).toFixed(0)} conversions/s; CPU ${(median(cpu[label]) / 1000).toFixed(2)}s vs ${(median(cpu.baseline) / 1000).toFixed(2)}s = ${(median(cpu[label]) / median(cpu.baseline)).toFixed(2)}x`);
        return {
          name: `${n.toLocaleString('en-AU')} conversions over ${(customers * PER_CUSTOMER).toLocaleString('en-AU')} rows, ${label === 'batched' ? `each atomic, ${DEFAULT_CONVERSION_BATCH} a commit` : 'a commit per conversion'}`,
          value: p,
          baseline: b,
          unit: 'ms',
          higherIsBetter: false,
          // The aim is for the default; a commit per conversion is shown for what grouping the commits buys.
          target: label === 'batched' ? 0.33 : undefined,
          note: label === 'batched' ? 'baseline: one raw set-based UPDATE per table' : 'for comparison: the same with a commit per conversion',
        };
      });
      return lines;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
