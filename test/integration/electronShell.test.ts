// The tray shell's main process with `electron` mocked (never launched): single instance lock, the tray and its
// menu, the sandboxed window on the admin URL authorised by the main process, the menu actions reaching the
// admin API of a real core, crash restarts with back-off, foreground mode, start at login, the shell's own
// state in electron-store, the first start of a fresh install, and one integrator per machine. The mocked
// utilityProcess.fork starts the compiled dist/electron/coreEntry.cjs as a Node child process with an IPC
// channel, so the core is the real one on demo data, driven by the same typed messages.
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { readZip } from '../helpers/zip.js';
import { until } from '../helpers/until.js';
import { prepareDemo } from '../e2e/harness.js';
import { readRuntime } from '../../core/worker/runtimeFile.js';
import { FIRST_RUN_MARKER } from '../../core/admin/firstRun.js';
import type { startShell as StartShell } from '../../electron/shell.js';

type Shell = NonNullable<Awaited<ReturnType<typeof StartShell>>>;
type Handler = (...args: unknown[]) => unknown;
interface MenuItem {
  label?: string;
  type?: string;
  checked?: boolean;
  click?: () => void;
}
interface TrayRec {
  image: { path: string };
  tooltip: string;
  menu: MenuItem[];
  handlers: Map<string, Handler>;
  destroyed: boolean;
}
interface WindowRec {
  options: Record<string, unknown>;
  loaded: string[];
  shown: number;
  bounds: { x: number; y: number; width: number; height: number };
  handlers: Map<string, Handler>;
  openHandler?: (d: { url: string }) => unknown;
  navHandler?: Handler;
}
interface Forked {
  child: ChildProcess;
  modulePath: string;
  args: string[];
  options: Record<string, unknown>;
  messages: unknown[];
}

