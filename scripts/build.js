#!/usr/bin/env node
// `npm run build` (also run by `prepare`, so `npm ci` does it): core/ and electron/ compiled to JavaScript in
// dist/ (one file per source file, same folders; packages stay imports), then the admin UI (renderer/dist).
// The commands run the compiled code: no TypeScript compiler at run time, nothing to spawn from inside an asar.
// `--if-stale` skips a part whose output is newer than every source it is built from.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stampOf = (/** @type {string} */ root) => path.join(root, 'dist', '.built');
const CODE_DIRS = ['core', 'electron'];

/** @param {string} dir @param {(file: string) => boolean} keep @returns {string[]} */
function walk(dir, keep) {
  /** @type {string[]} */
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(p, keep));
    else if (keep(p)) out.push(p);
  }
  return out;
}

const isSource = (/** @type {string} */ f) => /\.c?ts$/.test(f) && !f.endsWith('.d.ts') && !f.endsWith('.test.ts');

/** Newest modification time of the files of these folders (and files). @param {string[]} paths */
function newest(paths) {
  let t = 0;
  for (const p of paths) {
    if (!fs.existsSync(p)) continue;
    const files = fs.statSync(p).isDirectory() ? walk(p, () => true) : [p];
    for (const f of files) t = Math.max(t, fs.statSync(f).mtimeMs);
  }
  return t;
}

/** Whether dist/ is newer than every source of core/ and electron/ (and package.json and this script). */
export function codeIsCurrent(root = ROOT) {
  const stamp = stampOf(root);
  if (!fs.existsSync(stamp)) return false;
  return fs.statSync(stamp).mtimeMs >= newest([...CODE_DIRS.map((d) => path.join(root, d)), fileURLToPath(import.meta.url), path.join(root, 'package.json')]);
}

/** Whether renderer/dist is newer than every source it is built from. */
export function uiIsCurrent() {
  const index = path.join(ROOT, 'renderer', 'dist', 'index.html');
  if (!fs.existsSync(index)) return false;
  return fs.statSync(index).mtimeMs >= newest([path.join(ROOT, 'renderer'), path.join(ROOT, 'core', 'contracts'), path.join(ROOT, 'vite.renderer.config.ts')]);
}

/** Compiles core/ and electron/ into dist/: `.ts` to ES modules (`.js`), `.cts` to CommonJS (`.cjs`). */
export async function buildCode(root = ROOT) {
  const { build } = await import('esbuild');
  const files = CODE_DIRS.flatMap((d) => (fs.existsSync(path.join(root, d)) ? walk(path.join(root, d), isSource) : []));
  const dist = path.join(root, 'dist');
  // A clean folder: a source that was removed leaves no stale module behind.
  for (const d of CODE_DIRS) fs.rmSync(path.join(dist, d), { recursive: true, force: true });
  fs.mkdirSync(dist, { recursive: true });
  const common = /** @type {const} */ ({ outdir: dist, outbase: root, platform: 'node', target: 'node20', bundle: false, sourcemap: false, logLevel: 'warning' });
  await build({ ...common, entryPoints: files.filter((f) => f.endsWith('.ts')), format: 'esm' });
  await build({ ...common, entryPoints: files.filter((f) => f.endsWith('.cts')), format: 'cjs', outExtension: { '.js': '.cjs' } });
  fs.writeFileSync(stampOf(root), `${new Date().toISOString()}\n`);
  return files.length;
}

export async function buildUi() {
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'vite.renderer.config.ts'), logLevel: 'error' });
}

/** @param {{ ifStale?: boolean, ui?: boolean, log?: (line: string) => void }} [o] */
export async function buildAll(o = {}) {
  const log = o.log ?? ((line) => process.stdout.write(`${line}\n`));
  if (!o.ifStale || !codeIsCurrent()) {
    const started = Date.now();
    const n = await buildCode();
    log(`compiled ${n} files of core/ and electron/ to dist/ in ${Date.now() - started} ms`);
  }
  if (o.ui !== false && (!o.ifStale || !uiIsCurrent())) {
    const started = Date.now();
    await buildUi();
    log(`built the admin UI (renderer/dist) in ${Date.now() - started} ms`);
  }
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const args = process.argv.slice(2);
  buildAll({ ifStale: args.includes('--if-stale'), ui: !args.includes('--code-only') }).catch((err) => {
    process.stderr.write(`error: the build failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
