// The UI's display and form rules (pure, no DOM), and its admin API client against a real loopback server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatDuration, progressView, relativeTime, runTone, priceSourceLabel } from '../../renderer/src/format.js';
import { changedSettings, groupSettings, toFormValues } from '../../renderer/src/settingsForm.js';
import { takeToken, tokenFromHash } from '../../renderer/src/token.js';
import type { Customer } from '../../core/contracts/adminApi.js';
import { customerActions, outcomeTitle } from '../../renderer/src/customerActions.js';
import { pricingBlocker } from '../../renderer/src/pricingRules.js';
import { createApi, ApiError, parseEventStream } from '../../renderer/src/api.js';
import { noticeLifetimeMs, pollInterval, useApp } from '../../renderer/src/store.js';
import { SETTINGS, SETTING_GROUPS } from '../../core/contracts/settings.schema.js';

describe('progress and time', () => {
  const start = Date.parse('2026-01-01T00:00:00Z');
  it('gives rows done / total, the rate and the time left', () => {
    const v = progressView({ done: 500, total: 2000, startedAt: '2026-01-01T00:00:00Z' }, start + 10_000);
    expect(v.fraction).toBe(0.25);
    expect(v.rate).toBe(50);
    expect(v.etaSeconds).toBe(30);
    expect(v.label).toBe('500 / 2,000 rows · 50 rows/s · about 30s left');
  });
  it('has no fraction while the total is unknown and no rate in the first second', () => {
    const v = progressView({ done: 10, total: null, startedAt: '2026-01-01T00:00:00Z' }, start + 500);
    expect(v).toMatchObject({ fraction: null, rate: null, etaSeconds: null, label: '10 rows' });
    expect(progressView({ done: 0, total: 0, startedAt: '2026-01-01T00:00:00Z' }, start + 5000).fraction).toBe(1);
  });
  it('formats durations and relative times', () => {
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(65_000)).toBe('1m 5s');
    expect(formatDuration(3_725_000)).toBe('1h 2m');
    expect(relativeTime('2026-01-01T00:05:00Z', start)).toBe('in 5m');
    expect(relativeTime('2025-12-31T23:58:00Z', start)).toBe('2m ago');
    expect(relativeTime(null, start)).toBe('—');
  });
  it('colours run statuses', () => {
    expect(['Succeeded', 'Running', 'Partial', 'Stopped', 'Failed', 'x'].map(runTone)).toEqual(['ok', 'info', 'warn', 'warn', 'bad', 'muted']);
    expect(priceSourceLabel('special')).toBe('Customer special price');
    expect(priceSourceLabel(null)).toBe('No price found');
  });
});

describe('settings form', () => {
  const saved = { sendCustomerConversions: false, httpPort: 8085, customerFieldMappings: { Phone: 'fax' }, defaultCountry: 'Australia', adminToken: 'secret' };
  const defs = SETTINGS.filter((d) => d.key in saved);
  it('sends only the changed keys, typed', () => {
    const initial = toFormValues(defs, saved);
    expect(initial).toMatchObject({ sendCustomerConversions: false, httpPort: '8085', customerFieldMappings: '{"Phone":"fax"}' });
    const current = { ...initial, sendCustomerConversions: true, httpPort: '9000' };
    expect(changedSettings(defs, initial, current)).toEqual({ sendCustomerConversions: true, httpPort: 9000 });
    expect(changedSettings(defs, initial, initial)).toEqual({});
  });
  it('passes text that is not a number through, so the server names the field', () => {
    const initial = toFormValues(defs, saved);
    expect(changedSettings(defs, initial, { ...initial, httpPort: 'abc' })).toEqual({ httpPort: 'abc' });
  });
  it('groups in the seed order with General first', () => {
    const groups = groupSettings(SETTING_GROUPS, SETTINGS).map((g) => g.group);
    expect(groups).toEqual(['General', 'Serial Number Import', 'Other Settings', 'File Upload Filename Character Mapping Settings', 'Live Pricing/Availability']);
    const other = groupSettings(SETTING_GROUPS, SETTINGS).find((g) => g.group === 'Other Settings')!;
    expect(other.settings[0].label).toBe('Alternate Product Category Field');
  });
});

