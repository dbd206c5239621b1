import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { runEvent } from '../../core/events/runEvent.js';
import { createLogger } from '../../core/logging/logger.js';
import { makeRig, type Rig } from '../helpers/eventRig.js';
import { checksum, differences, erpCanonical, webCanonical } from '../helpers/customerChecksum.js';
import { insertWebRows, updateWebRow } from '../helpers/webStore.js';
import { rebuildTable } from '../helpers/erpVariants.js';

const dir = tmpDir('integrator-cm-');

function expectWebEqualsErp(rig: Rig) {
  const erp = erpCanonical(rig.erpFile);
  const web = webCanonical(rig.webFile);
  expect(differences(erp, web)).toEqual([]);
  expect(checksum(web)).toBe(checksum(erp));
}

describe('customer-master', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await makeRig(path.join(dir, 'main'), 400, 3);
  });
  afterAll(async () => rig?.close());

  it('Send All gives web == ERP, one address row per na_type, H/C disabled, default country filled', async () => {
    const out = await rig.run('customer-master', { all: true });
    expect(out.status).toBe('Succeeded');
    const debtors = Number(rig.erp.prepare('SELECT COUNT(*) AS n FROM deb_master').pluck().get());
    expect(out.summary).toMatchObject({ read: debtors, written: debtors, failed: 0 });
    expectWebEqualsErp(rig);
    expect(rig.web.prepare(`SELECT COUNT(*) FROM CustomerAddress a JOIN Customer c ON c.CustomerCode = a.CustomerCode WHERE c.Source = 'ERP'`).pluck().get()).toBe(rig.erp.prepare('SELECT COUNT(*) FROM name_and_address_master').pluck().get());
    const erpBlocked = rig.erp.prepare(`SELECT accountcode FROM deb_master WHERE dr_status IN ('H','C') ORDER BY 1`).pluck().all();
    expect(erpBlocked.length).toBeGreaterThan(0);
    expect(rig.web.prepare(`SELECT CustomerCode FROM Customer WHERE IsDisabled = 1 ORDER BY 1`).pluck().all()).toEqual(erpBlocked);
    const blankCountry = rig.erp.prepare(`SELECT accountcode, na_type FROM name_and_address_master WHERE country = '' LIMIT 1`).get() as { accountcode: string; na_type: string };
    expect(blankCountry).toBeDefined();
    expect(rig.web.prepare(`SELECT Country FROM CustomerAddress WHERE CustomerCode = ? AND AddressType = ?`).pluck().get(blankCountry.accountcode, blankCountry.na_type)).toBe('Australia');
    expect(rig.web.prepare(`SELECT COUNT(*) FROM Customer WHERE Site = 'Main' AND ActiveStatus = 'Inactive'`).pluck().get()).toBe(debtors);
    const run = rig.web.prepare(`SELECT * FROM IntegrationRun WHERE Id = ?`).get(out.runId) as Record<string, unknown>;
    expect(run).toMatchObject({ Event: 'customer-master', Mode: 'SendAll', Status: 'Succeeded', Read: debtors, Written: debtors });
    expect(rig.web.prepare(`SELECT COUNT(*) FROM IntegratorEventLog WHERE RunId = ?`).pluck().get(out.runId)).toBeGreaterThanOrEqual(2);
  });

  it('Send Changed picks up address-only changes (no stamp change), new delivery addresses and stamped changes; nothing else', async () => {
    const again = await rig.run('customer-master');
    expect(again.summary.written).toBe(0);
    expect(again.summary.skipped).toBe(again.summary.read);

    // Address-only change: the ERP's stamp stays where it was.
    rig.erp.prepare(`UPDATE name_and_address_master SET street = '99 Changed St' WHERE accountcode = 'C00010' AND na_type = '00'`).run();
    // A new delivery location, no stamp change.
    rig.erp.prepare(`INSERT INTO name_and_address_master VALUES ('C00020', '07', 'New Depot', '1 Depot Rd', 'Geelong', 'VIC', '3220', '')`).run();
    // A removed delivery location.
    const removed = rig.erp.prepare(`SELECT accountcode, na_type FROM name_and_address_master WHERE na_type = '01' AND accountcode > 'C00030' LIMIT 1`).get() as { accountcode: string; na_type: string };
    rig.erp.prepare(`DELETE FROM name_and_address_master WHERE accountcode = ? AND na_type = ?`).run(removed.accountcode, removed.na_type);
    // An ordinary stamped change.
    rig.erp.prepare(`UPDATE deb_master SET terms_code = 'EOM', dr_date_last_changed = '2026-11-01T09:00:00Z' WHERE accountcode = 'C00040'`).run();

    const out = await rig.run('customer-master');
    expect(out.status).toBe('Succeeded');
    expect(out.summary.written).toBe(4);
    expect(rig.web.prepare(`SELECT Street FROM CustomerAddress WHERE CustomerCode = 'C00010' AND AddressType = '00'`).pluck().get()).toBe('99 Changed St');
    expect(rig.web.prepare(`SELECT Country FROM CustomerAddress WHERE CustomerCode = 'C00020' AND AddressType = '07'`).pluck().get()).toBe('Australia');
    expect(rig.web.prepare(`SELECT COUNT(*) FROM CustomerAddress WHERE CustomerCode = ? AND AddressType = ?`).pluck().get(removed.accountcode, removed.na_type)).toBe(0);
    expectWebEqualsErp(rig);
    expect((await rig.run('customer-master')).summary.written).toBe(0);
  });

  it('ERP wins over a pending web edit when the ERP data is written; an untouched ERP record leaves the edit pending', async () => {
    rig.web.prepare(`UPDATE Customer SET Email = 'web@edit.example', PendingErpPush = 1, WebEditedAt = '2026-11-01T08:00:00Z' WHERE CustomerCode IN ('C00050', 'C00051')`).run();
    rig.erp.prepare(`UPDATE deb_master SET phone = '03 9999 0000', dr_date_last_changed = '2026-11-01T10:00:00Z' WHERE accountcode = 'C00050'`).run();
    const changed = await rig.run('customer-master');
    expect(changed.summary.details).toMatchObject({ webEditsOverwritten: 1 });
    const erpEmail = rig.erp.prepare(`SELECT email FROM deb_master WHERE accountcode = 'C00050'`).pluck().get();
    expect(rig.web.prepare(`SELECT Email, Phone, PendingErpPush FROM Customer WHERE CustomerCode = 'C00050'`).get()).toEqual({ Email: erpEmail, Phone: '03 9999 0000', PendingErpPush: 0 });
    expect(rig.web.prepare(`SELECT Email, PendingErpPush FROM Customer WHERE CustomerCode = 'C00051'`).get()).toEqual({ Email: 'web@edit.example', PendingErpPush: 1 });
    const all = await rig.run('customer-master', { all: true });
    expect(all.summary.details).toMatchObject({ webEditsOverwritten: 1 });
    expect(rig.web.prepare(`SELECT PendingErpPush FROM Customer WHERE CustomerCode = 'C00051'`).pluck().get()).toBe(0);
    expectWebEqualsErp(rig);
  });

  it('Send Changed puts back web edits of ERP-owned fields and addresses, and leaves a pending edit of an editable field', async () => {
    const erpOf = (code: string) => rig.erp.prepare(`SELECT dr_name, rep_code, terms_code, credit_limit FROM deb_master WHERE accountcode = ?`).get(code) as Record<string, unknown>;
    const before = erpOf('C00080');
    const street = rig.web.prepare(`SELECT Street FROM CustomerAddress WHERE CustomerCode = 'C00081' AND AddressType = '00'`).pluck().get();
    const delivery = rig.web.prepare(`SELECT AddressType FROM CustomerAddress WHERE CustomerCode = 'C00083' AND AddressType <> '00' LIMIT 1`).pluck().get() as string;
    expect(delivery).toBeDefined();
    // The web store edits as it may: contract columns of its rows, nothing of the integrator's.
    await updateWebRow(rig.webDb, 'Customer', { CustomerCode: 'C00080' }, { Name: 'Renamed On The Web', RepCode: 'R99', TermsCode: 'CASH' });
    await updateWebRow(rig.webDb, 'CustomerAddress', { CustomerCode: 'C00081', AddressType: '00' }, { Street: '1 Web Edit Lane' });
    await insertWebRows(rig.web, 'CustomerAddress', [{ CustomerCode: 'C00082', AddressType: '42', Name: 'Added on the web', Street: '2 Web St', Suburb: 'Carlton', State: 'VIC', Postcode: '3053', Country: 'Australia' }]);
    await rig.webDb.run(`DELETE FROM [CustomerAddress] WHERE [CustomerCode] = 'C00083' AND [AddressType] = @t`, { t: delivery });
    // Email is a Web Editable Field: the edit waits for the customer's next order, ERP-owned Name does not.
    await updateWebRow(rig.webDb, 'Customer', { CustomerCode: 'C00084' }, { Email: 'new@web.example', PendingErpPush: 1, WebEditedAt: '2026-11-01T08:00:00Z', Name: 'Also Renamed' });

    const out = await rig.run('customer-master');
    expect(out.status, out.error).toBe('Succeeded');
    expect(out.summary.details).toMatchObject({ webEditsUndone: 5 });
    expect(out.summary.details?.webEditsUndoneCustomers).toEqual(['C00080', 'C00081', 'C00082', 'C00083', 'C00084']);
    const web80 = rig.web.prepare(`SELECT Name, RepCode, TermsCode FROM Customer WHERE CustomerCode = 'C00080'`).get();
    expect(web80).toEqual({ Name: before.dr_name, RepCode: before.rep_code, TermsCode: before.terms_code });
    expect(rig.web.prepare(`SELECT Street FROM CustomerAddress WHERE CustomerCode = 'C00081' AND AddressType = '00'`).pluck().get()).toBe(street);
    expect(rig.web.prepare(`SELECT COUNT(*) FROM CustomerAddress WHERE CustomerCode = 'C00082' AND AddressType = '42'`).pluck().get()).toBe(0);
    expect(rig.web.prepare(`SELECT COUNT(*) FROM CustomerAddress WHERE CustomerCode = 'C00083' AND AddressType = ?`).pluck().get(delivery)).toBe(1);
    expect(rig.web.prepare(`SELECT Name, Email, PendingErpPush FROM Customer WHERE CustomerCode = 'C00084'`).get()).toEqual({ Name: erpOf('C00084').dr_name, Email: 'new@web.example', PendingErpPush: 1 });
    // Nothing left to put back; the ERP's own changes still arrive as before.
    const again = await rig.run('customer-master');
    expect(again.summary).toMatchObject({ written: 0 });
    expect(again.summary.details).toMatchObject({ webEditsUndone: 0 });
    await updateWebRow(rig.webDb, 'Customer', { CustomerCode: 'C00084' }, { Email: rig.erp.prepare(`SELECT email FROM deb_master WHERE accountcode = 'C00084'`).pluck().get() as string, PendingErpPush: 0 });
    expectWebEqualsErp(rig);
  });

  it('Send All disables (never deletes) ERP customers that left the ERP and leaves WEB customers alone; an admin disable survives', async () => {
    // The web store's own customers, inserted as it does: contract columns only.
    await insertWebRows(rig.web, 'Customer', [
      { CustomerCode: 'WEB-00001', Name: 'Checkout Customer', ActiveStatus: 'Active', Email: 'buyer@example.net', IsDisabled: 0, PendingErpPush: 1 },
      { CustomerCode: 'CRM-0900', Name: 'CRM Prospect', ActiveStatus: 'Inactive', Email: 'crm@example.net', IsDisabled: 0, PendingErpPush: 0, CrmStatus: 'NewCRM', Site: 'Melbourne', Phone: '03 9000 0000' },
    ]);
    rig.web.prepare(`UPDATE Customer SET DisabledByAdmin = 1, IsDisabled = 1 WHERE CustomerCode = 'C00061'`).run();
    rig.erp.prepare(`UPDATE deb_master SET credit_limit = 123, dr_date_last_changed = '2026-11-01T11:00:00Z' WHERE accountcode = 'C00061'`).run();
    rig.erp.prepare(`DELETE FROM name_and_address_master WHERE accountcode = 'C00060'`).run();
    rig.erp.prepare(`DELETE FROM deb_master WHERE accountcode = 'C00060'`).run();
    const changed = await rig.run('customer-master');
    expect(rig.web.prepare(`SELECT IsDisabled FROM Customer WHERE CustomerCode = 'C00060'`).pluck().get()).toBe(0);
    expect(rig.web.prepare(`SELECT IsDisabled, CreditLimit FROM Customer WHERE CustomerCode = 'C00061'`).get()).toEqual({ IsDisabled: 1, CreditLimit: 123 });
    expect(changed.summary.written).toBe(1);
    const all = await rig.run('customer-master', { all: true });
    expect(all.summary.details).toMatchObject({ disabledRemoved: 1 });
    expect(rig.web.prepare(`SELECT IsDisabled, ErpStatus FROM Customer WHERE CustomerCode = 'C00060'`).get()).toEqual({ IsDisabled: 1, ErpStatus: 'C' });
    expect(rig.web.prepare(`SELECT IsDisabled, Source, ErpStatus FROM Customer WHERE CustomerCode = 'WEB-00001'`).get()).toEqual({ IsDisabled: 0, Source: 'WEB', ErpStatus: null });
    expect(rig.web.prepare(`SELECT IsDisabled, Source, ErpStatus, CrmStatus FROM Customer WHERE CustomerCode = 'CRM-0900'`).get()).toEqual({ IsDisabled: 0, Source: 'WEB', ErpStatus: null, CrmStatus: 'NewCRM' });
    expect(rig.web.prepare(`SELECT IsDisabled FROM Customer WHERE CustomerCode = 'C00061'`).pluck().get()).toBe(1);
    const web = webCanonical(rig.webFile, `[Source] = 'ERP' AND [CustomerCode] <> 'C00060'`);
    expect(checksum(web)).toBe(checksum(erpCanonical(rig.erpFile)));
  });

  it('a name as long as deb_master.dr_name allows (80) arrives whole, on the customer and its addresses', async () => {
    const name = `${'Eighty Character Debtor Name '.repeat(3)}`.slice(0, 80);
    expect(name).toHaveLength(80);
    rig.erp.prepare(`UPDATE deb_master SET dr_name = ?, dr_date_last_changed = '2026-11-01T11:20:00Z' WHERE accountcode = 'C00072'`).run(name);
    rig.erp.prepare(`UPDATE name_and_address_master SET na_name = ? WHERE accountcode = 'C00072'`).run(name);
    const out = await rig.run('customer-master');
    expect(out.summary).toMatchObject({ written: 1, failed: 0 });
    expect(rig.web.prepare(`SELECT Name FROM Customer WHERE CustomerCode = 'C00072'`).pluck().get()).toBe(name);
    expect(rig.web.prepare(`SELECT DISTINCT Name FROM CustomerAddress WHERE CustomerCode = 'C00072'`).pluck().all()).toEqual([name]);
  });

  it('a debtor whose name is longer than the web column is failed with its reason; the rest arrive', async () => {
    const long = 'X'.repeat(81);
    rig.erp.prepare(`UPDATE deb_master SET dr_name = ?, dr_date_last_changed = '2026-11-01T11:30:00Z' WHERE accountcode = 'C00070'`).run(long);
    rig.erp.prepare(`UPDATE deb_master SET rep_code = 'R99', dr_date_last_changed = '2026-11-01T11:30:00Z' WHERE accountcode = 'C00071'`).run();
    const out = await rig.run('customer-master');
    expect(out.status).toBe('Partial');
    expect(out.summary).toMatchObject({ failed: 1, written: 1 });
    const failures = out.summary.details?.failures as Array<{ code: string; reason: string }>;
    expect(failures).toEqual([{ code: 'C00070', reason: expect.stringMatching(/dr_name .*Customer\.Name.* 81 characters; the web column holds 80/) }]);
    expect(rig.web.prepare(`SELECT RepCode FROM Customer WHERE CustomerCode = 'C00071'`).pluck().get()).toBe('R99');
    expect(rig.web.prepare(`SELECT Name FROM Customer WHERE CustomerCode = 'C00070'`).pluck().get()).not.toBe(long);
    const run = rig.web.prepare(`SELECT Status, Failed, Details FROM IntegrationRun WHERE Id = ?`).get(out.runId) as { Status: string; Failed: number; Details: string };
    expect(run.Status).toBe('Partial');
    expect(run.Failed).toBe(1);
    expect(run.Details).toContain('C00070');
    rig.erp.prepare(`UPDATE deb_master SET dr_name = 'Fixed Name Pty Ltd' WHERE accountcode = 'C00070'`).run();
    expect((await rig.run('customer-master')).status).toBe('Succeeded');
  });
});

