// The tray shell's pure parts: tray state from the status, the window's security options and session
// hardening, the typed core messages, restart back-off, where the settings live, start at login, the tray
// menu, and the preload bridge (the compiled preload run in a VM with the sandbox's own `require`).
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { trayStateFromStatus } from '../../electron/trayState.js';
import { CSP, isAdminOrigin, secureSession, windowOptions, type AdminTarget } from '../../electron/security.js';
import { ensureSettings, machineDataDir, shellConfigPath } from '../../electron/settingsLocation.js';
import { trayIconPath, trayMenuTemplate, type TrayActions } from '../../electron/trayMenu.js';
import { createBackoff, CORE_RESTART_POLICY } from '../../electron/backoff.js';
import { CoreToShellSchema, ShellToCoreSchema, unwrap } from '../../electron/messages.js';
import { applyStartAtLogin, autostartDesktopEntry, autostartFile } from '../../electron/loginItem.js';
import { FIRST_RUN_MARKER } from '../../core/admin/firstRun.js';
import { loadSettings } from '../../core/settings/settingsFile.js';
import { ROOT } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const base = {
  state: 'running',
  erp: { ok: true, error: null },
  web: { ok: true, error: null },
  restartRequired: false,
  progress: [],
  events: [
    { label: 'Customer Master', running: false, lastRun: { status: 'Succeeded', error: null } },
    { label: 'Get Orders', running: false, lastRun: null },
  ],
};

describe('tray state from the status', () => {
  it('is idle when nothing runs and nothing failed', () => {
    expect(trayStateFromStatus(base, { coreRunning: true })).toEqual({ state: 'idle', tooltip: 'Integrator: idle' });
  });
  it('is running while an event runs, naming it', () => {
    const s = { ...base, events: [{ ...base.events[0], running: true }, base.events[1]] };
    expect(trayStateFromStatus(s, { coreRunning: true })).toEqual({ state: 'running', tooltip: 'Integrator: running Customer Master' });
  });
  it('is running while the integrator restarts', () => {
    expect(trayStateFromStatus({ ...base, state: 'restarting' }, { coreRunning: true }).state).toBe('running');
  });
  it('is error when a database is away, with the reason', () => {
    const r = trayStateFromStatus({ ...base, web: { ok: false, error: 'web.sqlite not found' } }, { coreRunning: true });
    expect(r.state).toBe('error');
    expect(r.tooltip).toContain('web store unreachable: web.sqlite not found');
  });
  it('is error when the last run of an event failed', () => {
    const s = { ...base, events: [{ label: 'Get Orders', running: false, lastRun: { status: 'Failed', error: 'ERP locked' } }] };
    expect(trayStateFromStatus(s, { coreRunning: true })).toEqual({ state: 'error', tooltip: 'Integrator: Get Orders failed: ERP locked' });
  });
  it('is error when the core is gone or not answering', () => {
    expect(trayStateFromStatus(base, { coreRunning: false, problem: 'core exited with code 1' })).toEqual({ state: 'error', tooltip: 'Integrator: stopped (core exited with code 1)' });
    expect(trayStateFromStatus(null, { coreRunning: true }).state).toBe('error');
  });
  it('mentions a pending restart and keeps tooltips within the Windows limit', () => {
    expect(trayStateFromStatus({ ...base, restartRequired: true }, { coreRunning: true }).tooltip).toBe('Integrator: idle · restart required');
    const long = { ...base, erp: { ok: false, error: 'x'.repeat(300) } };
    expect(trayStateFromStatus(long, { coreRunning: true }).tooltip.length).toBeLessThanOrEqual(127);
  });
});

