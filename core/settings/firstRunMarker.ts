// The mark of a fresh install's first run: a file beside settings.json, written by the tray app when it creates
// default settings and removed once the admin has given connections (core/admin/firstRun.ts). While it is
// there the admin UI opens on its first-run page.
import fs from 'node:fs';
import path from 'node:path';

export const FIRST_RUN_MARKER = 'integrator.first-run';

export function firstRunMarker(settingsDir: string): string {
  return path.join(settingsDir, FIRST_RUN_MARKER);
}

export function firstRunPending(settingsDir: string): boolean {
  return fs.existsSync(firstRunMarker(settingsDir));
}

export function markFirstRun(settingsDir: string): void {
  fs.mkdirSync(settingsDir, { recursive: true });
  fs.writeFileSync(firstRunMarker(settingsDir), `${new Date().toISOString()}\n`);
}
