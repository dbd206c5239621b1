// A running integrator writes <settings folder>/integrator.runtime.json so commands on the same install
// (test-pricing, export-logs) can find it: its pid, mode and the real URLs (port 0 picks a free port).
import fs from 'node:fs';
import path from 'node:path';

export interface RuntimeInfo {
  pid: number;
  startedAt: string;
  foreground: boolean;
  adminUrl: string | null;
  endpoints: Record<string, string>;
}

export function runtimeFile(settingsDir: string): string {
  return path.join(settingsDir, 'integrator.runtime.json');
}

export function writeRuntime(settingsDir: string, info: RuntimeInfo): void {
  const file = runtimeFile(settingsDir);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function removeRuntime(settingsDir: string, pid = process.pid): void {
  const current = readRuntime(settingsDir, false);
  if (current && current.pid === pid) fs.rmSync(runtimeFile(settingsDir), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running integrator of this install, or null (no file, unreadable, or its process is gone). */
export function readRuntime(settingsDir: string, checkAlive = true): RuntimeInfo | null {
  try {
    const info = JSON.parse(fs.readFileSync(runtimeFile(settingsDir), 'utf8')) as RuntimeInfo;
    if (typeof info.pid !== 'number') return null;
    if (checkAlive && !alive(info.pid)) return null;
    return info;
  } catch {
    return null;
  }
}
