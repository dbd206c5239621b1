// The compiled build: the `integrator` command runs dist/ (JavaScript) and never TypeScript through a
// run-time compiler; the compilers are development tools only; a source newer than dist/ makes it stale.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { buildCode, codeIsCurrent } from '../../scripts/build.js';

describe('compiled build', () => {
  const dir = tmpDir('integrator-build-');

  it('the integrator command loads only the compiled JavaScript of dist/, no TypeScript', () => {
    const seen = path.join(dir, 'loaded.txt');
    // A module hook records every module the command loads.
    const hooks = path.join(dir, 'hooks.mjs');
    fs.writeFileSync(hooks, `import fs from 'node:fs';\nexport async function load(url, context, next) { fs.appendFileSync(${JSON.stringify(seen)}, url + '\\n'); return next(url, context); }\n`);
    const register = path.join(dir, 'register.mjs');
    fs.writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
    const init = spawnSync(process.execPath, [BIN, 'demo', 'init', '--dir', dir, '--customers', '5'], { cwd: ROOT, encoding: 'utf8' });
    expect(init.status, init.stderr).toBe(0);
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, BIN, 'settings', 'get', 'httpPort', '--config', path.join(dir, 'settings.json')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, INTEGRATOR_CONFIG: '' } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('8085');
    const loaded = fs.readFileSync(seen, 'utf8').split('\n').filter(Boolean);
    const ours = loaded.filter((u) => u.startsWith(pathToFileURL(ROOT).href) && !u.includes('/node_modules/'));
    expect(ours).toContain(pathToFileURL(path.join(ROOT, 'dist', 'core', 'cli', 'main.js')).href);
    expect(ours.filter((u) => /\.[cm]?tsx?$/.test(u))).toEqual([]);
    expect(loaded.filter((u) => /\/node_modules\/(tsx|esbuild|typescript)\//.test(u))).toEqual([]);
    // A quick command loads neither the admin server nor the database drivers.
    expect(loaded.filter((u) => /\/node_modules\/(fastify|mssql|tedious)\//.test(u))).toEqual([]);
  });

  it('compilers and bundlers are development dependencies only', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; scripts: Record<string, string>; main: string };
    for (const tool of ['tsx', 'esbuild', 'typescript', 'vite', 'electron', 'electron-builder']) expect(Object.keys(pkg.dependencies)).not.toContain(tool);
    expect(pkg.scripts.prepare).toMatch(/scripts\/build\.js/);
    expect(pkg.main).toBe('dist/electron/main.js');
  });

  it('builds .ts to ES modules and .cts to CommonJS, and a newer source makes the build stale', async () => {
    const root = path.join(dir, 'pkg');
    fs.mkdirSync(path.join(root, 'core'), { recursive: true });
    fs.mkdirSync(path.join(root, 'electron'), { recursive: true });
    fs.writeFileSync(path.join(root, 'package.json'), '{"type":"module"}\n');
    fs.writeFileSync(path.join(root, 'core', 'answer.ts'), 'export const answer: number = 42;\n');
    fs.writeFileSync(path.join(root, 'electron', 'entry.cts'), "import { join } from 'node:path';\nexport const joined: string = join('a', 'b');\n");
    expect(codeIsCurrent(root)).toBe(false);
    await buildCode(root);
    expect(codeIsCurrent(root)).toBe(true);
    const esm = (await import(pathToFileURL(path.join(root, 'dist', 'core', 'answer.js')).href)) as { answer: number };
    expect(esm.answer).toBe(42);
    expect(fs.readFileSync(path.join(root, 'dist', 'electron', 'entry.cjs'), 'utf8')).toMatch(/require\("node:path"\)/);
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(root, 'core', 'answer.ts'), later, later);
    expect(codeIsCurrent(root)).toBe(false);
  });
});