describe('notices', () => {
  it('do not follow the admin to another tab, and confirmations fade after a few seconds', () => {
    const app = useApp.getState();
    app.setTab('Status');
    app.notify('info', 'Customer Master started (Send All)');
    useApp.getState().setTab('Status');
    expect(useApp.getState().notice?.text).toBe('Customer Master started (Send All)');
    useApp.getState().setTab('Customers');
    expect(useApp.getState()).toMatchObject({ tab: 'Customers', notice: null });
    useApp.getState().notify('bad', 'Restart failed');
    useApp.getState().setTab('Logs');
    expect(useApp.getState().notice).toBeNull();
    expect(noticeLifetimeMs('ok')).toBeLessThanOrEqual(6000);
    expect(noticeLifetimeMs('info')).toBeGreaterThanOrEqual(2000);
    expect([noticeLifetimeMs('warn'), noticeLifetimeMs('bad')]).toEqual([null, null]);
  });
});

describe('token', () => {
  it('comes from the bridge first, then the URL fragment (stripped and kept), then the tab storage', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    let stripped = 0;
    expect(takeToken({ bridge: { token: 'b' }, hash: '#token=h', storage, stripHash: () => stripped++ })).toBe('b');
    expect(stripped).toBe(0);
    expect(takeToken({ hash: '#token=h1', storage, stripHash: () => stripped++ })).toBe('h1');
    expect(stripped).toBe(1);
    expect(takeToken({ hash: '', storage })).toBe('h1');
    expect(takeToken({ hash: '', storage: null })).toBeNull();
    expect(tokenFromHash('#a=1&token=%20x%20')).toBe('x');
    expect(tokenFromHash('#token=')).toBeNull();
  });
});

describe('customer actions and pricing availability', () => {
  const c: Customer = { customerCode: 'C1', name: 'n', activeStatus: 'Inactive', crmStatus: null, site: 'Main', email: null, phone: null, isDisabled: false, erpStatus: 'A', source: 'ERP' };
  it('offer what the customer state allows', () => {
    expect(customerActions(c).map((a) => a.label)).toEqual(['Mark Active', 'Disable']);
    expect(customerActions({ ...c, activeStatus: 'Active' }).map((a) => a.label)).toEqual(['Disable']);
    expect(customerActions({ ...c, crmStatus: 'NewCRM', source: 'WEB' }).map((a) => a.label)).toEqual(['Release for approval', 'Disable']);
    expect(customerActions({ ...c, crmStatus: 'Released' }).map((a) => a.label)).toEqual(['Approve', 'Decline', 'Disable']);
    expect(customerActions({ ...c, isDisabled: true }).map((a) => a.label)).toEqual(['Mark Active', 'Enable']);
    expect(customerActions({ ...c, source: 'WEB', emailMatch: 'C00007' }).map((a) => a.label)).toEqual(['Link to C00007', 'Create new debtor', 'Disable']);
  });
  it('ask before Approve, Decline and Link, naming the customer and what follows', () => {
    const released: Customer = { ...c, name: 'Footscray Fabrication', customerCode: 'CRM-0003', crmStatus: 'Released', source: 'WEB' };
    const confirm = (action: string, x = released) => customerActions(x).find((a) => a.action === action)?.confirm;
    expect(confirm('approve')?.text).toMatch(/^Approve Footscray Fabrication \(CRM-0003\)\? This creates an ERP debtor/);
    expect(confirm('decline')?.text).toMatch(/^Decline Footscray Fabrication \(CRM-0003\)\? Declining is final/);
    expect(confirm('link', { ...c, customerCode: 'B2C-0666', name: 'mallory', source: 'WEB', emailMatch: 'C00007' })?.text).toMatch(/^Link web account mallory \(B2C-0666\) to ERP debtor C00007\?/);
    expect(confirm('activate', c)).toBeUndefined();
    expect(outcomeTitle('approve')).toBe('Customer Authorisation');
  });
  it('say why Test Pricing cannot ask', () => {
    const on = { enabled: true, url: 'http://127.0.0.1:1', error: null };
    expect(pricingBlocker({ foreground: true, pricingListener: on })).toBeNull();
    expect(pricingBlocker({ foreground: false, pricingListener: on })).toContain('foreground mode');
    expect(pricingBlocker({ foreground: true, pricingListener: { enabled: false, url: null } })).toContain('listener is off');
    expect(pricingBlocker({ foreground: true, pricingListener: { enabled: true, url: null, error: 'port in use' } })).toContain('port in use');
  });
});

