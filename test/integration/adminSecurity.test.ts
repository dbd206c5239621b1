// The admin API as an attacker on the same machine sees it: raw TCP requests, so every odd spelling of a request
// target reaches the server exactly as written. No spelling of any /api route, with any method, is answered
// without the token, and a page of a foreign origin cannot drive the API.
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { rawRequest } from '../helpers/rawHttp.js';
import { EVENTS } from '../../core/events/registry.js';
import { Integrator } from '../../core/worker/integrator.js';
import { buildAdminServer, listenAdmin } from '../../core/admin/adminServer.js';
import { loadSettings, writeSettingsFile } from '../../core/settings/settingsFile.js';
import { defaultSettings } from '../../core/contracts/settings.schema.js';
import { createLogger } from '../../core/logging/logger.js';
import { logsDir } from '../../core/logging/exportLogs.js';
import { copyEvent, seedCopyTables, SCHEDULES_OFF } from '../fixtures/workerFixtures.js';

const TOKEN = 'security-admin-token-0123456789';

let dir: string;
let file: string;
let integrator: Integrator;
let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  dir = tmpDir('integrator-admin-sec-');
  file = path.join(dir, 'settings.json');
  writeSettingsFile(file, { ...defaultSettings(), ...SCHEDULES_OFF, erpDsn: 'sqlite:erp.sqlite', webDsn: 'sqlite:web.sqlite', adminToken: TOKEN, adminPort: 0, nightlyRestartTime: '', enableLivePricingAvailabilityListener: false });
  seedCopyTables(path.join(dir, 'erp.sqlite'), path.join(dir, 'web.sqlite'), 10);
  EVENTS.statements = copyEvent('statements', { batch: 5, pauseMs: 0 });
  const logger = createLogger({ dir: logsDir(loadSettings(file)), secrets: [TOKEN] });
  integrator = new Integrator({ settingsFile: file, foreground: false, logger, services: [], firstRunDelayMs: 10 });
  await integrator.start();
  app = await buildAdminServer({ integrator, logger, uiDir: path.join(dir, 'ui') });
  port = Number(new URL(await listenAdmin(app, 0)).port);
});

afterAll(async () => {
  await app?.close();
  await integrator?.stop();
  delete EVENTS.statements;
});

/** Every route the server has, with its methods, read from fastify's own route table. */
function routeTable(): Array<{ url: string; methods: string[] }> {
  const out: Array<{ url: string; methods: string[] }> = [];
  const stack: Array<{ depth: number; url: string }> = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([\s│├└─]*)(\S.*?) \(([A-Z, ]+)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1].length;
    while (stack.length && stack[stack.length - 1].depth >= depth) stack.pop();
    const url = (stack[stack.length - 1]?.url ?? '') + m[2];
    stack.push({ depth, url });
    out.push({ url, methods: m[3].split(',').map((s) => s.trim()) });
  }
  return out;
}

const PARAMS: Record<string, string> = { event: 'statements', code: 'C001', action: 'activate' };

/** The same target spelled the ways a router, a proxy or a normaliser might read as it. */
function spellings(target: string): string[] {
  const rest = target.slice('/api'.length); // "/status", "/events/statements/run"
  const tail = rest.slice(1);
  const enc = (c: string, lower = false) => {
    const hex = c.charCodeAt(0).toString(16).padStart(2, '0');
    return `%${lower ? hex : hex.toUpperCase()}`;
  };
  const out = [
    target,
    `/${enc('a')}pi${rest}`,
    `/a${enc('p', true)}i${rest}`,
    `/ap${enc('i')}${rest}`,
    `/api/${enc(tail[0])}${tail.slice(1)}`,
    `/api/${tail.slice(0, -1)}${enc(tail[tail.length - 1], true)}`,
    `/api${enc('/')}${tail}`,
    `/api${enc('/', true)}${tail}`,
    `//api${rest}`,
    `/api/${rest}`,
    `/./api${rest}`,
    `/api/.${rest}`,
    `/x/../api${rest}`,
    `/api/x/..${rest}`,
    `/%2e/api${rest}`,
    `/x/%2e%2e/api${rest}`,
    `/x/%2E%2E${enc('/')}api${rest}`,
    `http://127.0.0.1:${port}${target}`,
    `http://evil.example${target}`,
    `HTTP://127.0.0.1:${port}${target}`,
    `/API${rest}`,
    `/Api${rest.toUpperCase()}`,
    `${target}/`,
    `${target}//`,
    `${target};`,
    `${target};x=1`,
    `/api;x${rest}`,
    `${target}?`,
    `${target}?x=/../../`,
    `${target}%3F`,
    `${target}%23`,
    `${target}%00`,
    `/api%00${rest}`,
    `\\api${rest.replace(/\//g, '\\')}`,
    `/api\\${tail}`,
    `/api${enc('\\')}${tail}`,
    `/api/%u0073${tail.slice(1)}`,
  ];
  return [...new Set(out)];
}

