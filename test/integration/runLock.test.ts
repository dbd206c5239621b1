// One runner per event, wherever runs start: real CLI processes and a real `integrator run` on one SQLite web
// database, killed and stopped with real signals; and the lock itself on a real file with a clock of its own.
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { until } from '../helpers/until.js';
import { spawnIntegrator, type Spawned } from '../helpers/cli.js';
import { demoInit } from '../../core/demo/demoData.js';
import { seedCopyTables } from '../fixtures/workerFixtures.js';
import { webPool } from '../../core/run/connections.js';
import { RunLock, RunRefusedError, liveLocks, type LockHolder } from '../../core/run/runLock.js';
import { markGhostRuns } from '../../core/run/runPipeline.js';
import { queryRows } from '../helpers/sqliteQuery.js';

const root = tmpDir('integrator-lock-');
const children: Spawned[] = [];
afterAll(() => {
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
});

const start = (args: string[], options: { preload?: boolean; env?: Record<string, string> } = {}) => {
  const s = spawnIntegrator(args, options);
  children.push(s);
  return s;
};

/** A demo install with the test copy tables: `rows` rows for the test Statements event to copy. */
async function install(name: string, rows: number, customers = 5) {
  const dir = path.join(root, name);
  const base = { adminPort: 0, httpPort: 0, enableLivePricingAvailabilityListener: false, nightlyRestartTime: '', customerMasterSchedule: 'off', ordersSchedule: 'off', statementsSchedule: 'off', webAccountsSchedule: 'off', conversionsSchedule: 'off' };
  const r = await demoInit({ dir, customers, seed: 4, settings: { ...base, batchSize: 300 } });
  seedCopyTables(r.erp, r.web, rows);
  return { dir, file: r.settings, erp: r.erp, web: r.web };
}

const HOLDER = /\((?:run (\d+), )?started \d{2}:\d{2}:\d{2} by (integrator send|integrator run) on (\S+) pid (\d+)\)$/;