const h = vi.hoisted(() => ({
  lock: true,
  isPackaged: false,
  userData: '',
  appHandlers: new Map<string, Array<(...args: unknown[]) => unknown>>(),
  trays: [] as TrayRec[],
  windows: [] as WindowRec[],
  forks: [] as Forked[],
  beforeSendHeaders: [] as Array<(d: { url: string; requestHeaders: Record<string, string> }, cb: (r: { requestHeaders: Record<string, string> }) => void) => void>,
  headersHook: null as null | ((details: { responseHeaders: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void),
  loginItems: [] as unknown[],
  saveTo: '',
  errorBoxes: [] as string[],
  quit: 0,
  forkImpl: null as null | ((modulePath: string, args: string[], options: Record<string, unknown>) => unknown),
}));

vi.mock('electron', () => {
  class Tray {
    rec: TrayRec = { image: { path: '' }, tooltip: '', menu: [], handlers: new Map(), destroyed: false };
    constructor(image: { path: string }) {
      this.rec.image = image;
      h.trays.push(this.rec);
    }
    setImage(i: { path: string }) {
      this.rec.image = i;
    }
    setToolTip(t: string) {
      this.rec.tooltip = t;
    }
    setContextMenu(m: MenuItem[]) {
      this.rec.menu = m;
    }
    displayBalloon() {}
    on(ev: string, fn: Handler) {
      this.rec.handlers.set(ev, fn);
    }
    destroy() {
      this.rec.destroyed = true;
    }
  }
  class BrowserWindow {
    rec: WindowRec;
    webContents: Record<string, unknown>;
    constructor(options: Record<string, unknown>) {
      const b = options as { x?: number; y?: number; width: number; height: number };
      this.rec = { options, loaded: [], shown: 0, handlers: new Map(), bounds: { x: b.x ?? 0, y: b.y ?? 0, width: b.width, height: b.height } };
      h.windows.push(this.rec);
      this.webContents = {
        setWindowOpenHandler: (fn: (d: { url: string }) => unknown) => (this.rec.openHandler = fn),
        on: (ev: string, fn: Handler) => {
          if (ev === 'will-navigate') this.rec.navHandler = fn;
        },
      };
    }
    loadURL(url: string) {
      this.rec.loaded.push(url);
      return Promise.resolve();
    }
    on(ev: string, fn: Handler) {
      this.rec.handlers.set(ev, fn);
    }
    once(ev: string, fn: Handler) {
      this.rec.handlers.set(ev, fn);
    }
    show() {
      this.rec.shown++;
    }
    getBounds() {
      return this.rec.bounds;
    }
    hide() {}
    focus() {}
    restore() {}
    isMinimized() {
      return false;
    }
    isDestroyed() {
      return false;
    }
  }
  const app = {
    get isPackaged() {
      return h.isPackaged;
    },
    requestSingleInstanceLock: () => h.lock,
    quit: () => void h.quit++,
    on: (ev: string, fn: Handler) => void h.appHandlers.set(ev, [...(h.appHandlers.get(ev) ?? []), fn]),
    whenReady: () => Promise.resolve(),
    getPath: (name: string) => path.join(h.userData, name === 'userData' ? '' : name),
    getVersion: () => '0.1.0',
    setLoginItemSettings: (s: unknown) => void h.loginItems.push(s),
    getLoginItemSettings: () => ({ openAtLogin: false }),
  };
  const electron = {
    app,
    ipcMain: { on: () => undefined },
    session: {
      defaultSession: {
        webRequest: {
          onHeadersReceived: (fn: typeof h.headersHook) => void (h.headersHook = fn),
          onBeforeSendHeaders: (fn: (typeof h.beforeSendHeaders)[number]) => void h.beforeSendHeaders.push(fn),
        },
        setPermissionRequestHandler: () => undefined,
      },
    },
    Tray,
    BrowserWindow,
    Menu: { buildFromTemplate: (t: unknown) => t },
    nativeImage: { createFromPath: (p: string) => ({ path: p }) },
    dialog: {
      showSaveDialog: async () => ({ canceled: false, filePath: h.saveTo }),
      showErrorBox: (_t: string, text: string) => void h.errorBoxes.push(text),
    },
    shell: { showItemInFolder: () => undefined, openExternal: async () => undefined, openPath: async () => '' },
    utilityProcess: { fork: (m: string, a: string[], o: Record<string, unknown>) => h.forkImpl!(m, a, o) },
  };
  return { ...electron, default: electron };
});

/** Electron's UtilityProcess shape over a Node child process with an IPC channel. */
function nodeUtilityProcess(modulePath: string, args: string[], options: Record<string, unknown>) {
  const child = fork(modulePath, args, { cwd: options.cwd as string, env: options.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const rec: Forked = { child, modulePath, args, options, messages: [] };
  h.forks.push(rec);
  const up = Object.assign(new EventEmitter(), {
    stdout: child.stdout,
    stderr: child.stderr,
    pid: child.pid,
    postMessage: (m: unknown) => {
      rec.messages.push(m);
      if (child.connected) child.send(m as object);
    },
    kill: () => child.kill('SIGKILL'),
  });
  // Electron delivers a child's message as { data }.
  child.on('message', (m) => up.emit('message', { data: m }));
  child.on('exit', (code) => up.emit('exit', code ?? 1));
  return up;
}

const menu = (t: TrayRec, label: string) => t.menu.find((i) => i.label === label)!;
const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
const exitOf = (c: ChildProcess) => new Promise<number | null>((r) => (!alive(c) ? r(c.exitCode) : c.once('exit', (code) => r(code))));

/** A request as the window would send it, through the main process's header hook. */
async function windowFetch(url: string): Promise<Response> {
  let headers: Record<string, string> = {};
  h.beforeSendHeaders.at(-1)!({ url, requestHeaders: {} }, (r) => (headers = r.requestHeaders));
  return fetch(url, { headers });
}

let startShell: typeof StartShell;
const shells: Shell[] = [];
async function start(options: Parameters<typeof StartShell>[0]): Promise<Shell> {
  const s = await startShell(options);
  expect(s).not.toBeNull();
  shells.push(s!);
  return s!;
}

beforeAll(async () => {
  h.forkImpl = nodeUtilityProcess;
  ({ startShell } = await import('../../electron/shell.js'));
});

afterAll(async () => {
  for (const f of h.forks) if (alive(f.child)) f.child.kill('SIGKILL');
});

describe('tray shell main process (electron mocked)', () => {
  const dir = tmpDir('integrator-shell-');
  const storeDir = path.join(dir, 'store');
  let shell: Shell;
  let file: string;

  beforeAll(async () => {
    file = prepareDemo(dir, {}, 40);
    h.saveTo = path.join(dir, 'exported.zip');
    h.userData = path.join(dir, 'userData');
    shell = await start({ env: { ...process.env, INTEGRATOR_CONFIG: file, XDG_CONFIG_HOME: path.join(dir, 'xdg') }, pollMs: 60_000, storeDir });
    await shell.host.whenReady();
  });

  it('takes the single instance lock and opens a sandboxed, isolated window on the admin URL', async () => {
    await until('the window', () => h.windows.length === 1 && h.windows[0].loaded.length === 1);
    const w = h.windows[0];
    const prefs = w.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(prefs.preload).toMatch(/dist[\\/]electron[\\/]preload\.cjs$/);
    expect(w.loaded[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(w.loaded[0]).not.toContain('token');
  });

  it('never puts the admin token in a process argument or environment: it comes over the message port', () => {
    const token = String(JSON.parse(fs.readFileSync(file, 'utf8')).adminToken);
    expect(token.length).toBeGreaterThanOrEqual(16);
    const core = h.forks[0];
    expect(core.modulePath).toMatch(/dist[\\/]electron[\\/]coreEntry\.cjs$/);
    expect(JSON.stringify(core.args)).not.toContain(token);
    expect(JSON.stringify(core.child.spawnargs)).not.toContain(token);
    expect(JSON.stringify(core.options.env)).not.toContain(token);
    expect(JSON.stringify(h.windows[0].options)).not.toContain(token);
    expect(core.messages[0]).toEqual({ type: 'start', settingsFile: file, foreground: false });
    expect(shell.target()?.token).toBe(token);
    // The core's working folder is the settings folder, never the app's.
    expect(core.options.cwd).toBe(path.dirname(file));
  });

  it('authorises the window\'s admin requests in the main process; the page holds no token', async () => {
    const base = shell.target()!.adminUrl;
    expect((await windowFetch(`${base}/api/status`)).status).toBe(200);
    // The same request without the main process's header is refused.
    expect((await fetch(`${base}/api/status`)).status).toBe(401);
    let responseHeaders: Record<string, string[]> = {};
    h.headersHook!({ responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => (responseHeaders = r.responseHeaders));
    expect(responseHeaders['Content-Security-Policy'][0]).toContain("default-src 'none'");
    const w = h.windows[0];
    expect(w.openHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    const ev = { prevented: false, preventDefault() {
      this.prevented = true;
    } };
    w.navHandler!(ev, 'https://example.com/');
    expect(ev.prevented).toBe(true);
  });

  it('shows the tray with its menu and the state from the real status', async () => {
    expect(h.trays).toHaveLength(1);
    const t = h.trays[0];
    expect(t.menu.filter((i) => i.click).map((i) => i.label)).toEqual(['Open', 'Run Customer Master now', 'Restart integrator', 'Export logs…', 'Foreground mode (for Test Pricing)', 'Start at login', 'Quit']);
    await shell.refresh();
    expect(['idle', 'running', 'error']).toContain(shell.state().state);
    expect(t.image.path).toMatch(new RegExp(`tray-${shell.state().state}\\.png$`));
    // A source checkout does not start at login unless the admin ticks it.
    expect(menu(t, 'Start at login').checked).toBe(false);
  });

  it('a second instance brings the window back instead of starting another', () => {
    const shownBefore = h.windows[0].shown;
    for (const fn of h.appHandlers.get('second-instance')!) fn();
    expect(h.windows).toHaveLength(1);
    expect(h.windows[0].shown).toBe(shownBefore + 1);
  });

  it('Run Customer Master now asks the admin API and shows its answer', async () => {
    const t = h.trays[0];
    menu(t, 'Run Customer Master now').click!();
    const answer = /^Run Customer Master: Customer Master (started|is not available in this edition|is already running)/;
    await until('the answer', () => answer.test(shell.lastMessage() ?? ''), 10_000);
    await shell.refresh();
    expect(t.menu.find((i) => i.label && answer.test(i.label))).toBeTruthy();
    expect(t.tooltip).toMatch(/Run Customer Master: Customer Master/);
  });

  it('Restart integrator restarts the core through the admin API', async () => {
    const log = () => fs.readFileSync(path.join(dir, 'logs', 'integrator.log'), 'utf8');
    menu(h.trays[0], 'Restart integrator').click!();
    await until('the restart in the log', () => /restart from the admin UI/.test(log()), 15_000);
    await until('the answer', () => /^Restart integrator: restarting/.test(shell.lastMessage() ?? ''), 10_000);
  });

  it('Export logs saves the real zip where the admin chose', async () => {
    menu(h.trays[0], 'Export logs…').click!();
    await until('the zip', () => fs.existsSync(h.saveTo) && fs.statSync(h.saveTo).size > 0, 15_000);
    await until('settings.json in the zip', async () => [...(await readZip(h.saveTo)).keys()].includes('settings.json'), 5_000);
  });

  it('remembers the window bounds in the shell store (electron-store), not in the core settings', () => {
    const w = h.windows[0];
    w.bounds = { x: 40, y: 50, width: 1000, height: 700 };
    w.handlers.get('resize')!();
    const stored = JSON.parse(fs.readFileSync(path.join(storeDir, 'shell.json'), 'utf8')) as Record<string, unknown>;
    expect(stored.windowBounds).toEqual({ x: 40, y: 50, width: 1000, height: 700 });
    expect(stored.settingsPath ?? null).toBeNull();
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).not.toHaveProperty('windowBounds');
  });

  it('Foreground mode restarts the core with --foreground: Test Pricing then answers, and the choice is remembered', async () => {
    const t = h.trays[0];
    const before = h.forks.length;
    const old = h.forks.at(-1)!.child;
    menu(t, 'Foreground mode (for Test Pricing)').click!();
    expect(await exitOf(old)).toBe(0);
    await until('a new core', () => h.forks.length === before + 1, 20_000);
    expect(h.forks.at(-1)!.messages[0]).toEqual({ type: 'start', settingsFile: file, foreground: true });
    const ready = await shell.host.whenReady();
    expect(ready.foreground).toBe(true);
    const status = (await (await windowFetch(`${ready.adminUrl}/api/status`)).json()) as { foreground: boolean };
    expect(status.foreground).toBe(true);
    expect(readRuntime(dir)?.foreground).toBe(true);
    // The Pricing tab's Test Pricing works: the same request the page sends.
    const priced = await until('a Test Pricing answer', async () => {
      let headers: Record<string, string> = {};
      h.beforeSendHeaders.at(-1)!({ url: `${ready.adminUrl}/api/test-pricing`, requestHeaders: { 'Content-Type': 'application/json' } }, (r) => (headers = r.requestHeaders));
      const res = await fetch(`${ready.adminUrl}/api/test-pricing`, { method: 'POST', headers, body: JSON.stringify({ product: 'P00003', warehouse: 'MEL', customer: 'C00003', quantity: 1 }) });
      return res.status === 200 ? ((await res.json()) as { unitPrice: number | null }) : null;
    }, 15_000);
    expect(typeof priced.unitPrice).toBe('number');
    await shell.refresh();
    expect(menu(t, 'Foreground mode (for Test Pricing)').checked).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(storeDir, 'shell.json'), 'utf8')).foreground).toBe(true);
  });

  it('Start at login ticked from the tray is applied and remembered', () => {
    const t = h.trays[0];
    const entry = path.join(dir, 'xdg', 'autostart', 'integrator.desktop');
    expect(fs.existsSync(entry)).toBe(false);
    menu(t, 'Start at login').click!();
    expect(shell.startAtLogin()).toBe(true);
    // On Linux the login item is an XDG autostart entry.
    expect(fs.readFileSync(entry, 'utf8')).toContain('Exec=');
    expect(JSON.parse(fs.readFileSync(path.join(storeDir, 'shell.json'), 'utf8')).startAtLogin).toBe(true);
    expect(menu(h.trays[0], 'Start at login').checked).toBe(true);
  });

  it('a core that dies is started again after 1 s, the restart logged and shown in the tooltip', async () => {
    const before = h.forks.length;
    const core = h.forks.at(-1)!.child;
    core.kill('SIGKILL');
    await until('the waiting state', () => shell.host.status().kind === 'waiting' || h.forks.length > before, 5_000);
    await until('a new core', () => h.forks.length === before + 1, 10_000);
    await shell.host.whenReady();
    // Started in the mode the admin chose.
    expect(h.forks.at(-1)!.messages[0]).toMatchObject({ type: 'start', foreground: true });
    await shell.refresh();
    expect(h.trays[0].tooltip).toMatch(/restarted 1× after an unexpected exit, last at \d\d:\d\d:\d\d \(code 1\)/);
    const log = fs.readFileSync(path.join(dir, 'logs', 'shell.log'), 'utf8');
    expect(log).toMatch(/the integrator core exited unexpectedly after \d+ s \(core exited with code 1\); restart 1 in 1 s/);
  });

  it('Quit stops the core cleanly (exit code 0) and quits', async () => {
    const child = h.forks.at(-1)!.child;
    const exited = exitOf(child);
    menu(h.trays[0], 'Quit').click!();
    expect(await exited).toBe(0);
    await until('quit', () => h.quit === 1);
    expect(h.trays[0].destroyed).toBe(true);
    expect(readRuntime(dir)).toBeNull();
  });

  it('without the single instance lock, it quits at once and builds nothing', async () => {
    h.lock = false;
    const trays = h.trays.length;
    const forks = h.forks.length;
    expect(await startShell({ env: process.env, storeDir })).toBeNull();
    expect(h.quit).toBe(2);
    expect(h.trays.length).toBe(trays);
    expect(h.forks.length).toBe(forks);
    h.lock = true;
  });

  it('a new start opens the window where it was and keeps the foreground choice', async () => {
    const windows = h.windows.length;
    const again = await start({ env: { ...process.env, INTEGRATOR_CONFIG: file }, pollMs: 60_000, storeDir });
    const ready = await again.host.whenReady();
    expect(ready.foreground).toBe(true);
    await until('the window', () => h.windows.length === windows + 1);
    expect(h.windows.at(-1)!.options).toMatchObject({ x: 40, y: 50, width: 1000, height: 700 });
    await again.host.stop();
  });
});

describe('tray shell: a core that keeps failing, and Restart integrator on a dead core', () => {
  const dir = tmpDir('integrator-shell-dead-');

  it('backs off, says why in the tray, and Restart integrator starts it at once', async () => {
    const file = prepareDemo(dir, {}, 10);
    const good = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, '{ not json');
    const before = h.forks.length;
    const boxes = h.errorBoxes.length;
    const shell = await start({ env: { ...process.env, INTEGRATOR_CONFIG: file }, pollMs: 60_000, storeDir: path.join(dir, 'store'), policy: { initialMs: 60_000, maxMs: 300_000, resetAfterMs: 600_000 } });
    await until('waiting', () => shell.host.status().kind === 'waiting', 20_000);
    const tray = h.trays.at(-1)!;
    expect(shell.state().state).toBe('error');
    expect(tray.image.path).toMatch(/tray-error\.png$/);
    expect(tray.tooltip).toMatch(/^Integrator: stopped, restarting at \d\d:\d\d:\d\d \(core exited with code 1: .*settings/);
    // Said once in a box, not on every attempt.
    expect(h.errorBoxes.length).toBe(boxes + 1);
    expect(h.errorBoxes.at(-1)).toContain('it will try again by itself');
    expect(h.forks.length).toBe(before + 1);
    // The admin fixes the file; Restart integrator does not wait for the back-off.
    fs.writeFileSync(file, good);
    menu(tray, 'Restart integrator').click!();
    await until('a new core', () => h.forks.length === before + 2, 5_000);
    await shell.host.whenReady();
    expect(shell.lastMessage()).toBe('Restart integrator: starting the integrator core');
    await shell.host.stop();
  });
});

describe('tray shell: first start of a fresh install', () => {
  const dir = tmpDir('integrator-shell-fresh-');

  it('creates the settings in the machine folder, opens the first-run page, takes the demo data, checks and starts', async () => {
    h.isPackaged = true;
    h.userData = path.join(dir, 'userData');
    const env = { ...process.env, INTEGRATOR_CONFIG: '', XDG_CONFIG_HOME: path.join(dir, 'xdg') };
    const storeDir = path.join(dir, 'store');
    const boxes = h.errorBoxes.length;
    try {
      const shell = await start({ env, pollMs: 60_000, storeDir });
      const file = path.join(h.userData, 'settings.json');
      expect(shell.settingsFile).toBe(file);
      expect(shell.firstRun).toBe(true);
      expect(fs.existsSync(path.join(h.userData, FIRST_RUN_MARKER))).toBe(true);
      // Installed: starts at login by default (Linux: the autostart entry).
      expect(shell.startAtLogin()).toBe(true);
      expect(fs.readFileSync(path.join(dir, 'xdg', 'autostart', 'integrator.desktop'), 'utf8')).toContain('Exec=');
      // The core starts on the defaults although no database is there yet, and the window opens.
      const ready = await shell.host.whenReady();
      await until('the window', () => h.windows.at(-1)!.loaded.includes(`${ready.adminUrl}/`));
      expect(h.errorBoxes.length).toBe(boxes);
      expect(JSON.parse(fs.readFileSync(path.join(storeDir, 'shell.json'), 'utf8')).settingsPath).toBe(file);

      const api = async (route: string, init: RequestInit = {}) => {
        let headers: Record<string, string> = {};
        h.beforeSendHeaders.at(-1)!({ url: `${ready.adminUrl}${route}`, requestHeaders: { 'Content-Type': 'application/json' } }, (r) => (headers = r.requestHeaders));
        const res = await fetch(`${ready.adminUrl}${route}`, { ...init, headers });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      expect((await api('/api/first-run')).body).toMatchObject({ pending: true, erpDsn: 'sqlite:erp.sqlite' });
      // A DSN that cannot be parsed is a field error; nothing starts.
      const bad = await api('/api/first-run', { method: 'POST', body: JSON.stringify({ erpDsn: 'oracle://x', webDsn: 'sqlite:web.sqlite' }) });
      expect(bad.status).toBe(400);
      expect(bad.body.fieldErrors).toEqual([expect.objectContaining({ key: 'erpDsn' })]);
      // The defaults point at databases that are not there: the check says so and the first run stays.
      const missing = await api('/api/first-run', { method: 'POST', body: JSON.stringify({ erpDsn: 'sqlite:erp.sqlite', webDsn: 'sqlite:web.sqlite' }) });
      expect(missing.body).toMatchObject({ started: false, check: { ok: false } });
      expect(fs.existsSync(path.join(h.userData, FIRST_RUN_MARKER))).toBe(true);
      // Use demo data, then Check and start.
      expect((await api('/api/first-run/demo', { method: 'POST' })).body).toMatchObject({ pending: true, erpDsn: 'sqlite:demo/erp.sqlite', webDsn: 'sqlite:demo/web.sqlite' });
      const started = await api('/api/first-run', { method: 'POST', body: JSON.stringify({ erpDsn: 'sqlite:demo/erp.sqlite', webDsn: 'sqlite:demo/web.sqlite' }) });
      expect(started.body).toMatchObject({ started: true, check: { ok: true } });
      expect(fs.existsSync(path.join(h.userData, FIRST_RUN_MARKER))).toBe(false);
      expect((await api('/api/first-run')).body).toMatchObject({ pending: false });
      // Afterwards neither route changes the connections any more.
      const late = await api('/api/first-run/demo', { method: 'POST' });
      expect(late.status).toBe(409);
      expect(late.body.error).toMatch(/the first run is over/);
      expect((await api('/api/first-run', { method: 'POST', body: JSON.stringify({ erpDsn: 'sqlite:x.sqlite', webDsn: 'sqlite:y.sqlite' }) })).status).toBe(409);
      expect(JSON.parse(fs.readFileSync(file, 'utf8')).erpDsn).toBe('sqlite:demo/erp.sqlite');
      await until('the integrator on the demo data', async () => {
        const s = (await api('/api/status')).body as { state: string; erp: { ok: boolean }; web: { ok: boolean } };
        return s.state === 'running' && s.erp.ok && s.web.ok;
      }, 30_000);
      await shell.host.stop();
    } finally {
      h.isPackaged = false;
    }
  });
});

describe('tray shell: one integrator per machine', () => {
  const dir = tmpDir('integrator-shell-machine-');

  it('a second tray app (another user\'s session) uses the running core instead of starting another, and takes over when it stops', async () => {
    const file = prepareDemo(dir, {}, 10);
    const env = { ...process.env, INTEGRATOR_CONFIG: file };
    const first = await start({ env, pollMs: 60_000, storeDir: path.join(dir, 'alice') });
    const own = await first.host.whenReady();
    const forks = h.forks.length;
    const firstCore = h.forks.at(-1)!.child;

    const second = await start({ env, pollMs: 60_000, storeDir: path.join(dir, 'bob'), attachedCheckMs: 200 });
    const attached = await second.host.whenReady();
    expect(attached).toMatchObject({ kind: 'attached', adminUrl: own.adminUrl, pid: firstCore.pid });
    expect(h.forks.length).toBe(forks);
    await until('the window on the same admin UI', () => h.windows.at(-1)!.loaded.includes(`${own.adminUrl}/`));
    expect((await windowFetch(`${own.adminUrl}/api/status`)).status).toBe(200);
    await second.refresh();
    expect(second.state().tooltip).toContain(`using the integrator of another session (pid ${firstCore.pid})`);

    // Quitting the second app leaves the first one's core alone.
    const secondTray = h.trays.at(-1)!;
    menu(secondTray, 'Quit').click!();
    await until('the second tray gone', () => secondTray.destroyed);
    expect(alive(firstCore)).toBe(true);

    // A third one attaches too; when the first one's core stops, it starts its own.
    const third = await start({ env, pollMs: 60_000, storeDir: path.join(dir, 'carol'), attachedCheckMs: 200 });
    expect((await third.host.whenReady()).kind).toBe('attached');
    await first.host.stop();
    expect(alive(firstCore)).toBe(false);
    await until('its own core', () => h.forks.length === forks + 1 && third.host.status().kind === 'ready', 20_000);
    expect(readRuntime(dir)?.pid).toBe(h.forks.at(-1)!.child.pid);
    await third.host.stop();
  });
});
