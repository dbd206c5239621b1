import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoInit, type DemoInitResult } from '../../core/demo/demoData.js';
import { CHECK_ITEMS, runConfigCheck } from '../../core/customers/checkConfig.js';
import { loadSettings, writeSettingsFile, type LoadedSettings } from '../../core/settings/settingsFile.js';
import type { SettingsInput, SettingsValues } from '../../core/contracts/settings.schema.js';
import { CheckConfigResponseSchema } from '../../core/contracts/adminApi.js';
import { integrator } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir('integrator-check-');
let demo: DemoInitResult;
let base: LoadedSettings;

beforeAll(async () => {
  demo = await demoInit({ dir: path.join(dir, 'demo'), customers: 40, seed: 1 });
  base = loadSettings(demo.settings);
});

const withSettings = (over: SettingsInput, from: LoadedSettings = base): LoadedSettings => ({ ...from, values: { ...from.values, ...over } as SettingsValues });
async function failures(s: LoadedSettings) {
  const r = await runConfigCheck(s);
  expect(CheckConfigResponseSchema.parse(r)).toEqual(r);
  expect(r.items.map((i) => i.item)).toEqual([...CHECK_ITEMS]);
  expect(r.ok).toBe(r.items.every((i) => i.ok));
  return Object.fromEntries(r.items.filter((i) => !i.ok).map((i) => [i.item, i.message]));
}

