// The admin UI in real Chromium against a real `integrator run` on demo data (SPEC 10, the Advanced tab of
// SPEC 8, the customer workflows of SPEC 6, Test Pricing of SPEC 7). Screenshots go to test-results/e2e/.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { readZip } from '../helpers/zip.js';
import { chromiumAvailable, CHROMIUM, launchBrowser, prepareDemo, RESULTS, screenshot, startIntegrator, until, type RunningIntegrator } from './harness.js';

interface StatusBody {
  state: string;
  restartRequired: boolean;
  pendingChanges: string[];
  foreground: boolean;
  pricingListener: { enabled: boolean; url: string | null; error?: string | null };
  events: Array<{ event: string; running: boolean; available?: boolean; lastRun: { id: number; status: string; finishedAt: string | null } | null }>;
}

// The UI refreshes its status on a timer: on a loaded machine a change can take a few polls to show.
const UI_WAIT_MS = 15_000;
const haveChromium = chromiumAvailable();
if (!haveChromium) console.log(`skipping the browser tests: no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium)`);

describe.skipIf(!haveChromium)('admin UI in Chromium against integrator run', () => {
  const dir = tmpDir('integrator-e2e-');
  let app: RunningIntegrator;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const streamRequests: Array<{ url: string; authorization: string | undefined }> = [];
  let erpSample: { product: string; customer: string; warehouse: string };
  const seeded = 'E2E0001';

  beforeAll(async () => {
    // One row per transaction: a Customer Master run over 1,000 debtors lasts long enough to watch its progress.
    const file = prepareDemo(dir, { batchSize: 1, offerDebtorMatchesByEmail: true }, 1000);
    // A web customer the Customers tab can act on even before Customer Master has sent any.
    const web = new Database(path.join(dir, 'web.sqlite'));
    web.prepare("INSERT INTO [Customer] ([CustomerCode], [Name], [ActiveStatus], [Site], [Email], [Source], [ErpStatus]) VALUES (?, ?, 'Inactive', 'Main', ?, 'ERP', 'A')").run(seeded, 'E2E Test Pty Ltd', 'e2e@example.test');
    web.close();
    const erp = new Database(path.join(dir, 'erp.sqlite'), { readonly: true });
    const row = erp
      .prepare(
        'SELECT w.[stock_code] AS product, w.[whse_code] AS warehouse FROM [stock_warehouse_detail] w JOIN [stock_master] s ON s.[stock_code] = w.[stock_code] WHERE w.[qty_on_hand] > w.[qty_committed] ORDER BY w.[stock_code] LIMIT 1',
      )
      .get() as { product: string; warehouse: string };
    const cust = erp.prepare("SELECT [accountcode] AS code FROM [deb_master] WHERE [dr_status] = 'A' ORDER BY [accountcode] LIMIT 1").get() as { code: string };
    erp.close();
    erpSample = { product: row.product, warehouse: row.warehouse, customer: cust.code };
    [app, browser] = await Promise.all([startIntegrator(file), launchBrowser()]);
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1360, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/progress/stream') void r.allHeaders().then((h) => streamRequests.push({ url: r.url(), authorization: h.authorization }));
    });
    fs.mkdirSync(RESULTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    const code = await app?.stop();
    // A clean stop is part of every run: SIGTERM ends with exit code 0.
    expect(code).toBe(0);
  });

  const status = async () => (await app.api<StatusBody>('/api/status')).body;

  it('opens with the printed token, strips it from the address bar and shows the status', async () => {
    await page.goto(app.adminUrl);
    await page.getByRole('heading', { name: 'Connections' }).waitFor();
    expect(page.url()).not.toContain('token');
    await expect.poll(() => page.getByTestId('integrator-state').textContent(), { timeout: UI_WAIT_MS }).toContain('running');
    await page.getByTestId('conn-web').getByText('Web store').waitFor();
    await page.getByRole('heading', { name: 'Integration events' }).waitFor();
    await page.getByTestId('event-customer-master').waitFor();
    // Live progress comes through the stream, opened with fetch: the token in the header, never in the URL.
    await until('the progress stream opened', () => streamRequests.length > 0);
    expect(streamRequests[0]).toEqual({ url: `${app.base}/api/progress/stream`, authorization: `Bearer ${app.token}` });
    // A reload of the same tab keeps working (the token is kept for the tab, not in the URL).
    await page.reload();
    await page.getByRole('heading', { name: 'Connections' }).waitFor();
    await screenshot(page, '01-status');
    expect(pageErrors).toEqual([]);
  });

  it('shows a Not authorised page without the token, and the API answers 401', async () => {
    const anon = await browser.newContext();
    const p = await anon.newPage();
    await p.goto(`${app.base}/`);
    await p.getByTestId('unauthorized').waitFor();
    expect(await p.getByRole('heading', { level: 1 }).textContent()).toBe('Not authorised');
    await screenshot(p, '02-unauthorised');
    const res = await fetch(`${app.base}/api/status`);
    expect(res.status).toBe(401);
    // A wrong token is refused the same way.
    await p.goto(`${app.base}/#token=wrong-token`);
    await p.getByTestId('unauthorized').waitFor();
    await anon.close();
  });

  it('Advanced: every group, unused settings greyed, field errors inline, Apply -> restart required -> Restart -> applied', async () => {
    await page.getByRole('tab', { name: 'Advanced' }).click();
    for (const group of ['General', 'Serial Number Import', 'Other Settings', 'File Upload Filename Character Mapping Settings', 'Live Pricing/Availability']) {
      await page.locator('legend', { hasText: group }).first().waitFor();
    }
    // Secrets are never sent to the page: a set one shows as the placeholder.
    expect(await page.locator('#setting-adminToken').inputValue()).toBe('********');
    expect(await page.getByTestId('hidden-adminToken').textContent()).toContain('Type a new value to replace it');
    await page.locator('[data-key="adminToken"]').screenshot({ path: path.join(RESULTS, '03a-secret-hidden.png') });
    expect(await page.content()).not.toContain(app.token);
    const preserve = page.locator('[data-key="preserveProductData"]');
    expect(await preserve.textContent()).toContain('not used by this edition');
    expect(await page.locator('[data-key="sendCustomerConversions"]').textContent()).not.toContain('not used by this edition');
    // Seed 001's words.
    expect(await page.locator('[data-key="getNewOrdersTimeoutMinutes"] label').textContent()).toBe('Get New Orders Timeout');
    expect(await page.locator('[data-key="getNewOrdersTimeoutMinutes"] .unit').textContent()).toBe('minutes (0 = no timeout)');
    expect(await page.locator('[data-key="invalidConditionCodes"] label').textContent()).toBe('Invalid Condition Codes (default: DIYNT)');
    // Test Pricing inside the Live Pricing/Availability group, as on the seed's screen.
    const live = page.locator('fieldset', { hasText: 'Live Pricing/Availability' });
    const inGroup = live.getByTestId('advanced-test-pricing');
    for (const label of ['Product', 'Warehouse', 'Customer', 'Quantity']) await inGroup.getByLabel(label, { exact: true }).waitFor();
    await inGroup.getByRole('button', { name: 'Test Pricing' }).waitFor();
    expect(await inGroup.textContent()).toContain('(Integrator needs to be running in foreground mode)');
    await inGroup.getByLabel('Product', { exact: true }).fill(erpSample.product);
    await inGroup.getByLabel('Warehouse', { exact: true }).fill(erpSample.warehouse);
    await inGroup.getByLabel('Customer', { exact: true }).fill(erpSample.customer);
    await inGroup.getByLabel('Product', { exact: true }).press('Enter');
    await inGroup.getByTestId('pricing-answer').or(inGroup.getByTestId('pricing-error')).or(inGroup.getByTestId('pricing-blocker')).first().waitFor();
    await live.screenshot({ path: path.join(RESULTS, '03c-live-pricing-group.png') });
    // Enter in the pricing form asked for a price; it saved no settings.
    expect(await page.getByTestId('settings-saved').count()).toBe(0);

    // The large-data warning appears with the tick and goes with it.
    const auto = page.getByLabel('Auto-activate all customers');
    await auto.check();
    await page.getByTestId('autoActivateAllCustomers-warning').waitFor();
    expect(await page.getByTestId('autoActivateAllCustomers-warning').textContent()).toContain('large amount of data');
    await auto.uncheck();
    await page.getByTestId('autoActivateAllCustomers-warning').waitFor({ state: 'detached' });

    // A bad value: 400 with field errors, shown at the field; nothing saved.
    const httpPort = page.locator('#setting-httpPort');
    await httpPort.fill('abc');
    await page.getByRole('button', { name: 'Apply' }).click();
    const fieldError = page.locator('[data-key="httpPort"] .field-error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toContain('port number');
    await screenshot(page, '03-advanced-field-error');
    await page.locator('fieldset', { hasText: 'Live Pricing/Availability' }).screenshot({ path: path.join(RESULTS, '03b-field-error-detail.png') });
    expect(JSON.parse(fs.readFileSync(app.settingsFile, 'utf8')).httpPort).toBe(0);
    await httpPort.fill('0');

    const box = page.getByLabel('Send Customer Conversions');
    expect(await box.isChecked()).toBe(false);
    await box.check();
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByTestId('settings-saved').waitFor();
    expect(await page.getByTestId('settings-saved').textContent()).toMatch(/Restart required.*sendCustomerConversions/);
    await page.getByTestId('restart-banner').waitFor();
    expect(await page.getByTestId('pending-changes').textContent()).toContain('sendCustomerConversions');
    // The banner sits right under the navigation bar, and stays there however far the page is scrolled.
    for (const y of [0, 100_000]) {
      await page.evaluate(`window.scrollTo(0, ${y})`);
      const bar = (await page.locator('header.topbar').boundingBox())!;
      const banner = (await page.getByTestId('restart-banner').boundingBox())!;
      expect(Math.round(bar.y)).toBe(0);
      expect(Math.round(banner.y)).toBe(Math.round(bar.y + bar.height));
    }
    expect(JSON.parse(fs.readFileSync(app.settingsFile, 'utf8')).sendCustomerConversions).toBe(true);
    await screenshot(page, '04-advanced-saved-restart-required');
    expect((await status()).pendingChanges).toContain('sendCustomerConversions');

    await page.getByRole('button', { name: 'Restart now' }).click();
    await page.getByTestId('restart-banner').waitFor({ state: 'detached', timeout: 30_000 });
    await until('the integrator running again with the setting applied', async () => {
      const s = await status();
      return s.state === 'running' && !s.restartRequired;
    });
    await expect.poll(() => page.getByTestId('integrator-state').textContent(), { timeout: UI_WAIT_MS }).toContain('running');
    await screenshot(page, '05-after-restart');
  });

  it('OK saves and returns to Status; Cancel discards', async () => {
    await page.getByRole('tab', { name: 'Advanced' }).click();
    const timeout = page.locator('#setting-getNewOrdersTimeoutMinutes');
    await timeout.fill('7');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'Connections' }).waitFor();
    expect(JSON.parse(fs.readFileSync(app.settingsFile, 'utf8')).getNewOrdersTimeoutMinutes).toBe(0);
    await page.getByRole('tab', { name: 'Advanced' }).click();
    await timeout.fill('7');
    await page.locator('#setting-listenerApiKey').fill('e2e-listener-key-0123');
    await page.getByRole('button', { name: 'OK', exact: true }).click();
    await page.getByRole('heading', { name: 'Connections' }).waitFor();
    // The typed secret is saved; the untouched one (shown as the placeholder) is kept.
    expect(JSON.parse(fs.readFileSync(app.settingsFile, 'utf8'))).toMatchObject({ getNewOrdersTimeoutMinutes: 7, listenerApiKey: 'e2e-listener-key-0123', adminToken: app.token });
    await page.getByTestId('restart-banner').waitFor();
    expect(await page.getByTestId('pending-changes').textContent()).toContain('getNewOrdersTimeoutMinutes');
  });

  it('Customer Master now (Send All): progress while it runs, then the run in the history', async (ctx) => {
    await page.getByRole('tab', { name: 'Status' }).click();
    const ev = (await status()).events.find((e) => e.event === 'customer-master');
    const row = page.getByTestId('event-customer-master');
    if (ev?.available === false) {
      expect(await row.textContent()).toContain('not available in this edition');
      expect(await row.getByRole('button', { name: 'Send Changed' }).isDisabled()).toBe(true);
      console.log('skipping the Customer Master run check: the customer-master event is not part of this build');
      ctx.skip();
    }
    const before = ev?.lastRun?.id ?? 0;
    await row.getByRole('button', { name: 'Send All' }).click();
    const asked = Date.now();
    const first = await status();
    const firstCm = first.events.find((e) => e.event === 'customer-master');
    let sawProgress = '';
    await until('the Customer Master run in the history', async () => {
      const bar = page.getByTestId('progress-customer-master');
      if (!/\/ [\d,]+ rows/.test(sawProgress) && (await bar.count()) > 0) {
        sawProgress = (await bar.first().textContent().catch(() => '')) ?? '';
        await screenshot(page, '06-customer-master-progress');
      }
      const s = await status();
      const cm = s.events.find((e) => e.event === 'customer-master');
      return cm?.lastRun && cm.lastRun.id !== before && !cm.running && cm.lastRun.finishedAt;
    }, 60_000, 50);
    await page.getByTestId('run-history').getByText('Customer Master').first().waitFor();
    // The UI shows the end at its next status poll (up to 2.5 s on an idle integrator, longer on a loaded machine).
    await expect.poll(() => row.textContent(), { timeout: UI_WAIT_MS }).toMatch(/Succeeded|Partial|Failed/);
    await screenshot(page, '07-run-history');
    const run = (await status()).events.find((e) => e.event === 'customer-master')!.lastRun!;
    expect(run.status).toBe('Succeeded');
    if (firstCm?.running) {
      // The admin API answered while the run was going: the UI showed its progress.
      expect(sawProgress).toMatch(/Run #\d+/);
      expect(sawProgress).toMatch(/rows/);
    } else if (Date.parse(run.finishedAt ?? '') > asked) {
      console.log('skipping the progress bar check: /api/status asked during the run was answered only after it ended (the run does not yield to the event loop)');
    } else {
      console.log('skipping the progress bar check: the run ended before the first status request');
    }
  });

  it('Customers: search, filter, Mark Active', async (ctx) => {
    await page.getByRole('tab', { name: 'Customers' }).click();
    // The Status tab's notice stays behind on the Status tab.
    expect(await page.getByTestId('notice').count()).toBe(0);
    await page.getByRole('searchbox').fill(seeded);
    const row = page.locator(`tr[data-code="${seeded}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('Inactive');
    await page.getByLabel('Active status').selectOption('Active');
    await row.waitFor({ state: 'detached' });
    await page.getByLabel('Active status').selectOption('');
    await row.waitFor();
    // The narrow tables wrap inside their cards: nothing runs past the card's edge.
    for (const id of ['blocked-users', 'conversions']) {
      const table = page.getByTestId(id);
      await table.waitFor();
      const fit = await table.evaluate((t) => ({ table: t.scrollWidth, room: t.parentElement!.clientWidth }));
      expect(fit.table, id).toBeLessThanOrEqual(fit.room);
    }
    await screenshot(page, '08-customers');
    await row.getByRole('button', { name: 'Mark Active' }).click();
    const outcome = page.getByTestId('outcome-dialog');
    const failed = page.locator('.notice.tone-bad');
    await outcome.or(failed).first().waitFor();
    const text = (await outcome.or(failed).first().textContent()) ?? '';
    if (/not available in this edition/.test(text)) {
      console.log(`skipping the Mark Active outcome check: ${text}`);
      ctx.skip();
    }
    expect(text).toContain('marked active');
    await outcome.getByRole('button', { name: 'OK' }).click();
    await outcome.waitFor({ state: 'detached' });
    await expect.poll(() => row.textContent(), { timeout: UI_WAIT_MS }).toContain('PendingGetOrders');
    const web = new Database(path.join(dir, 'web.sqlite'), { readonly: true });
    const stored = web.prepare('SELECT [ActiveStatus] FROM [Customer] WHERE [CustomerCode] = ?').get(seeded) as { ActiveStatus: string };
    web.close();
    expect(stored.ActiveStatus).toBe('PendingGetOrders');
    await screenshot(page, '09-customer-marked-active');
  });

  it('CRM approval: Approve and Decline ask first; the outcome is a dialog with OK; the approved customer leaves the Released list', async () => {
    await page.getByRole('tab', { name: 'Customers' }).click();
    await page.getByRole('searchbox').fill('');
    await page.getByLabel('Site').fill('Melbourne');
    await page.getByLabel('CRM status').selectOption('Released');
    const approveRow = page.locator('tr[data-code="CRM-0003"]');
    const declineRow = page.locator('tr[data-code="CRM-0002"]');
    await approveRow.waitFor();
    await declineRow.waitFor();

    // Decline is final: it asks, and Cancel changes nothing.
    await declineRow.getByRole('button', { name: 'Decline' }).click();
    const confirm = page.getByTestId('confirm-dialog');
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('Decline St Kilda Marine Services (CRM-0002)? Declining is final');
    await screenshot(page, '08b-decline-confirm');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    await declineRow.waitFor();
    const web = () => new Database(path.join(dir, 'web.sqlite'), { readonly: true });
    let db = web();
    expect(db.prepare(`SELECT [CrmStatus] FROM [Customer] WHERE [CustomerCode] = 'CRM-0002'`).pluck().get()).toBe('Released');
    db.close();

    // Approve names the customer and that an ERP debtor follows.
    await approveRow.getByRole('button', { name: 'Approve' }).click();
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('Approve Footscray Fabrication (CRM-0003)? This creates an ERP debtor');
    await screenshot(page, '08c-approve-confirm');
    await confirm.getByRole('button', { name: 'Approve' }).click();
    const outcome = page.getByTestId('outcome-dialog');
    await outcome.waitFor({ timeout: UI_WAIT_MS });
    expect(await outcome.getByRole('heading').textContent()).toBe('Customer Authorisation');
    expect(await outcome.getByTestId('customer-message').textContent()).toBe('Authorisation for Customer, Footscray Fabrication, has been successful.');
    await screenshot(page, '08d-approve-outcome');
    await outcome.getByRole('button', { name: 'OK' }).click();
    await outcome.waitFor({ state: 'detached' });
    // The list refreshed: the approved customer is no longer Released; the other one still is.
    await approveRow.waitFor({ state: 'detached' });
    await declineRow.waitFor();
    db = web();
    expect(db.prepare(`SELECT [CrmStatus], [ActiveStatus] FROM [Customer] WHERE [WebCode] = 'CRM-0003'`).get()).toEqual({ CrmStatus: 'Approved', ActiveStatus: 'Active' });
    db.close();
    await page.getByLabel('CRM status').selectOption('');
    await page.getByLabel('Site').fill('');
  });

  it('a web account whose email is a debtor\'s waits, shown as such, until an admin links it', async () => {
    const run = await app.api<{ accepted: boolean }>('/api/events/web-accounts/run', { method: 'POST' });
    expect(run.body.accepted).toBe(true);
    await until('web-accounts to finish', async () => {
      const ev = (await status()).events.find((e) => e.event === 'web-accounts');
      return ev?.lastRun && !ev.running;
    }, 60_000);
    await page.getByRole('tab', { name: 'Status' }).click();
    await page.getByRole('tab', { name: 'Customers' }).click();
    await page.getByRole('searchbox').fill('B2C-0002');
    const row = page.locator('tr[data-code="B2C-0002"]');
    await row.waitFor({ timeout: UI_WAIT_MS });
    const match = (await row.getByTestId('email-match').textContent())?.match(/matches (\S+)/)?.[1];
    expect(match).toBeTruthy();
    await screenshot(page, '08e-email-match-waits');
    await row.getByRole('button', { name: `Link to ${match}` }).click();
    const confirm = page.getByTestId('confirm-dialog');
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain(`to ERP debtor ${match}?`);
    await confirm.getByRole('button', { name: `Link to ${match}` }).click();
    const outcome = page.getByTestId('outcome-dialog');
    await outcome.waitFor({ timeout: UI_WAIT_MS });
    expect(await outcome.textContent()).toContain(`Web account B2C-0002 is linked to ERP debtor ${match}`);
    await outcome.getByRole('button', { name: 'OK' }).click();
    await page.getByRole('searchbox').fill('');
  });

  it('Test Pricing answers with price, source, availability and time, or says why it cannot', async (ctx) => {
    await page.getByRole('tab', { name: 'Pricing' }).click();
    await page.getByRole('heading', { name: 'Test Pricing' }).waitFor();
    const s = await status();
    if (!s.pricingListener.url) {
      // The listener is on in the settings but not serving: the form says why and does not submit.
      await page.getByTestId('pricing-blocker').waitFor();
      expect(await page.getByTestId('pricing-blocker').textContent()).toContain('not serving');
      expect(await page.getByRole('button', { name: 'Test Pricing' }).isDisabled()).toBe(true);
      await screenshot(page, '10-pricing-unavailable');
      console.log(`skipping the Test Pricing answer check: the pricing listener is not serving (${s.pricingListener.error})`);
      ctx.skip();
    }
    await page.getByLabel('Product').fill(erpSample.product);
    await page.getByLabel('Warehouse').fill(erpSample.warehouse);
    await page.getByLabel('Customer').fill(erpSample.customer);
    await page.getByLabel('Quantity').fill('3');
    await page.getByRole('button', { name: 'Test Pricing' }).click();
    const answer = page.getByTestId('pricing-answer');
    await answer.waitFor();
    const text = (await answer.textContent()) ?? '';
    expect(text).toMatch(/\d+\.\d{2}/);
    expect(text).toMatch(/Customer special price|Customer price level|Base price/);
    expect(text).toContain('on hand at');
    expect(text).toMatch(/\d+(\.\d+)? ms|\d+s/);
    await screenshot(page, '10-pricing-answer');
  });

  it('Test Pricing says it needs foreground mode when the integrator runs in background mode', async () => {
    const bgDir = path.join(dir, 'background');
    const bg = await startIntegrator(prepareDemo(bgDir, {}, 30), { foreground: false });
    const p = await context.newPage();
    try {
      await p.goto(bg.adminUrl);
      await expect.poll(() => p.getByTestId('integrator-state').textContent(), { timeout: UI_WAIT_MS }).toContain('background');
      await p.getByRole('tab', { name: 'Pricing' }).click();
      await p.getByTestId('pricing-blocker').waitFor();
      expect(await p.getByTestId('pricing-blocker').textContent()).toContain('needs the integrator running in foreground mode');
      expect(await p.getByRole('button', { name: 'Test Pricing' }).isDisabled()).toBe(true);
      await screenshot(p, '10b-pricing-background-mode');
      // The integrator goes away under an open page: the page says so and keeps the last known state.
      expect(await bg.stop()).toBe(0);
      await p.getByText('Lost contact with the integrator').waitFor({ timeout: 15_000 });
      await p.getByRole('heading', { name: 'Test Pricing' }).waitFor();
      await screenshot(p, '10c-lost-contact');
    } finally {
      await p.close();
      await bg.stop();
    }
  });

  it('Logs: the tail refreshes and Export logs downloads a real zip', async () => {
    await page.getByRole('tab', { name: 'Logs' }).click();
    await page.getByTestId('log-lines').waitFor();
    await expect.poll(() => page.getByTestId('log-lines').textContent(), { timeout: UI_WAIT_MS }).toContain('settings saved from the admin UI');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export logs' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^integrator-logs-.*\.zip$/);
    const saved = path.join(RESULTS, 'export.zip');
    await download.saveAs(saved);
    const entries = await readZip(saved);
    const names = [...entries.keys()];
    expect(names).toContain('settings.json');
    expect(names).toContain('runs.json');
    expect(names.some((n) => n.endsWith('.log'))).toBe(true);
    // The export never carries the admin token.
    for (const [, content] of entries) expect(content.toString('utf8')).not.toContain(app.token);
    await page.getByTestId('export-done').waitFor();
    await screenshot(page, '11-logs-export');
    expect(pageErrors).toEqual([]);
  });
});
