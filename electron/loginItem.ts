// Start at login. Windows and macOS: the login item Electron manages. Linux: an XDG autostart entry
// (~/.config/autostart/integrator.desktop), which the desktop session starts at login.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LoginItemApi {
  setLoginItemSettings(settings: { openAtLogin: boolean; path?: string; args?: string[] }): void;
  getLoginItemSettings(): { openAtLogin: boolean };
}

export function autostartDesktopEntry(exec: string): string {
  const quoted = /[\s"]/.test(exec) ? `"${exec.replace(/(["\\$`])/g, '\\$1')}"` : exec;
  return ['[Desktop Entry]', 'Type=Application', 'Name=Integrator', 'Comment=Keeps customer data flowing between the ERP and the web store', `Exec=${quoted}`, 'X-GNOME-Autostart-enabled=true', 'Terminal=false', ''].join('\n');
}

export function autostartFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'autostart', 'integrator.desktop');
}

/** Turns start at login on or off for this user. */
export function applyStartAtLogin(
  enabled: boolean,
  o: { platform: NodeJS.Platform; app: LoginItemApi; execPath: string; env?: NodeJS.ProcessEnv },
): void {
  if (o.platform === 'win32' || o.platform === 'darwin') {
    o.app.setLoginItemSettings({ openAtLogin: enabled, path: o.execPath });
    return;
  }
  const file = autostartFile(o.env);
  if (enabled) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // An AppImage runs from a temporary mount: start the AppImage file itself.
    fs.writeFileSync(file, autostartDesktopEntry(o.env?.APPIMAGE || o.execPath));
  } else {
    fs.rmSync(file, { force: true });
  }
}