describe('integrator check-config', () => {
  it('passes on the demo data, one PASS line per item, exit 0', () => {
    const r = integrator(['check-config', '--config', demo.settings]);
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(CHECK_ITEMS.length);
    for (const [i, line] of lines.entries()) expect(line).toMatch(new RegExp(`^PASS  ${CHECK_ITEMS[i]}: \\S`));
    expect(r.out).toContain('PASS  Guest customer: GUEST is an active ERP debtor');
    expect(r.out).toContain('PASS  Customer numbering sequence: WEB-#####: next code WEB-00001, 99999 left');
  });

  it('prints FAIL with the reason and what to do, and exits 1', () => {
    const cfg = path.join(dir, 'broken', 'settings.json');
    fs.mkdirSync(path.dirname(cfg), { recursive: true });
    writeSettingsFile(cfg, { ...base.values, erpDsn: `sqlite:${demo.erp}`, webDsn: `sqlite:${demo.web}`, guestCustomer: 'NOPE' });
    const r = integrator(['check-config', '--config', cfg]);
    expect(r.status).toBe(1);
    expect(r.out).toContain('FAIL  Guest customer: NOPE is not an ERP debtor; create it in the ERP or set Guest Customer (guestCustomer) to an existing debtor');
    expect(r.out.trim().split('\n').filter((l) => l.startsWith('PASS'))).toHaveLength(CHECK_ITEMS.length - 1);
    expect(r.err.trim()).toBe(`error: 1 of ${CHECK_ITEMS.length} configuration checks failed`);
  });

  it('names the reason for each broken item', async () => {
    expect(await failures(base)).toEqual({});

    const noErp = await failures(withSettings({ erpDsn: 'sqlite:missing-erp.sqlite' }));
    expect(noErp['ERP connection']).toMatch(/^cannot reach sqlite:missing-erp\.sqlite: .*not found.*; fix ERP DSN \(erpDsn\)$/);
    expect(noErp['Guest customer']).toMatch(/not checked: the ERP is not reachable/);
    expect(Object.keys(noErp).sort()).toEqual(['Customer field mappings', 'Debtor inclusion filter', 'ERP connection', 'Guest customer', 'Web editable fields']);

    const notErp = await failures(withSettings({ erpDsn: `sqlite:${demo.web}` }));
    expect(notErp['ERP connection']).toMatch(/has no deb_master, name_and_address_master, .* tables; point ERP DSN \(erpDsn\) at the ERP database/);

    const erpAsWeb = await failures(withSettings({ webDsn: `sqlite:${demo.erp}` }));
    expect(erpAsWeb['Web schema']).toMatch(/erp\.sqlite is not a database the integrator keeps: it holds 10 tables \(deb_conversion, .*\) and none of its own \(Customer, .*\); point Web DSN \(webDsn\) at the web store's database or at a new one$/);

    const noWeb = await failures(withSettings({ webDsn: 'sqlite:missing-web.sqlite' }));
    expect(noWeb['Web connection']).toMatch(/^cannot reach sqlite:missing-web\.sqlite: .*; fix Web DSN \(webDsn\)$/);
    expect(noWeb['Web schema']).toBe('not checked: the web database is not reachable');
    expect(noWeb['Web database concurrency']).toBe('not checked: the web database is not reachable');

    const secret = await failures(withSettings({ erpDsn: 'mssql://sa:Sup3rSecret@127.0.0.1:1/erp?encrypt=false' }));
    expect(secret['ERP connection']).toMatch(/^cannot reach mssql:\/\/sa:\*\*\*@127\.0\.0\.1:1\/erp/);
    expect(JSON.stringify(secret)).not.toContain('Sup3rSecret');

    expect(await failures(withSettings({ customerMasterSchedule: 'off' }))).toEqual({
      'Entities enabled': 'Customer Master is off; set Customer Master Schedule (customerMasterSchedule) to a schedule such as "every 15m"',
    });
    expect(await failures(withSettings({ customerClass: '' }))).toEqual({
      'Customer class': 'not set; set Customer Class (customerClass) to the ERP terms code new web debtors get, e.g. WEB',
    });
    expect(await failures(withSettings({ guestCustomer: '' }))).toEqual({ 'Guest customer': 'not set; set Guest Customer (guestCustomer) to the ERP debtor that takes guest orders' });
    const erp = new Database(demo.erp, { readonly: true });
    const held = (erp.prepare(`SELECT accountcode FROM deb_master WHERE dr_status = 'H' LIMIT 1`).get() as { accountcode: string }).accountcode;
    erp.close();
    expect(await failures(withSettings({ guestCustomer: held }))).toEqual({ 'Guest customer': `${held} is on hold in the ERP; make it active in the ERP or choose another guest debtor` });

    expect(await failures(withSettings({ customerNumberingSequence: 'WEB-' }))).toEqual({
      'Customer numbering sequence': 'Customer Numbering Sequence (customerNumberingSequence) "WEB-" has no # digits; mark the numbered part with #, e.g. WEB-#####',
    });
    expect(await failures(withSettings({ debtorInclusionFilter: 'dr_colour = red' }))).toEqual({
      'Debtor inclusion filter': expect.stringMatching(/^unknown debtor column "dr_colour" .*; fix Debtor Inclusion Filter \(debtorInclusionFilter\)$/),
    });
    expect(await failures(withSettings({ customerFieldMappings: { Phone: 'mobile' } }))).toEqual({
      'Customer field mappings': 'the ERP deb_master table has no column "mobile" (mapped to Phone); fix Customer Field Mappings (customerFieldMappings)',
      'Web editable fields': 'not checked: the customer field mappings are not valid',
    });
    expect(await failures(withSettings({ webEditableFields: 'Email,CustomerCode' }))).toEqual({
      'Web editable fields': 'Web Editable Fields (webEditableFields): "CustomerCode" is managed by the integrator or the ERP and cannot be edited on the web',
    });
    expect((await failures(withSettings({ webEditableFields: 'Fax' })))['Web editable fields']).toMatch(/"Fax" is not a customer field mapped to the ERP/);
  });

  it('fails on a web schema that is not current and on an exhausted sequence', async () => {
    const other = await demoInit({ dir: path.join(dir, 'other'), customers: 40, seed: 1 });
    const s = loadSettings(other.settings);
    const web = new Database(other.web);
    web.prepare(`INSERT INTO NumberingSequence (Name, NextValue) VALUES ('WEB-#####', 100000)`).run();
    web.close();
    expect(await failures(s)).toEqual({
      'Customer numbering sequence': 'Customer Numbering Sequence WEB-##### is exhausted: every code up to WEB-99999 has been used; widen the template (add a #) or set a new prefix in customerNumberingSequence',
    });
    const web2 = new Database(other.web);
    web2.prepare(`DELETE FROM SchemaVersion WHERE Version = 40`).run();
    web2.close();
    const f = await failures(s);
    expect(f['Web schema']).toBe('migration 40 not applied; start the integrator once (integrator run): it migrates the web database');
    expect(f['Customer numbering sequence']).toBe('WEB-##### not checked: the web schema is not reachable or not current');
  });
});
