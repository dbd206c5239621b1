// The first start on a fresh web database: every event due at once. The result must be the one of running the
// events one after another, whatever their order: each event writes only the columns it owns, and the first
// Customer Master runs before the events that need customers.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { until } from '../helpers/until.js';
import { makeRig, NOW, type Rig } from '../helpers/eventRig.js';
import { Integrator } from '../../core/worker/integrator.js';
import { saveSettings } from '../../core/settings/settingsFile.js';
import { createLogger } from '../../core/logging/logger.js';
import type { EventName } from '../../core/contracts/events.js';

const dir = tmpDir('integrator-first-start-');
const EVENTS_ONCE: EventName[] = ['customer-master', 'web-accounts', 'orders', 'statements'];
const rigs: Rig[] = [];
afterAll(async () => {
  for (const r of rigs) await r.close();
});

async function rig(name: string): Promise<Rig> {
  const r = await makeRig(path.join(dir, name), 60, 1);
  rigs.push(r);
  return r;
}

/** What the web store and an admin see, without the integrator's clocks and fingerprints. */
function snapshot(webFile: string, erpFile: string) {
  const web = new Database(webFile, { readonly: true });
  const erp = new Database(erpFile, { readonly: true });
  try {
    return {
      customers: web
        .prepare(
          `SELECT CustomerCode, Name, ActiveStatus, CrmStatus, Site, TermsCode, RepCode, PriceCode, Email, Phone, IsDisabled, PendingErpPush, Source, ErpStatus, WebCode FROM Customer ORDER BY CustomerCode`,
        )
        .all(),
      addresses: web.prepare(`SELECT CustomerCode, AddressType, Name, Street, Suburb, State, Postcode, Country FROM CustomerAddress ORDER BY CustomerCode, AddressType`).all(),
      orders: web.prepare(`SELECT OrderNo, CustomerCode, Status, Source, IsShipped, SentToErpAt IS NOT NULL AS Sent FROM SalesOrder ORDER BY OrderNo`).all(),
      users: web.prepare(`SELECT * FROM UserCustomer ORDER BY UserId, CustomerCode`).all(),
      statements: web.prepare(`SELECT CustomerCode, COUNT(*) AS n FROM StatementLine GROUP BY CustomerCode ORDER BY CustomerCode`).all(),
      debtors: erp.prepare(`SELECT accountcode, dr_name, email FROM deb_master ORDER BY accountcode`).all(),
      erpOrders: erp.prepare(`SELECT so_order_no, accountcode FROM sales_order ORDER BY so_order_no`).all(),
    };
  } finally {
    web.close();
    erp.close();
  }
}

async function inOrder(r: Rig, order: EventName[]): Promise<void> {
  for (const e of order) {
    const out = await r.run(e);
    expect(out.status, `${e}: ${out.error}`).toMatch(/Succeeded|Partial/);
  }
}

describe('the first start', () => {
  it('gives one result whatever the order of the events, and the same when every event starts at once', async () => {
    // One after another, Customer Master first; then the reverse order. Two rounds each: an event that needs
    // what a later one writes picks it up in the next round.
    const a = await rig('a');
    await inOrder(a, EVENTS_ONCE);
    // Customer Master's customers arrive Inactive on the configured site; Mark Active is the admin's.
    expect(snapshot(a.webFile, a.erpFile).customers.filter((c) => (c as { Source: string }).Source === 'ERP' && !(c as { WebCode: string | null }).WebCode)).toEqual(
      expect.arrayContaining([expect.objectContaining({ CustomerCode: 'C00001', ActiveStatus: 'Inactive', Site: 'Main' })]),
    );
    await inOrder(a, EVENTS_ONCE);
    const expected = snapshot(a.webFile, a.erpFile);

    const b = await rig('b');
    const reverse = [...EVENTS_ONCE].reverse();
    await inOrder(b, reverse);
    await inOrder(b, reverse);
    expect(snapshot(b.webFile, b.erpFile)).toEqual(expected);

    // Every event due at once on a fresh web database.
    const c = await rig('c');
    const settingsFile = path.join(dir, 'c', 'settings.json');
    saveSettings(settingsFile, {
      customerMasterSchedule: 'every 1h',
      webAccountsSchedule: 'every 1h',
      ordersSchedule: 'every 1h',
      statementsSchedule: 'every 1h',
      conversionsSchedule: 'off',
      enableLivePricingAvailabilityListener: false,
      nightlyRestartTime: '',
    });
    const integrator = new Integrator({ settingsFile, foreground: false, logger: createLogger(), services: [], firstRunDelayMs: 10, blockedRecheckMs: 50, now: () => NOW });
    const seen: string[] = [];
    integrator.on('progress', (list: Array<{ event: string }>) => {
      for (const p of list) if (!seen.includes(`start ${p.event}`)) seen.push(`start ${p.event}`);
    });
    integrator.on('run', (r: { event: string }) => seen.push(`end ${r.event}`));
    await integrator.start();
    try {
      await until('every event ran once', () => integrator.status().events.filter((e) => EVENTS_ONCE.includes(e.event) && e.lastRun && !e.running).length === EVENTS_ONCE.length);
      for (const e of integrator.status().events.filter((x) => EVENTS_ONCE.includes(x.event))) expect(e.lastRun?.status, `${e.event}: ${e.lastRun?.error}`).toMatch(/Succeeded|Partial/);
      // Customer Master ran first: nothing else started before it finished.
      expect(seen.slice(0, 2)).toEqual(['start customer-master', 'end customer-master']);
    } finally {
      await integrator.stop();
    }
    // After Customer Master the others ran side by side; one more round in any order converges where the others did.
    await inOrder(c, EVENTS_ONCE);
    expect(snapshot(c.webFile, c.erpFile)).toEqual(expected);
  });
});
