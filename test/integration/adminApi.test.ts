// The admin API over real HTTP on 127.0.0.1 (port 0), in front of a real Integrator and real SQLite files.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { readZip } from '../helpers/zip.js';
import { EVENTS } from '../../core/events/registry.js';
import { CUSTOMER_ACTIONS, ActionError } from '../../core/customers/actions.js';
import { Integrator } from '../../core/worker/integrator.js';
import { buildAdminServer, hostName, listenAdmin } from '../../core/admin/adminServer.js';
import { loadSettings, writeSettingsFile } from '../../core/settings/settingsFile.js';
import { defaultSettings } from '../../core/contracts/settings.schema.js';
import { createLogger } from '../../core/logging/logger.js';
import { logsDir } from '../../core/logging/exportLogs.js';
import { API, CheckConfigResponseSchema, ConversionsResponseSchema, CustomersResponseSchema, RunsResponseSchema, StatusSchema, TestPricingResponseSchema } from '../../core/contracts/adminApi.js';
import { copyEvent, seedCopyTables, testPricingService, SCHEDULES_OFF } from '../fixtures/workerFixtures.js';
import { until } from '../helpers/until.js';

const TOKEN = 'test-admin-token-0123456789';

let dir: string;
let file: string;
let web: string;
let integrator: Integrator;
let app: FastifyInstance;
let base: string;
let uiDir: string;
let realActivate: (typeof CUSTOMER_ACTIONS)[string] | undefined;

const auth = { authorization: `Bearer ${TOKEN}` };
async function api(method: string, route: string, body?: unknown, headers: Record<string, string> = auth) {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, headers: res.headers, body: type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer()) };
}

