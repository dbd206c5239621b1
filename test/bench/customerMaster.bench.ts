// Customer Master speed: Send All against a raw copy of the same rows, Send Changed after 1% of debtors
// changed against that Send All, and the heap while sending at two sizes.
// Size: INTEGRATOR_BENCH_DEBTORS (default 200,000).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Benchmark, BenchLine } from './harness.js';
import { SqliteDb } from '../../core/db/sqliteDb.js';
import { createTables, migrate } from '../../core/db/schema.js';
import { ERP_TABLES, ERP_TABLES_BY_NAME } from '../../core/erp/erpSchema.js';
import { WEB_MIGRATIONS } from '../../core/web/webSchema.js';
import { generateErp, DEMO_TODAY } from '../../core/demo/demoData.js';
import { defaultSettings, type SettingsValues } from '../../core/contracts/settings.schema.js';
import { createLogger } from '../../core/logging/logger.js';
import { runEvent } from '../../core/events/runEvent.js';

const N = Number(process.env.INTEGRATOR_BENCH_DEBTORS ?? 200_000);
const now = () => new Date(`${DEMO_TODAY}T12:00:00Z`);

async function makeErp(dir: string, customers: number): Promise<SqliteDb> {
  const db = new SqliteDb(path.join(dir, `erp-${customers}.sqlite`), { create: true });
  await createTables(db, ERP_TABLES);
  generateErp(db, { customers, seed: 11, orders: false, statements: false, conversions: false, products: 50 });
  return db;
}

async function freshWeb(dir: string, name: string): Promise<SqliteDb> {
  const db = new SqliteDb(path.join(dir, name), { create: true });
  await migrate(db, WEB_MIGRATIONS);
  return db;
}

/** Wall time of fn, in ms. */
async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const t = process.hrtime.bigint();
  const result = await fn();
  return { result, ms: Number(process.hrtime.bigint() - t) / 1e6 };
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/**
 * Live heap growth (after a full GC) at its highest while a Send All runs, sampled once per batch from the
 * progress callback (the work is synchronous underneath, so a timer would never fire). Untimed: GC per batch.
 */
async function liveHeapPeakMb(dir: string, customers: number, settings: SettingsValues, wholeTable?: { mb: number }): Promise<number> {
  const erp = await makeErp(dir, customers);
  const web = await freshWeb(dir, `web-mem-${customers}.sqlite`);
  try {
    if (wholeTable) {
      // What holding the debtor table and its addresses in memory would cost: the alternative to streaming.
      gc();
      const before = process.memoryUsage().heapUsed;
      const rows = [erp.raw.prepare('SELECT * FROM deb_master').all(), erp.raw.prepare('SELECT * FROM name_and_address_master').all()];
      gc();
      wholeTable.mb = (process.memoryUsage().heapUsed - before) / 1e6;
      rows.length = 0;
    }
    gc();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    const out = await runEvent('customer-master', { all: true }, {
      erpDb: erp, webDb: web, settings, logger: createLogger(), now,
      onProgress: () => {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      },
    });
    if (out.status !== 'Succeeded') throw new Error(`Send All ${out.status}: ${out.error}`);
    return (peak - base) / 1e6;
  } finally {
    await web.close();
    await erp.close();
  }
}

/** The baseline: read the same debtor and address rows and bulk-insert them raw into an empty copy. */
function baselineCopy(erp: SqliteDb, target: SqliteDb): number {
  const raw = target.raw;
  for (const name of ['deb_master', 'name_and_address_master']) {
    const t = ERP_TABLES_BY_NAME.get(name)!;
    const cols = t.columns.map((c) => `[${c.name}]`).join(', ');
    const ins = raw.prepare(`INSERT INTO [${name}] (${cols}) VALUES (${t.columns.map(() => '?').join(', ')})`);
    const read = erp.raw.prepare(`SELECT ${cols} FROM [${name}] ORDER BY ${t.primaryKey.map((k) => `[${k}]`).join(', ')}`).raw();
    raw.transaction(() => {
      for (const row of read.iterate()) ins.run(row as unknown[]);
    })();
  }
  return Number(raw.prepare('SELECT COUNT(*) FROM deb_master').pluck().get());
}

