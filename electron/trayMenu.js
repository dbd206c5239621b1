// The tray's menu and icons, apart from Electron so they can be tested without it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** @param {import('./trayState.js').TrayState} state */
export function trayIconPath(state, root = ROOT) {
  return path.join(root, 'assets', `tray-${state}.png`);
}

/**
 * The tray menu. Each action is a function so the menu can be tested without a tray.
 * @param {{ open(): void, runCustomerMaster(): void, restart(): void, exportLogs(): void, quit(): void }} actions
 * @param {{ state: string, tooltip: string }} current
 * @param {string | null} [lastMessage] the answer to the last menu action, shown until the next one
 * @returns {import('electron').MenuItemConstructorOptions[]}
 */
export function trayMenuTemplate(actions, current, lastMessage = null) {
  return [
    { label: current.tooltip.replace(/^Integrator: /, 'Status: '), enabled: false },
    ...(lastMessage ? [{ label: lastMessage, enabled: false }] : []),
    { type: 'separator' },
    { label: 'Open', click: () => actions.open() },
    { label: 'Run Customer Master now', click: () => actions.runCustomerMaster() },
    { label: 'Restart integrator', click: () => actions.restart() },
    { label: 'Export logs…', click: () => actions.exportLogs() },
    { type: 'separator' },
    { label: 'Quit', click: () => actions.quit() },
  ];
}

