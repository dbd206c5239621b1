import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { queryNumber } from './sqliteQuery.js';

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

export const PRELOAD = path.join(ROOT, 'test', 'fixtures', 'runPreload.ts');

export interface Spawned {
  child: ChildProcess;
  /** stdout and stderr lines so far. */
  out: string[];
  err: string[];
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/**
 * The real `integrator` command as a child process that runs on while the test goes on. With `preload`, the test
 * copy event (Statements) and the other test registrations of test/fixtures/runPreload.ts are in it.
 */
export function spawnIntegrator(args: string[], options: { preload?: boolean; env?: Record<string, string> } = {}): Spawned {
  const child = spawn(process.execPath, [...(options.preload ? ['--import', 'tsx', '--import', PRELOAD] : []), BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, INTEGRATOR_CONFIG: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  const err: string[] = [];
  const lines = (into: string[]) => {
    let buf = '';
    return (c: Buffer) => {
      buf += c.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      into.push(...parts);
    };
  };
  child.stdout!.on('data', lines(out));
  child.stderr!.on('data', lines(err));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const waitFor = async (re: RegExp, timeoutMs = 30_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      for (const l of [...out, ...err]) {
        const m = re.exec(l);
        if (m) return m;
      }
      if (Date.now() > end || child.exitCode !== null) throw new Error(`no line matching ${re}; stdout:\n${out.join('\n')}\nstderr:\n${err.join('\n')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return { child, out, err, waitFor, exited };
}

/**
 * `integrator send customer-master --all` in a child process, killed with SIGKILL (as an OS kills it) once `rows`
 * customers from the ERP are committed to the web database, long before the end. Resolves with its exit code
 * (null: killed by the signal).
 */
export async function sendAllKilledAfter(settingsFile: string, webFile: string, rows: number): Promise<number | null> {
  const child = spawn(process.execPath, [BIN, 'send', 'customer-master', '--all', '--config', settingsFile], { stdio: 'ignore', env: { ...process.env, INTEGRATOR_CONFIG: '' } });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const started = Date.now();
  for (;;) {
    let written = 0;
    try {
      written = queryNumber(webFile, `SELECT COUNT(*) FROM Customer WHERE Source = 'ERP'`);
    } catch {
      // Not created or not migrated yet.
    }
    if (written >= rows) break;
    if (Date.now() - started > 30_000) {
      child.kill('SIGKILL');
      throw new Error('the send never got going');
    }
    await new Promise((res) => setTimeout(res, 5));
  }
  child.kill('SIGKILL');
  return exited;
}