describe('window security', () => {
  const o = windowOptions({ preload: '/app/dist/electron/preload.cjs' });
  it('isolates and sandboxes the page, with no Node integration anywhere', () => {
    expect(o.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/app/dist/electron/preload.cjs',
    });
  });
  it('passes nothing to the page in its process arguments (the token stays in the main process)', () => {
    expect(o.webPreferences?.additionalArguments).toBeUndefined();
    expect(JSON.stringify(o)).not.toMatch(/token/i);
  });
  it('reopens the window where the admin left it', () => {
    expect(windowOptions({ preload: 'p', bounds: { x: 10, y: 20, width: 900, height: 700 } })).toMatchObject({ x: 10, y: 20, width: 900, height: 700 });
  });
  it('has a CSP that allows only the page itself', () => {
    expect(CSP).toContain("default-src 'none'");
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).not.toContain('unsafe');
  });
  it('keeps the window on the admin origin', () => {
    expect(isAdminOrigin('http://127.0.0.1:5555/x', 'http://127.0.0.1:5555')).toBe(true);
    expect(isAdminOrigin('http://127.0.0.1:5556/', 'http://127.0.0.1:5555')).toBe(false);
    expect(isAdminOrigin('https://evil.example/', 'http://127.0.0.1:5555')).toBe(false);
    expect(isAdminOrigin('not a url', 'http://127.0.0.1:5555')).toBe(false);
  });
  it('adds the Authorization header to admin requests only, refuses permissions and puts the CSP on every response', () => {
    type Cb<T> = (r: T) => void;
    let before: ((d: { url: string; requestHeaders: Record<string, string> }, cb: Cb<{ requestHeaders: Record<string, string> }>) => void) | null = null;
    let after: ((d: { responseHeaders?: Record<string, string[]> }, cb: Cb<{ responseHeaders: Record<string, string[]> }>) => void) | null = null;
    let permission: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | null = null;
    const fake = {
      webRequest: { onBeforeSendHeaders: (fn: typeof before) => void (before = fn), onHeadersReceived: (fn: typeof after) => void (after = fn) },
      setPermissionRequestHandler: (fn: typeof permission) => void (permission = fn),
    };
    let target: AdminTarget | null = { adminUrl: 'http://127.0.0.1:5555', token: 'sekret-token' };
    secureSession(fake as unknown as Parameters<typeof secureSession>[0], () => target);
    const send = (url: string, headers: Record<string, string> = {}) => {
      let out: Record<string, string> = {};
      before!({ url, requestHeaders: headers }, (r) => (out = r.requestHeaders));
      return out;
    };
    expect(send('http://127.0.0.1:5555/api/status').Authorization).toBe('Bearer sekret-token');
    expect(send('http://127.0.0.1:5555/api/progress/stream').Authorization).toBe('Bearer sekret-token');
    expect(send('http://127.0.0.1:5556/api/status').Authorization).toBeUndefined();
    expect(send('https://evil.example/', { Authorization: 'Bearer x' }).Authorization).toBeUndefined();
    target = null;
    expect(send('http://127.0.0.1:5555/api/status').Authorization).toBeUndefined();
    let granted = true;
    permission!(null, 'notifications', (ok) => (granted = ok));
    expect(granted).toBe(false);
    let headers: Record<string, string[]> = {};
    after!({ responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy'][0]).toBe(CSP);
  });
});

describe('core messages', () => {
  it('are checked on arrival, with the token carried only in ready', () => {
    expect(ShellToCoreSchema.parse({ type: 'start', settingsFile: '/s/settings.json', foreground: true })).toEqual({ type: 'start', settingsFile: '/s/settings.json', foreground: true });
    expect(ShellToCoreSchema.safeParse({ type: 'start', settingsFile: '' , foreground: true }).success).toBe(false);
    expect(ShellToCoreSchema.safeParse({ type: 'shutdown' }).success).toBe(false);
    expect(CoreToShellSchema.parse({ type: 'ready', adminUrl: 'http://127.0.0.1:1', token: 't', foreground: false, pid: 1 }).type).toBe('ready');
    expect(CoreToShellSchema.safeParse({ type: 'ready', adminUrl: 'http://127.0.0.1:1', foreground: false, pid: 1 }).success).toBe(false);
    // Electron's utilityProcess wraps a message in { data }; Node's IPC does not.
    expect(unwrap({ data: { type: 'stop' } })).toEqual({ type: 'stop' });
    expect(unwrap({ type: 'stop' })).toEqual({ type: 'stop' });
  });
});

