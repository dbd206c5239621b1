// The tray shell's pure parts: tray state from the status, the window's security options, the Admin UI line,
// where the settings live, and the preload bridge (run in a VM with the sandbox's own `require`).
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { trayStateFromStatus } from '../../electron/trayState.js';
import { CSP, isAdminOrigin, windowOptions } from '../../electron/windowOptions.js';
import { parseAdminLine, shellConfigPath } from '../../electron/coreProcess.js';
import { trayIconPath, trayMenuTemplate } from '../../electron/trayMenu.js';
import { ROOT } from '../helpers/cli.js';

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

describe('window options', () => {
  const o = windowOptions({ preload: '/app/electron/preload.cjs', token: 'tok', adminUrl: 'http://127.0.0.1:5555' });
  it('isolate and sandbox the page, with no Node integration anywhere', () => {
    expect(o.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/app/electron/preload.cjs',
    });
    expect(o.webPreferences?.additionalArguments).toEqual(['--integrator-token=tok', '--integrator-admin-url=http://127.0.0.1:5555']);
  });
  it('have a CSP that allows only the page itself', () => {
    expect(CSP).toContain("default-src 'none'");
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).not.toContain('unsafe');
  });
  it('keep the window on the admin origin', () => {
    expect(isAdminOrigin('http://127.0.0.1:5555/x', 'http://127.0.0.1:5555')).toBe(true);
    expect(isAdminOrigin('http://127.0.0.1:5556/', 'http://127.0.0.1:5555')).toBe(false);
    expect(isAdminOrigin('https://evil.example/', 'http://127.0.0.1:5555')).toBe(false);
    expect(isAdminOrigin('not a url', 'http://127.0.0.1:5555')).toBe(false);
  });
});

describe('core process: the Admin UI line and the settings path', () => {
  it('read the base URL and token from the printed Admin UI line', () => {
    expect(parseAdminLine('Pricing listener: off\nAdmin UI: http://127.0.0.1:40123/#token=abc_DEF-1\n')).toEqual({ base: 'http://127.0.0.1:40123', token: 'abc_DEF-1' });
    expect(parseAdminLine('Admin UI: http://example.com:1/#token=x')).toBeNull();
    expect(parseAdminLine('nothing yet')).toBeNull();
  });
  it('keep settings in $INTEGRATOR_CONFIG, the checkout demo folder, or the user data folder', () => {
    expect(shellConfigPath({ env: { INTEGRATOR_CONFIG: '/etc/i/settings.json' }, isPackaged: true, root: '/src', userData: '/ud' })).toBe('/etc/i/settings.json');
    expect(shellConfigPath({ env: {}, isPackaged: false, root: '/src', userData: '/ud' })).toBe(path.join('/src', 'integrator-data', 'settings.json'));
    expect(shellConfigPath({ env: {}, isPackaged: true, root: '/src', userData: '/ud' })).toBe(path.join('/ud', 'settings.json'));
  });
});

describe('tray menu', () => {
  it('offers Open, Run Customer Master now, Restart, Export logs and Quit, each wired to its action', () => {
    const calls: string[] = [];
    const actions = {
      open: () => calls.push('open'),
      runCustomerMaster: () => calls.push('run'),
      restart: () => calls.push('restart'),
      exportLogs: () => calls.push('export'),
      quit: () => calls.push('quit'),
    };
    const items = trayMenuTemplate(actions, { state: 'idle', tooltip: 'Integrator: idle' });
    const labelled = items.filter((i) => i.label && i.click);
    expect(labelled.map((i) => i.label)).toEqual(['Open', 'Run Customer Master now', 'Restart integrator', 'Export logs…', 'Quit']);
    for (const i of labelled) (i.click as () => void)();
    expect(calls).toEqual(['open', 'run', 'restart', 'export', 'quit']);
    expect(items[0]).toMatchObject({ label: 'Status: idle', enabled: false });
  });
});

describe('preload bridge', () => {
  it('exposes only the token and the admin URL, frozen, under window.integrator', () => {
    const code = fs.readFileSync(path.join(ROOT, 'electron', 'preload.cjs'), 'utf8');
    const exposed: Record<string, unknown> = {};
    const required: string[] = [];
    const sandboxRequire = (name: string) => {
      required.push(name);
      if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
      return { contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) } };
    };
    vm.runInNewContext(code, {
      require: sandboxRequire,
      process: { argv: ['/electron', '--type=renderer', '--integrator-token=t0k', '--integrator-admin-url=http://127.0.0.1:9'] },
    });
    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['integrator']);
    expect(exposed.integrator).toEqual({ token: 't0k', adminUrl: 'http://127.0.0.1:9' });
    expect(Object.isFrozen(exposed.integrator)).toBe(true);
  });
});

describe('tray icons', () => {
  it('exist for every tray state, with a high-DPI twin', () => {
    for (const state of ['idle', 'running', 'error'] as const) {
      const p = trayIconPath(state);
      expect(fs.existsSync(p)).toBe(true);
      expect(fs.existsSync(p.replace(/\.png$/, '@2x.png'))).toBe(true);
    }
  });
});
