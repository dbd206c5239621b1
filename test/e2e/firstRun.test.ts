// The first start of a fresh install in real Chromium: the settings the tray app writes (defaults and the
// first-run mark, electron/settingsLocation.ts), a real `integrator run` on them, and the admin UI's first-run
// page: Use demo data, Check and start, then the usual tabs. The page is opened as the tray app's window opens
// it: no token in the page, the Authorization header added to its requests from outside (as the shell's main
// process does).
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { chromiumAvailable, CHROMIUM, launchBrowser, screenshot, startIntegrator, until, type RunningIntegrator } from './harness.js';
import { ensureSettings } from '../../electron/settingsLocation.js';
import { saveSettings } from '../../core/settings/settingsFile.js';
import { FIRST_RUN_MARKER } from '../../core/admin/firstRun.js';

const haveChromium = chromiumAvailable();
if (!haveChromium) console.log(`skipping the first-run browser test: no Chromium at ${CHROMIUM}`);

describe.skipIf(!haveChromium)('first-run page of a fresh install, in Chromium', () => {
  const dir = tmpDir('integrator-e2e-first-');
  const file = path.join(dir, 'Integrator', 'settings.json');
  let app: RunningIntegrator;
  let browser: Browser;

  beforeAll(async () => {
    expect(ensureSettings(file)).toBe(true);
    // The defaults a fresh install gets, but every port picked free.
    saveSettings(file, { adminPort: 0, httpPort: 0, erpListenerPort: 0 });
    [app, browser] = await Promise.all([startIntegrator(file), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('asks for the connections, takes the demo data, checks the configuration and starts', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 820 }, extraHTTPHeaders: { Authorization: `Bearer ${app.token}` } });
    await context.addInitScript(() => Object.defineProperty(globalThis, 'integrator', { value: Object.freeze({ shell: true }) }));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${app.base}/`);
    await page.getByRole('heading', { name: 'Welcome to the Integrator' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('input[name=erpDsn]').inputValue()).toBe('sqlite:erp.sqlite');
    await screenshot(page, 'first-run');

    await page.getByRole('button', { name: 'Check and start' }).click();
    await page.getByTestId('first-run-check').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('first-run-check').textContent()).toContain('FAIL');
    expect(fs.existsSync(path.join(dir, 'Integrator', FIRST_RUN_MARKER))).toBe(true);

    await page.getByRole('button', { name: 'Use demo data' }).click();
    await until('the demo DSN in the form', async () => (await page.locator('input[name=erpDsn]').inputValue()) === 'sqlite:demo/erp.sqlite', 60_000);
    expect(await page.locator('input[name=webDsn]').inputValue()).toBe('sqlite:demo/web.sqlite');
    await page.getByRole('button', { name: 'Check and start' }).click();
    await page.getByRole('tab', { name: 'Status' }).waitFor({ timeout: 30_000 });
    expect(fs.existsSync(path.join(dir, 'Integrator', FIRST_RUN_MARKER))).toBe(false);
    // The integrator restarts on the demo data: the Status tab shows both databases connected.
    await page.getByText('ERP connected').waitFor({ timeout: 30_000 });
    await page.getByText('Web store connected').waitFor({ timeout: 30_000 });
    await screenshot(page, 'first-run-started');
    // The page never held the token.
    const seen = await page.evaluate(() => {
      const w = globalThis as unknown as { sessionStorage: { length: number; key(i: number): string | null; getItem(k: string): string | null }; location: { href: string } };
      const stored = Array.from({ length: w.sessionStorage.length }, (_, i) => w.sessionStorage.getItem(w.sessionStorage.key(i) ?? '') ?? '');
      return [...stored, w.location.href].join(' ');
    });
    expect(seen).not.toContain(app.token);
    expect(errors).toEqual([]);
    await context.close();
  });
});
