// SQL Server returns CHAR(n) values padded with spaces. An ERP whose every code column is CHAR(n) must give the
// web exactly what the same ERP with VARCHAR codes gives, through every event.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { tmpDir } from '../helpers/tmp.js';
import { makeRig, type Rig } from '../helpers/eventRig.js';
import { ERP_CODE_COLUMNS, padErpCodes } from '../helpers/erpVariants.js';
import { SqlPriceSource } from '../../core/pricing/sqlPriceSource.js';
import { ErpConnection } from '../../core/pricing/erpConnection.js';
import { PricingService } from '../../core/pricing/pricingService.js';

const dir = tmpDir('integrator-padded-');

const settings = { batchSize: 9, sendCustomerConversions: true, autoActivateAllCustomers: true };

/** The web tables as rows of text, without what differs between two runs by design (hashes, stamps). */
function webSnapshot(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = (sql: string) => db.prepare(sql).all();
    return {
      Customer: rows(`SELECT CustomerCode, Name, ActiveStatus, CrmStatus, TermsCode, RepCode, PriceCode, Email, Phone, IsDisabled, ErpStatus, Source, CreditLimit, ErpChangedAt, ErpCode, WebCode FROM Customer ORDER BY CustomerCode`),
      CustomerAddress: rows(`SELECT * FROM CustomerAddress ORDER BY CustomerCode, AddressType`),
      SalesOrder: rows(`SELECT OrderNo, CustomerCode, Status, OrderDate, Total, Source, IsShipped, Email, SentToErpAt IS NOT NULL AS Sent FROM SalesOrder ORDER BY OrderNo`),
      SalesOrderLine: rows(`SELECT * FROM SalesOrderLine ORDER BY OrderNo, LineNo`),
      StatementLine: rows(`SELECT * FROM StatementLine ORDER BY CustomerCode, TransRef`),
      PricingOverride: rows(`SELECT CustomerCode, ProductCode, Source, Price FROM PricingOverride ORDER BY CustomerCode, ProductCode, Source`),
      CustomerConversion: rows(`SELECT OldCode, NewCode, Status, Error FROM CustomerConversion ORDER BY OldCode, NewCode`),
      UserCustomer: rows(`SELECT * FROM UserCustomer ORDER BY UserId, CustomerCode`),
    };
  } finally {
    db.close();
  }
}

/** What web-accounts wrote to the ERP, codes compared without their padding. */
function erpWrites(file: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare(`SELECT rtrim(d.accountcode) AS code, d.dr_name, d.email, (SELECT COUNT(*) FROM name_and_address_master a WHERE a.accountcode = d.accountcode) AS addresses
                  FROM deb_master d WHERE d.dr_date_created >= '2026-11-01T12:00:00' ORDER BY 1`)
      .all()
      .concat(db.prepare(`SELECT rtrim(so_order_no) AS no, rtrim(accountcode) AS code FROM sales_order WHERE so_order_no LIKE 'W%' ORDER BY 1`).all());
  } finally {
    db.close();
  }
}

async function runAll(rig: Rig): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  // A debtor already holding the first number of the web sequence: it must be skipped, not handed out again.
  rig.erp.prepare(`INSERT INTO deb_master (accountcode, dr_name, dr_status, terms_code, rep_code, price_code, credit_limit, email, phone, fax, dr_date_created, dr_date_last_changed)
    VALUES ('WEB-00001', 'Numbered By Hand', 'A', 'COD', 'R01', '', 0, 'hand@example.com', '', '', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`).run();
  for (const [event, all] of [['customer-master', true], ['orders', true], ['statements', true], ['web-accounts', false], ['customer-master', false]] as const) {
    const r = await rig.run(event, { all, settings });
    out[`${event}${all ? ' all' : ''}`] = `${r.status} ${r.error ?? ''}`.trim();
  }
  return out;
}

describe('an ERP whose code columns are CHAR(n) (values padded with spaces)', () => {
  let plain: Rig;
  let padded: Rig;
  beforeAll(async () => {
    plain = await makeRig(path.join(dir, 'plain'), 70, 21);
    padded = await makeRig(path.join(dir, 'padded'), 70, 21);
    padded.erp.close();
    padErpCodes(padded.erpFile);
    padded.erp = new Database(padded.erpFile);
  });
  afterAll(async () => {
    await plain?.close();
    await padded?.close();
  });

  it('the fixture really pads every code column of every ERP table', () => {
    for (const [table, columns] of Object.entries(ERP_CODE_COLUMNS)) {
      const c = columns[0];
      const n = Number(padded.erp.prepare(`SELECT COUNT(*) FROM [${table}] WHERE [${c}] LIKE '% '`).pluck().get());
      expect(n, `${table}.${c}`).toBeGreaterThan(0);
    }
  });

  it('every event gives the web what the same ERP with unpadded codes gives', async () => {
    const a = await runAll(plain);
    const b = await runAll(padded);
    expect(Object.values(a).every((s) => s.startsWith('Succeeded')), JSON.stringify(a)).toBe(true);
    expect(b).toEqual(a);
    const want = webSnapshot(plain.webFile);
    const got = webSnapshot(padded.webFile);
    for (const table of Object.keys(want)) expect(got[table], table).toEqual(want[table]);
    expect(want.PricingOverride.length).toBeGreaterThan(0);
    expect(want.StatementLine.length).toBeGreaterThan(0);
    expect(erpWrites(padded.erpFile)).toEqual(erpWrites(plain.erpFile));
  });

  it('live prices are the same: special, level and stock found by unpadded codes', async () => {
    const special = plain.erp.prepare(`SELECT accountcode, stock_code FROM deb_special_price ORDER BY 1, 2 LIMIT 1`).get() as { accountcode: string; stock_code: string };
    const level = plain.erp.prepare(`SELECT d.accountcode, p.stock_code FROM deb_master d JOIN stock_price p ON p.price_code = d.price_code ORDER BY 1, 2 LIMIT 1`).get() as { accountcode: string; stock_code: string };
    const answers = async (rig: Rig) => {
      const service = new PricingService({ source: new SqlPriceSource(new ErpConnection({ initial: rig.erpDb })), invalidConditionCodes: [], cacheEntries: 0 });
      return [
        await service.price({ customer: special.accountcode, product: special.stock_code, warehouse: 'MEL', quantity: 1 }),
        await service.price({ customer: level.accountcode, product: level.stock_code, warehouse: 'MEL', quantity: 60 }),
      ];
    };
    const want = await answers(plain);
    expect(want.map((a) => a.priceSource)).toEqual(['special', 'level']);
    expect(await answers(padded)).toEqual(want);
  });

  it('a second Send All disables nothing and Send Changed then writes nothing', async () => {
    const all = await padded.run('customer-master', { all: true, settings });
    expect(all.summary.details).toMatchObject({ disabledRemoved: 0 });
    const changed = await padded.run('customer-master', { settings });
    expect(changed.summary).toMatchObject({ written: 0, failed: 0 });
    const orders = await padded.run('orders', { all: true, settings });
    expect(orders.summary.details).toMatchObject({ removed: 0 });
  });
});