export const benchmark: Benchmark = {
  name: `customer-master (${N.toLocaleString('en-AU')} debtors)`,
  async run(log) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrator-bench-cm-'));
    const logger = createLogger();
    const settings = { ...defaultSettings(), logIntegratorEventsOnWeb: true };
    try {
      let t = Date.now();
      const erp = await makeErp(dir, N);
      const addresses = Number(erp.raw.prepare('SELECT COUNT(*) FROM name_and_address_master').pluck().get());
      log(`ERP generated: ${N.toLocaleString('en-AU')} debtors, ${addresses.toLocaleString('en-AU')} addresses in ${((Date.now() - t) / 1000).toFixed(1)}s`);

      const copy = new SqliteDb(path.join(dir, 'copy.sqlite'), { create: true });
      await createTables(copy, ERP_TABLES.filter((x) => x.name === 'deb_master' || x.name === 'name_and_address_master'));
      t = Date.now();
      const copied = baselineCopy(erp, copy);
      const baselineMs = Date.now() - t;
      await copy.close();
      log(`baseline raw copy: ${copied.toLocaleString('en-AU')} debtors + addresses in ${(baselineMs / 1000).toFixed(2)}s`);

      const web = await freshWeb(dir, 'web.sqlite');
      const all = await timed(() => runEvent('customer-master', { all: true }, { erpDb: erp, webDb: web, settings, logger, now }));
      if (all.result.status !== 'Succeeded') throw new Error(`Send All ${all.result.status}: ${all.result.error}`);
      log(`Send All: ${all.result.summary.written.toLocaleString('en-AU')} customers in ${(all.ms / 1000).toFixed(2)}s`);

      // 1% of debtors change: half through the stamp, half only in an address (no stamp change).
      const changedCount = Math.max(2, Math.floor(N / 100));
      const codes = erp.raw.prepare(`SELECT accountcode FROM deb_master ORDER BY accountcode`).pluck().all() as string[];
      const step = Math.floor(codes.length / changedCount);
      erp.raw.transaction(() => {
        const stamp = erp.raw.prepare(`UPDATE deb_master SET terms_code = 'EOM', dr_date_last_changed = '2026-11-01T10:00:00Z' WHERE accountcode = ?`);
        const addr = erp.raw.prepare(`UPDATE name_and_address_master SET street = 'Changed ' || street WHERE accountcode = ? AND na_type = '00'`);
        for (let i = 0; i < changedCount; i++) (i % 2 ? stamp : addr).run(codes[i * step]);
      })();
      const changed = await timed(() => runEvent('customer-master', {}, { erpDb: erp, webDb: web, settings, logger, now }));
      if (changed.result.summary.written !== changedCount) throw new Error(`Send Changed wrote ${changed.result.summary.written}, expected ${changedCount}`);
      log(`Send Changed after ${changedCount.toLocaleString('en-AU')} changes: ${(changed.ms / 1000).toFixed(2)}s (${((changed.ms / all.ms) * 100).toFixed(1)}% of Send All)`);
      await web.close();

      await erp.close();

      // Memory flat as the count grows: the live heap of Send All at two sizes, 4x apart.
      const bigN = Math.max(4000, Math.floor(N / 2));
      const smallN = Math.floor(bigN / 4);
      const smallMb = await liveHeapPeakMb(dir, smallN, settings);
      const whole = { mb: 0 };
      const bigMb = await liveHeapPeakMb(dir, bigN, settings, whole);
      log(`live heap growth during Send All: ${smallMb.toFixed(1)} MB at ${smallN.toLocaleString('en-AU')} debtors, ${bigMb.toFixed(1)} MB at ${bigN.toLocaleString('en-AU')}; the whole table in memory: ${whole.mb.toFixed(1)} MB`);

      const lines: BenchLine[] = [
        { name: 'Send All throughput', value: (N * 1000) / all.ms, baseline: (copied * 1000) / baselineMs, unit: 'debtors/s', higherIsBetter: true, target: 0.5, note: 'baseline: raw read + bulk insert of the same rows into an empty copy' },
        { name: 'Send Changed after 1% changed vs Send All', value: changed.ms, baseline: all.ms, unit: 'ms', higherIsBetter: false, target: 20, note: `${((changed.ms / all.ms) * 100).toFixed(1)}% of Send All; aim <= 5% (ratio >= 20)` },
        { name: `Live heap at ${bigN.toLocaleString('en-AU')} vs ${smallN.toLocaleString('en-AU')} debtors`, value: Math.max(bigMb, 0.1), baseline: Math.max(smallMb, 0.1), unit: 'MB', higherIsBetter: false, note: '1: flat as the count grows 4x; 0.25 would be linear' },
        { name: `Live heap of Send All vs the whole table in memory (${bigN.toLocaleString('en-AU')} debtors)`, value: Math.max(bigMb, 0.1), baseline: whole.mb, unit: 'MB', higherIsBetter: false, target: 10 },
      ];
      return lines;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
