// The running Integrator in-process, with real SQLite files, a real copy event and a real HTTP service.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { EVENTS } from '../../core/events/registry.js';
import { Integrator } from '../../core/worker/integrator.js';
import { saveSettings, writeSettingsFile } from '../../core/settings/settingsFile.js';
import { defaultSettings } from '../../core/contracts/settings.schema.js';
import { createLogger } from '../../core/logging/logger.js';
import { FatalError, RetryableError } from '../../core/errors.js';
import { concurrency, copyEvent, fatalEvent, flakyEvent, seedCopyTables, testPricingService, SCHEDULES_OFF } from '../fixtures/workerFixtures.js';
import { until } from '../helpers/until.js';
import { queryRows } from '../helpers/sqliteQuery.js';


function install(root: string, name: string, rows: number, extra: Record<string, unknown> = {}) {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'settings.json');
  writeSettingsFile(file, { ...defaultSettings(), ...SCHEDULES_OFF, erpDsn: 'sqlite:erp.sqlite', webDsn: 'sqlite:web.sqlite', enableLivePricingAvailabilityListener: false, nightlyRestartTime: '', ...extra });
  seedCopyTables(path.join(dir, 'erp.sqlite'), path.join(dir, 'web.sqlite'), rows);
  return { dir, file, erp: path.join(dir, 'erp.sqlite'), web: path.join(dir, 'web.sqlite') };
}


const logger = createLogger();
let root: string;
const started: Integrator[] = [];
const make = (file: string, extra: Partial<ConstructorParameters<typeof Integrator>[0]> = {}) => {
  const i = new Integrator({ settingsFile: file, foreground: false, logger, services: [], retryBaseMs: 150, retryMaxMs: 600, firstRunDelayMs: 10, ...extra });
  started.push(i);
  return i;
};

beforeAll(() => {
  root = tmpDir('integrator-worker-');
});
afterEach(async () => {
  for (const i of started.splice(0)) await i.stop();
  for (const k of Object.keys(EVENTS)) delete EVENTS[k as keyof typeof EVENTS];
  concurrency.max = 0;
});