describe('admin API: the token check cannot be skipped', () => {
  it('every /api route, every method, every spelling of its target: 400 or 401 without the token, nothing done', async () => {
    const routes = routeTable().filter((r) => /^\/api(\/|$)/.test(r.url));
    // The table really is the server's: the routes the UI uses are all in it.
    for (const must of ['/api/status', '/api/settings', '/api/restart', '/api/events/:event/run', '/api/customers/:code/:action', '/api/test-pricing', '/api/logs/export']) {
      expect(routes.map((r) => r.url)).toContain(must);
    }
    const settingsBefore = fs.readFileSync(file, 'utf8');
    const startedAt = integrator.status().startedAt;
    const answered: string[] = [];
    let requests = 0;
    for (const route of routes) {
      const target = route.url.replace(/:(\w+)/g, (_m, name: string) => PARAMS[name] ?? 'x');
      for (const method of [...new Set([...route.methods, 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])]) {
        const body = ['POST', 'PUT', 'PATCH'].includes(method) ? JSON.stringify({ adminToken: 'attacker-token-0123456789', httpPort: 1 }) : undefined;
        const batch = spellings(target).map(async (spelled) => {
          const r = await rawRequest(port, { method, target: spelled, body, timeoutMs: 3000 });
          requests++;
          if (r.status !== 400 && r.status !== 401) answered.push(`${method} ${spelled} -> ${r.status} ${r.body.slice(0, 80)}`);
        });
        await Promise.all(batch);
      }
    }
    expect(answered).toEqual([]);
    expect(requests).toBeGreaterThan(500);
    console.log(`spellings sent: ${requests}`);
    // Nothing was done: the settings file is as it was, no restart, no run.
    expect(fs.readFileSync(file, 'utf8')).toBe(settingsBefore);
    expect(integrator.status().startedAt).toBe(startedAt);
    expect(integrator.status().events.find((e) => e.event === 'statements')!.lastRun).toBeNull();
  });

  it('with the token, a target that is not a plain path is refused (400); the plain one is answered', async () => {
    const auth = { Authorization: `Bearer ${TOKEN}` };
    expect((await rawRequest(port, { target: '/api/status', headers: auth })).status).toBe(200);
    for (const odd of ['/%61pi/status', `http://127.0.0.1:${port}/api/status`, '//api/status', '/x/../api/status', '/api/./status', '/api/status%00']) {
      const r = await rawRequest(port, { target: odd, headers: auth });
      expect(r.status, odd).toBe(400);
      expect(r.json, odd).toEqual({ error: expect.stringMatching(/request target/) });
    }
    // Encoded characters a customer code may need stay usable.
    const code = await rawRequest(port, { target: '/api/customers/A%20B%2FC', headers: auth });
    expect(code.status).toBe(404);
    expect(code.json).toEqual({ error: expect.stringMatching(/A B\/C/) });
  });

  it('the UI itself (static files) is served without the token; nothing else is', async () => {
    expect((await rawRequest(port, { target: '/' })).status).toBe(200);
    expect((await rawRequest(port, { target: '/customers' })).status).toBe(200);
    expect((await rawRequest(port, { target: '/apix' })).status).toBe(200);
    expect((await rawRequest(port, { method: 'POST', target: '/', body: '{}' })).status).toBe(404);
  });
});

describe('admin API: only the admin UI\'s own origin', () => {
  const auth = { Authorization: `Bearer ${TOKEN}` };

  it('a foreign Origin is refused before the token is even looked at', async () => {
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${port + 1}`, `https://127.0.0.1:${port}`, `http://localhost:${port}`, `http://127.0.0.1:${port}.evil.example`]) {
      const withToken = await rawRequest(port, { method: 'PUT', target: '/api/settings', headers: { ...auth, Origin: origin }, body: JSON.stringify({ getNewOrdersTimeoutMinutes: 5 }) });
      expect(withToken.status, origin).toBe(403);
      expect(withToken.json, origin).toEqual({ error: expect.stringMatching(/origin/i) });
      expect((await rawRequest(port, { target: '/api/status', headers: { Origin: origin } })).status, origin).toBe(403);
    }
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).getNewOrdersTimeoutMinutes).toBe(0);
  });

  it('a cross-site or same-site fetch (Sec-Fetch-Site) is refused; the UI\'s own requests pass', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const r = await rawRequest(port, { method: 'POST', target: '/api/restart', headers: { ...auth, 'Sec-Fetch-Site': site, 'Sec-Fetch-Mode': 'cors' } });
      expect(r.status, site).toBe(403);
    }
    const own = await rawRequest(port, { target: '/api/status', headers: { ...auth, Origin: `http://127.0.0.1:${port}`, 'Sec-Fetch-Site': 'same-origin', 'Sec-Fetch-Mode': 'cors' } });
    expect(own.status).toBe(200);
    const typed = await rawRequest(port, { target: '/api/status', headers: { ...auth, 'Sec-Fetch-Site': 'none' } });
    expect(typed.status).toBe(200);
    const viaLocalhost = await rawRequest(port, { target: '/api/status', host: `localhost:${port}`, headers: { ...auth, Origin: `http://localhost:${port}` } });
    expect(viaLocalhost.status).toBe(200);
    // A link to the UI from another site still opens it (the page then needs the token for every call).
    const nav = await rawRequest(port, { target: '/', headers: { 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate' } });
    expect(nav.status).toBe(200);
    expect(integrator.state).toBe('running');
  });
});
