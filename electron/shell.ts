// The tray shell, split by job as in Mattermost Desktop's src/main: the core host (coreHost.ts), the tray
// (tray.ts, trayMenu.ts, trayState.ts), the window (window.ts), security (security.ts), the shell's own state
// (shellStore.ts), start at login (loginItem.ts) and where the settings live (settingsLocation.ts). This file
// wires them together; everything the menu does goes through the admin API, exactly like the UI.
import fs from 'node:fs';
import path from 'node:path';
import { app, dialog, session, shell as desktop, utilityProcess } from 'electron';
import { PACKAGE_ROOT } from '../core/packageRoot.js';
import { createAdminClient, type AdminClient } from './adminClient.js';
import type { BackoffPolicy } from './backoff.js';
import { CoreHost, type CoreStatus } from './coreHost.js';
import { applyStartAtLogin } from './loginItem.js';
import { secureSession, type AdminTarget } from './security.js';
import { ensureSettings, shellConfigPath } from './settingsLocation.js';
import { createShellStore } from './shellStore.js';
import { createTray } from './tray.js';
import type { TrayActions } from './trayMenu.js';
import { trayStateFromStatus, truncate, type StatusLike, type TrayView } from './trayState.js';
import { createAdminWindow } from './window.js';

export interface ShellOptions {
  root?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  pollMs?: number;
  /** Folder of the shell's own state (default: Electron's user data folder). */
  storeDir?: string;
  policy?: BackoffPolicy;
  attachedCheckMs?: number;
}

const time = (ms: number) => new Date(ms).toTimeString().slice(0, 8);

