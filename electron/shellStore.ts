// The shell's own state, kept by electron-store in the user's data folder: window bounds, start at login, the
// foreground choice, the settings path. The integrator's settings are not here: they are the core's
// settings.json (the core runs without the shell too).
import Store from 'electron-store';

export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

export interface ShellState {
  windowBounds: WindowBounds | null;
  /** null: not chosen yet (the installed app starts at login by default). */
  startAtLogin: boolean | null;
  foreground: boolean;
  settingsPath: string | null;
}

export type ShellStore = Pick<Store<ShellState>, 'get' | 'set' | 'path'>;

const DEFAULTS: ShellState = { windowBounds: null, startAtLogin: null, foreground: false, settingsPath: null };

/** @param cwd the folder of shell.json; Electron's user data folder by default */
export function createShellStore(cwd?: string): ShellStore {
  return new Store<ShellState>({
    name: 'shell',
    ...(cwd ? { cwd } : {}),
    defaults: DEFAULTS,
    // A hand-broken file is replaced by the defaults rather than stopping the tray app.
    clearInvalidConfig: true,
    schema: {
      windowBounds: {
        type: ['object', 'null'],
        properties: { x: { type: 'number' }, y: { type: 'number' }, width: { type: 'number', minimum: 200 }, height: { type: 'number', minimum: 200 } },
        required: ['width', 'height'],
      },
      startAtLogin: { type: ['boolean', 'null'] },
      foreground: { type: 'boolean' },
      settingsPath: { type: ['string', 'null'] },
    },
  });
}
