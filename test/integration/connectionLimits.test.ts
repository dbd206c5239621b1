// Idle and greedy clients against the admin API and both listeners, over real TCP on loopback: connections beyond
// the cap are closed at once, a connection that never sends a request is closed after the headers deadline, an idle
// keep-alive connection after the keep-alive timeout, and the servers keep answering throughout.
import net from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { until } from '../helpers/until.js';
import { rawRequest } from '../helpers/rawHttp.js';
import { writeFixtureErp } from '../helpers/pricingFixture.js';
import { Integrator } from '../../core/worker/integrator.js';
import { buildAdminServer, listenAdmin } from '../../core/admin/adminServer.js';
import { loadSettings, writeSettingsFile } from '../../core/settings/settingsFile.js';
import { defaultSettings } from '../../core/contracts/settings.schema.js';
import { createLogger } from '../../core/logging/logger.js';
import { logsDir } from '../../core/logging/exportLogs.js';
import { openDb } from '../../core/db/openDb.js';
import { ErpChangeFeed } from '../../core/pricing/erpChanges.js';
import { startErpListener, startPricingListener } from '../../core/pricing/pricingServices.js';
import type { RunningService } from '../../core/worker/service.js';
import type { Db } from '../../core/db/db.js';
import { seedCopyTables, SCHEDULES_OFF } from '../fixtures/workerFixtures.js';

const TOKEN = 'limits-admin-token-0123456789';
// Small limits, so the test sees each one act without waiting long.
const SMALL = { maxConnections: 12, keepAliveTimeoutMs: 300, maxRequestsPerSocket: 3, headersTimeoutMs: 700, requestTimeoutMs: 1500 };

interface Idle {
  sockets: net.Socket[];
  closed(): number;
  destroy(): void;
}

/** n connections that send nothing. */
async function idleConnections(port: number, n: number): Promise<Idle> {
  let closed = 0;
  const sockets = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Socket>((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          s.on('error', () => undefined);
          // Read (and throw away) what arrives: a socket nobody reads may never notice the server's FIN, and would
          // look held open although the server let it go.
          s.resume();
          s.on('close', () => closed++);
          s.on('connect', () => resolve(s));
          // A connection refused before it was set up counts as closed too.
          s.on('close', () => resolve(s));
        }),
    ),
  );
  return { sockets, closed: () => closed, destroy: () => sockets.forEach((s) => s.destroy()) };
}

/** One keep-alive request on a fresh socket; resolves with the socket once the answer has arrived. */
function keepAliveRequest(port: number, target: string, headers: Record<string, string> = {}): Promise<{ socket: net.Socket; head: string; closedAt: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const closedAt = new Promise<void>((r) => socket.on('close', () => r()));
    let text = '';
    socket.on('error', reject);
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (text.includes('\r\n\r\n')) resolve({ socket, head: text.slice(0, text.indexOf('\r\n\r\n')), closedAt });
    });
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
  });
}