/** Starts the shell. Returns null when another instance already runs (that one is brought to the front). */
export async function startShell(options: ShellOptions = {}) {
  const root = options.root ?? PACKAGE_ROOT;
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  // The shell lives in the tray: closing the window does not stop the integrator.
  app.on('window-all-closed', () => undefined);
  await app.whenReady();

  const store = createShellStore(options.storeDir);
  const settingsFile = shellConfigPath({ env, platform, isPackaged: app.isPackaged, root, userData: app.getPath('userData'), remembered: store.get('settingsPath') });
  if (!env.INTEGRATOR_CONFIG) store.set('settingsPath', settingsFile);
  const firstRun = ensureSettings(settingsFile);
  const logFile = path.join(path.dirname(settingsFile), 'logs', 'shell.log');
  const log = (line: string) => {
    const text = `${new Date().toISOString()} ${line}\n`;
    process.stdout.write(`tray: ${line}\n`);
    try {
      fs.mkdirSync(path.dirname(logFile), { recursive: true });
      fs.appendFileSync(logFile, text);
    } catch {
      // A log that cannot be written must not stop the tray.
    }
  };
  if (firstRun) log(`first start: default settings written to ${settingsFile}; the admin UI asks for the connections`);

  // Start at login: on by default for the installed app; a source checkout leaves it alone until chosen.
  let startAtLogin = store.get('startAtLogin') ?? app.isPackaged;
  const loginItem = () => applyStartAtLogin(startAtLogin, { platform, app, execPath: process.execPath, env });
  if (app.isPackaged || store.get('startAtLogin') !== null) loginItem();

  const host = new CoreHost({
    fork: (modulePath, args, forkOptions) => utilityProcess.fork(modulePath, args, forkOptions),
    entry: path.join(root, 'dist', 'electron', 'coreEntry.cjs'),
    settingsFile,
    foreground: store.get('foreground'),
    env,
    log,
    policy: options.policy,
    attachedCheckMs: options.attachedCheckMs,
  });

  let client: AdminClient | null = null;
  let target: AdminTarget | null = null;
  let lastStatus: StatusLike | null = null;
  let lastMessage: string | null = null;
  let quitting = false;
  let everReady = false;
  let errorShown = false;
  let poll: ReturnType<typeof setInterval> | null = null;

  secureSession(session.defaultSession, () => target);
  const win = createAdminWindow({ preload: path.join(root, 'dist', 'electron', 'preload.cjs'), icon: path.join(root, 'assets', 'icon.png'), store });

  function showWindow(): void {
    if (target) win.show(target.adminUrl);
    else notify('Open', 'The integrator is not ready yet.');
  }

  async function act(what: string, fn: (c: AdminClient) => Promise<string>): Promise<void> {
    if (!client) return notify(what, 'The integrator is not ready yet.');
    try {
      notify(what, await fn(client));
      await refresh();
    } catch (err) {
      notify(what, `Failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  function notify(title: string, text: string): void {
    // Kept in the menu and the tooltip until the next action.
    lastMessage = `${title}: ${text}`;
    tray?.balloon(title, text);
    render();
  }

  async function exportLogs(): Promise<void> {
    if (!client) return notify('Export logs', 'The integrator is not ready yet.');
    try {
      const { data, filename } = await client.exportLogs();
      const to = await dialog.showSaveDialog({ defaultPath: path.join(app.getPath('downloads'), filename), filters: [{ name: 'Zip', extensions: ['zip'] }] });
      if (to.canceled || !to.filePath) return;
      fs.writeFileSync(to.filePath, data);
      desktop.showItemInFolder(to.filePath);
    } catch (err) {
      dialog.showErrorBox('Export logs', `The logs could not be exported: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  const actions: TrayActions = {
    open: () => showWindow(),
    runCustomerMaster: () => void act('Run Customer Master', async (c) => (await c.runEvent('customer-master')).message),
    restart: () => {
      const s = host.status();
      // A core that answers restarts through the admin API (batches finish); a dead one is started again.
      if (s.kind === 'ready' || s.kind === 'attached') return void act('Restart integrator', (c) => c.restart());
      notify('Restart integrator', 'starting the integrator core');
      void host.restartNow();
    },
    exportLogs: () => void exportLogs(),
    toggleForeground: () => {
      const on = !host.foreground;
      store.set('foreground', on);
      if (host.status().kind === 'attached') {
        host.foreground = on;
        return notify('Foreground mode', 'the integrator runs in another session; its mode is chosen there');
      }
      notify('Foreground mode', on ? 'on: restarting the integrator in foreground mode' : 'off: restarting the integrator in background mode');
      void host.setForeground(on);
    },
    toggleStartAtLogin: () => {
      startAtLogin = !startAtLogin;
      store.set('startAtLogin', startAtLogin);
      try {
        loginItem();
        notify('Start at login', startAtLogin ? 'on' : 'off');
      } catch (err) {
        notify('Start at login', `Failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
    quit: () => void quit(),
  };

  function view(): TrayView {
    const s = host.status();
    let base: TrayView;
    if (s.kind === 'ready' || s.kind === 'attached') base = trayStateFromStatus(lastStatus, { coreRunning: true });
    else if (s.kind === 'starting') base = { state: 'running', tooltip: 'Integrator: starting' };
    else if (s.kind === 'waiting') base = { state: 'error', tooltip: `Integrator: stopped, restarting at ${time(s.restartAt)} (${s.reason})` };
    else base = trayStateFromStatus(null, { coreRunning: false, problem: s.reason });
    const notes: string[] = [];
    if (s.kind === 'attached') notes.push(`using the integrator of another session (pid ${s.pid})`);
    if (host.restarts && host.lastExit) notes.push(`restarted ${host.restarts}× after an unexpected exit, last at ${time(host.lastExit.at)} (code ${host.lastExit.code})`);
    return { state: base.state, tooltip: notes.length ? `${truncate(base.tooltip, 80)}\n${notes.join('; ')}` : base.tooltip };
  }

  const tray = createTray({ root, actions, onClick: () => showWindow() });

  function render(): void {
    const v = view();
    tray.render({ ...v, foreground: host.foreground, startAtLogin }, lastMessage);
  }

  async function refresh(): Promise<void> {
    lastStatus = client ? await client.status() : null;
    render();
  }

  async function quit(): Promise<void> {
    quitting = true;
    if (poll) clearInterval(poll);
    win.allowClose();
    // Stops this app's own core only; another session's core is not this app's to stop.
    await host.stop();
    tray.destroy();
    app.quit();
  }

  app.on('second-instance', () => showWindow());
  app.on('before-quit', () => {
    quitting = true;
    win.allowClose();
  });

  host.onChange((s: CoreStatus) => {
    if (s.kind === 'ready' || s.kind === 'attached') {
      const moved = target?.adminUrl !== s.adminUrl;
      target = { adminUrl: s.adminUrl, token: s.token };
      client = createAdminClient({ baseUrl: s.adminUrl, token: s.token });
      if (!everReady || moved) {
        everReady = true;
        showWindow();
      }
      void refresh();
      return;
    }
    client = null;
    lastStatus = null;
    if (s.kind === 'waiting' && !everReady && !errorShown && !quitting) {
      // Said once; the host keeps trying and the tray shows each attempt.
      errorShown = true;
      dialog.showErrorBox('Integrator', `The integrator did not start; it will try again by itself.\n\n${s.reason}\n\nSettings: ${settingsFile}`);
    }
    render();
  });

  render();
  host.start();
  poll = setInterval(() => void refresh(), options.pollMs ?? 3000);

  return {
    actions,
    refresh,
    state: view,
    lastMessage: () => lastMessage,
    window: () => win.current(),
    host,
    settingsFile,
    store,
    firstRun,
    startAtLogin: () => startAtLogin,
    target: () => target,
  };
}
