// vitest globalSetup: the browser tests load the built UI that `integrator run` serves, so build it first.
// Skipped when renderer/dist is newer than every source it is built from (iterating on one test stays fast).
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'vite';
import { ROOT } from '../helpers/cli.js';

function newest(dir: string): number {
  let t = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const p = path.join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

export function uiIsCurrent(): boolean {
  const index = path.join(ROOT, 'renderer', 'dist', 'index.html');
  if (!fs.existsSync(index)) return false;
  const sources = Math.max(
    newest(path.join(ROOT, 'renderer')),
    newest(path.join(ROOT, 'core', 'contracts')),
    fs.statSync(path.join(ROOT, 'vite.renderer.config.ts')).mtimeMs,
  );
  return fs.statSync(index).mtimeMs >= sources;
}

export default async function setup(): Promise<void> {
  if (uiIsCurrent()) return;
  const started = Date.now();
  await build({ configFile: path.join(ROOT, 'vite.renderer.config.ts'), logLevel: 'error' });
  process.stdout.write(`built the admin UI (renderer/dist) in ${Date.now() - started} ms\n`);
}
