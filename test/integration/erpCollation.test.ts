// Where the ERP and the web meet, the two databases order keys differently: SQL Server's default collation is
// case-insensitive, the web's (here SQLite's) is binary. Send All must compare exact keys, never ranges.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { makeRig, type Rig } from '../helpers/eventRig.js';
import { setCollation } from '../helpers/erpVariants.js';

const dir = tmpDir('integrator-collation-');

// Mixed case and hyphens: under NOCASE 'a-100' sorts before 'C00001', under BINARY after 'Zed-9'.
const ODD_CODES = ['a-100', 'Ab-200', 'b-300', 'BB-1', 'c-1', 'c00005x', 'Zed-9', 'z-1', 'x-CASE', 'M-m'];

describe('an ERP whose accountcode and so_order_no are case-insensitive (COLLATE NOCASE)', () => {
  let rig: Rig;
  const settings = { batchSize: 7, autoActivateAllCustomers: true };
  const erpCount = (sql: string) => Number(rig.erp.prepare(sql).pluck().get());
  const webCount = (sql: string) => Number(rig.web.prepare(sql).pluck().get());

  beforeAll(async () => {
    rig = await makeRig(path.join(dir, 'nocase'), 60, 11);
    setCollation(rig.erp, 'deb_master', { accountcode: 'NOCASE' });
    setCollation(rig.erp, 'sales_order', { so_order_no: 'NOCASE' });
    const debtor = rig.erp.prepare(`INSERT INTO deb_master (accountcode, dr_name, dr_status, terms_code, rep_code, price_code, credit_limit, email, phone, fax, dr_date_created, dr_date_last_changed)
      VALUES (?, ?, 'A', '30D', 'R01', 'A', 1000, ?, '03 9000 0000', '', '2026-01-01T00:00:00Z', '2026-10-01T00:00:00Z')`);
    const address = rig.erp.prepare(`INSERT INTO name_and_address_master VALUES (?, ?, ?, '1 Case St', 'Melbourne', 'VIC', '3000', 'Australia')`);
    const order = rig.erp.prepare(`INSERT INTO sales_order VALUES (?, ?, '10', '2026-10-15T10:00:00Z', 12.5)`);
    const line = rig.erp.prepare(`INSERT INTO sales_order_line VALUES (?, 1, 'P00001', 1, 12.5)`);
    ODD_CODES.forEach((code, i) => {
      debtor.run(code, `Odd Code ${code}`, `odd${i}@example.com`);
      address.run(code, '00', `Odd Code ${code}`);
      address.run(code, '01', `Odd Code ${code} depot`);
      order.run(`so-${code}`, code);
      line.run(`so-${code}`);
    });
  });
  afterAll(async () => rig?.close());

  it('Send All twice disables nothing that exists, keeps every address, and an admin disable stays', async () => {
    const first = await rig.run('customer-master', { all: true, settings });
    expect(first.status).toBe('Succeeded');
    const debtors = erpCount('SELECT COUNT(*) FROM deb_master');
    expect(webCount(`SELECT COUNT(*) FROM Customer WHERE Source = 'ERP'`)).toBe(debtors);
    expect(webCount(`SELECT COUNT(*) FROM CustomerAddress a JOIN Customer c ON c.CustomerCode = a.CustomerCode WHERE c.Source = 'ERP'`)).toBe(erpCount('SELECT COUNT(*) FROM name_and_address_master'));

    rig.web.prepare(`UPDATE Customer SET DisabledByAdmin = 1, IsDisabled = 1 WHERE CustomerCode IN ('b-300', 'C00004')`).run();
    const second = await rig.run('customer-master', { all: true, settings });
    expect(second.status).toBe('Succeeded');
    expect(second.summary.details).toMatchObject({ disabledRemoved: 0 });
    const held = rig.erp.prepare(`SELECT accountcode FROM deb_master WHERE dr_status IN ('H', 'C')`).pluck().all() as string[];
    const disabled = (rig.web.prepare(`SELECT CustomerCode FROM Customer WHERE IsDisabled = 1 ORDER BY 1`).pluck().all() as string[]).sort();
    expect(disabled).toEqual([...held, 'b-300', 'C00004'].sort());
    expect(webCount(`SELECT COUNT(*) FROM Customer WHERE ErpStatus = 'C' AND ErpHash IS NULL`)).toBe(0);
    expect(webCount(`SELECT COUNT(*) FROM CustomerAddress a JOIN Customer c ON c.CustomerCode = a.CustomerCode WHERE c.Source = 'ERP'`)).toBe(erpCount('SELECT COUNT(*) FROM name_and_address_master'));

    // A debtor that really left is still found.
    rig.erp.prepare(`DELETE FROM name_and_address_master WHERE accountcode = 'Ab-200'`).run();
    rig.erp.prepare(`DELETE FROM deb_master WHERE accountcode = 'Ab-200'`).run();
    const third = await rig.run('customer-master', { all: true, settings });
    expect(third.summary.details).toMatchObject({ disabledRemoved: 1 });
    expect(rig.web.prepare(`SELECT IsDisabled, ErpStatus FROM Customer WHERE CustomerCode = 'Ab-200'`).get()).toEqual({ IsDisabled: 1, ErpStatus: 'C' });
  });

  it('Send Changed after Send All writes nothing', async () => {
    const changed = await rig.run('customer-master', { settings });
    expect(changed.summary).toMatchObject({ written: 0, failed: 0 });
  });

  it('Get Orders Send All twice removes no order that is in the ERP', async () => {
    const first = await rig.run('orders', { all: true, settings });
    expect(first.status).toBe('Succeeded');
    const inWindow = erpCount(`SELECT COUNT(*) FROM sales_order WHERE so_date_stamp >= '2025-11-01'`);
    expect(webCount(`SELECT COUNT(*) FROM SalesOrder WHERE Source = 'ERP'`)).toBe(inWindow);
    const second = await rig.run('orders', { all: true, settings });
    expect(second.summary.details).toMatchObject({ removed: 0 });
    expect(webCount(`SELECT COUNT(*) FROM SalesOrder WHERE Source = 'ERP'`)).toBe(inWindow);
    for (const code of ODD_CODES.filter((c) => c !== 'Ab-200')) {
      expect(webCount(`SELECT COUNT(*) FROM SalesOrder WHERE OrderNo = 'so-${code}'`), code).toBe(1);
    }
  });
});