describe('core restart back-off', () => {
  it('waits 1 s, doubling, at most 5 minutes, and starts afresh after 10 minutes up', () => {
    const b = createBackoff();
    const delays = Array.from({ length: 11 }, () => b.next(1000));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000, 300000, 300000]);
    expect(b.next(CORE_RESTART_POLICY.resetAfterMs - 1)).toBe(300000);
    expect(b.next(CORE_RESTART_POLICY.resetAfterMs)).toBe(1000);
    expect(b.next(5)).toBe(2000);
  });
});

describe('where the settings live', () => {
  const common = { env: {}, root: '/src', userData: '/home/a/.config/Integrator', remembered: null };
  it('$INTEGRATOR_CONFIG first, then the remembered path, then the checkout demo folder', () => {
    expect(shellConfigPath({ ...common, env: { INTEGRATOR_CONFIG: '/etc/i/settings.json' }, platform: 'linux', isPackaged: true, remembered: '/x/settings.json' })).toBe('/etc/i/settings.json');
    expect(shellConfigPath({ ...common, platform: 'linux', isPackaged: true, remembered: '/x/settings.json' })).toBe('/x/settings.json');
    expect(shellConfigPath({ ...common, platform: 'linux', isPackaged: false })).toBe(path.join('/src', 'integrator-data', 'settings.json'));
  });
  it('the installed app: one machine-wide folder on Windows (ProgramData), shared by every user', () => {
    const win = { ...common, platform: 'win32' as const, isPackaged: true };
    expect(shellConfigPath({ ...win, env: { ProgramData: 'C:\\ProgramData' }, userData: 'C:\\Users\\alice\\AppData\\Roaming\\Integrator' })).toBe('C:\\ProgramData\\Integrator\\settings.json');
    expect(shellConfigPath({ ...win, env: { ProgramData: 'C:\\ProgramData' }, userData: 'C:\\Users\\bob\\AppData\\Roaming\\Integrator' })).toBe('C:\\ProgramData\\Integrator\\settings.json');
    expect(machineDataDir({ env: {}, platform: 'win32', userData: 'x' })).toBe('C:\\ProgramData\\Integrator');
    expect(shellConfigPath({ ...common, platform: 'linux', isPackaged: true })).toBe(path.join(common.userData, 'settings.json'));
  });
  it('a fresh install gets default settings and the first-run mark; existing settings are left alone', () => {
    const dir = tmpDir('integrator-first-');
    const file = path.join(dir, 'Integrator', 'settings.json');
    expect(ensureSettings(file)).toBe(true);
    expect(loadSettings(file).values.erpDsn).toBe('sqlite:erp.sqlite');
    expect(fs.existsSync(path.join(dir, 'Integrator', FIRST_RUN_MARKER))).toBe(true);
    fs.rmSync(path.join(dir, 'Integrator', FIRST_RUN_MARKER));
    const before = fs.readFileSync(file, 'utf8');
    expect(ensureSettings(file)).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    expect(fs.existsSync(path.join(dir, 'Integrator', FIRST_RUN_MARKER))).toBe(false);
  });
});