describe('customer-master settings', () => {
  it('a row the web database refuses fails alone: the page is written debtor by debtor', async () => {
    const rig = await makeRig(path.join(dir, 'refuse'), 80, 8);
    try {
      rig.web.exec(`CREATE TRIGGER refuse_one BEFORE INSERT ON Customer WHEN NEW.CustomerCode = 'C00033' BEGIN SELECT RAISE(ABORT, 'refused by a web rule'); END`);
      const out = await rig.run('customer-master', { all: true });
      expect(out.status).toBe('Partial');
      expect(out.summary).toMatchObject({ read: 81, written: 80, failed: 1 });
      expect(out.summary.details?.failures).toEqual([{ code: 'C00033', reason: expect.stringContaining('refused by a web rule') }]);
      expect(rig.web.prepare(`SELECT COUNT(*) FROM Customer WHERE Source = 'ERP'`).pluck().get()).toBe(80);
      expect(rig.web.prepare(`SELECT COUNT(*) FROM CustomerAddress WHERE CustomerCode = 'C00033'`).pluck().get()).toBe(0);
      rig.web.exec('DROP TRIGGER refuse_one');
      expect((await rig.run('customer-master')).summary).toMatchObject({ written: 1, failed: 0 });
      expectWebEqualsErp(rig);
    } finally {
      await rig.close();
    }
  });

  it('a web column narrower than the ERP value (as an NVARCHAR(60) left by an older schema) fails only that row, with the reason', async () => {
    const rig = await makeRig(path.join(dir, 'narrow'), 40, 9);
    try {
      rebuildTable(rig.web, 'Customer', (sql) => sql.replace(/(\[Name\] TEXT)/, '$1 CHECK (length([Name]) <= 60)'));
      const name = 'N'.repeat(70);
      rig.erp.prepare(`UPDATE deb_master SET dr_name = ? WHERE accountcode = 'C00012'`).run(name);
      const out = await rig.run('customer-master', { all: true, settings: { batchSize: 10 } });
      expect(out.status).toBe('Partial');
      expect(out.summary).toMatchObject({ read: 41, written: 40, failed: 1 });
      expect(out.summary.details?.failures).toEqual([{ code: 'C00012', reason: expect.stringMatching(/CHECK constraint failed: length\(\[Name\]\) <= 60/) }]);
      expect(rig.web.prepare(`SELECT COUNT(*) FROM Customer WHERE Source = 'ERP'`).pluck().get()).toBe(40);
    } finally {
      await rig.close();
    }
  });

  it('runs the follow-on steps after the customer send (Send Customer Conversions)', async () => {
    const rig = await makeRig(path.join(dir, 'steps'), 60, 2);
    try {
      const off = await rig.run('customer-master', { all: true });
      expect((off.summary.details?.steps as Record<string, unknown> | undefined)?.conversions).toBeUndefined();
      expect(rig.web.prepare('SELECT COUNT(*) FROM CustomerConversion').pluck().get()).toBe(0);
      const on = await rig.run('customer-master', { settings: { sendCustomerConversions: true } });
      const erpConversions = rig.erp.prepare('SELECT COUNT(*) FROM deb_conversion').pluck().get();
      expect(erpConversions).toBeGreaterThan(0);
      expect(on.summary.details?.steps).toMatchObject({ conversions: { read: erpConversions, written: erpConversions } });
      expect(rig.web.prepare('SELECT COUNT(*) FROM CustomerConversion').pluck().get()).toBe(erpConversions);
    } finally {
      await rig.close();
    }
  });

  it('maps another ERP column through Customer Field Mappings, refuses a missing column by name, honours the inclusion filter', async () => {
    const rig = await makeRig(path.join(dir, 'map'), 120, 5);
    try {
      const bad = await rig.run('customer-master', { all: true, settings: { customerFieldMappings: { Phone: 'dr_mobile' } } });
      expect(bad.status).toBe('Failed');
      expect(bad.error).toMatch(/no column "dr_mobile"/);
      expect(rig.web.prepare(`SELECT COUNT(*) FROM Customer WHERE Source = 'ERP'`).pluck().get()).toBe(0);

      const out = await rig.run('customer-master', { all: true, settings: { customerFieldMappings: { Phone: 'fax' }, debtorInclusionFilter: 'dr_status = A' } });
      expect(out.status).toBe('Succeeded');
      const sent = rig.web.prepare(`SELECT CustomerCode FROM Customer WHERE Source = 'ERP' ORDER BY 1`).pluck().all();
      expect(sent).toEqual(rig.erp.prepare(`SELECT accountcode FROM deb_master WHERE dr_status = 'A' ORDER BY 1`).pluck().all());
      const faxes = rig.erp.prepare(`SELECT accountcode, fax FROM deb_master WHERE dr_status = 'A' ORDER BY 1`).all() as Array<{ accountcode: string; fax: string }>;
      const phones = rig.web.prepare(`SELECT CustomerCode AS accountcode, Phone AS fax FROM Customer WHERE Source = 'ERP' ORDER BY 1`).all();
      expect(phones).toEqual(faxes);

      const badFilter = await rig.run('customer-master', { settings: { debtorInclusionFilter: 'colour = red' } });
      expect(badFilter.status).toBe('Failed');
      expect(badFilter.error).toMatch(/Debtor Inclusion Filter: unknown debtor column "colour"/);
    } finally {
      await rig.close();
    }
  });

  it('stops after the current batch when asked, and the next Send All resumes from its checkpoint', async () => {
    const rig = await makeRig(path.join(dir, 'stop'), 300, 6);
    try {
      const ac = new AbortController();
      let pages = 0;
      const first = await runEvent('customer-master', { all: true }, {
        erpDb: rig.erpDb,
        webDb: rig.webDb,
        settings: { ...rig.settings, batchSize: 50 },
        logger: createLogger(),
        signal: ac.signal,
        onProgress: (p) => {
          if (p.phase === 'debtors' && p.done > 0 && ++pages === 2) ac.abort();
        },
      });
      expect(first.status).toBe('Stopped');
      expect(first.summary.written).toBe(100);
      expect(rig.web.prepare(`SELECT COUNT(*) FROM Customer WHERE Source = 'ERP'`).pluck().get()).toBe(100);
      const second = await rig.run('customer-master', { all: true, settings: { batchSize: 50 } });
      expect(second.status).toBe('Succeeded');
      expect(second.summary.details).toMatchObject({ resumedFrom: 'C00100' });
      expect(second.summary.written).toBe(201);
      expectWebEqualsErp(rig);
      expect(rig.web.prepare(`SELECT COUNT(*) FROM IntegrationState WHERE [Key] = 'customer-master:send-all:resume'`).pluck().get()).toBe(0);
    } finally {
      await rig.close();
    }
  });

  it('names arrive character for character: a byte order mark kept, 80 emoji fit an 80-character SQLite column', async () => {
    const rig = await makeRig(path.join(dir, 'unicode'), 5, 9);
    try {
      const names: Record<string, string> = { C00001: '\uFEFFBOM Traders', C00002: '\u{1F600}'.repeat(80), C00003: 'Caf\u00E9\u00A0Co' };
      for (const [code, name] of Object.entries(names)) rig.erp.prepare('UPDATE deb_master SET dr_name = ? WHERE accountcode = ?').run(`${name}  `, code);
      const out = await rig.run('customer-master', { all: true });
      expect(out.summary.failed).toBe(0);
      for (const [code, name] of Object.entries(names)) {
        const got = rig.web.prepare('SELECT Name, hex(Name) AS h FROM Customer WHERE CustomerCode = ?').get(code) as { Name: string; h: string };
        expect(got.Name, code).toBe(name);
        expect(got.h, code).toBe(Buffer.from(name, 'utf8').toString('hex').toUpperCase());
      }
    } finally {
      await rig.close();
    }
  });

  it('keeps the counts reached on the run record while it runs (a killed process leaves them, not zeros)', async () => {
    const rig = await makeRig(path.join(dir, 'counts'), 300, 4, { batchSize: 20 });
    try {
      const seen: Array<{ Status: string; Read: number; Written: number }> = [];
      const out = await runEvent('customer-master', { all: true }, {
        erpDb: rig.erpDb,
        webDb: rig.webDb,
        settings: rig.settings,
        logger: createLogger(),
        onProgress: (p) => {
          if (p.runId !== null) seen.push(rig.web.prepare('SELECT Status, Read, Written FROM IntegrationRun WHERE Id = ?').get(p.runId) as { Status: string; Read: number; Written: number });
        },
      });
      expect(out.status).toBe('Succeeded');
      const during = seen.filter((r) => r.Status === 'Running' && r.Written > 0);
      expect(during.length).toBeGreaterThan(3);
      // Rising as the run went, never past what the run finally wrote.
      expect(during.map((r) => r.Written)).toEqual([...during.map((r) => r.Written)].sort((a, b) => a - b));
      expect(Math.max(...during.map((r) => r.Written))).toBeLessThanOrEqual(out.summary.written);
      expect(during.every((r) => r.Read >= r.Written)).toBe(true);
    } finally {
      await rig.close();
    }
  });
});
