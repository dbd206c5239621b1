// Customer Master speed, as an admin runs it: `integrator send customer-master --all` as a whole process (the
// compiled build, start-up included) against a raw better-sqlite3 copy of the same two ERP tables into an empty
// database; then Send Changed after 1% of debtors changed against that Send All; and the peak resident set of the
// Send All process at two sizes, four times apart.
// Size: INTEGRATOR_BENCH_DEBTORS (default 200,000); the peak RSS is also taken at a quarter of it (50,000).
// INTEGRATOR_BENCH_ROUNDS (default 3): Send All and the copy alternate, then as many Send Changed and as many Send
// All at the smaller size; medians.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Benchmark, BenchLine } from './harness.js';
import { median } from './harness.js';
import { BIN } from '../helpers/cli.js';
import { buildAll } from '../../scripts/build.js';
import { SqliteDb } from '../../core/db/sqliteDb.js';
import { createTables } from '../../core/db/schema.js';
import { ERP_TABLES, ERP_TABLES_BY_NAME } from '../../core/erp/erpSchema.js';
import { generateErp } from '../../core/demo/demoData.js';
import { defaultSettings } from '../../core/contracts/settings.schema.js';
import { writeSettingsFile } from '../../core/settings/settingsFile.js';

const N = Number(process.env.INTEGRATOR_BENCH_DEBTORS ?? 200_000);
const ROUNDS = Math.max(1, Number(process.env.INTEGRATOR_BENCH_ROUNDS ?? 3));
const PEAK_RSS = new URL('./peakRss.mjs', import.meta.url).href;

async function makeErp(file: string, customers: number): Promise<void> {
  const db = new SqliteDb(file, { create: true });
  await createTables(db, ERP_TABLES);
  generateErp(db, { customers, seed: 11, orders: false, statements: false, conversions: false, products: 50 });
  await db.close();
}

function removeDb(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
}

/** Settings for a send from this ERP file into this web file. */
function settingsFor(dir: string, name: string, erp: string, web: string): string {
  const file = path.join(dir, `${name}.json`);
  writeSettingsFile(file, { ...defaultSettings(), erpDsn: `sqlite:${erp}`, webDsn: `sqlite:${web}`, logIntegratorEventsOnWeb: true });
  return file;
}

/** `integrator send customer-master` as its own process: wall time (ms) and peak RSS (MB). */
function send(settings: string, all: boolean, dir: string): { ms: number; rssMb: number; out: string } {
  const rssFile = path.join(dir, 'rss.txt');
  fs.rmSync(rssFile, { force: true });
  const args = ['--import', PEAK_RSS, BIN, 'send', 'customer-master', ...(all ? ['--all'] : []), '--config', settings];
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: dir, env: { ...process.env, INTEGRATOR_CONFIG: '', INTEGRATOR_BENCH_RSS_FILE: rssFile }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`send customer-master${all ? ' --all' : ''} exited ${r.status}: ${r.stdout}${r.stderr}`);
  return { ms, rssMb: Number(fs.readFileSync(rssFile, 'utf8')) / 1024, out: r.stdout.trim() };
}

/** The baseline: read the same debtor and address rows and insert them raw into an empty copy. Wall ms. */
async function baselineCopy(erpFile: string, copyFile: string): Promise<number> {
  removeDb(copyFile);
  const copy = new SqliteDb(copyFile, { create: true });
  const erp = new SqliteDb(erpFile);
  try {
    await createTables(copy, ERP_TABLES.filter((x) => x.name === 'deb_master' || x.name === 'name_and_address_master'));
    const t = process.hrtime.bigint();
    for (const name of ['deb_master', 'name_and_address_master']) {
      const table = ERP_TABLES_BY_NAME.get(name)!;
      const cols = table.columns.map((c) => `[${c.name}]`).join(', ');
      const ins = copy.raw.prepare(`INSERT INTO [${name}] (${cols}) VALUES (${table.columns.map(() => '?').join(', ')})`);
      const read = erp.raw.prepare(`SELECT ${cols} FROM [${name}] ORDER BY ${table.primaryKey.map((k) => `[${k}]`).join(', ')}`).raw();
      copy.raw.transaction(() => {
        for (const row of read.iterate()) ins.run(row as unknown[]);
      })();
    }
    return Number(process.hrtime.bigint() - t) / 1e6;
  } finally {
    await erp.close();
    await copy.close();
  }
}