describe('one runner per event across processes', () => {
  it('two CLI Send Alls of Customer Master at once: one runs, the other is refused naming it, and the run is whole', async () => {
    const s = await install('two-send-alls', 1, 12_000);
    const debtors = Number(queryRows(s.erp, 'SELECT COUNT(*) AS n FROM deb_master')[0].n);
    const a = start(['send', 'customer-master', '--all', '--config', s.file]);
    const b = start(['send', 'customer-master', '--all', '--config', s.file]);
    const [ca, cb] = await Promise.all([a.exited, b.exited]);
    expect([ca, cb].sort(), [...a.err, ...b.err].join('\n')).toEqual([0, 1]);
    const [winner, loser] = ca === 0 ? [a, b] : [b, a];
    const line = loser.err.join('\n').trim();
    expect(line).toMatch(/^error: Customer Master is already running \(/);
    const m = HOLDER.exec(line)!;
    expect(m, line).not.toBeNull();
    expect({ command: m[2], host: m[3], pid: Number(m[4]) }).toEqual({ command: 'integrator send', host: os.hostname(), pid: winner.child.pid });
    // The winner read every debtor from the start: nobody else's checkpoint, no second run beside it.
    expect(winner.out.join('\n')).toMatch(new RegExp(`^Customer Master \\(Send All\\) succeeded: read ${debtors}, `));
    expect(queryRows(s.web, `SELECT Status, Mode FROM IntegrationRun WHERE Event = 'customer-master'`)).toEqual([{ Status: 'Succeeded', Mode: 'SendAll' }]);
    expect(queryRows(s.web, `SELECT COUNT(*) AS n FROM IntegrationState WHERE [Key] = 'customer-master:send-all:resume'`)[0].n).toBe(0);
  });

  it('Customer Conversions is refused in another process while a Customer Master Send All runs, naming it', async () => {
    const s = await install('conversions-beside', 1, 12_000);
    const cm = start(['send', 'customer-master', '--all', '--config', s.file]);
    await until('the Send All under way', () => queryRows(s.web, `SELECT COUNT(*) AS n FROM IntegrationRun WHERE Event = 'customer-master' AND Status = 'Running'`)[0]?.n === 1);
    const conv = start(['process-pending-conversions', `sqlite:${s.web}`]);
    expect(await conv.exited).toBe(1);
    const line = conv.err.join('\n').trim();
    expect(line).toMatch(/^error: Customer Conversions waits: Customer Master is running and includes its work \(/);
    expect(HOLDER.exec(line)?.slice(2)).toEqual(['integrator send', os.hostname(), String(cm.child.pid)]);
    expect(await cm.exited, cm.err.join('\n')).toBe(0);
    expect(queryRows(s.web, `SELECT COUNT(*) AS n FROM IntegrationRun WHERE Event = 'conversions'`)[0].n).toBe(0);
  });

  it('a CLI send beside a running integrator\'s run of the event is refused naming it; the API refuses the reverse with 409', async () => {
    const s = await install('beside-run', 3000);
    const slow = { TEST_COPY_BATCH: '50', TEST_COPY_PAUSE_MS: '40' };
    const run = start(['run', '--config', s.file], { preload: true, env: slow });
    const [, base, , token] = await run.waitFor(/^Admin UI: (http:\/\/127\.0\.0\.1:(\d+))\/#token=(\S+)$/);
    const auth = { authorization: `Bearer ${token}` };
    const posted = await fetch(`${base}/api/events/statements/run`, { method: 'POST', headers: auth });
    expect(posted.status).toBe(202);
    const { runId } = (await posted.json()) as { runId: number };
    expect(runId).toEqual(expect.any(Number));
    await until('a few batches', () => Number(queryRows(s.web, 'SELECT COUNT(*) AS n FROM dst')[0].n) >= 100);

    const send = start(['send', 'statements', '--config', s.file], { preload: true });
    expect(await send.exited).toBe(1);
    const line = send.err.join('\n').trim();
    expect(line).toMatch(/^error: Statements is already running \(/);
    expect(HOLDER.exec(line)?.slice(1)).toEqual([String(runId), 'integrator run', os.hostname(), String(run.child.pid)]);
    // The refused send left no run and wrote nothing of its own.
    expect(queryRows(s.web, `SELECT COUNT(*) AS n FROM IntegrationRun WHERE Event = 'statements'`)[0].n).toBe(1);

    // The integrator's run ends; now a CLI send holds the event and the admin API's Run is refused, naming it.
    await until('the integrator run done', () => queryRows(s.web, `SELECT Status FROM IntegrationRun WHERE Id = ${runId}`)[0].Status === 'Succeeded');
    const db = new Database(s.web);
    db.exec('DELETE FROM dst');
    db.close();
    const cli = start(['send', 'statements', '--config', s.file], { preload: true, env: slow });
    await until('the CLI run under way', () => queryRows(s.web, `SELECT COUNT(*) AS n FROM IntegrationRun WHERE Event = 'statements' AND Status = 'Running'`)[0].n === 1);
    const refused = await fetch(`${base}/api/events/statements/run`, { method: 'POST', headers: auth });
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { accepted: boolean; message: string };
    expect(body.accepted).toBe(false);
    expect(body.message).toMatch(/^Statements is already running \(/);
    expect(HOLDER.exec(body.message)?.slice(2)).toEqual(['integrator send', os.hostname(), String(cli.child.pid)]);
    cli.child.kill('SIGINT');
    await cli.exited;
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('a send killed with SIGKILL while it holds the lock: the next send runs at once and the killed run is recorded as interrupted', async () => {
    const s = await install('sigkill', 4000);
    const slow = { TEST_COPY_BATCH: '50', TEST_COPY_PAUSE_MS: '40' };
    const first = start(['send', 'statements', '--config', s.file], { preload: true, env: slow });
    await until('a few batches', () => Number(queryRows(s.web, 'SELECT COUNT(*) AS n FROM dst')[0].n) >= 100);
    first.child.kill('SIGKILL');
    await first.exited;
    // Its heartbeat is fresh, but its process is gone from this host: nobody waits for the heartbeat to go stale.
    const next = start(['send', 'statements', '--config', s.file], { preload: true, env: { TEST_COPY_BATCH: '500' } });
    expect(await next.exited, next.err.join('\n')).toBe(0);
    expect(queryRows(s.web, 'SELECT COUNT(*) AS n, COUNT(DISTINCT Id) AS d FROM dst')[0]).toEqual({ n: 4000, d: 4000 });
    expect(queryRows(s.web, `SELECT Status, Error FROM IntegrationRun WHERE Event = 'statements' ORDER BY Id`)).toEqual([
      { Status: 'Failed', Error: expect.stringMatching(/^interrupted/) },
      { Status: 'Succeeded', Error: null },
    ]);
  });

  it('a holder that stops answering (SIGSTOP) is refused to others while its heartbeat is fresh, taken over once stale, and stands down when it wakes', async () => {
    const s = await install('sigstop', 4000);
    const timing = { heartbeatMs: 200, staleMs: 3000 };
    const lockEnv = { TEST_LOCK_HEARTBEAT_MS: String(timing.heartbeatMs), TEST_LOCK_STALE_MS: String(timing.staleMs) };
    const sleeper = start(['send', 'statements', '--config', s.file], { preload: true, env: { ...lockEnv, TEST_COPY_BATCH: '50', TEST_COPY_PAUSE_MS: '60' } });
    await until('a few batches', () => Number(queryRows(s.web, 'SELECT COUNT(*) AS n FROM dst')[0].n) >= 100);
    // Stopped between two batches (just after one commits), as a hung process would be: it holds no write lock.
    const watch = new Database(s.web, { readonly: true });
    const copied = () => Number(watch.prepare('SELECT COUNT(*) AS n FROM dst').pluck().get());
    const before = copied();
    while (copied() === before) await new Promise((r) => setTimeout(r, 2));
    sleeper.child.kill('SIGSTOP');
    watch.close();
    const pool = webPool(`sqlite:${s.web}`, { baseDir: s.dir });
    try {
      // While its heartbeat is fresh, another start is refused, naming the stopped process.
      const early = await RunLock.take(pool, await pool.borrow(), { event: 'statements', trigger: 'cli', holder: other(7) }, { timing }).catch((e: unknown) => e);
      expect(early).toBeInstanceOf(RunRefusedError);
      expect(HOLDER.exec((early as Error).message)?.slice(2)).toEqual(['integrator send', os.hostname(), String(sleeper.child.pid)]);
      // Once it is stale, a send that keeps trying gets the lock, with nobody waking the sleeper.
      const taker = await until(
        'the stale lock taken over',
        async () => {
          const t = start(['send', 'statements', '--config', s.file], { preload: true, env: { ...lockEnv, TEST_COPY_BATCH: '500' } });
          if ((await t.exited) === 0) return t;
          expect(t.err.join('\n')).toMatch(/^error: Statements is already running \(/);
          return null;
        },
        60_000,
        100,
      );
      expect(taker.err.join('\n')).not.toMatch(/error/);
      expect(sleeper.child.exitCode).toBeNull();
    } finally {
      sleeper.child.kill('SIGCONT');
      await pool.close();
    }
    // Woken, the old holder finds its lock gone and stops after its batch: no two runners go on together.
    expect(await sleeper.exited).toBe(1);
    expect(sleeper.out.join('\n')).toMatch(/Statements \(Send Changed\) stopped/);
    expect(queryRows(s.web, 'SELECT COUNT(*) AS n, COUNT(DISTINCT Id) AS d FROM dst')[0]).toEqual({ n: 4000, d: 4000 });
  });
});

const other = (pid = 4242): LockHolder => ({ command: 'integrator run', host: 'erp-gateway-2', pid });

describe('the run lock on a SQLite web database', () => {
  async function lockDb(name: string) {
    const r = await install(name, 1);
    const pool = webPool(`sqlite:${r.web}`, { baseDir: r.dir });
    return { pool, web: await pool.borrow(), file: r.web };
  }

  it('refuses a second start of the event and of the event that includes its work, naming the holder; release lets the next one in', async () => {
    const { pool, web } = await lockDb('lock-basics');
    try {
      const held = await RunLock.take(pool, web, { event: 'customer-master', trigger: 'schedule', holder: other() });
      await held.attachRun(42);
      const again = await RunLock.take(pool, web, { event: 'customer-master', trigger: 'cli', holder: other(7) }).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(RunRefusedError);
      expect((again as Error).message).toMatch(/^Customer Master is already running \(run 42, started \d{2}:\d{2}:\d{2} by integrator run on erp-gateway-2 pid 4242\)$/);
      const conv = await RunLock.take(pool, web, { event: 'conversions', trigger: 'cli', holder: other(7) }).catch((e: unknown) => e);
      expect((conv as Error).message).toMatch(/^Customer Conversions waits: Customer Master is running and includes its work \(run 42, /);
      // Another event has a lock of its own.
      const orders = await RunLock.take(pool, web, { event: 'orders', trigger: 'cli', holder: other(7) });
      expect((await liveLocks(web)).map((h) => h.event).sort()).toEqual(['customer-master', 'orders']);
      await orders.release();
      await held.release();
      const next = await RunLock.take(pool, web, { event: 'conversions', trigger: 'cli', holder: other(7) });
      await next.release();
      expect(await liveLocks(web)).toEqual([]);
    } finally {
      await pool.close();
    }
  });

  it('a heartbeat gone stale is taken over then, not before; the old holder learns it lost the lock', async () => {
    const { pool, web } = await lockDb('lock-stale');
    try {
      const timing = { heartbeatMs: 60_000, staleMs: 30_000 };
      const t0 = Date.parse('2025-06-02T10:00:00Z');
      let now = t0;
      const clock = { timing, now: () => now };
      const held = await RunLock.take(pool, web, { event: 'statements', trigger: 'schedule', holder: other() }, clock);
      now = t0 + timing.staleMs - 1;
      await expect(RunLock.take(pool, web, { event: 'statements', trigger: 'cli', holder: other(7) }, clock)).rejects.toThrow(/already running/);
      now = t0 + timing.staleMs;
      const taker = await RunLock.take(pool, web, { event: 'statements', trigger: 'cli', holder: other(7) }, clock);
      expect(held.lost.aborted).toBe(false);
      // The old holder's next heartbeat finds the lock another's.
      await (held as unknown as { beat(): Promise<void> }).beat();
      expect(held.lost.aborted).toBe(true);
      await held.release();
      // Its release leaves the new holder's lock alone.
      now = t0 + timing.staleMs + 1;
      await expect(RunLock.take(pool, web, { event: 'statements', trigger: 'cli', holder: other(9) }, clock)).rejects.toThrow(/pid 7\)$/);
      await taker.release();
    } finally {
      await pool.close();
    }
  });

  it('a lock of a process gone from this host is taken at once; a start marks only the runs nobody holds as interrupted', async () => {
    const { pool, web, file } = await lockDb('lock-dead');
    try {
      const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      const deadPid = Number(gone.stdout);
      await RunLock.take(pool, web, { event: 'orders', trigger: 'cli', holder: { command: 'integrator send', host: os.hostname(), pid: deadPid } });
      const live = await RunLock.take(pool, web, { event: 'statements', trigger: 'cli', holder: other() });
      const db = new Database(file);
      db.exec(`INSERT INTO IntegrationRun (Event, Mode, StartedAt, Status) VALUES ('orders', 'SendChanged', '2025-06-02T10:00:00Z', 'Running'), ('statements', 'Changed', '2025-06-02T10:00:00Z', 'Running')`);
      db.close();
      expect(await markGhostRuns(web)).toBe(1);
      expect(queryRows(file, `SELECT Event, Status FROM IntegrationRun ORDER BY Event`)).toEqual([
        { Event: 'orders', Status: 'Failed' },
        { Event: 'statements', Status: 'Running' },
      ]);
      const taken = await RunLock.take(pool, web, { event: 'orders', trigger: 'cli', holder: other(7) });
      await taken.release();
      await live.release();
    } finally {
      await pool.close();
    }
  });
});