/** A request with a Host header of our choosing (fetch does not let us set it). */
function rawGet(route: string, host: string): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: u.port, path: route, headers: { host, ...auth } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The log lines the admin API wrote about a route (JSON lines of the integrator log). */
function logOf(route: string): Array<{ level: number; msg: string; status?: number }> {
  const text = fs.readFileSync(path.join(logsDir(loadSettings(file)), 'integrator.log'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { level: number; msg: string; url?: string; status?: number })
    .filter((l) => l.url === route);
}


beforeAll(async () => {
  dir = tmpDir('integrator-admin-');
  file = path.join(dir, 'settings.json');
  web = path.join(dir, 'web.sqlite');
  uiDir = path.join(dir, 'ui');
  writeSettingsFile(file, {
    ...defaultSettings(),
    ...SCHEDULES_OFF,
    erpDsn: 'sqlite:erp.sqlite',
    webDsn: 'sqlite:web.sqlite',
    adminToken: TOKEN,
    adminPort: 0,
    nightlyRestartTime: '',
    enableLivePricingAvailabilityListener: true,
    listenerApiKey: 'listener-secret-key',
  });
  seedCopyTables(path.join(dir, 'erp.sqlite'), web, 120);
  EVENTS.statements = copyEvent('statements', { batch: 20, pauseMs: 30 });
  // The real activation (another capability) may be registered: this test brings its own and puts it back.
  realActivate = CUSTOMER_ACTIONS.activate;
  CUSTOMER_ACTIONS.activate = {
    description: 'mark active',
    async run(ctx, code) {
      const r = await ctx.webDb.run(`UPDATE [Customer] SET [ActiveStatus] = 'PendingGetOrders' WHERE [CustomerCode] = @code AND [ActiveStatus] = 'Inactive'`, { code });
      if (!r.changes) throw new ActionError(`customer ${code} is not Inactive`, 409);
      return `customer ${code} marked active`;
    },
  };
  const logger = createLogger({ dir: logsDir(loadSettings(file)), secrets: [TOKEN, 'listener-secret-key'] });
  integrator = new Integrator({ settingsFile: file, foreground: false, logger, services: [testPricingService], firstRunDelayMs: 10 });
  await integrator.start();
  app = await buildAdminServer({ integrator, logger, uiDir });
  base = await listenAdmin(app, 0);

  const db = new Database(web);
  const ins = db.prepare(`INSERT INTO Customer (CustomerCode, Name, ActiveStatus, Email, IsDisabled, Source, ErpStatus) VALUES (?, ?, ?, ?, ?, 'ERP', ?)`);
  ins.run('C001', 'Acme Tools', 'Inactive', 'a@acme.test', 0, 'A');
  ins.run('C002', 'Bolt 100% Supplies', 'Active', 'b@bolt.test', 0, 'A');
  ins.run('C003', 'Closed Co', 'Inactive', null, 1, 'C');
  db.exec(`INSERT INTO WebUser (UserId, Email, IsDisabled) VALUES ('u1', 'u1@closed.test', 0), ('u2', 'u2@acme.test', 0)`);
  db.exec(`INSERT INTO UserCustomer (UserId, CustomerCode, IsDefault) VALUES ('u1', 'C003', 1), ('u2', 'C001', 1), ('u2', 'C003', 0)`);
  db.exec(`INSERT INTO CustomerConversion (OldCode, NewCode, Status, Error, Details) VALUES ('O1', 'N1', 'Processed', NULL, '{"moved":{"Customer":1}}'), ('O2', 'N2', 'Failed', 'cycle O2 -> N2 -> O2', NULL), ('O3', 'N3', 'Pending', NULL, NULL)`);
  db.close();
});

afterAll(async () => {
  await app?.close();
  await integrator?.stop();
  delete EVENTS.statements;
  if (realActivate) CUSTOMER_ACTIONS.activate = realActivate;
  else delete CUSTOMER_ACTIONS.activate;
});

describe('admin API', () => {
  it('refuses a request without the token or with a wrong one (401), and a foreign Host header', async () => {
    const none = await api('GET', API.status, undefined, {});
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: expect.stringMatching(/admin token/) });
    expect((await api('GET', API.settings, undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await api('GET', API.logsExport, undefined, {})).status).toBe(401);
    expect((await api('GET', API.status)).status).toBe(200);
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 still sends its own Host.
    const evil = await rawGet(API.status, 'evil.example:8090');
    expect(evil.status).toBe(403);
    expect(evil.body).toMatch(/Host header not allowed/);
    expect((await rawGet('/', 'evil.example')).status).toBe(403);
    expect((await rawGet(API.status, `localhost:${new URL(base).port}`)).status).toBe(200);
    expect(hostName('[::1]:8090')).toBe('::1');
  });

  it('status follows the shared schema and shows the listener', async () => {
    const r = await api('GET', API.status);
    const status = StatusSchema.parse(r.body);
    expect(status).toMatchObject({ state: 'running', restartRequired: false, pendingChanges: [], foreground: false });
    expect(status.pricingListener.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(status.events.map((e) => e.event)).toContain('statements');
    expect(r.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
  });

  it('bad settings: 400 with the field errors, nothing saved', async () => {
    const before = fs.readFileSync(file, 'utf8');
    const r = await api('PUT', API.settings, { httpPort: 'abc', ordersSchedule: 'sometimes', noSuchKey: 1 });
    expect(r.status).toBe(400);
    const keys = (r.body as { fieldErrors: Array<{ key: string; message: string }> }).fieldErrors.map((e) => e.key).sort();
    expect(keys).toEqual(['httpPort', 'noSuchKey', 'ordersSchedule']);
    expect((r.body as { error: string }).error).toMatch(/HTTP Port/);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    await until('the 400 in the log', () => logOf(API.settings).some((l) => l.status === 400));
    expect(logOf(API.settings).filter((l) => l.status === 400).map((l) => l.level)).toEqual([30]);
    const lockout = await api('PUT', API.settings, { adminToken: '' });
    expect(lockout).toMatchObject({ status: 400, body: { fieldErrors: [{ key: 'adminToken', message: 'must be at least 16 characters' }] } });
    // A listener opened beyond loopback without a key, a filter that cannot run: refused with the reason.
    const open = await api('PUT', API.settings, { listenerBindAddress: '0.0.0.0', listenerApiKey: '' });
    expect(open).toMatchObject({ status: 400, body: { fieldErrors: [{ key: 'listenerBindAddress', message: expect.stringMatching(/Listener API Key/) }] } });
    const filter = await api('PUT', API.settings, { debtorInclusionFilter: "dr_name = O'BRIEN" });
    expect(filter).toMatchObject({ status: 400, body: { fieldErrors: [{ key: 'debtorInclusionFilter', message: expect.stringMatching(/O'BRIEN/) }] } });
    expect((await api('POST', API.settingsValidate, { listenerBindAddress: 'not an address; rm -rf /' })).body).toMatchObject({ ok: false, fieldErrors: [{ key: 'listenerBindAddress' }] });
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    const v = await api('POST', API.settingsValidate, { httpPort: 70000 });
    expect(v.body).toMatchObject({ ok: false, fieldErrors: [{ key: 'httpPort' }] });
    expect((await api('POST', API.settingsValidate, { httpPort: '8086' })).body).toEqual({ ok: true, fieldErrors: [] });
    const schema = await api('GET', API.settingsSchema);
    expect((schema.body as { settings: Array<{ key: string }> }).settings.some((s) => s.key === 'nightlyRestartTime')).toBe(true);
  });

  it('saved settings show as restart required, and restart applies them', async () => {
    const r = await api('PUT', API.settings, { getNewOrdersTimeoutMinutes: '9', ordersSchedule: 'every 20m' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ saved: ['getNewOrdersTimeoutMinutes', 'ordersSchedule'], restartRequired: true, pendingChanges: ['getNewOrdersTimeoutMinutes', 'ordersSchedule'] });
    expect(((await api('GET', API.settings)).body as Record<string, unknown>).getNewOrdersTimeoutMinutes).toBe(9);
    expect((await api('GET', API.status)).body).toMatchObject({ restartRequired: true, pendingChanges: ['getNewOrdersTimeoutMinutes', 'ordersSchedule'] });
    expect(integrator.applied.getNewOrdersTimeoutMinutes).not.toBe(9);
    const restart = await api('POST', API.restart);
    expect(restart.status).toBe(202);
    const after = await until('restart applied', async () => {
      const s = (await api('GET', API.status)).body as { state: string; restartRequired: boolean; events: Array<{ event: string; schedule: string }> };
      return s.state === 'running' && !s.restartRequired ? s : null;
    });
    expect(after.events.find((e) => e.event === 'orders')!.schedule).toBe('every 20m');
    expect(integrator.applied.getNewOrdersTimeoutMinutes).toBe(9);
  });

  it('runs an event now, with progress to poll and stream, recorded in run history', async () => {
    const stream = await fetch(`${base}${API.progress}/stream`, { headers: auth });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const r = await api('POST', API.runEvent('statements') + '?all=1');
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ accepted: true, event: 'statements', runId: expect.any(Number) });
    const busy = await api('POST', API.runEvent('statements'));
    expect(busy.status).toBe(409);
    expect(busy.body).toMatchObject({ accepted: false, message: expect.stringMatching(/already running/) });
    const polled = await until('progress in status', async () => {
      const s = StatusSchema.parse((await api('GET', API.status)).body);
      return s.progress.find((p) => p.event === 'statements' && p.done > 0);
    });
    expect(polled.total).toBe(120);
    let text = '';
    while (!/event: progress\ndata: \[\{.*"done":[1-9]/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const runs = await until('the run in history', async () => {
      const body = RunsResponseSchema.parse((await api('GET', `${API.runs}?event=statements`)).body);
      return body.runs.find((x) => x.status === 'Succeeded') ? body.runs : null;
    });
    expect(runs[0]).toMatchObject({ id: (r.body as { runId: number }).runId, event: 'statements', mode: 'All', status: 'Succeeded', written: 120 });
    expect((await api('POST', API.runEvent('no-such-event'))).status).toBe(404);
  });

  it('progress streams: the token only in a header, a bounded number per token (429 beyond), no listener leak', async () => {
    // A token in the query string would end up in logs, history and referrers: not accepted.
    const viaQuery = await fetch(`${base}${API.progress}/stream?token=${TOKEN}`);
    await viaQuery.body?.cancel();
    expect(viaQuery.status).toBe(401);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    const u = new URL(base);
    const open: http.ClientRequest[] = [];
    try {
      const statuses = await Promise.all(
        Array.from({ length: 300 }, () =>
          new Promise<number>((resolve, reject) => {
            const req = http.get({ host: '127.0.0.1', port: u.port, path: `${API.progress}/stream`, headers: auth, agent: false }, (res) => {
              // A refusal is read to its end; a stream stays open until we close it.
              if (res.statusCode !== 200) res.resume();
              resolve(res.statusCode ?? 0);
            });
            req.on('error', reject);
            open.push(req);
          }),
        ),
      );
      const ok = statuses.filter((st) => st === 200).length;
      expect(ok).toBeGreaterThan(0);
      expect(ok).toBeLessThanOrEqual(16);
      expect(statuses.filter((st) => st === 429).length).toBe(300 - ok);
      const refused = await api('GET', `${API.progress}/stream`);
      expect(refused).toMatchObject({ status: 429, body: { error: expect.stringMatching(/progress streams/) } });
      // One subscription to the integrator serves every stream.
      expect(integrator.listenerCount('progress')).toBeLessThanOrEqual(2);
    } finally {
      for (const r of open) r.destroy();
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => /MaxListeners/.test(w))).toEqual([]);
    // Closed streams free their places.
    await until('a stream place again', async () => {
      const r = await fetch(`${base}${API.progress}/stream`, { headers: auth });
      await r.body?.cancel();
      return r.status === 200;
    });
  });

  it('customers: search, filter, act through the action table', async () => {
    const all = CustomersResponseSchema.parse((await api('GET', API.customers)).body);
    expect(all.total).toBe(3);
    const pct = CustomersResponseSchema.parse((await api('GET', `${API.customers}?search=100%25`)).body);
    expect(pct.customers.map((c) => c.customerCode)).toEqual(['C002']);
    const page = CustomersResponseSchema.parse((await api('GET', `${API.customers}?activeStatus=Inactive&limit=1&offset=1`)).body);
    expect(page).toMatchObject({ total: 2, customers: [{ customerCode: 'C003', isDisabled: true, erpStatus: 'C' }] });
    expect((await api('GET', `${API.customers}?limit=0`)).status).toBe(400);
    const act = await api('POST', API.customerAction('C001', 'activate'));
    expect(act.status).toBe(200);
    expect(act.body).toMatchObject({ message: 'customer C001 marked active', customer: { customerCode: 'C001', activeStatus: 'PendingGetOrders' } });
    const again = await api('POST', API.customerAction('C001', 'activate'));
    expect(again).toMatchObject({ status: 409, body: { error: 'customer C001 is not Inactive' } });
    expect((await api('POST', API.customerAction('C001', 'explode'))).status).toBe(404);
    // Names every object has are not actions.
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const r = await api('POST', API.customerAction('C001', name));
      expect(r.status, name).toBe(404);
      expect(r.body, name).toEqual({ error: expect.stringMatching(/^unknown customer action/) });
    }
    // An action of the contract that this build does not provide.
    const decline = CUSTOMER_ACTIONS.decline;
    delete CUSTOMER_ACTIONS.decline;
    try {
      expect((await api('POST', API.customerAction('C001', 'decline'))).status).toBe(501);
    } finally {
      if (decline) CUSTOMER_ACTIONS.decline = decline;
    }
    // A capability that is off, a conflict, an unknown name: refusals, never logged as errors.
    await until('the 501 in the log', () => logOf(API.customerAction('C001', 'decline')).length > 0);
    expect(logOf(API.customerAction('C001', 'decline')).map((l) => [l.level, l.status])).toEqual([[40, 501]]);
    expect(logOf(API.customerAction('C001', 'activate')).filter((l) => l.status === 409).map((l) => l.level)).toEqual([30]);
  });

  it('one customer by its code or by the code the web created it under', async () => {
    const db = new Database(web);
    db.exec(`INSERT INTO Customer (CustomerCode, Name, ActiveStatus, IsDisabled, Source, WebCode) VALUES ('100900', 'Approved Web Co', 'Active', 0, 'ERP', 'W-0009')`);
    db.close();
    expect((await api('GET', '/api/customers/W-0009')).body).toMatchObject({ customer: { customerCode: '100900', name: 'Approved Web Co' } });
    expect((await api('GET', '/api/customers/100900')).body).toMatchObject({ customer: { customerCode: '100900' } });
    expect((await api('GET', '/api/customers/NOPE')).status).toBe(404);
  });

  it('the configuration check answers one item per line', async () => {
    const r = await api('GET', API.checkConfig);
    expect(r.status).toBe(200);
    const body = CheckConfigResponseSchema.parse(r.body);
    // This install's ERP holds only the test table, so the check says so.
    expect(body.ok).toBe(false);
    expect(body.items.find((i) => i.item === 'ERP connection')).toMatchObject({ ok: false });
    expect(body.items.find((i) => i.item === 'Web connection')).toMatchObject({ ok: true });
  });

  it('blocked users and conversions', async () => {
    expect((await api('GET', API.blockedUsers)).body).toEqual({ users: [{ userId: 'u1', email: 'u1@closed.test', customers: ['C003'] }] });
    const c = ConversionsResponseSchema.parse((await api('GET', API.conversions)).body);
    expect(c.counts).toEqual({ Pending: 1, Processed: 1, Failed: 1 });
    expect(c.conversions.find((x) => x.oldCode === 'O1')!.details).toEqual({ moved: { Customer: 1 } });
    const failed = ConversionsResponseSchema.parse((await api('GET', `${API.conversions}?status=Failed`)).body);
    expect(failed.conversions).toMatchObject([{ oldCode: 'O2', error: 'cycle O2 -> N2 -> O2' }]);
  });

  it('test pricing asks the running pricing service', async () => {
    const r = await api('POST', API.testPricing, { product: 'row-4', warehouse: 'MEL', customer: 'C001', quantity: 3 });
    expect(r.status).toBe(200);
    expect(TestPricingResponseSchema.parse(r.body)).toMatchObject({ product: 'row-4', unitPrice: 6, quantity: 3 });
    const bad = await api('POST', API.testPricing, { product: 'row-4', warehouse: 'MEL', customer: 'C001', quantity: -1 });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toMatch(/quantity/);
  });

  it('log tail and log export; secrets never leave', async () => {
    const tail = await api('GET', `${API.logsTail}?lines=500`);
    const lines = (tail.body as { lines: Array<{ msg: string; level: string }> }).lines;
    expect(lines.some((l) => /Statements succeeded/.test(l.msg))).toBe(true);
    const warnUp = (await api('GET', `${API.logsTail}?level=warn`)).body as { lines: Array<{ level: string }> };
    expect(warnUp.lines.every((l) => ['warn', 'error', 'fatal'].includes(l.level))).toBe(true);
    const zip = await api('GET', API.logsExport);
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    const out = path.join(dir, 'export.zip');
    fs.writeFileSync(out, zip.body as Buffer);
    const entries = await readZip(out);
    expect([...entries.keys()]).toEqual(expect.arrayContaining(['settings.json', 'runs.json', 'version.json', 'logs/integrator.log']));
    for (const [, content] of entries) {
      expect(content.toString()).not.toContain(TOKEN);
      expect(content.toString()).not.toContain('listener-secret-key');
    }
  });

  it('serves a plain page while the UI is not built, then the built UI, with a strict CSP', async () => {
    let r = await fetch(`${base}/`);
    expect(r.status).toBe(200);
    expect(await r.text()).toMatch(/npm run build:ui/);
    expect(r.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    fs.mkdirSync(path.join(uiDir, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/assets/app.js"></script>');
    fs.writeFileSync(path.join(uiDir, 'assets', 'app.js'), 'console.log(1)');
    r = await fetch(`${base}/`);
    expect(await r.text()).toMatch(/id="root"/);
    r = await fetch(`${base}/assets/app.js`);
    expect(r.headers.get('content-type')).toMatch(/javascript/);
    expect(await r.text()).toBe('console.log(1)');
    expect(await (await fetch(`${base}/customers`)).text()).toMatch(/id="root"/);
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(404);
    // A dot segment, raw or encoded, is not a plain path: refused before any file is looked for.
    expect((await rawGet('/%2e%2e/settings.json', '127.0.0.1')).status).toBe(400);
    expect((await rawGet('/..%2fsettings.json', '127.0.0.1')).status).toBe(404);
    expect((await rawGet('/assets/..%2f..%2fsettings.json', '127.0.0.1')).status).toBe(404);
  });

  it('the web DB gone: a clear 503, and the API keeps answering', async () => {
    fs.renameSync(web, `${web}.away`);
    try {
      const r = await api('GET', API.runs);
      expect(r.status).toBe(503);
      expect((r.body as { error: string }).error).toMatch(/database file not found/);
      expect((await api('GET', API.status)).status).toBe(200);
      // A database that is away is an expected refusal: a warning, not an error.
      await until('the 503 in the log', () => logOf(API.runs).some((l) => l.status === 503));
      expect(logOf(API.runs).map((l) => [l.level, l.msg])).toEqual([[40, 'admin request refused']]);
    } finally {
      fs.renameSync(`${web}.away`, web);
    }
    expect((await api('GET', API.runs)).status).toBe(200);
  });

  it('secrets never reach the UI, and a round trip of the redacted form keeps them', async () => {
    const saved = () => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    const DSN = 'mssql://sa:Sup3r@Secret@erp.local:1433/Erp?encrypt=true';
    expect((await api('PUT', API.settings, { erpDsn: DSN })).status).toBe(200);
    const got = await api('GET', API.settings);
    const text = JSON.stringify(got.body);
    for (const secret of [TOKEN, 'listener-secret-key', 'Sup3r', 'Secret']) expect(text).not.toContain(secret);
    expect(got.body).toMatchObject({ adminToken: '********', listenerApiKey: '********', erpDsn: 'mssql://sa:********@erp.local:1433/Erp?encrypt=true', webDsn: 'sqlite:web.sqlite' });

    // The whole form sent back as it came, one field changed: every secret survives.
    const form = { ...(got.body as Record<string, unknown>), getNewOrdersTimeoutMinutes: 11 };
    const put = await api('PUT', API.settings, form);
    expect(put.status).toBe(200);
    expect((put.body as { saved: string[] }).saved).not.toContain('adminToken');
    expect(saved()).toMatchObject({ adminToken: TOKEN, listenerApiKey: 'listener-secret-key', erpDsn: DSN, getNewOrdersTimeoutMinutes: 11 });

    // A DSN edited around its hidden password keeps the saved password; a newly typed secret is saved.
    expect((await api('PUT', API.settings, { erpDsn: 'mssql://sa:********@erp2.local:1444/Erp' })).status).toBe(200);
    expect(saved().erpDsn).toBe('mssql://sa:Sup3r@Secret@erp2.local:1444/Erp');
    expect((await api('PUT', API.settings, { listenerApiKey: 'a-new-listener-key', erpDsn: 'mssql://sa:N3wPass@erp2.local:1444/Erp' })).status).toBe(200);
    expect(saved()).toMatchObject({ listenerApiKey: 'a-new-listener-key', erpDsn: 'mssql://sa:N3wPass@erp2.local:1444/Erp', adminToken: TOKEN });

    // A bad DSN: a field error that never quotes the password, nothing saved.
    const before = fs.readFileSync(file, 'utf8');
    const bad = await api('PUT', API.settings, { erpDsn: 'mssql://sa:Wr0ngPass@/Erp' });
    expect(bad.status).toBe(400);
    expect((bad.body as { fieldErrors: Array<{ key: string }> }).fieldErrors.map((e) => e.key)).toEqual(['erpDsn']);
    expect(JSON.stringify(bad.body)).not.toContain('Wr0ngPass');
    // The placeholder where no password was ever saved is refused, not saved as the password.
    const hidden = await api('PUT', API.settings, { webDsn: 'mssql://sa:********@web.local/Web' });
    expect(hidden).toMatchObject({ status: 400, body: { fieldErrors: [{ key: 'webDsn', message: expect.stringMatching(/type the password/) }] } });
    expect(fs.readFileSync(file, 'utf8')).toBe(before);

    expect((await api('PUT', API.settings, { erpDsn: 'sqlite:erp.sqlite', listenerApiKey: 'listener-secret-key', getNewOrdersTimeoutMinutes: 9 })).body).toMatchObject({ restartRequired: false });
  });

  it('an unexpected failure is a 500 without details', async () => {
    const db = new Database(web);
    db.exec('ALTER TABLE CustomerConversion RENAME TO CustomerConversionX');
    db.close();
    try {
      const r = await api('GET', API.conversions);
      expect(r.status).toBe(500);
      expect(r.body).toEqual({ error: 'internal error: see the integrator log' });
      await until('the 500 in the log', () => logOf(API.conversions).some((l) => l.status === 500));
      expect(logOf(API.conversions).filter((l) => l.status === 500).map((l) => [l.level, l.msg])).toEqual([[50, 'admin request failed']]);
    } finally {
      const db2 = new Database(web);
      db2.exec('ALTER TABLE CustomerConversionX RENAME TO CustomerConversion');
      db2.close();
    }
  });
});
