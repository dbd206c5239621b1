// Starting the tray app where the Electron binary is missing (it downloads on first launch, impossible
// offline) says so in plain words and points to headless mode, with a non-zero exit.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { appIcon, encodePng, trayIcon, STATE_COLOURS } from '../../assets/makeIcons.js';

describe('tray app launch without the Electron binary', () => {
  const empty = tmpDir('integrator-no-electron-');
  const env = { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty };

  for (const [what, script] of [
    ['npm run tray (dist/electron/launch.js)', 'launch.js'],
    ['the Electron entry run by plain Node (dist/electron/main.js)', 'main.js'],
  ] as const) {
    it(`${what} explains and points to integrator run`, () => {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'electron', script)], { env, encoding: 'utf8', timeout: 20_000 });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('The Electron binary is not installed');
      expect(r.stderr).toContain('npx integrator run --foreground');
      // Never the download attempt of the electron package.
      expect(r.stdout + r.stderr).not.toContain('Downloading Electron');
    });
  }
});

describe('icons', () => {
  it('the committed PNGs are what assets/makeIcons.js draws', () => {
    for (const [state, colour] of Object.entries(STATE_COLOURS)) {
      expect(fs.readFileSync(path.join(ROOT, 'assets', `tray-${state}.png`)).equals(trayIcon(colour, 16))).toBe(true);
      expect(fs.readFileSync(path.join(ROOT, 'assets', `tray-${state}@2x.png`)).equals(trayIcon(colour, 32))).toBe(true);
    }
    const icon = fs.readFileSync(path.join(ROOT, 'assets', 'icon.png'));
    expect(icon.equals(appIcon(512))).toBe(true);
    // A real PNG of 512x512 (electron-builder wants at least 256 for Windows).
    expect(icon.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(icon.readUInt32BE(16)).toBe(512);
    expect(icon.readUInt32BE(20)).toBe(512);
  });

  it('encodes a PNG whose pixels read back (CRC and zlib stream valid)', async () => {
    const { inflateSync } = await import('node:zlib');
    const px = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 128]);
    const png = encodePng(2, 1, px);
    const idatLen = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString('ascii')).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLen));
    expect([...raw]).toEqual([0, ...px]);
  });
});