describe('start at login', () => {
  it('Windows and macOS: Electron login item with the app itself', () => {
    const calls: unknown[] = [];
    const app = { setLoginItemSettings: (s: unknown) => void calls.push(s), getLoginItemSettings: () => ({ openAtLogin: false }) };
    applyStartAtLogin(true, { platform: 'win32', app, execPath: 'C:\\Program Files\\Integrator\\Integrator.exe' });
    applyStartAtLogin(false, { platform: 'win32', app, execPath: 'C:\\Program Files\\Integrator\\Integrator.exe' });
    expect(calls).toEqual([
      { openAtLogin: true, path: 'C:\\Program Files\\Integrator\\Integrator.exe' },
      { openAtLogin: false, path: 'C:\\Program Files\\Integrator\\Integrator.exe' },
    ]);
  });
  it('Linux: an XDG autostart entry, the AppImage itself when run from one', () => {
    const dir = tmpDir('integrator-autostart-');
    const env = { XDG_CONFIG_HOME: dir, APPIMAGE: '/opt/apps/Integrator 0.1.0.AppImage' };
    const app = { setLoginItemSettings: () => undefined, getLoginItemSettings: () => ({ openAtLogin: false }) };
    applyStartAtLogin(true, { platform: 'linux', app, execPath: '/tmp/.mount_x/integrator', env });
    const file = autostartFile(env);
    expect(file).toBe(path.join(dir, 'autostart', 'integrator.desktop'));
    expect(fs.readFileSync(file, 'utf8')).toBe(autostartDesktopEntry('/opt/apps/Integrator 0.1.0.AppImage'));
    expect(fs.readFileSync(file, 'utf8')).toContain('Exec="/opt/apps/Integrator 0.1.0.AppImage"');
    applyStartAtLogin(false, { platform: 'linux', app, execPath: '/x', env });
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('tray menu', () => {
  it('offers Open, Run Customer Master now, Restart, Export logs, Foreground mode, Start at login and Quit, each wired to its action', () => {
    const calls: string[] = [];
    const actions: TrayActions = {
      open: () => void calls.push('open'),
      runCustomerMaster: () => void calls.push('run'),
      restart: () => void calls.push('restart'),
      exportLogs: () => void calls.push('export'),
      toggleForeground: () => void calls.push('foreground'),
      toggleStartAtLogin: () => void calls.push('login'),
      quit: () => void calls.push('quit'),
    };
    const items = trayMenuTemplate(actions, { state: 'idle', tooltip: 'Integrator: idle\nrestarted 1×', foreground: true, startAtLogin: false });
    const labelled = items.filter((i) => i.label && i.click);
    expect(labelled.map((i) => i.label)).toEqual(['Open', 'Run Customer Master now', 'Restart integrator', 'Export logs…', 'Foreground mode (for Test Pricing)', 'Start at login', 'Quit']);
    for (const i of labelled) (i.click as () => void)();
    expect(calls).toEqual(['open', 'run', 'restart', 'export', 'foreground', 'login', 'quit']);
    expect(items[0]).toMatchObject({ label: 'Status: idle', enabled: false });
    expect(items.find((i) => i.label === 'Foreground mode (for Test Pricing)')).toMatchObject({ type: 'checkbox', checked: true });
    expect(items.find((i) => i.label === 'Start at login')).toMatchObject({ type: 'checkbox', checked: false });
  });
});

describe('preload bridge', () => {
  it('exposes only that the page runs in the shell: no token, nothing read from its arguments', () => {
    const code = fs.readFileSync(path.join(ROOT, 'dist', 'electron', 'preload.cjs'), 'utf8');
    const exposed: Record<string, unknown> = {};
    const required: string[] = [];
    const sandboxRequire = (name: string) => {
      required.push(name);
      if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
      return { contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) } };
    };
    const module = { exports: {} };
    vm.runInNewContext(code, {
      require: sandboxRequire,
      module,
      exports: module.exports,
      process: { argv: ['/electron', '--type=renderer', '--integrator-token=t0k'] },
    });
    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['integrator']);
    expect(exposed.integrator).toEqual({ shell: true });
    expect(Object.isFrozen(exposed.integrator)).toBe(true);
    expect(code).not.toMatch(/argv|token/);
  });
});

describe('tray icons', () => {
  it('exist for every tray state, with a high-DPI twin', () => {
    for (const state of ['idle', 'running', 'error'] as const) {
      const p = trayIconPath(state, ROOT);
      expect(fs.existsSync(p)).toBe(true);
      expect(fs.existsSync(p.replace(/\.png$/, '@2x.png'))).toBe(true);
    }
  });
});
