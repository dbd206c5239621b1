// `integrator run` as a real child process on loopback: printed lines, runtime file, token, settings applied
// by restart, a DB removed and restored mid-run, SIGTERM during a long run, corrupt settings.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, integrator } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { seedCopyTables } from '../fixtures/workerFixtures.js';
import { readRuntime, runtimeFile } from '../../core/worker/runtimeFile.js';
import { demoInit } from '../../core/demo/demoData.js';
import { until } from '../helpers/until.js';

const PRELOAD = path.join(ROOT, 'test', 'fixtures', 'runPreload.ts');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Running {
  child: ChildProcess;
  out: string[];
  err: string[];
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/** The real CLI, with the test copy event and pricing service registered through --import. */
function startRun(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', PRELOAD, BIN, 'run', ...args], {
    cwd: ROOT,
    env: { ...process.env, INTEGRATOR_CONFIG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const out: string[] = [];
  const err: string[] = [];
  let buf = '';
  child.stdout!.on('data', (c: Buffer) => {
    buf += c.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    out.push(...parts);
  });
  child.stderr!.on('data', (c: Buffer) => err.push(...c.toString().split('\n').filter(Boolean)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (re: RegExp, timeoutMs = 20_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      for (const l of out) {
        const m = re.exec(l);
        if (m) return m;
      }
      if (Date.now() > end || child.exitCode !== null) throw new Error(`no line matching ${re}; stdout:\n${out.join('\n')}\nstderr:\n${err.join('\n')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { child, out, err, waitFor, exited };
}


async function install(name: string, rows: number, settings: Record<string, unknown>) {
  const dir = path.join(tmpDir('integrator-run-'), name);
  const file = path.join(dir, 'settings.json');
  // Ports 0: the printed lines must show the real ones.
  const base = { adminPort: 0, httpPort: 0, customerMasterSchedule: 'off', ordersSchedule: 'off', statementsSchedule: 'off', webAccountsSchedule: 'off', conversionsSchedule: 'off' };
  await demoInit({ dir, customers: 5, seed: 1, settings: { ...base, ...settings } });
  seedCopyTables(path.join(dir, 'erp.sqlite'), path.join(dir, 'web.sqlite'), rows);
  return { dir, file, erp: path.join(dir, 'erp.sqlite'), web: path.join(dir, 'web.sqlite') };
}

const webQuery = (web: string, sql: string) => {
  const db = new Database(web, { readonly: true });
  try {
    return db.prepare(sql).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
};

describe('integrator run', () => {
  it('prints the real URLs, needs the token, applies saved settings on restart, recovers from a DB removed mid-run, stops on SIGTERM', async () => {
    const s = await install('main', 200, {});
    const run = startRun(['--config', s.file, '--foreground']);
    const admin = await run.waitFor(/^Admin UI: (http:\/\/127\.0\.0\.1:(\d+))\/#token=(\S+)$/);
    const [, base, port, token] = admin;
    expect(Number(port)).toBeGreaterThan(0);
    // The token was created on first start and saved.
    expect(JSON.parse(fs.readFileSync(s.file, 'utf8')).adminToken).toBe(token);
    const pricing = await run.waitFor(/^Pricing listener: (http:\/\/127\.0\.0\.1:(\d+))$/);
    expect(Number(pricing[2])).toBeGreaterThan(0);
    expect((await fetch(`${pricing[1]}/price?product=row-2`)).status).toBe(200);
    await run.waitFor(/Integrator running \(foreground mode/);
    // Foreground: the log reaches the console as well.
    await until('a log line on the console', () => run.out.some((l) => /integrator started/.test(l)));

    const rt = readRuntime(s.dir)!;
    expect(rt).toMatchObject({ pid: run.child.pid, foreground: true, adminUrl: base, endpoints: { 'Pricing listener': pricing[1] } });
    // A second integrator on the same install is refused: every event would run twice at once.
    const second = integrator(['run', '--config', s.file], { timeout: 30_000 });
    expect(second.status).toBe(1);
    expect(second.err.trim()).toBe(`error: an integrator is already running for ${s.file} (pid ${run.child.pid}, admin UI ${base}); stop it first`);

    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    expect((await fetch(`${base}/api/status`)).status).toBe(401);
    const status = async () => (await (await fetch(`${base}/api/status`, { headers: auth })).json()) as {
      state: string;
      restartRequired: boolean;
      pendingChanges: string[];
      events: Array<{ event: string; schedule: string; lastRun: { status: string } | null; lastError: string | null }>;
    };
    expect(await status()).toMatchObject({ state: 'running', restartRequired: false });

    const put = await fetch(`${base}/api/settings`, { method: 'PUT', headers: auth, body: JSON.stringify({ statementsSchedule: 'every 1s' }) });
    expect(await put.json()).toEqual({ saved: ['statementsSchedule'], restartRequired: true, pendingChanges: ['statementsSchedule'] });
    expect(await status()).toMatchObject({ restartRequired: true, pendingChanges: ['statementsSchedule'] });
    expect((await fetch(`${base}/api/restart`, { method: 'POST', headers: auth })).status).toBe(202);
    await until('restart applied', async () => {
      const st = await status();
      return st.state === 'running' && !st.restartRequired && st.events.find((e) => e.event === 'statements')!.schedule === 'every 1s';
    });
    await until('the scheduled copy', () => webQuery(s.web, 'SELECT COUNT(*) AS n FROM dst')[0].n === 200);

    // The ERP file goes away: runs fail with the reason, the process keeps serving; it comes back: recovery.
    fs.renameSync(s.erp, `${s.erp}.away`);
    const failing = await until('a failed run', async () => (await status()).events.find((e) => e.event === 'statements' && e.lastError));
    expect(failing.lastError).toMatch(/database file not found/);
    expect(webQuery(s.web, "SELECT Error FROM IntegrationRun WHERE Status = 'Failed'")[0].Error).toMatch(/^ERP database not available: .*database file not found/);
    fs.renameSync(`${s.erp}.away`, s.erp);
    await until('recovery', async () => {
      const ev = (await status()).events.find((e) => e.event === 'statements')!;
      return ev.lastError === null && ev.lastRun?.status === 'Succeeded';
    });
    expect(run.child.exitCode).toBeNull();

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.out).toContain('Integrator stopped.');
    expect(fs.existsSync(runtimeFile(s.dir))).toBe(false);
    await expect(fetch(`${pricing[1]}/price?product=row-2`)).rejects.toThrow();
  });

  it('SIGTERM during a long run finishes the batch: the web DB is consistent and the next run converges', async () => {
    const s = await install('sigterm', 3000, {});
    const env = { TEST_COPY_BATCH: '50', TEST_COPY_PAUSE_MS: '40' };
    const run = startRun(['--config', s.file], env);
    const [, base, , token] = await run.waitFor(/^Admin UI: (http:\/\/127\.0\.0\.1:(\d+))\/#token=(\S+)$/);
    await run.waitFor(/Integrator running \(background mode/);
    const auth = { authorization: `Bearer ${token}` };
    const r = await fetch(`${base}/api/events/statements/run?all=1`, { method: 'POST', headers: auth });
    expect(r.status).toBe(202);
    // The run is in the history while it runs.
    const inFlight = await until('the run in history', async () => {
      const body = (await (await fetch(`${base}/api/runs`, { headers: auth })).json()) as { runs: Array<{ id: number; status: string; mode: string }> };
      return body.runs.find((x) => x.status === 'Running');
    });
    expect(inFlight.mode).toBe('All');
    await until('a few batches', () => Number(webQuery(s.web, 'SELECT COUNT(*) AS n FROM dst')[0].n) >= 200);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    // Background mode: only the product's own lines on stdout, the log in files.
    expect(run.out.filter(Boolean).every((l) => /^(Admin UI|Pricing listener|Integrator running|Stopping|Integrator stopped)/.test(l))).toBe(true);
    expect(fs.readFileSync(path.join(s.dir, 'logs', 'integrator.log'), 'utf8')).toMatch(/finishing the current batch/);

    const copied = webQuery(s.web, 'SELECT COUNT(*) AS n, MAX(Id) AS m FROM dst')[0];
    expect(Number(copied.n)).toBeLessThan(3000);
    expect(Number(copied.n) % 50).toBe(0);
    expect(copied.m).toBe(copied.n);
    const rec = webQuery(s.web, `SELECT Status, Written, Error FROM IntegrationRun WHERE Id = ${inFlight.id}`)[0];
    expect(rec).toMatchObject({ Status: 'Stopped', Written: copied.n });
    expect(webQuery(s.web, "SELECT COUNT(*) AS n FROM IntegrationRun WHERE Status = 'Running'")[0].n).toBe(0);

    const again = startRun(['--config', s.file], { TEST_COPY_BATCH: '500' });
    const [, base2] = await again.waitFor(/^Admin UI: (http:\/\/127\.0\.0\.1:\d+)\//);
    expect((await fetch(`${base2}/api/events/statements/run`, { method: 'POST', headers: auth })).status).toBe(202);
    await until('converged', () => webQuery(s.web, "SELECT COUNT(*) AS n FROM IntegrationRun WHERE Status = 'Succeeded'")[0].n === 1);
    expect(webQuery(s.web, 'SELECT COUNT(*) AS n, COUNT(DISTINCT Id) AS d FROM dst')[0]).toEqual({ n: 3000, d: 3000 });
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  });

  it('killed mid-run (no chance to stop): the next start marks the run Failed and a rerun converges', async () => {
    const s = await install('sigkill', 2000, {});
    const run = startRun(['--config', s.file], { TEST_COPY_BATCH: '50', TEST_COPY_PAUSE_MS: '40' });
    const [, base, , token] = await run.waitFor(/^Admin UI: (http:\/\/127\.0\.0\.1:(\d+))\/#token=(\S+)$/);
    const auth = { authorization: `Bearer ${token}` };
    const { runId } = (await (await fetch(`${base}/api/events/statements/run`, { method: 'POST', headers: auth })).json()) as { runId: number };
    await until('a few batches', () => Number(webQuery(s.web, 'SELECT COUNT(*) AS n FROM dst')[0].n) >= 100);
    run.child.kill('SIGKILL');
    await run.exited;
    expect(webQuery(s.web, `SELECT Status FROM IntegrationRun WHERE Id = ${runId}`)[0].Status).toBe('Running');

    const committed = Number(webQuery(s.web, 'SELECT COUNT(*) AS n FROM dst')[0].n);
    const again = startRun(['--config', s.file], { TEST_COPY_BATCH: '500' });
    const [, base2] = await again.waitFor(/^Admin UI: (http:\/\/127\.0\.0\.1:\d+)\//);
    const killed = webQuery(s.web, `SELECT Status, Error, Read, Written FROM IntegrationRun WHERE Id = ${runId}`)[0];
    expect(killed).toMatchObject({ Status: 'Failed', Error: expect.stringMatching(/^interrupted/) });
    // Recorded with the counts it reached (kept as it went, so at most the last batch behind), not zeros.
    expect(Number(killed.Written)).toBeGreaterThan(0);
    expect(Number(killed.Written)).toBeLessThanOrEqual(committed);
    expect(committed - Number(killed.Written)).toBeLessThanOrEqual(50);
    expect(Number(killed.Read)).toBeGreaterThanOrEqual(Number(killed.Written));
    expect((await fetch(`${base2}/api/events/statements/run`, { method: 'POST', headers: auth })).status).toBe(202);
    await until('converged', () => webQuery(s.web, "SELECT COUNT(*) AS n FROM IntegrationRun WHERE Status = 'Succeeded'")[0].n === 1);
    expect(webQuery(s.web, 'SELECT COUNT(*) AS n, COUNT(DISTINCT Id) AS d FROM dst')[0]).toEqual({ n: 2000, d: 2000 });
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('a schedule that can never run: refused at save time; already in the file, that event is off with the reason and the rest runs', async () => {
    const s = await install('bad-schedule', 30, { statementsSchedule: 'every 1s' });
    const set = integrator(['settings', 'set', 'customerMasterSchedule', '*/0 * * * *', '--config', s.file]);
    expect(set.status).toBe(1);
    expect(set.err.trim()).toMatch(/^error: not saved: Customer Master Schedule \(customerMasterSchedule\) is not a valid cron expression: .*stepping: 0/);
    // Written by hand (or by an older version that accepted it).
    const saved = JSON.parse(fs.readFileSync(s.file, 'utf8'));
    fs.writeFileSync(s.file, JSON.stringify({ ...saved, customerMasterSchedule: '*/0 * * * *' }, null, 2));
    const validate = integrator(['settings', 'validate', '--config', s.file]);
    expect(validate.status).toBe(1);
    expect(validate.err).toMatch(/Customer Master Schedule \(customerMasterSchedule\) is not a valid cron expression/);

    const run = startRun(['--config', s.file]);
    const [, base, , token] = await run.waitFor(/^Admin UI: (http:\/\/127\.0\.0\.1:(\d+))\/#token=(\S+)$/);
    const status = async () => (await (await fetch(`${base}/api/status`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      state: string;
      events: Array<{ event: string; nextRunAt: string | null; lastError: string | null; lastRun: { status: string } | null }>;
    };
    const cm = (await status()).events.find((e) => e.event === 'customer-master')!;
    expect(cm.nextRunAt).toBeNull();
    expect(cm.lastError).toMatch(/^not a valid schedule "\*\/0 \* \* \* \*": .*; Customer Master is off until Customer Master Schedule is fixed$/);
    await until('the other events run', async () => (await status()).events.find((e) => e.event === 'statements')!.lastRun?.status === 'Succeeded');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('a clean stop exits 0 whatever phase the signal lands in: starting, just after a run, repeated after the stop', async () => {
    const s = await install('signals', 40, { statementsSchedule: 'every 1s' });
    // While starting: before the admin API is up.
    const starting = startRun(['--config', s.file, '--foreground'], { TEST_COPY_BATCH: '10' });
    await starting.waitFor(/^Admin UI: /);
    starting.child.kill('SIGTERM');
    expect(await starting.exited, `starting: ${starting.child.signalCode} ${starting.out.join("|")} ${starting.err.join("|")}`).toBe(0);
    expect(starting.out).toContain('Integrator stopped.');

    // Just after a run's "succeeded" line, with the signal repeated (a wrapper forwarding it, an impatient admin)
    // before and after the stop has finished.
    const after = startRun(['--config', s.file, '--foreground'], { TEST_COPY_BATCH: '10' });
    await after.waitFor(/Statements succeeded/);
    // From the first signal on, another with every line the process prints, the last ones after its stop.
    after.child.stdout!.on('data', () => after.child.kill('SIGTERM'));
    after.child.kill('SIGTERM');
    expect(await after.exited, `after: ${after.child.signalCode} ${after.out.slice(-5).join("|")} ${after.err.join("|")}`).toBe(0);
    expect(after.child.signalCode).toBeNull();
    expect(after.out).toContain('Integrator stopped.');
  });

  it('a corrupt or missing settings file: one clear line and a non-zero exit', async () => {
    const dir = tmpDir('integrator-run-bad-');
    const file = path.join(dir, 'settings.json');
    fs.writeFileSync(file, '{\n  "httpPort": 8085,\n  "adminPort": \n}\n');
    const r = integrator(['run', '--config', file], { timeout: 30_000 });
    expect(r.status).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: settings file .*settings\.json is not valid JSON at line 4/);
    expect(fs.readFileSync(file, 'utf8')).toContain('"adminPort": \n');
    const missing = integrator(['run', '--config', path.join(dir, 'none.json')], { timeout: 30_000 });
    expect(missing.status).toBe(1);
    expect(missing.err.trim()).toMatch(/^error: no settings file at .*none\.json/);
    fs.writeFileSync(file, JSON.stringify({ httpPort: 'abc', erpDsn: 'sqlite:erp.sqlite' }));
    const invalid = integrator(['run', '--config', file], { timeout: 30_000 });
    expect(invalid.status).toBe(1);
    expect(invalid.err.trim().split('\n')).toHaveLength(1);
    expect(invalid.err).toMatch(/HTTP Port \(httpPort\) must be a port number/);
  });

  it('an admin port in use: one clear line, exit 1, nothing left behind', async () => {
    const blocker = http.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const s = await install('port-in-use', 1, { adminPort: port });
      const r = integrator(['run', '--config', s.file], { timeout: 30_000 });
      expect(r.status).toBe(1);
      expect(r.err.trim()).toMatch(new RegExp(`^error: the admin API cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
      expect(fs.existsSync(runtimeFile(s.dir))).toBe(false);
    } finally {
      blocker.close();
    }
  });
});