describe('the running integrator', () => {
  it('runs an event on its schedule, never two runs of one event at once', async () => {
    const s = install(root, 'schedule', 60, { statementsSchedule: 'every 1s' });
    EVENTS.statements = copyEvent('statements', { batch: 20, pauseMs: 200 });
    const integrator = make(s.file);
    await integrator.start();
    const st = integrator.status().events.find((e) => e.event === 'statements')!;
    expect(st.schedule).toBe('every 1s');
    expect(st.nextRunAt).not.toBeNull();
    // Events nobody registered are not scheduled.
    expect(integrator.status().events.find((e) => e.event === 'orders')!.nextRunAt).toBeNull();
    await until('the scheduled run to start', () => integrator.status().events.find((e) => e.event === 'statements')!.running);
    const again = integrator.runNow('statements');
    expect(again.accepted).toBe(false);
    expect(again.message).toMatch(/already running/);
    await until('two scheduled runs recorded', () => queryRows(s.web, "SELECT * FROM IntegrationRun WHERE Event = 'statements' AND Status = 'Succeeded'").length >= 2);
    expect(concurrency.max).toBe(1);
    expect(queryRows(s.web, 'SELECT COUNT(*) AS n FROM dst')[0].n).toBe(60);
  });

  it('conversions never run beside Customer Master, which includes them as its follow-on step', async () => {
    const s = install(root, 'exclusive', 300, { conversionsSchedule: 'every 1s' });
    EVENTS['customer-master'] = copyEvent('customer-master', { batch: 20, pauseMs: 60 });
    const conversions = flakyEvent('conversions', 0);
    EVENTS.conversions = conversions;
    const integrator = make(s.file, { firstRunDelayMs: 300, blockedRecheckMs: 100 });
    await integrator.start();
    const cm = integrator.runNow('customer-master');
    expect(cm.accepted).toBe(true);
    const refused = integrator.runNow('conversions');
    expect(refused).toMatchObject({ accepted: false, message: 'Customer Conversions waits: Customer Master is running and includes its work' });
    const cmOutcome = await cm.done!;
    expect(cmOutcome.status).toBe('Succeeded');
    expect(conversions.calls).toBe(0);
    // The schedule was due during the run (after 300 ms); it waited and ran once Customer Master had ended.
    await until('conversions after it', () => conversions.calls >= 1, 5000);
    const runs = queryRows(s.web, 'SELECT Event, StartedAt, FinishedAt FROM IntegrationRun ORDER BY Id');
    expect(runs[0].Event).toBe('customer-master');
    expect(runs[1].Event).toBe('conversions');
    expect(String(runs[1].StartedAt) >= String(runs[0].FinishedAt)).toBe(true);
  });

  it('stop lets the running batch finish: the web DB holds whole batches and the next run converges', async () => {
    const s = install(root, 'stop', 400);
    EVENTS.statements = copyEvent('statements', { batch: 25, pauseMs: 40 });
    const integrator = make(s.file);
    await integrator.start();
    const r = integrator.runNow('statements');
    expect(r.accepted).toBe(true);
    await until('two batches done', () => (integrator.progress()[0]?.done ?? 0) >= 50);
    await integrator.stop();
    const outcome = await r.done!;
    expect(outcome.status).toBe('Stopped');
    const copied = Number(queryRows(s.web, 'SELECT COUNT(*) AS n FROM dst')[0].n);
    expect(copied).toBeGreaterThan(0);
    expect(copied).toBeLessThan(400);
    expect(copied % 25).toBe(0);
    expect(queryRows(s.web, 'SELECT MAX(Id) AS m FROM dst')[0].m).toBe(copied);
    const run = queryRows(s.web, `SELECT * FROM IntegrationRun WHERE Id = ${outcome.runId}`)[0];
    expect(run.Status).toBe('Stopped');
    expect(run.Written).toBe(copied);

    await integrator.start();
    const second = integrator.runNow('statements');
    expect((await second.done!).status).toBe('Succeeded');
    expect(queryRows(s.web, 'SELECT COUNT(*) AS n, COUNT(DISTINCT Id) AS d, MAX(Id) AS m FROM dst')[0]).toEqual({ n: 400, d: 400, m: 400 });
    // A new process shows the last run from the history before it has run anything itself.
    await integrator.stop();
    const next = make(s.file);
    await next.start();
    expect(next.status().events.find((e) => e.event === 'statements')!.lastRun).toMatchObject({ status: 'Succeeded', written: 400 - copied });
  });

  it('a run without pauses still lets the process answer HTTP and take a stop between batches', async () => {
    // Enough rows that the copy is still going when the answer comes back, however fast the writes are.
    const s = install(root, 'responsive', 400_000);
    EVENTS.statements = copyEvent('statements', { batch: 500, pauseMs: 0 });
    const integrator = make(s.file);
    await integrator.start();
    let finished = false;
    // What the run had done when the request was answered. The whole copy lasts a few hundred milliseconds, and a
    // fetch takes several turns of the event loop (each a slice of the run): so the answer is judged where it is
    // given, and the stop is asked for there, while the run is provably still going.
    let answered: { done: number; finished: boolean } | null = null;
    const server = http.createServer((_req, res) => {
      answered ??= { done: integrator.progress()[0]?.done ?? 0, finished };
      void integrator.stop();
      res.end('pong');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
      const r = integrator.runNow('statements');
      void r.done!.then(() => (finished = true));
      await until('the copy under way', () => (integrator.progress()[0]?.done ?? 0) > 0);
      expect(await (await fetch(url)).text()).toBe('pong');
      expect(answered!.finished).toBe(false);
      expect(answered!.done).toBeGreaterThan(0);
      await integrator.stop();
      const outcome = await r.done!;
      expect(outcome.status).toBe('Stopped');
      expect(outcome.summary.written).toBeLessThan(400_000);
      expect(outcome.summary.written % 500).toBe(0);
    } finally {
      server.close();
    }
  });

  it('the ERP file disappearing gives failed runs with the reason, and the retry recovers when it returns', async () => {
    const s = install(root, 'erp-gone', 30);
    EVENTS.statements = copyEvent('statements', { batch: 10, pauseMs: 0 });
    const integrator = make(s.file);
    await integrator.start();
    fs.renameSync(s.erp, `${s.erp}.away`);
    const r = integrator.runNow('statements');
    const failed = await r.done!;
    expect(failed.status).toBe('Failed');
    expect(failed.error).toMatch(/database file not found: .*erp\.sqlite/);
    let st = integrator.status();
    expect(st.erp.ok).toBe(false);
    expect(st.erp.error).toMatch(/not found/);
    const ev = st.events.find((e) => e.event === 'statements')!;
    expect(ev.lastError).toMatch(/not found/);
    expect(ev.retryAt).not.toBeNull();
    expect(ev.nextRunAt).toBe(ev.retryAt);
    // A run is on record for the failure too.
    expect(queryRows(s.web, "SELECT Status, Error FROM IntegrationRun WHERE Event = 'statements'")[0]).toMatchObject({ Status: 'Failed' });
    await until('a second retry to fail', () => queryRows(s.web, "SELECT * FROM IntegrationRun WHERE Status = 'Failed'").length >= 2);
    fs.renameSync(`${s.erp}.away`, s.erp);
    await until('the retry to succeed', () => queryRows(s.web, "SELECT * FROM IntegrationRun WHERE Status = 'Succeeded'").length === 1);
    st = integrator.status();
    expect(st.erp.ok).toBe(true);
    expect(st.events.find((e) => e.event === 'statements')!.lastError).toBeNull();
    expect(queryRows(s.web, 'SELECT COUNT(*) AS n FROM dst')[0].n).toBe(30);
  });

  it('the web DB file disappearing: failed runs with the reason, recovery when it is back', async () => {
    const s = install(root, 'web-gone', 30);
    EVENTS.statements = copyEvent('statements', { batch: 10, pauseMs: 0 });
    const integrator = make(s.file);
    await integrator.start();
    fs.renameSync(s.web, `${s.web}.away`);
    const failed = await integrator.runNow('statements').done!;
    expect(failed.status).toBe('Failed');
    expect(failed.error).toMatch(/database file not found: .*web\.sqlite/);
    expect(integrator.status().web).toMatchObject({ ok: false });
    expect(fs.existsSync(s.web)).toBe(false); // never recreated empty behind the admin's back
    fs.renameSync(`${s.web}.away`, s.web);
    await until('recovery', () => integrator.status().events.find((e) => e.event === 'statements')!.lastRun?.status === 'Succeeded');
    expect(integrator.status().web.ok).toBe(true);
    expect(queryRows(s.web, 'SELECT COUNT(*) AS n FROM dst')[0].n).toBe(30);
    // The run that failed while the database was away is in the history now that it is back, before the success.
    const runs = queryRows(s.web, "SELECT Status, Mode, StartedAt, FinishedAt, Error FROM IntegrationRun WHERE Event = 'statements' ORDER BY StartedAt, Id");
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs[0]).toMatchObject({ Status: 'Failed', Mode: 'Changed', StartedAt: expect.any(String), FinishedAt: expect.any(String), Error: expect.stringMatching(/^web database not available: .*database file not found/) });
    expect(runs.at(-1)).toMatchObject({ Status: 'Succeeded' });
    expect(runs.slice(0, -1).every((r) => r.Status === 'Failed')).toBe(true);
  });

  it('retryable failures retry with growing delays; fatal ones are reported and not retried', async () => {
    const s = install(root, 'retry', 1);
    const flaky = flakyEvent('orders', 2);
    EVENTS.orders = flaky;
    EVENTS['web-accounts'] = fatalEvent('web-accounts', new FatalError('customer class WEB is not defined in the ERP'));
    const integrator = make(s.file);
    await integrator.start();
    expect((await integrator.runNow('orders').done!).status).toBe('Failed');
    await until('two retries', () => flaky.calls >= 3, 10_000);
    const runs = queryRows(s.web, "SELECT Status, StartedAt FROM IntegrationRun WHERE Event = 'orders' ORDER BY Id");
    expect(runs.map((r) => r.Status)).toEqual(['Failed', 'Failed', 'Succeeded']);
    const gaps = [1, 2].map((i) => Date.parse(String(runs[i].StartedAt)) - Date.parse(String(runs[i - 1].StartedAt)));
    expect(gaps[0]).toBeGreaterThanOrEqual(140);
    expect(gaps[1]).toBeGreaterThanOrEqual(290); // doubled

    const fatal = await integrator.runNow('web-accounts').done!;
    expect(fatal).toMatchObject({ status: 'Failed', retryable: false, error: 'customer class WEB is not defined in the ERP' });
    const ev = integrator.status().events.find((e) => e.event === 'web-accounts')!;
    expect(ev.retryAt).toBeNull();
    expect(ev.nextRunAt).toBeNull();
    expect(ev.lastError).toBe('customer class WEB is not defined in the ERP');
  });

  it('a retry repeats the run it retries, Send All included', async () => {
    const s = install(root, 'retry-mode', 1);
    const calls: boolean[] = [];
    EVENTS['customer-master'] = {
      name: 'customer-master',
      async run(_ctx, options) {
        calls.push(options.all);
        if (calls.length === 1) throw new RetryableError('lock timeout');
        return { read: 1, written: 1, skipped: 0, failed: 0 };
      },
    };
    const integrator = make(s.file);
    await integrator.start();
    expect((await integrator.runNow('customer-master', { all: true }).done!).status).toBe('Failed');
    await until('the retry', () => calls.length >= 2, 10_000);
    expect(calls).toEqual([true, true]);
    await until('the retry recorded', () => queryRows(s.web, "SELECT * FROM IntegrationRun WHERE Status = 'Succeeded'").length === 1);
    expect(queryRows(s.web, "SELECT Mode, Status FROM IntegrationRun WHERE Event = 'customer-master' ORDER BY Id")).toEqual([
      { Mode: 'SendAll', Status: 'Failed' },
      { Mode: 'SendAll', Status: 'Succeeded' },
    ]);
    expect(integrator.status().events.find((e) => e.event === 'customer-master')!.lastRun).toMatchObject({ mode: 'SendAll', status: 'Succeeded' });
  });

  it('while runs fail, the back-off decides when the next one starts, not a shorter schedule', async () => {
    const s = install(root, 'backoff-wins', 1, { ordersSchedule: 'every 1s' });
    const starts: number[] = [];
    EVENTS.orders = {
      name: 'orders',
      async run() {
        starts.push(Date.now());
        throw new RetryableError('database is locked');
      },
    };
    const integrator = make(s.file, { retryBaseMs: 1500, retryMaxMs: 6000 });
    await integrator.start();
    await until('three failed runs', () => starts.length >= 3, 20_000);
    const gaps = [starts[1] - starts[0], starts[2] - starts[1]];
    // The back-off said 1.5 s then 3 s; the schedule said every second.
    expect(gaps[0]).toBeGreaterThanOrEqual(1450);
    expect(gaps[1]).toBeGreaterThanOrEqual(2950);
    const ev = integrator.status().events.find((e) => e.event === 'orders')!;
    expect(ev.nextRunAt).toBe(ev.retryAt);
  });

  it('a database back from away: the run waiting out its back-off goes now, not after the back-off', async () => {
    const s = install(root, 'back-now', 20);
    EVENTS.statements = copyEvent('statements', { batch: 10, pauseMs: 0 });
    // A back-off of ten minutes: only the database coming back can bring the retry forward.
    const integrator = make(s.file, { retryBaseMs: 600_000, retryMaxMs: 600_000, healthCheckMs: 100 });
    await integrator.start();
    fs.renameSync(s.erp, `${s.erp}.away`);
    expect((await integrator.runNow('statements').done!).status).toBe('Failed');
    const waiting = integrator.status().events.find((e) => e.event === 'statements')!;
    expect(Date.parse(waiting.retryAt!) - Date.now()).toBeGreaterThan(500_000);
    fs.renameSync(`${s.erp}.away`, s.erp);
    await until('the retry to succeed', () => integrator.status().events.find((e) => e.event === 'statements')!.lastRun?.status === 'Succeeded');
    expect(integrator.status().events.find((e) => e.event === 'statements')!.retryAt).toBeNull();
    expect(queryRows(s.web, "SELECT Status FROM IntegrationRun WHERE Event = 'statements' ORDER BY Id").map((r) => r.Status)).toEqual(['Failed', 'Succeeded']);
  });

  it('status health is the last check with its time; a database gone shows at once', async () => {
    const s = install(root, 'health', 1);
    const integrator = make(s.file, { healthCheckMs: 200 });
    await integrator.start();
    const before = integrator.status();
    expect(before.web).toMatchObject({ ok: true, error: null, checkedAt: expect.any(String) });
    expect(before.erp).toMatchObject({ ok: true, checkedAt: expect.any(String) });
    const gone = Date.now();
    fs.renameSync(s.web, `${s.web}.away`);
    fs.renameSync(s.erp, `${s.erp}.away`);
    try {
      // The very next status says so, with the time of the check that saw it.
      const st = integrator.status();
      expect(st.web).toMatchObject({ ok: false, error: expect.stringMatching(/not found/) });
      expect(st.erp).toMatchObject({ ok: false, error: expect.stringMatching(/not found/) });
      expect(Date.parse(st.web.checkedAt!)).toBeGreaterThanOrEqual(gone - 5);
    } finally {
      fs.renameSync(`${s.web}.away`, s.web);
      fs.renameSync(`${s.erp}.away`, s.erp);
    }
    // Back: the next periodic check says ok again, at a later time.
    const after = await until('a later good check', () => {
      const st = integrator.status();
      return st.web.ok && st.erp.ok && Date.parse(st.web.checkedAt!) > gone ? st : null;
    });
    expect(after.web.error).toBeNull();
  });

  it('keeps the settings it started with; saved changes are pending until restart applies them', async () => {
    const s = install(root, 'restart', 1, { statementsSchedule: 'every 2h' });
    EVENTS.statements = copyEvent('statements', { batch: 10, pauseMs: 0 });
    const integrator = make(s.file);
    await integrator.start();
    expect(integrator.status()).toMatchObject({ restartRequired: false, pendingChanges: [] });
    saveSettings(s.file, { statementsSchedule: '*/5 * * * *', getNewOrdersTimeoutMinutes: 7 });
    expect(integrator.applied.statementsSchedule).toBe('every 2h');
    expect(integrator.status()).toMatchObject({ restartRequired: true, pendingChanges: ['getNewOrdersTimeoutMinutes', 'statementsSchedule'] });
    await integrator.restart();
    const st = integrator.status();
    expect(st).toMatchObject({ state: 'running', restartRequired: false, pendingChanges: [] });
    expect(integrator.applied.statementsSchedule).toBe('*/5 * * * *');
    const ev = st.events.find((e) => e.event === 'statements')!;
    expect(ev.schedule).toBe('*/5 * * * *');
    expect(new Date(ev.nextRunAt!).getMinutes() % 5).toBe(0);
    // A broken saved file does not stop a restart: the integrator keeps what it had and says why.
    fs.writeFileSync(s.file, '{ "httpPort": ');
    await integrator.restart();
    expect(integrator.state).toBe('running');
    expect(integrator.status().restartError).toMatch(/not valid JSON/);
  });

  it('the nightly restart picks up saved settings', async () => {
    // The integrator's clock says it is one second before the nightly restart time.
    const target = new Date(Date.now() + 3 * 3600_000);
    target.setSeconds(0, 0);
    const hhmm = `${String(target.getHours()).padStart(2, '0')}:${String(target.getMinutes()).padStart(2, '0')}`;
    const offset = target.getTime() - 1000 - Date.now();
    const s = install(root, 'nightly', 1, { nightlyRestartTime: hhmm });
    const integrator = make(s.file, { now: () => new Date(Date.now() + offset) });
    await integrator.start();
    expect(Date.parse(integrator.status().nightlyRestartAt!)).toBe(target.getTime());
    saveSettings(s.file, { ordersSchedule: 'every 3m' });
    expect(integrator.status().restartRequired).toBe(true);
    await until('the nightly restart', () => integrator.applied.ordersSchedule === 'every 3m', 5000);
    await until('running again', () => integrator.state === 'running');
    expect(integrator.status().restartRequired).toBe(false);
    expect(Date.parse(integrator.status().nightlyRestartAt!)).toBe(target.getTime() + 86_400_000);
  });

  it('starts enabled services, shows their endpoints, closes them on stop', async () => {
    const s = install(root, 'services', 3, { enableLivePricingAvailabilityListener: true });
    const integrator = make(s.file, { services: [testPricingService] });
    await integrator.start();
    const url = integrator.endpoints['Pricing listener'];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(integrator.status().pricingListener).toEqual({ enabled: true, url, error: null });
    expect(await (await fetch(`${url}/price?product=row-2`)).json()).toMatchObject({ unitPrice: 3 });
    expect(await integrator.pricingService()!.price({ product: 'row-3', customer: 'C1', warehouse: 'MEL', quantity: 2 })).toMatchObject({ unitPrice: 4.5, quantity: 2 });
    await integrator.stop();
    await expect(fetch(`${url}/price?product=row-2`)).rejects.toThrow();
    expect(integrator.pricingService()).toBeNull();
  });

  it('a service whose database is away at start starts by itself once it is back', async () => {
    const s = install(root, 'services-later', 3, { enableLivePricingAvailabilityListener: true });
    fs.renameSync(s.erp, `${s.erp}.away`);
    const integrator = make(s.file, { services: [testPricingService] });
    await integrator.start();
    expect(integrator.state).toBe('running');
    expect(integrator.status().pricingListener).toMatchObject({ enabled: true, url: null, error: expect.stringMatching(/not started: .*database file not found/) });
    fs.renameSync(`${s.erp}.away`, s.erp);
    const url = await until('the listener', () => integrator.endpoints['Pricing listener'], 5000);
    expect(await (await fetch(`${url}/price?product=row-1`)).json()).toMatchObject({ unitPrice: 1.5 });
    expect(integrator.status().pricingListener.error).toBeNull();
  });
});
