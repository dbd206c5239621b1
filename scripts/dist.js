#!/usr/bin/env node
// `npm run dist`: the tray app's installers with electron-builder (electron-builder.yml): Windows NSIS (per
// machine), Linux AppImage and deb. It first builds the core, the shell and the admin UI (scripts/build.js).
//
// better-sqlite3 is rebuilt for Electron here, in packaging only: the Node build in node_modules is put back
// afterwards, so the `integrator` command and the tests keep running on Node.
//
// Where the Electron binary is not installed (it downloads on first launch, impossible offline), or with
// `--stand-in`, the app is laid out (`--dir`, release/<platform>-unpacked) around a stand-in Electron: a
// folder laid out like Electron's, whose "binary" only carries Electron's fuse wire, so the fuses are still
// flipped and can be read back. That layout is not runnable as an app, and better-sqlite3 stays Node's build
// (Electron's headers cannot be fetched either); the core runs from it with Node. Installers need a machine
// with the Electron binary.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildAll, ROOT } from './build.js';

/** What @electron/fuses looks for in the Electron binary, followed by the wire's version, length and fuses. */
export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron's defaults for the 8 fuses of wire version 1 (RunAsNode, cookie encryption, NODE_OPTIONS, inspect, asar integrity, only app.asar, V8 snapshot, file:// privileges). */
const DEFAULT_WIRE = '10110001';

/**
 * A folder laid out like an Electron distribution for this platform, with a non-runnable stand-in binary.
 * @param {string} dir
 */
export function makeStandInElectron(dir, platform = process.platform) {
  fs.mkdirSync(path.join(dir, 'resources'), { recursive: true });
  const exe = platform === 'win32' ? 'electron.exe' : 'electron';
  const wire = Buffer.concat([Buffer.from(FUSE_SENTINEL, 'latin1'), Buffer.from([1, DEFAULT_WIRE.length]), Buffer.from(DEFAULT_WIRE, 'latin1')]);
  const script = Buffer.from('#!/bin/sh\necho "stand-in Electron: this layout is for checking the package, it cannot run" >&2\nexit 1\n# fuse wire: ', 'latin1');
  fs.writeFileSync(path.join(dir, exe), Buffer.concat([script, wire, Buffer.from('\n')]), { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'version'), JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')).version);
  fs.writeFileSync(path.join(dir, 'LICENSE'), 'stand-in\n');
  return dir;
}

function electronInstalled() {
  try {
    const rel = fs.readFileSync(path.join(ROOT, 'node_modules', 'electron', 'path.txt'), 'utf8').trim();
    return fs.existsSync(path.join(ROOT, 'node_modules', 'electron', 'dist', rel));
  } catch {
    return false;
  }
}

/**
 * @param {{ standIn?: boolean, output?: string, log?: (line: string) => void }} [o]
 * @returns {Promise<{ standIn: boolean, outputs: string[], output: string }>}
 */
export async function dist(o = {}) {
  const log = o.log ?? ((line) => process.stdout.write(`${line}\n`));
  await buildAll({ ifStale: true, log });
  const standIn = o.standIn || !electronInstalled();
  const output = o.output ?? path.join(ROOT, 'release');
  const { default: builder } = await import('electron-builder');
  /** @type {Record<string, unknown>} */
  const config = { directories: { output, buildResources: 'assets' } };
  let targets;
  let tmp = null;
  if (standIn) {
    log('The Electron binary is not installed: laying out the app around a stand-in Electron (not runnable; installers need a machine with the Electron binary).');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'integrator-electron-stand-in-'));
    config.electronDist = makeStandInElectron(tmp);
    config.npmRebuild = false;
    targets = builder.Platform.current().createTarget('dir');
  } else {
    targets = process.platform === 'win32' ? builder.Platform.WINDOWS.createTarget('nsis') : process.platform === 'linux' ? builder.Platform.LINUX.createTarget(['AppImage', 'deb']) : builder.Platform.current().createTarget();
  }
  // The rebuild for Electron happens in node_modules: keep Node's build aside and put it back afterwards.
  const nativeBuild = path.join(ROOT, 'node_modules', 'better-sqlite3', 'build');
  const saved = standIn ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'integrator-sqlite-node-build-'));
  if (saved) fs.cpSync(nativeBuild, saved, { recursive: true });
  try {
    const outputs = await builder.build({ projectDir: ROOT, targets, config, publish: 'never' });
    return { standIn, outputs, output };
  } finally {
    if (saved) {
      fs.rmSync(nativeBuild, { recursive: true, force: true });
      fs.cpSync(saved, nativeBuild, { recursive: true });
      fs.rmSync(saved, { recursive: true, force: true });
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  dist({ standIn: process.argv.includes('--stand-in') }).then(
    (r) => process.stdout.write(`${r.standIn ? 'laid out' : 'built'}: ${r.outputs.length ? r.outputs.join(', ') : r.output}\n`),
    (err) => {
      process.stderr.write(`error: packaging failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
