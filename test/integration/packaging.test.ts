// The packaged app, as far as this machine allows: `npm run dist`'s packaging (scripts/dist.js with
// electron-builder.yml) lays the app out around a stand-in Electron (the real binary cannot be downloaded
// here), and the core is started with Node from that layout: app.asar extracted with @electron/asar, better-
// sqlite3 from app.asar.unpacked, driven over IPC by the same typed messages as in the tray app. It reaches the
// Admin UI and the pricing listener. The fuses flipped in the binary are read back with @electron/fuses.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as asar from '@electron/asar';
import { getCurrentFuseWire, FuseV1Options } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { until } from '../helpers/until.js';
import { prepareDemo } from '../e2e/harness.js';
import { readRuntime } from '../../core/worker/runtimeFile.js';
import { dist } from '../../scripts/dist.js';

describe('packaged app (electron-builder layout with a stand-in Electron)', () => {
  const dir = tmpDir('integrator-package-');
  const unpacked = path.join(dir, 'release', `${process.platform === 'win32' ? 'win' : process.platform}-unpacked`);
  const resources = path.join(unpacked, 'resources');
  let files: string[] = [];
  const kill: Array<() => void> = [];

  beforeAll(async () => {
    const r = await dist({ standIn: true, output: path.join(dir, 'release'), log: () => undefined });
    expect(r.standIn).toBe(true);
    files = asar.listPackage(path.join(resources, 'app.asar'), { isPack: false }).map((f: string) => f.replace(/\\/g, '/'));
  }, 300_000);

  afterAll(() => {
    for (const k of kill) k();
  });

  it('packs the compiled build, the built UI and the production dependencies only', () => {
    for (const f of ['/package.json', '/dist/electron/main.js', '/dist/electron/coreEntry.cjs', '/dist/electron/preload.cjs', '/dist/core/cli/main.js', '/renderer/dist/index.html', '/assets/tray-idle.png']) expect(files).toContain(f);
    expect(files.filter((f) => !f.startsWith('/node_modules/') && /\.(c|m)?tsx?$/.test(f))).toEqual([]);
    for (const devOnly of ['tsx', 'esbuild', 'typescript', 'vite', 'electron', 'electron-builder', 'vitest']) expect(files).not.toContain(`/node_modules/${devOnly}`);
    for (const dep of ['better-sqlite3', 'fastify', 'electron-store']) expect(files).toContain(`/node_modules/${dep}`);
    const pkg = JSON.parse(asar.extractFile(path.join(resources, 'app.asar'), 'package.json').toString('utf8')) as { main: string };
    expect(pkg.main).toBe('dist/electron/main.js');
    // The native module is outside the archive, where it can be loaded.
    expect(fs.existsSync(path.join(resources, 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))).toBe(true);
  });

  it('flips the fuses: no RunAsNode, no NODE_OPTIONS, no inspect arguments, only app.asar, asar integrity', async () => {
    const exe = path.join(unpacked, process.platform === 'win32' ? 'integrator.exe' : 'integrator');
    const wire = await getCurrentFuseWire(exe);
    const on = (f: FuseV1Options) => String.fromCharCode(wire[f] as number);
    expect(on(FuseV1Options.RunAsNode)).toBe('0');
    expect(on(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe('0');
    expect(on(FuseV1Options.EnableNodeCliInspectArguments)).toBe('0');
    expect(on(FuseV1Options.OnlyLoadAppFromAsar)).toBe('1');
    expect(on(FuseV1Options.EnableEmbeddedAsarIntegrityValidation)).toBe('1');
  });

  it('the core starts with Node from the layout and serves its Admin UI and pricing listener', async () => {
    const app = path.join(dir, 'app');
    asar.extractAll(path.join(resources, 'app.asar'), app);
    expect(fs.existsSync(path.join(app, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))).toBe(true);
    const settings = prepareDemo(path.join(dir, 'data'), {}, 20);
    const token = String(JSON.parse(fs.readFileSync(settings, 'utf8')).adminToken ?? '');
    // The core's working folder is the settings folder, as in the tray app; nothing resolves from this checkout.
    const child = fork(path.join(app, 'dist', 'electron', 'coreEntry.cjs'), [], { cwd: path.dirname(settings), env: { PATH: process.env.PATH, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    kill.push(() => child.kill('SIGKILL'));
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const messages: Array<{ type: string; adminUrl?: string; token?: string }> = [];
    child.on('message', (m) => messages.push(m as (typeof messages)[number]));
    child.send({ type: 'start', settingsFile: settings, foreground: true });
    const ready = await until(`the core's ready message (output: ${out})`, () => messages.find((m) => m.type === 'ready'), 60_000);
    expect(ready.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    if (token) expect(ready.token).toBe(token);

    const page = await fetch(`${ready.adminUrl}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<script[^>]+src="\.\/assets\/[^"]+\.js"/);
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(html)![1];
    expect((await fetch(`${ready.adminUrl}/${script}`)).status).toBe(200);
    const status = await fetch(`${ready.adminUrl}/api/status`, { headers: { Authorization: `Bearer ${ready.token}` } });
    expect(status.status).toBe(200);
    expect(((await status.json()) as { foreground: boolean }).foreground).toBe(true);

    const listener = readRuntime(path.dirname(settings))!.endpoints['Pricing listener'];
    expect(listener).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const price = await fetch(`${listener}/price?product=P00003&customer=C00003&warehouse=MEL&quantity=1`);
    expect(price.status).toBe(200);
    expect(((await price.json()) as { unitPrice: number }).unitPrice).toBeGreaterThan(0);

    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.send({ type: 'stop' });
    expect(await exited).toBe(0);
    expect(messages.map((m) => m.type)).toEqual(['ready', 'stopped']);
  });
});
