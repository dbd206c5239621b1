// The tray shell: one instance, a tray icon that shows the integrator's state, a menu, and a window on the
// admin UI. The integrator itself runs in a utilityProcess (coreProcess.js); everything the menu does goes
// through the admin API, exactly like the UI.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, Menu, nativeImage, session, shell as desktop, Tray, utilityProcess } from 'electron';
import { createAdminClient } from './adminClient.js';
import { shellConfigPath, startCore } from './coreProcess.js';
import { trayIconPath, trayMenuTemplate } from './trayMenu.js';
import { trayStateFromStatus } from './trayState.js';
import { CSP, isAdminOrigin, windowOptions } from './windowOptions.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Starts the shell. Returns null when another instance already runs (that one is brought to the front).
 * @param {{ root?: string, env?: NodeJS.ProcessEnv, pollMs?: number }} [options]
 */
export async function startShell(options = {}) {
  const root = options.root ?? ROOT;
  const env = options.env ?? process.env;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }

  /** @type {import('electron').BrowserWindow | null} */
  let win = null;
  /** @type {import('electron').Tray | null} */
  let tray = null;
  /** @type {{ state: import('./trayState.js').TrayState, tooltip: string }} */
  let current = { state: 'running', tooltip: 'Integrator: starting' };
  let quitting = false;
  /** @type {ReturnType<typeof setInterval> | null} */
  let poll = null;
  /** @type {string | null} */
  let problem = null;
  /** @type {string | null} */
  let lastMessage = null;

  app.on('second-instance', () => showWindow());
  // The shell lives in the tray: closing the window does not stop the integrator.
  app.on('window-all-closed', () => undefined);

  await app.whenReady();

  // Every response shown in the window carries the CSP, and the window may ask for no permission.
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  const configFile = shellConfigPath({ env, isPackaged: app.isPackaged, root, userData: app.getPath('userData') });
  const core = startCore(utilityProcess, { root, configFile, env });

  tray = new Tray(nativeImage.createFromPath(trayIconPath('running', root)));
  tray.setToolTip(current.tooltip);
  tray.on('click', () => showWindow());

  /** @type {ReturnType<typeof createAdminClient> | null} */
  let client = null;
  /** @type {string | null} */
  let adminUrl = null;

  const actions = {
    open: () => showWindow(),
    runCustomerMaster: () => void act('Run Customer Master', async (c) => (await c.runEvent('customer-master')).message),
    restart: () => void act('Restart integrator', (c) => c.restart()),
    exportLogs: () => void exportLogs(),
    quit: () => void quit(),
  };

  function render() {
    if (!tray) return;
    tray.setImage(nativeImage.createFromPath(trayIconPath(current.state, root)));
    tray.setToolTip(lastMessage ? `${current.tooltip}\n${lastMessage}`.slice(0, 127) : current.tooltip);
    tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(actions, current, lastMessage)));
  }

  /** @param {string} what @param {(c: ReturnType<typeof createAdminClient>) => Promise<string>} fn */
  async function act(what, fn) {
    if (!client) return notify(what, 'The integrator is not ready yet.');
    try {
      notify(what, await fn(client));
      await refresh();
    } catch (err) {
      notify(what, `Failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** @param {string} title @param {string} text */
  function notify(title, text) {
    // Kept in the menu and the tooltip until the next action; Windows also shows it as a balloon.
    lastMessage = `${title}: ${text}`;
    if (tray && process.platform === 'win32') tray.displayBalloon({ title, content: text });
    render();
  }

  async function exportLogs() {
    if (!client) return notify('Export logs', 'The integrator is not ready yet.');
    try {
      const { data, filename } = await client.exportLogs();
      const target = await dialog.showSaveDialog({ defaultPath: path.join(app.getPath('downloads'), filename), filters: [{ name: 'Zip', extensions: ['zip'] }] });
      if (target.canceled || !target.filePath) return;
      fs.writeFileSync(target.filePath, data);
      desktop.showItemInFolder(target.filePath);
    } catch (err) {
      dialog.showErrorBox('Export logs', `The logs could not be exported: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async function refresh() {
    const status = client ? await client.status() : null;
    current = trayStateFromStatus(status, { coreRunning: core.running(), problem });
    render();
  }

  function showWindow() {
    if (!adminUrl || !client) return;
    if (!win || win.isDestroyed()) {
      win = new BrowserWindow(windowOptions({ preload: path.join(root, 'electron', 'preload.cjs'), icon: path.join(root, 'assets', 'icon.png'), token: client.token, adminUrl }));
      const w = win;
      w.webContents.setWindowOpenHandler(({ url }) => {
        // Links out of the admin UI open in the system browser, never in this privileged window.
        if (/^https?:/.test(url) && !isAdminOrigin(url, /** @type {string} */ (adminUrl))) void desktop.openExternal(url);
        return { action: 'deny' };
      });
      w.webContents.on('will-navigate', (event, url) => {
        if (!isAdminOrigin(url, /** @type {string} */ (adminUrl))) event.preventDefault();
      });
      w.on('close', (event) => {
        if (!quitting) {
          event.preventDefault();
          w.hide();
        }
      });
      w.once('ready-to-show', () => w.show());
      void w.loadURL(`${adminUrl}/`);
    } else {
      if (win.isMinimized()) win.restore();
      win.show();
      win.focus();
    }
  }

  async function quit() {
    quitting = true;
    if (poll) clearInterval(poll);
    await core.stop();
    tray?.destroy();
    tray = null;
    app.quit();
  }

  app.on('before-quit', () => {
    quitting = true;
  });

  core.onExit((code) => {
    problem = `core exited with code ${code}`;
    current = trayStateFromStatus(null, { coreRunning: false, problem });
    render();
    if (!quitting && !client) {
      dialog.showErrorBox('Integrator', `The integrator did not start.\n\n${core.output().trim().split('\n').slice(-5).join('\n')}`);
    }
  });

  render();
  try {
    const ready = await core.ready;
    adminUrl = ready.base;
    client = createAdminClient({ baseUrl: ready.base, token: ready.token });
    await refresh();
    poll = setInterval(() => void refresh(), options.pollMs ?? 3000);
    showWindow();
  } catch (err) {
    problem = err instanceof Error ? err.message : String(err);
    current = trayStateFromStatus(null, { coreRunning: core.running(), problem });
    render();
  }

  return { actions, refresh: () => refresh(), state: () => current, lastMessage: () => lastMessage, window: () => win, core, configFile };
}
