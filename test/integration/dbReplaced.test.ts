// A SQLite database file deleted or replaced under a running integrator, as an admin does it: the main file removed
// during a Send All (its -wal and -shm left behind), a backup copied back. The run in flight fails with the reason,
// nothing is written into the replaced file, and the database passes PRAGMA integrity_check after the next runs.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { until } from '../helpers/until.js';
import { demoInit } from '../../core/demo/demoData.js';
import { Integrator } from '../../core/worker/integrator.js';
import { saveSettings } from '../../core/settings/settingsFile.js';
import { createLogger } from '../../core/logging/logger.js';
import { listRuns } from '../../core/admin/queries.js';
import { SqliteDb } from '../../core/db/sqliteDb.js';
import { RetryableError } from '../../core/errors.js';
import { SERVICES } from '../../core/pricing/pricingServices.js';
import { SCHEDULES_OFF } from '../fixtures/workerFixtures.js';
import { queryNumber } from '../helpers/sqliteQuery.js';

const root = tmpDir('integrator-replaced-');
const started: Integrator[] = [];
afterEach(async () => {
  for (const i of started.splice(0)) await i.stop();
});

function integrity(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('PRAGMA integrity_check').all() as Array<{ integrity_check: string }>).map((r) => r.integrity_check);
  } finally {
    db.close();
  }
}

/** Files this process holds open that were deleted, among those of the database (Linux /proc). */
function openDeletedFiles(file: string): string[] {
  const out: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(file) && target.endsWith('(deleted)')) out.push(target);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

async function install(name: string, customers: number) {
  const dir = path.join(root, name);
  const r = await demoInit({ dir, customers, seed: 3, force: true, settings: { ...SCHEDULES_OFF, nightlyRestartTime: '', httpPort: 0, erpListenerPort: 0, adminPort: 0 } });
  // Small batches: the Send All lasts long enough to replace the file under it.
  saveSettings(r.settings, { batchSize: 50, enableLivePricingAvailabilityListener: true });
  return { dir, file: r.settings, web: path.join(dir, 'web.sqlite') };
}

describe('a SQLite database replaced under a running integrator', () => {
  it('deleted during a Send All and a backup put back: the run fails with the reason, the database stays whole', async () => {
    const s = await install('backup-back', 4000);
    // The pricing listener holds a web connection for as long as the integrator runs, as in production.
    const integrator = new Integrator({ settingsFile: s.file, foreground: true, logger: createLogger(), services: SERVICES, firstRunDelayMs: 60_000, healthCheckMs: 60_000 });
    started.push(integrator);
    await integrator.start();
    expect(integrator.endpoints['Pricing listener']).toBeDefined();

    // A backup taken the way an admin would: a consistent copy of the database as it stands.
    expect((await integrator.runNow('customer-master', { all: true }).done!).status).toBe('Succeeded');
    const backup = path.join(s.dir, 'web.backup.sqlite');
    const src = new Database(s.web);
    await src.backup(backup);
    src.close();
    const backupRuns = queryNumber(backup, 'SELECT COUNT(*) FROM IntegrationRun');

    const run = integrator.runNow('customer-master', { all: true });
    await until('the Send All under way', () => (integrator.progress().find((p) => p.event === 'customer-master')?.done ?? 0) >= 300);
    // The admin deletes the main file only; -wal and -shm stay, as they do when a file is deleted or copied over.
    fs.rmSync(s.web);
    expect(fs.existsSync(`${s.web}-wal`)).toBe(true);
    // The admin UI keeps polling meanwhile.
    await integrator.withWeb((db) => listRuns(db, { limit: 5 })).catch(() => undefined);
    fs.copyFileSync(backup, s.web);
    await integrator.withWeb((db) => listRuns(db, { limit: 5 })).catch(() => undefined);

    const outcome = await run.done!;
    expect(outcome.status).toBe('Failed');
    expect(outcome.error).toMatch(/web\.sqlite.*(removed|replaced)/);
    // No connection of this process is left on the deleted file (it would share -wal and -shm with the restored one).
    expect(openDeletedFiles(s.web)).toEqual([]);
    // Nothing of the deleted file's run reached the restored one: its history is the backup's.
    expect(queryNumber(s.web, 'SELECT COUNT(*) FROM IntegrationRun')).toBe(backupRuns);

    // The next runs: the restored database is used, recovers and stays whole.
    const next = await integrator.runNow('customer-master', { all: true }).done!;
    expect(next.status).toBe('Succeeded');
    expect((await integrator.runNow('customer-master').done!).status).toBe('Succeeded');
    await integrator.stop();
    expect(integrity(s.web)).toEqual(['ok']);
    expect(queryNumber(s.web, "SELECT COUNT(*) FROM Customer WHERE Source = 'ERP'")).toBe(queryNumber(path.join(s.dir, 'erp.sqlite'), 'SELECT COUNT(*) FROM deb_master'));
    // The restored history goes on: the failed run is in it (recorded once the database was back), then the next ones.
    expect(queryNumber(s.web, 'SELECT COUNT(*) FROM IntegrationRun')).toBeGreaterThan(backupRuns);
    expect(queryNumber(s.web, "SELECT COUNT(*) FROM IntegrationRun WHERE Status = 'Failed' AND Error LIKE '%web.sqlite%'")).toBe(1);
    expect(queryNumber(s.web, "SELECT COUNT(*) FROM IntegrationRun WHERE Status = 'Running'")).toBe(0);
  });

  it('the connections: the next statement fails with the reason, all close, the old journal never reaches the new file', async () => {
    const dir = path.join(root, 'connections');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'web.sqlite');
    const backup = path.join(dir, 'backup.sqlite');
    const b = new Database(backup);
    b.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('from the backup')");
    b.close();

    for (const order of ['detected first', 'opened first'] as const) {
      fs.rmSync(file, { force: true });
      const writer = new SqliteDb(file, { create: true });
      const reader = new SqliteDb(file);
      await writer.exec('CREATE TABLE IF NOT EXISTS t (v TEXT)');
      // Committed rows still in the -wal (not checkpointed into the file).
      for (let i = 0; i < 20; i++) await writer.run('INSERT INTO t VALUES (@v)', { v: `old ${i}` });
      expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(0);
      fs.rmSync(file);
      fs.copyFileSync(backup, file);

      if (order === 'detected first') {
        const err = await writer.run("INSERT INTO t VALUES ('after')").catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RetryableError);
        expect((err as Error).message).toMatch(/web\.sqlite was replaced while in use.*kept aside as web\.sqlite-wal\.replaced-/);
      }
      // A connection opened now reads the backup, and only the backup.
      const fresh = new SqliteDb(file);
      expect(await fresh.all('SELECT v FROM t')).toEqual([{ v: 'from the backup' }]);
      expect(await fresh.all('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      // Both old connections are closed; using them says why.
      for (const old of [writer, reader]) await expect(old.get('SELECT COUNT(*) AS n FROM t')).rejects.toThrow(/was replaced while in use/);
      expect(openDeletedFiles(file)).toEqual([]);
      await fresh.run("INSERT INTO t VALUES ('new')");
      await fresh.close();
      await writer.close();
      await reader.close();
      expect(integrity(file)).toEqual(['ok']);
      expect(queryNumber(file, 'SELECT COUNT(*) FROM t')).toBe(2);
      // The old file's journal is kept aside, not deleted.
      expect(fs.readdirSync(dir).some((f) => /^web\.sqlite-wal\.replaced-/.test(f))).toBe(true);
      for (const f of fs.readdirSync(dir)) if (/\.replaced-/.test(f)) fs.rmSync(path.join(dir, f));
    }
  });
});