/** A copy of the ERP with 1% of debtors changed: half through the stamp, half only in an address (no stamp). */
async function changeOnePercent(erpFile: string, changedFile: string): Promise<number> {
  removeDb(changedFile);
  fs.copyFileSync(erpFile, changedFile);
  const db = new SqliteDb(changedFile);
  try {
    const codes = db.raw.prepare(`SELECT accountcode FROM deb_master ORDER BY accountcode`).pluck().all() as string[];
    const n = Math.max(2, Math.floor(codes.length / 100));
    const step = Math.floor(codes.length / n);
    db.raw.transaction(() => {
      const stamp = db.raw.prepare(`UPDATE deb_master SET terms_code = 'EOM', dr_date_last_changed = '2026-11-01T10:00:00Z' WHERE accountcode = ?`);
      const addr = db.raw.prepare(`UPDATE name_and_address_master SET street = 'Changed ' || street WHERE accountcode = ? AND na_type = '00'`);
      for (let i = 0; i < n; i++) (i % 2 ? stamp : addr).run(codes[i * step]);
    })();
    return n;
  } finally {
    await db.close();
  }
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)}s`;
const fmt = (n: number) => n.toLocaleString('en-AU');

export const benchmark: Benchmark = {
  name: `customer-master (${fmt(N)} debtors)`,
  async run(log) {
    await buildAll({ ifStale: true, ui: false, log });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrator-bench-cm-'));
    try {
      const t = Date.now();
      const erp = path.join(dir, 'erp.sqlite');
      await makeErp(erp, N);
      log(`ERP generated: ${fmt(N)} debtors in ${((Date.now() - t) / 1000).toFixed(1)}s`);
      const web = path.join(dir, 'web.sqlite');
      const settings = settingsFor(dir, 'settings', erp, web);

      // Send All into an empty web database and the raw copy, alternately, so a drifting machine hits both alike.
      const all: number[] = [];
      const copies: number[] = [];
      const peaks: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        removeDb(web);
        const r = send(settings, true, dir);
        all.push(r.ms);
        peaks.push(r.rssMb);
        copies.push(await baselineCopy(erp, path.join(dir, 'copy.sqlite')));
        log(`round ${i + 1}: Send All ${secs(r.ms)} (peak RSS ${r.rssMb.toFixed(0)} MB), raw copy ${secs(copies[i])}`);
      }
      const allMs = median(all);
      const copyMs = median(copies);
      log(`Send All (whole process): median ${secs(allMs)} of ${ROUNDS}; raw copy median ${secs(copyMs)}`);

      // Send Changed after 1% changed, each round from the web database the last Send All left.
      const saved = path.join(dir, 'web-after-all.sqlite');
      fs.copyFileSync(web, saved);
      const changedErp = path.join(dir, 'erp-changed.sqlite');
      const changedCount = await changeOnePercent(erp, changedErp);
      const changedSettings = settingsFor(dir, 'settings-changed', changedErp, web);
      const changed: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        removeDb(web);
        fs.copyFileSync(saved, web);
        const r = send(changedSettings, false, dir);
        if (!new RegExp(`written ${changedCount},`).test(r.out)) throw new Error(`Send Changed: ${r.out} (expected written ${changedCount})`);
        changed.push(r.ms);
      }
      const changedMs = median(changed);
      log(`Send Changed after ${fmt(changedCount)} changes (whole process): median ${secs(changedMs)} (${((changedMs / allMs) * 100).toFixed(1)}% of Send All)`);

      // Peak RSS of the whole Send All process at a quarter of the size, as many rounds; medians (where the garbage
      // collector happens to run moves a single figure by some 20%).
      const smallN = Math.max(1000, Math.floor(N / 4));
      const smallErp = path.join(dir, 'erp-small.sqlite');
      await makeErp(smallErp, smallN);
      const smallWeb = path.join(dir, 'web-small.sqlite');
      const smallSettings = settingsFor(dir, 'settings-small', smallErp, smallWeb);
      const smallPeaks: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        removeDb(smallWeb);
        smallPeaks.push(send(smallSettings, true, dir).rssMb);
      }
      const peakBig = median(peaks);
      const peakSmall = median(smallPeaks);
      const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`;
      log(`peak RSS of Send All (medians): ${peakSmall.toFixed(0)} MB at ${fmt(smallN)} debtors (${range(smallPeaks)}), ${peakBig.toFixed(0)} MB at ${fmt(N)} (${range(peaks)})`);

      const lines: BenchLine[] = [
        { name: 'Send All throughput (whole process)', value: (N * 1000) / allMs, baseline: (N * 1000) / copyMs, unit: 'debtors/s', higherIsBetter: true, target: 0.5, note: `${secs(allMs)} vs ${secs(copyMs)}; baseline: raw read + insert of the same rows into an empty copy, in-process` },
        { name: 'Send Changed after 1% changed vs Send All (whole processes)', value: changedMs, baseline: allMs, unit: 'ms', higherIsBetter: false, target: 6.67, note: `${((changedMs / allMs) * 100).toFixed(1)}% of Send All; aim <= 15% (ratio >= 6.67)` },
        { name: `Peak RSS of Send All at ${fmt(N)} vs ${fmt(smallN)} debtors`, value: peakBig, baseline: peakSmall, unit: 'MB', higherIsBetter: false, target: 0.83, note: 'flat: the same within 20% (ratio >= 0.83); 0.25 would be linear' },
      ];
      return lines;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
