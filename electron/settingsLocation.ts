// Where the integrator's settings live for the tray app, and what a first start on a fresh install does.
// One integrator per machine: the installed app keeps its settings in one machine-wide folder (ProgramData on
// Windows, as the installer is per machine), so every admin who signs in to the server configures the same
// integrator. settings.json stays the core's own file: the core runs without the shell too.
import fs from 'node:fs';
import path from 'node:path';
import { defaultSettings } from '../core/contracts/settings.schema.js';
import { writeSettingsFile } from '../core/settings/settingsFile.js';
import { markFirstRun } from '../core/settings/firstRunMarker.js';

export interface SettingsLocationInput {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  isPackaged: boolean;
  /** The package root of a source checkout. */
  root: string;
  /** Electron's per-user data folder. */
  userData: string;
  /** The path the shell remembered (electron-store), if any. */
  remembered?: string | null;
}

/** The machine-wide folder of the installed app: %ProgramData%\Integrator on Windows; the user data folder elsewhere. */
export function machineDataDir(o: Pick<SettingsLocationInput, 'env' | 'platform' | 'userData'>): string {
  if (o.platform === 'win32') return path.win32.join(o.env.ProgramData || o.env.ALLUSERSPROFILE || 'C:\\ProgramData', 'Integrator');
  return o.userData;
}

/**
 * $INTEGRATOR_CONFIG, else the path the shell remembered, else the demo folder of a source checkout, else
 * settings.json in the machine-wide folder of the installed app. Never inside the app itself (app.asar is a file).
 */
export function shellConfigPath(o: SettingsLocationInput): string {
  const p = o.platform === 'win32' ? path.win32 : path;
  if (o.env.INTEGRATOR_CONFIG) return p.resolve(o.env.INTEGRATOR_CONFIG);
  if (o.remembered) return o.remembered;
  if (!o.isPackaged) return p.join(o.root, 'integrator-data', 'settings.json');
  return p.join(machineDataDir(o), 'settings.json');
}

/**
 * A fresh install has no settings: write the defaults and mark the first run, so the admin UI opens on the
 * page that asks for the connections. Returns true when it created them.
 */
export function ensureSettings(file: string): boolean {
  if (fs.existsSync(file)) return false;
  markFirstRun(path.dirname(file));
  writeSettingsFile(file, defaultSettings());
  return true;
}