describe('admin API client', () => {
  let server: http.Server;
  let base = '';
  const seen: Array<{ method?: string; url?: string; auth?: string }> = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== 'Bearer good') return send(401, { error: 'missing or wrong admin token' });
      if (req.url === '/api/settings' && req.method === 'PUT') return send(400, { error: 'a setting is not valid', fieldErrors: [{ key: 'httpPort', label: 'HTTP Port', message: 'must be a port number (0-65535)' }] });
      if (req.url?.startsWith('/api/events/customer-master/run')) return send(409, { accepted: false, event: 'customer-master', runId: null, message: 'Customer Master is already running' });
      if (req.url === '/api/runs?limit=50') return send(200, { runs: [{ id: 'not a number' }] });
      if (req.url === '/api/progress/stream') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        const progress = [{ event: 'statements', runId: 7, phase: 'copy', done: 5, total: 10, startedAt: '2026-01-01T00:00:00Z' }];
        // Split mid-event, as a network may deliver it.
        const text = `: ping\n\nevent: progress\ndata: ${JSON.stringify(progress)}\n\nevent: state\ndata: "restarting"\n\nevent: run\ndata: {"not":"a run"}\n\nevent: progress\ndata: []\n\n`;
        res.write(text.slice(0, 40));
        setTimeout(() => res.end(text.slice(40)), 20);
        return;
      }
      send(404, { error: `no route ${req.method} ${req.url}` });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('sends the token, and a wrong one is an unauthorised error', async () => {
    const err = await createApi({ baseUrl: base, token: 'bad' }).status().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).unauthorized).toBe(true);
    expect(seen.at(-1)?.auth).toBe('Bearer bad');
  });
  it('carries the field errors of a 400', async () => {
    const err = (await createApi({ baseUrl: base, token: 'good' }).saveSettings({ httpPort: 'abc' }).catch((e: unknown) => e)) as ApiError;
    expect(err.status).toBe(400);
    expect(err.fieldErrors).toEqual([{ key: 'httpPort', label: 'HTTP Port', message: 'must be a port number (0-65535)' }]);
  });
  it('reads a 409 "already running" as an answer, not a failure', async () => {
    expect(await createApi({ baseUrl: base, token: 'good' }).runEvent('customer-master', true)).toMatchObject({ accepted: false, message: 'Customer Master is already running' });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/api/events/customer-master/run?all=1' });
  });
  it('follows the progress stream with the token in the header, never in the URL', async () => {
    const got: unknown[] = [];
    await createApi({ baseUrl: base, token: 'good' }).progressStream(
      { progress: (p) => got.push(['progress', p.length]), run: (r) => got.push(['run', r]), state: (st) => got.push(['state', st]) },
      new AbortController().signal,
    );
    expect(seen.at(-1)).toEqual({ method: 'GET', url: '/api/progress/stream', auth: 'Bearer good' });
    // The run that does not match the contract is dropped.
    expect(got).toEqual([['progress', 1], ['state', 'restarting'], ['progress', 0]]);
    const refused = await createApi({ baseUrl: base, token: 'bad' }).progressStream({ progress: () => undefined, run: () => undefined, state: () => undefined }, new AbortController().signal).catch((e: unknown) => e);
    expect((refused as ApiError).unauthorized).toBe(true);
  });
  it('parses event-stream text in pieces', () => {
    expect(parseEventStream('event: a\ndata: 1\n\nevent: b\r\ndata: 2\r\ndata: 3\r\n\r\nevent: c\nda')).toEqual({
      events: [{ event: 'a', data: '1' }, { event: 'b', data: '2\n3' }],
      rest: 'event: c\nda',
    });
    expect(parseEventStream(': ping\n\n')).toEqual({ events: [], rest: '' });
  });
  it('polls slowly while the stream carries the progress', () => {
    const busy = { progress: [{}], events: [], state: 'running' } as unknown as Parameters<typeof pollInterval>[0];
    expect(pollInterval(busy)).toBe(700);
    expect(pollInterval(busy, true)).toBe(2500);
  });
  it('names an answer that does not match the contract, and an unreachable integrator', async () => {
    const bad = (await createApi({ baseUrl: base, token: 'good' }).runs().catch((e: unknown) => e)) as ApiError;
    expect(bad.message).toMatch(/^Unexpected answer from \/api\/runs\?limit=50: runs\.0\.id/);
    const down = (await createApi({ baseUrl: 'http://127.0.0.1:1', token: 'good' }).status().catch((e: unknown) => e)) as ApiError;
    expect(down.unreachable).toBe(true);
    expect(down.message).toBe('Cannot reach the integrator. Is it running?');
  });
});
