// The tray's menu and icons, apart from Electron so they can be tested without it.
import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import type { TrayState } from './trayState.js';

export function trayIconPath(state: TrayState, root: string): string {
  return path.join(root, 'assets', `tray-${state}.png`);
}

export interface TrayActions {
  open(): void;
  runCustomerMaster(): void;
  restart(): void;
  exportLogs(): void;
  toggleForeground(): void;
  toggleStartAtLogin(): void;
  quit(): void;
}

export interface TrayMenuState {
  state: string;
  tooltip: string;
  foreground: boolean;
  startAtLogin: boolean;
}

/**
 * The tray menu. Each action is a function so the menu can be tested without a tray.
 * @param lastMessage the answer to the last menu action, shown until the next one
 */
export function trayMenuTemplate(actions: TrayActions, current: TrayMenuState, lastMessage: string | null = null): MenuItemConstructorOptions[] {
  return [
    { label: current.tooltip.split('\n')[0].replace(/^Integrator: /, 'Status: '), enabled: false },
    ...(lastMessage ? [{ label: lastMessage, enabled: false }] : []),
    { type: 'separator' },
    { label: 'Open', click: () => actions.open() },
    { label: 'Run Customer Master now', click: () => actions.runCustomerMaster() },
    { label: 'Restart integrator', click: () => actions.restart() },
    { label: 'Export logs…', click: () => actions.exportLogs() },
    { type: 'separator' },
    { label: 'Foreground mode (for Test Pricing)', type: 'checkbox', checked: current.foreground, click: () => actions.toggleForeground() },
    { label: 'Start at login', type: 'checkbox', checked: current.startAtLogin, click: () => actions.toggleStartAtLogin() },
    { type: 'separator' },
    { label: 'Quit', click: () => actions.quit() },
  ];
}