/** Several requests on one connection: the server answers at most maxRequestsPerSocket of them, then closes. */
function pipelined(port: number, target: string, count: number, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('error', () => undefined);
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('close', () => resolve(text));
    const one = `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
    socket.write(one.repeat(count));
  });
}

async function exercise(port: number, target: string, headers: Record<string, string>) {
  // Beyond the cap: closed at once; the rest closed after the headers deadline.
  const idle = await idleConnections(port, 40);
  try {
    await until('connections beyond the cap closed', () => idle.closed() >= 40 - SMALL.maxConnections, 10_000);
    await until('the idle connections closed after the headers deadline', () => idle.closed() === 40, 15_000);
  } finally {
    idle.destroy();
  }
  // Idle after an answer: closed after the keep-alive timeout, which the answer announces.
  const ka = await keepAliveRequest(port, target, headers);
  expect(ka.head).toMatch(/^HTTP\/1\.1 200/);
  expect(ka.head.toLowerCase()).toMatch(/keep-alive: timeout=\d/);
  await ka.closedAt;
  // Requests on one connection: at most maxRequestsPerSocket answered, then the connection is closed.
  const answers = await pipelined(port, target, 8, headers);
  expect(answers.match(/HTTP\/1\.1 200/g)?.length).toBe(SMALL.maxRequestsPerSocket);
  // And the server keeps answering.
  expect((await rawRequest(port, { target, headers })).status).toBe(200);
}

describe('connection limits', () => {
  const dir = tmpDir('integrator-limits-');
  let integrator: Integrator;
  let admin: FastifyInstance;
  let defaults: FastifyInstance;
  let adminPort: number;
  let erpDb: Db;
  let webDb: Db;
  const services: RunningService[] = [];

  beforeAll(async () => {
    const file = path.join(dir, 'settings.json');
    writeSettingsFile(file, { ...defaultSettings(), ...SCHEDULES_OFF, erpDsn: 'sqlite:erp.sqlite', webDsn: 'sqlite:web.sqlite', adminToken: TOKEN, nightlyRestartTime: '', enableLivePricingAvailabilityListener: false });
    seedCopyTables(path.join(dir, 'copy-erp.sqlite'), path.join(dir, 'web.sqlite'), 1);
    await writeFixtureErp(path.join(dir, 'erp.sqlite'));
    const logger = createLogger({ dir: logsDir(loadSettings(file)), secrets: [TOKEN] });
    integrator = new Integrator({ settingsFile: file, foreground: false, logger, services: [] });
    await integrator.start();
    admin = await buildAdminServer({ integrator, logger, uiDir: path.join(dir, 'ui'), connectionLimits: SMALL });
    adminPort = Number(new URL(await listenAdmin(admin, 0)).port);
    defaults = await buildAdminServer({ integrator, logger, uiDir: path.join(dir, 'ui') });
    await listenAdmin(defaults, 0);
    erpDb = await openDb(`sqlite:${path.join(dir, 'erp.sqlite')}`, { readonly: true });
    webDb = await openDb('sqlite::memory:', { create: true });
    const ctx = { erpDb, webDb, settings: { ...defaultSettings(), httpPort: 0, erpListenerPort: 0 }, logger };
    const feed = new ErpChangeFeed();
    services.push(await startPricingListener(ctx, { feed, connectionLimits: SMALL }));
    services.push(await startErpListener(ctx, { feed, connectionLimits: SMALL }));
  });

  afterAll(async () => {
    for (const s of services) await s.close();
    await admin?.close();
    await defaults?.close();
    await integrator?.stop();
    await erpDb?.close();
    await webDb?.close();
  });

  it('the defaults: a connection cap, a short keep-alive, requests per connection and deadlines', () => {
    const server = defaults.server as typeof defaults.server & { headersTimeout: number; requestTimeout: number; maxRequestsPerSocket: number };
    expect(server.maxConnections).toBe(64);
    expect(server.keepAliveTimeout).toBe(5_000);
    expect(server.maxRequestsPerSocket).toBe(1_000);
    expect(server.headersTimeout).toBe(10_000);
    expect(server.requestTimeout).toBe(30_000);
  });

  it('the admin API', async () => {
    await exercise(adminPort, '/api/status', { Authorization: `Bearer ${TOKEN}` });
  });

  it('the pricing listener', async () => {
    const port = Number(new URL(services[0].endpoints['Pricing listener']).port);
    await exercise(port, '/health', {});
  });

  it('the pricing listener, for a GET /price answered in front of fastify', async () => {
    const port = Number(new URL(services[0].endpoints['Pricing listener']).port);
    const target = '/price?customer=C1&product=P1&warehouse=MEL&quantity=10';
    expect((await rawRequest(port, { target })).status).toBe(200);
    const ka = await keepAliveRequest(port, target);
    expect(ka.head).toMatch(/^HTTP\/1\.1 200/);
    expect(ka.head.toLowerCase()).toMatch(/keep-alive: timeout=\d/);
    await ka.closedAt;
    const answers = await pipelined(port, target, 8);
    expect(answers.match(/HTTP\/1\.1 200/g)?.length).toBe(SMALL.maxRequestsPerSocket);
  });

  it('the ERP listener', async () => {
    const port = Number(new URL(services[1].endpoints['ERP listener']).port);
    const idle = await idleConnections(port, 30);
    try {
      await until('connections beyond the cap closed', () => idle.closed() >= 30 - SMALL.maxConnections, 10_000);
      await until('the idle connections closed after the headers deadline', () => idle.closed() === 30, 15_000);
    } finally {
      idle.destroy();
    }
  });
});
