// The tray shell's main process with `electron` mocked (never launched): single instance lock, the tray
// and its menu, the sandboxed window on the admin URL, and the menu actions reaching the admin API of a
// real core. The mocked utilityProcess.fork starts electron/coreEntry.cjs as a Node child process, so the
// core is the real `integrator run` on demo data, stopped through the same message the shell sends.
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { readZip } from '../helpers/zip.js';
import { prepareDemo } from '../e2e/harness.js';
import type { startShell as StartShell } from '../../electron/shell.js';

const h = vi.hoisted(() => {
  type Handler = (...args: unknown[]) => unknown;
  const state = {
    lock: true,
    appHandlers: new Map<string, Handler>(),
    trays: [] as Array<{ image: unknown; tooltip: string; menu: Array<{ label?: string; click?: () => void }>; handlers: Map<string, Handler>; destroyed: boolean }>,
    windows: [] as Array<{ options: Record<string, unknown>; loaded: string[]; shown: number; handlers: Map<string, Handler>; openHandler?: (d: { url: string }) => unknown; navHandler?: Handler }>,
    children: [] as Array<ChildProcess>,
    headersHook: null as null | ((details: { responseHeaders: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void),
    saveTo: '',
    errorBoxes: [] as string[],
    quit: 0,
    forkImpl: null as null | ((modulePath: string, args: string[], options: Record<string, unknown>) => unknown),
  };
  return state;
});

vi.mock('electron', () => {
  class Tray {
    rec = { image: null as unknown, tooltip: '', menu: [] as Array<{ label?: string; click?: () => void }>, handlers: new Map(), destroyed: false };
    constructor(image: unknown) {
      this.rec.image = image;
      h.trays.push(this.rec);
    }
    setImage(i: unknown) {
      this.rec.image = i;
    }
    setToolTip(t: string) {
      this.rec.tooltip = t;
    }
    setContextMenu(m: Array<{ label?: string; click?: () => void }>) {
      this.rec.menu = m;
    }
    displayBalloon(o: { content: string }) {
      this.rec.tooltip = o.content;
    }
    on(ev: string, fn: () => void) {
      this.rec.handlers.set(ev, fn);
    }
    destroy() {
      this.rec.destroyed = true;
    }
  }
  class BrowserWindow {
    rec: (typeof h.windows)[number];
    webContents: Record<string, unknown>;
    constructor(options: Record<string, unknown>) {
      this.rec = { options, loaded: [], shown: 0, handlers: new Map() };
      h.windows.push(this.rec);
      this.webContents = {
        setWindowOpenHandler: (fn: (d: { url: string }) => unknown) => (this.rec.openHandler = fn),
        on: (ev: string, fn: (...a: unknown[]) => unknown) => {
          if (ev === 'will-navigate') this.rec.navHandler = fn;
        },
      };
    }
    loadURL(url: string) {
      this.rec.loaded.push(url);
      return Promise.resolve();
    }
    on(ev: string, fn: (...a: unknown[]) => unknown) {
      this.rec.handlers.set(ev, fn);
    }
    once(ev: string, fn: (...a: unknown[]) => unknown) {
      this.rec.handlers.set(ev, fn);
    }
    show() {
      this.rec.shown++;
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
  return {
    app: {
      isPackaged: false,
      requestSingleInstanceLock: () => h.lock,
      quit: () => void h.quit++,
      on: (ev: string, fn: (...a: unknown[]) => unknown) => void h.appHandlers.set(ev, fn),
      whenReady: () => Promise.resolve(),
      getPath: (name: string) => `/nonexistent/${name}`,
    },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (fn: typeof h.headersHook) => void (h.headersHook = fn) },
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
    shell: { showItemInFolder: () => undefined, openExternal: async () => undefined },
    utilityProcess: { fork: (m: string, a: string[], o: Record<string, unknown>) => h.forkImpl!(m, a, o) },
  };
});

/** Electron's UtilityProcess shape over a Node child process with an IPC channel. */
function nodeUtilityProcess(modulePath: string, args: string[], options: Record<string, unknown>) {
  const child = fork(modulePath, args, { cwd: options.cwd as string, env: options.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  h.children.push(child);
  const up = Object.assign(new EventEmitter(), {
    stdout: child.stdout,
    stderr: child.stderr,
    pid: child.pid,
    postMessage: (m: unknown) => child.connected && child.send(m as object),
    kill: () => child.kill('SIGKILL'),
  });
  child.on('exit', (code) => up.emit('exit', code ?? 1));
  return up;
}

describe('tray shell main process (electron mocked)', () => {
  const dir = tmpDir('integrator-shell-');
  let shell: Awaited<ReturnType<typeof StartShell>>;
  let startShell: typeof StartShell;

  beforeAll(async () => {
    const file = prepareDemo(dir, {}, 40);
    h.saveTo = path.join(dir, 'exported.zip');
    h.forkImpl = nodeUtilityProcess;
    ({ startShell } = await import('../../electron/shell.js'));
    shell = await startShell({ env: { ...process.env, INTEGRATOR_CONFIG: file }, pollMs: 60_000 });
  });

  afterAll(async () => {
    for (const c of h.children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('takes the single instance lock and opens a sandboxed, isolated window on the admin URL', () => {
    expect(shell).not.toBeNull();
    expect(h.windows).toHaveLength(1);
    const w = h.windows[0];
    const prefs = w.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(prefs.preload).toMatch(/electron[\\/]preload\.cjs$/);
    expect(w.loaded).toHaveLength(1);
    expect(w.loaded[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    // The token reaches the page through the preload's argv, never through the URL.
    expect(w.loaded[0]).not.toContain('token');
    expect((prefs.additionalArguments as string[])[0]).toMatch(/^--integrator-token=.{16,}/);
  });

  it('puts the CSP on every response and keeps the window on its origin', () => {
    let headers: Record<string, string[]> = {};
    h.headersHook!({ responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy'][0]).toContain("default-src 'none'");
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
    expect(t.menu.filter((i) => i.click).map((i) => i.label)).toEqual(['Open', 'Run Customer Master now', 'Restart integrator', 'Export logs…', 'Quit']);
    await shell!.refresh();
    expect(['idle', 'running']).toContain(shell!.state().state);
    expect((t.image as { path: string }).path).toMatch(new RegExp(`tray-${shell!.state().state}\\.png$`));
  });

  it('a second instance brings the window back instead of starting another', () => {
    const shownBefore = h.windows[0].shown;
    h.appHandlers.get('second-instance')!();
    expect(h.windows).toHaveLength(1);
    expect(h.windows[0].shown).toBe(shownBefore + 1);
  });

  it('Run Customer Master now asks the admin API and shows its answer', async () => {
    const t = h.trays[0];
    t.menu.find((i) => i.label === 'Run Customer Master now')!.click!();
    const answer = /^Run Customer Master: Customer Master (started|is not available in this edition|is already running)/;
    await vi.waitFor(() => expect(shell!.lastMessage()).toMatch(answer), { timeout: 10_000 });
    // The answer stays in the menu and the tooltip, whatever the status polling does meanwhile.
    await shell!.refresh();
    expect(t.menu.find((i) => i.label && answer.test(i.label))).toBeTruthy();
    expect(t.tooltip).toMatch(/Run Customer Master: Customer Master/);
  });

  it('Restart integrator restarts the core through the admin API', async () => {
    const log = () => fs.readFileSync(path.join(dir, 'logs', 'integrator.log'), 'utf8');
    h.trays[0].menu.find((i) => i.label === 'Restart integrator')!.click!();
    await vi.waitFor(() => expect(log()).toMatch(/restart from the admin UI/), { timeout: 15_000 });
    await vi.waitFor(() => expect(shell!.lastMessage()).toMatch(/^Restart integrator: restarting/), { timeout: 10_000 });
  });

  it('Export logs saves the real zip where the admin chose', async () => {
    h.trays[0].menu.find((i) => i.label === 'Export logs…')!.click!();
    await vi.waitFor(() => expect(fs.existsSync(h.saveTo) && fs.statSync(h.saveTo).size > 0).toBe(true), { timeout: 15_000 });
    await vi.waitFor(async () => expect([...(await readZip(h.saveTo)).keys()]).toContain('settings.json'), { timeout: 5_000 });
  });

  it('Quit stops the core cleanly (exit code 0) and quits', async () => {
    const child = h.children[0];
    const exited = new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (c) => r(c))));
    h.trays[0].menu.find((i) => i.label === 'Quit')!.click!();
    expect(await exited).toBe(0);
    await vi.waitFor(() => expect(h.quit).toBe(1));
    expect(h.trays[0].destroyed).toBe(true);
  });

  it('without the single instance lock, it quits at once and builds nothing', async () => {
    h.lock = false;
    const trays = h.trays.length;
    const forks = h.children.length;
    expect(await startShell({ env: process.env })).toBeNull();
    expect(h.quit).toBe(2);
    expect(h.trays.length).toBe(trays);
    expect(h.children.length).toBe(forks);
  });

  it('a core that cannot start turns the tray red and says why', async () => {
    h.lock = true;
    const missing = path.join(dir, 'nowhere', 'settings.json');
    const failed = await startShell({ env: { ...process.env, INTEGRATOR_CONFIG: missing }, pollMs: 60_000 });
    expect(failed).not.toBeNull();
    await vi.waitFor(() => expect(failed!.state().state).toBe('error'), { timeout: 20_000 });
    expect(failed!.state().tooltip).toMatch(/^Integrator: stopped/);
    const tray = h.trays.at(-1)!;
    expect((tray.image as { path: string }).path).toMatch(/tray-error\.png$/);
    await vi.waitFor(() => expect(h.errorBoxes.join('\n')).toContain(`no settings file at ${missing}`), { timeout: 5_000 });
  });
});
