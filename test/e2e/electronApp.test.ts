// The packaged shape of the product: the tray app itself, driven by Playwright's Electron support. It needs
// the Electron binary (downloaded on first launch) and better-sqlite3 built for Electron's ABI (the packaging
// step does that); without the binary the test says so and is skipped.
import { afterAll, describe, expect, it } from 'vitest';
import { _electron, type ElectronApplication } from 'playwright-core';
import { ROOT } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { prepareDemo, screenshot } from './harness.js';
import { electronBinary } from '../../electron/binary.js';

const binary = electronBinary(ROOT);
const reason = 'the Electron binary is not installed (node_modules/electron/dist); the tray app is covered by test/integration/electronShell.test.ts with electron mocked';
if (!binary) console.log(`skipping the Electron app test: ${reason}`);

describe.skipIf(!binary)('tray app in Electron', () => {
  let app: ElectronApplication | undefined;
  afterAll(async () => {
    await app?.close();
  });

  it('opens its window on the admin UI, sandboxed, authorised by the shell without holding the token', async () => {
    const dir = tmpDir('integrator-electron-');
    const file = prepareDemo(dir, {}, 40);
    app = await _electron.launch({ executablePath: binary!, args: [ROOT], env: { ...process.env, INTEGRATOR_CONFIG: file } });
    const win = await app.firstWindow();
    await win.getByRole('heading', { name: 'Connections' }).waitFor({ timeout: 60_000 });
    expect(await win.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await win.evaluate(() => (globalThis as { integrator?: unknown }).integrator)).toEqual({ shell: true });
    await screenshot(win, 'electron-window');
  });
});
