import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin', 'integrator.js');

/** Runs the real `integrator` command in a child process. */
export function integrator(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): SpawnSyncReturns<string> & { out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, INTEGRATOR_CONFIG: '', ...options.env },
    encoding: 'utf8',
    timeout: options.timeout ?? 60_000,
  });
  return Object.assign(r, { out: r.stdout, err: r.stderr });
}
