// The running integrator's own cost: an event run through the worker (the run pipeline: the process's shared
// connections, the event's lock, run recorded, progress kept) against the same event called directly; and the admin status route
// (token check, Host check, saved-vs-applied diff) against a bare fastify route.
// INTEGRATOR_BENCH_WORKER_ROWS (default 100000) rows are copied; INTEGRATOR_BENCH_HTTP_SECONDS (default 3) per load test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import Fastify from 'fastify';
import type { Benchmark, BenchLine } from './harness.js';
import { median, timeIt } from './harness.js';
import { EVENTS } from '../../core/events/registry.js';
import { Integrator } from '../../core/worker/integrator.js';
import { buildAdminServer, listenAdmin } from '../../core/admin/adminServer.js';
import { writeSettingsFile } from '../../core/settings/settingsFile.js';
import { defaultSettings } from '../../core/contracts/settings.schema.js';
import { createLogger } from '../../core/logging/logger.js';
import { SqliteDb } from '../../core/db/sqliteDb.js';
import { ADMIN_CONNECTION_LIMITS } from '../../core/connectionLimits.js';
import { copyEvent, seedCopyTables } from '../fixtures/workerFixtures.js';

interface AutocannonResult {
  requests: { average: number };
  non2xx: number;
  errors: number;
  duration: number;
  '2xx': number;
  statusCodeStats?: Record<string, { count: number }>;
}
type Autocannon = (opts: { url: string; connections: number; duration: number; headers?: Record<string, string> }) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export const benchmark: Benchmark = {
  name: 'running integrator',
  async run(log) {
    const rows = Number(process.env.INTEGRATOR_BENCH_WORKER_ROWS ?? 100_000);
    const seconds = Number(process.env.INTEGRATOR_BENCH_HTTP_SECONDS ?? 3);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'integrator-bench-worker-'));
    const lines: BenchLine[] = [];
    try {
      const file = path.join(dir, 'settings.json');
      const token = 'bench-token-0123456789';
      const off = { customerMasterSchedule: 'off', ordersSchedule: 'off', statementsSchedule: 'off', webAccountsSchedule: 'off', conversionsSchedule: 'off' };
      writeSettingsFile(file, { ...defaultSettings(), ...off, erpDsn: 'sqlite:erp.sqlite', webDsn: 'sqlite:web.sqlite', adminToken: token, nightlyRestartTime: '' });
      const erp = path.join(dir, 'erp.sqlite');
      const web = path.join(dir, 'web.sqlite');
      seedCopyTables(erp, web, rows);
      const event = copyEvent('statements', { batch: 2000, pauseMs: 0 });
      EVENTS.statements = event;
      const clear = () => {
        const db = new SqliteDb(web);
        db.raw.exec('DELETE FROM dst');
        db.raw.close();
      };

      const runDirect = async () => {
        clear();
        const erpDb = new SqliteDb(erp);
        const webDb = new SqliteDb(web);
        try {
          await event.run(
            {
              erpDb,
              webDb,
              settings: defaultSettings(),
              logger: createLogger(),
              signal: new AbortController().signal,
              progress: () => undefined,
              runId: 0,
              runEvent: async () => ({ read: 0, written: 0, skipped: 0, failed: 0 }),
              now: () => new Date(),
            },
            { all: true },
          );
        } finally {
          await erpDb.close();
          await webDb.close();
        }
      };

      const integrator = new Integrator({ settingsFile: file, foreground: false, logger: createLogger(), services: [] });
      await integrator.start();
      const runWorker = async () => {
        clear();
        const o = await integrator.runNow('statements', { all: true }).done!;
        if (o.status !== 'Succeeded' || o.summary.written !== rows) throw new Error(`worker run ${o.status}: ${o.error ?? ''}`);
      };
      // Interleaved, so neither side profits from the other's warm caches; medians of five each.
      const directTimes: number[] = [];
      const workerTimes: number[] = [];
      await runDirect();
      await runWorker();
      for (let i = 0; i < 5; i++) {
        directTimes.push(await timeIt(runDirect, 1, false));
        workerTimes.push(await timeIt(runWorker, 1, false));
      }
      const direct = median(directTimes);
      const worker = median(workerTimes);
      log(`copy ${rows.toLocaleString('en-AU')} rows: direct ${direct.toFixed(0)} ms, through the worker ${worker.toFixed(0)} ms`);
      lines.push({ name: `event run through the worker, ${rows.toLocaleString('en-AU')} rows`, value: worker, baseline: direct, unit: 'ms', higherIsBetter: false, target: 0.9, note: 'baseline: the same event called directly' });

      // The route's cost, not the recycling of connections: a keep-alive connection is not closed after
      // maxRequestsPerSocket requests here (the admin API answers 503 past it, and the load tool does not reconnect).
      const app = await buildAdminServer({ integrator, logger: createLogger(), uiDir: path.join(dir, 'no-ui'), connectionLimits: { ...ADMIN_CONNECTION_LIMITS, maxRequestsPerSocket: 0 } });
      const base = await listenAdmin(app, 0);
      const bare = Fastify();
      const fixed = integrator.status();
      bare.get('/status', async () => fixed);
      const bareBase = await listenAdmin(bare, 0);
      const load = async (url: string, headers?: Record<string, string>) => {
        const r = await autocannon({ url, connections: 10, duration: seconds, headers });
        if (r.non2xx || r.errors) throw new Error(`${url}: ${r.non2xx} non-2xx (${Object.entries(r.statusCodeStats ?? {}).map(([c, v]) => `${c}: ${v.count}`).join(', ')}), ${r.errors} errors`);
        return r.requests.average;
      };
      // Warm both servers up (JIT) before measuring; then alternate and keep the better of two rounds each.
      const adminHeaders = { authorization: `Bearer ${token}` };
      await autocannon({ url: `${bareBase}/status`, connections: 10, duration: 1 });
      await autocannon({ url: `${base}/api/status`, connections: 10, duration: 1, headers: adminHeaders });
      let baseline = 0;
      let status = 0;
      for (let round = 0; round < 2; round++) {
        baseline = Math.max(baseline, await load(`${bareBase}/status`));
        status = Math.max(status, await load(`${base}/api/status`, adminHeaders));
      }
      log(`GET status: bare fastify ${baseline.toFixed(0)} req/s, admin API ${status.toFixed(0)} req/s`);
      lines.push({ name: 'GET /api/status (token, Host check, saved-vs-applied diff)', value: status, baseline, unit: 'req/s', higherIsBetter: true, target: 0.3, note: 'baseline: bare fastify route returning a fixed status' });
      await app.close();
      await bare.close();
      await integrator.stop();
      delete EVENTS.statements;
      return lines;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
