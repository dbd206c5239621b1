import { afterAll, describe, expect, it } from 'vitest';
import type { Db } from '../../core/db/db.js';
import { runEvent } from '../../core/events/runEvent.js';
import { sendWebAccounts } from '../../core/customers/webAccountSync.js';
import { allocateCodes, formatCode, parseTemplate, templateProblem } from '../../core/customers/numbering.js';
import { recordWebEdit } from '../../core/customers/webEdits.js';
import { ActionError } from '../../core/customers/actionTypes.js';
import { CUSTOMER_ACTIONS } from '../../core/customers/actions.js';
import { getCustomer, listCustomers } from '../../core/customers/customerList.js';
import { customerCodeColumns } from '../../core/web/webSchema.js';
import type { SettingsInput } from '../../core/contracts/settings.schema.js';
import { tmpDir } from '../helpers/tmp.js';
import { count, openDemo, putErpCustomersOnWeb, silentLogger, type DemoPair } from '../helpers/webDemo.js';
import { insertWebRows } from '../helpers/webStore.js';
import { runConfigCheck } from '../../core/customers/checkConfig.js';
import { loadSettings } from '../../core/settings/settingsFile.js';

const dir = tmpDir('integrator-webacc-');
const open: DemoPair[] = [];
afterAll(async () => {
  for (const p of open) await p.close();
});
async function demo(name: string, settings: SettingsInput = {}): Promise<DemoPair> {
  const p = await openDemo(dir, name, 60, settings);
  open.push(p);
  return p;
}

const T0 = new Date('2026-11-02T09:00:00.000Z');
function deps(p: DemoPair, over: { erpDb?: Db; webDb?: Db; settings?: SettingsInput; now?: Date } = {}) {
  return { erpDb: over.erpDb ?? p.erp, webDb: over.webDb ?? p.web, settings: { ...p.settings, ...over.settings }, logger: silentLogger, now: () => over.now ?? T0 };
}
const run = (p: DemoPair, over: Parameters<typeof deps>[1] = {}) => runEvent('web-accounts', {}, deps(p, over));

/** A real database whose n-th transaction fails before it commits: a crash at that point of a run. */
function crashingAt(db: Db, n: number): Db {
  let calls = 0;
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'transaction') {
        return async (fn: (tx: Db) => Promise<unknown>) => {
          calls++;
          if (calls === n) {
            return target.transaction(async (tx) => {
              await fn(tx);
              throw new Error('simulated crash');
            });
          }
          return target.transaction(fn);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

describe('numbering templates', () => {
  it('formats codes and names what is wrong with a template', () => {
    const t = parseTemplate('WEB-#####');
    expect(formatCode(t, 1)).toBe('WEB-00001');
    expect(t.max).toBe(99999);
    expect(formatCode(parseTemplate('W###X'), 42)).toBe('W042X');
    expect(templateProblem('WEB-')).toMatch(/no # digits/);
    expect(templateProblem('A#B#')).toMatch(/more than one run/);
    expect(templateProblem('')).toMatch(/empty/);
    expect(templateProblem('TOOLONGPREFIX-########')).toMatch(/longer than 20/);
    expect(() => parseTemplate('WEB')).toThrow(/customerNumberingSequence/);
  });

  it('skips taken codes, never hands a number out twice, and stops at the end', async () => {
    const p = await demo('alloc');
    const t = parseTemplate('N-##');
    const taken = new Set(['N-02', 'N-03']);
    const first = await allocateCodes(p.web, t, 3, async (c) => new Set(c.filter((x) => taken.has(x))));
    expect(first).toEqual({ codes: ['N-01', 'N-04', 'N-05'], exhausted: false });
    const second = await allocateCodes(p.web, t, 2, async () => new Set());
    expect(second.codes).toEqual(['N-06', 'N-07']);
    await p.web.run(`UPDATE [NumberingSequence] SET [NextValue] = 98 WHERE [Name] = 'N-##'`);
    const last = await allocateCodes(p.web, t, 3, async () => new Set());
    expect(last).toEqual({ codes: ['N-98', 'N-99'], exhausted: true });
    expect((await allocateCodes(p.web, t, 1, async () => new Set())).codes).toEqual([]);
  });
});

describe('web-accounts event', () => {
  it('creates ERP debtors for web accounts, never linking one to a debtor by email alone, moves every web row, sends the orders', async () => {
    const p = await demo('main');
    const matchedEmail = (await p.web.get<{ Email: string }>(`SELECT [Email] FROM [Customer] WHERE [CustomerCode] = 'B2C-0002'`))!.Email;
    const matchedCode = (await p.erp.get<{ accountcode: string }>(`SELECT [accountcode] FROM [deb_master] WHERE [email] = @e`, { e: matchedEmail }))!.accountcode;
    const matchedBefore = await p.erp.get(`SELECT * FROM [deb_master] WHERE [accountcode] = @c`, { c: matchedCode });
    const debtorsBefore = await count(p.erp, `SELECT COUNT(*) AS n FROM [deb_master]`);

    const out = await run(p);
    expect(out.status, out.error).toBe('Succeeded');
    expect(out.summary.details).toMatchObject({ accountsCreated: 2, ordersSent: 3, guestOrders: 1, ordersWaitingForAccount: 1 });
    expect(out.summary.details?.accountsLinked).toBeUndefined();

    // A new debtor for each account, from the sequence, with its address as a location. B2C-0002 registered with
    // the email of an existing debtor: that alone links nothing (anyone can type an email address).
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [deb_master]`)).toBe(debtorsBefore + 2);
    const deb = await p.erp.get<Record<string, unknown>>(`SELECT * FROM [deb_master] WHERE [accountcode] = 'WEB-00001'`);
    expect(deb).toMatchObject({ dr_name: 'Jordan Lee', dr_status: 'A', terms_code: 'WEB', email: 'jordan.lee@example.net' });
    expect(await p.erp.all(`SELECT [na_type], [suburb] FROM [name_and_address_master] WHERE [accountcode] = 'WEB-00001'`)).toEqual([{ na_type: '00', suburb: 'Prahran' }]);
    expect(await count(p.web, `SELECT [NextValue] AS n FROM [NumberingSequence] WHERE [Name] = 'WEB-#####'`)).toBe(3);
    expect(await p.erp.get(`SELECT * FROM [deb_master] WHERE [accountcode] = @c`, { c: matchedCode })).toEqual(matchedBefore);

    // Every web row follows the customer to its ERP code; nothing is left under the web code.
    for (const { table, column } of customerCodeColumns()) {
      expect(await count(p.web, `SELECT COUNT(*) AS n FROM [${table}] WHERE [${column}] IN ('B2C-0001', 'B2C-0002')`), table).toBe(0);
    }
    expect(await p.web.get(`SELECT [Source], [WebCode], [ErpStatus] FROM [Customer] WHERE [CustomerCode] = 'WEB-00001'`)).toEqual({ Source: 'ERP', WebCode: 'B2C-0001', ErpStatus: 'A' });
    expect(await p.web.get(`SELECT [Source], [WebCode] FROM [Customer] WHERE [CustomerCode] = 'WEB-00002'`)).toEqual({ Source: 'ERP', WebCode: 'B2C-0002' });
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [Customer] WHERE [CustomerCode] = @c`, { c: matchedCode })).toBe(0);
    expect(await p.web.all(`SELECT [UserId] FROM [UserCustomer] WHERE [CustomerCode] = 'WEB-00001'`)).toEqual([{ UserId: 'jordan.lee' }]);
    expect(await p.web.all(`SELECT [AddressType] FROM [CustomerAddress] WHERE [CustomerCode] = 'WEB-00001'`)).toEqual([{ AddressType: '00' }]);

    // Orders: on the new debtors, the guest order on the guest customer; the CRM order waits.
    const erpOrders = await p.erp.all(`SELECT [so_order_no], [accountcode] FROM [sales_order] WHERE [so_order_no] LIKE 'W%' ORDER BY [so_order_no]`);
    expect(erpOrders).toEqual([
      { so_order_no: 'W000001', accountcode: 'WEB-00001' },
      { so_order_no: 'W000002', accountcode: 'WEB-00002' },
      { so_order_no: 'W000003', accountcode: 'GUEST' },
    ]);
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [sales_order_line] WHERE [so_order_no] = 'W000003'`)).toBe(3);
    expect(await p.web.all(`SELECT [OrderNo] FROM [SalesOrder] WHERE [Source] = 'WEB' AND [SentToErpAt] IS NULL`)).toEqual([{ OrderNo: 'W000004' }]);
    // CRM customers are not sent until approved.
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [Customer] WHERE [Source] = 'WEB' AND [CrmStatus] IN ('NewCRM', 'Released')`)).toBe(5);

    // A rerun changes nothing: no second debtor, no second order, no number used.
    const again = await run(p);
    expect(again.status).toBe('Succeeded');
    expect(again.summary.written).toBe(0);
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [deb_master]`)).toBe(debtorsBefore + 2);
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [sales_order] WHERE [so_order_no] LIKE 'W%'`)).toBe(3);
    expect(await count(p.web, `SELECT [NextValue] AS n FROM [NumberingSequence] WHERE [Name] = 'WEB-#####'`)).toBe(3);
  });

  it('with email matches offered, an account whose email is a debtor\'s waits for an admin: Link to the debtor, or Create new debtor', async () => {
    const p = await demo('offer', { offerDebtorMatchesByEmail: true });
    const email = (await p.web.get<{ Email: string }>(`SELECT [Email] FROM [Customer] WHERE [CustomerCode] = 'B2C-0002'`))!.Email;
    const debtor = (await p.erp.get<{ accountcode: string; dr_name: string }>(`SELECT [accountcode], [dr_name] FROM [deb_master] WHERE [email] = @e`, { e: email }))!;
    // A second self-registered account with another debtor's email (a stranger typing it): it waits too.
    const other = (await p.erp.get<{ accountcode: string; email: string }>(`SELECT [accountcode], [email] FROM [deb_master] WHERE [dr_status] = 'A' AND [accountcode] <> @c AND [accountcode] LIKE 'C%' ORDER BY [accountcode]`, { c: debtor.accountcode }))!;
    await insertWebRows(p.web, 'Customer', [{ CustomerCode: 'B2C-0666', Name: 'mallory', ActiveStatus: 'Active', Email: other.email.toUpperCase(), IsDisabled: 0, PendingErpPush: 1 }]);
    await insertWebRows(p.web, 'WebUser', [{ UserId: 'mallory', Email: other.email.toUpperCase(), IsDisabled: 0 }]);
    await insertWebRows(p.web, 'UserCustomer', [{ UserId: 'mallory', CustomerCode: 'B2C-0666', IsDefault: 1 }]);
    const mallorysCustomers = async () => (await p.web.all<{ CustomerCode: string }>(`SELECT [CustomerCode] FROM [UserCustomer] WHERE [UserId] = 'mallory'`)).map((r) => r.CustomerCode);
    const debtorsBefore = await count(p.erp, `SELECT COUNT(*) AS n FROM [deb_master]`);

    const out = await run(p);
    expect(out.status, out.error).toBe('Succeeded');
    expect(out.summary.details).toMatchObject({ accountsCreated: 1, accountsWaitingForConfirmation: 2 });
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [deb_master]`)).toBe(debtorsBefore + 1);
    // They wait, shown as such, their orders with them; nothing moved to the debtors.
    expect(await getCustomer(p.web, 'B2C-0002')).toMatchObject({ customerCode: 'B2C-0002', source: 'WEB', emailMatch: debtor.accountcode });
    expect(await getCustomer(p.web, 'B2C-0666')).toMatchObject({ customerCode: 'B2C-0666', source: 'WEB', emailMatch: other.accountcode });
    expect(await p.erp.get(`SELECT [so_order_no] FROM [sales_order] WHERE [so_order_no] = 'W000002'`)).toBeUndefined();
    expect(await mallorysCustomers()).toEqual(['B2C-0666']);
    const again = await run(p);
    expect(again.summary.details).toMatchObject({ accountsWaitingForConfirmation: 2 });
    const check = await runConfigCheck({ ...loadSettings(p.demo.settings), values: p.settings });
    expect(check.items.find((i) => i.item === 'Web accounts by email')).toEqual({
      item: 'Web accounts by email',
      ok: true,
      message: 'matches offered (Offer Debtor Matches By Email (offerDebtorMatchesByEmail)): 2 web accounts wait for an admin to link each to the matching debtor or create a new one (Customers tab)',
    });
    expect(again.summary.written).toBe(0);

    // The admin confirms the one that is the debtor's own...
    const ctx = { webDb: p.web, erpDb: async () => p.erp, settings: p.settings, logger: silentLogger, now: () => T0 };
    expect(await CUSTOMER_ACTIONS.link.run(ctx, 'B2C-0002')).toBe(`Web account B2C-0002 is linked to ERP debtor ${debtor.accountcode} (${debtor.dr_name}).`);
    expect(await getCustomer(p.web, 'B2C-0002')).toMatchObject({ customerCode: debtor.accountcode, source: 'ERP', emailMatch: null });
    // ...and gives the other a debtor of its own.
    expect(await CUSTOMER_ACTIONS['create-new'].run(ctx, 'B2C-0666')).toBe('Web account B2C-0666 is new ERP debtor WEB-00002.');
    expect(await getCustomer(p.web, 'B2C-0666')).toMatchObject({ customerCode: 'WEB-00002', source: 'ERP', emailMatch: null });
    expect(await p.erp.get(`SELECT [dr_name] FROM [deb_master] WHERE [accountcode] = 'WEB-00002'`)).toEqual({ dr_name: 'mallory' });
    expect(await mallorysCustomers()).toEqual(['WEB-00002']);
    // Nothing waits any more; the linked account's order now goes to its debtor.
    await expect(CUSTOMER_ACTIONS.link.run(ctx, 'CRM-0001')).rejects.toThrow(/customer CRM-0001 \(Yarra Valley Cafe Supplies\) has no debtor match waiting for confirmation/);
    const last = await run(p);
    expect(last.summary.details?.accountsWaitingForConfirmation).toBeUndefined();
    expect(await p.erp.get(`SELECT [accountcode] FROM [sales_order] WHERE [so_order_no] = 'W000002'`)).toEqual({ accountcode: debtor.accountcode });
  });

  it('a customer the web store inserts with contract columns only is the web\'s: sent to the ERP, approvable as a CRM customer, never disabled', async () => {
    const p = await demo('contract-rows');
    await insertWebRows(p.web, 'Customer', [
      { CustomerCode: 'B2C-0500', Name: 'Contract Buyer', ActiveStatus: 'Active', Email: 'contract.buyer@example.net', IsDisabled: 0, PendingErpPush: 1 },
      { CustomerCode: 'CRM-0500', Name: 'Contract Prospect', ActiveStatus: 'Inactive', Email: 'prospect@example.net', IsDisabled: 0, PendingErpPush: 0, CrmStatus: 'NewCRM', Site: 'Sydney', Phone: '02 9000 0500' },
    ]);
    await insertWebRows(p.web, 'CustomerAddress', [{ CustomerCode: 'B2C-0500', AddressType: '00', Name: 'Contract Buyer', Street: '1 Web St', Suburb: 'Carlton', State: 'VIC', Postcode: '3053', Country: 'Australia' }]);
    await insertWebRows(p.web, 'SalesOrder', [{ OrderNo: 'W500001', CustomerCode: 'B2C-0500', Status: 'Submitted', OrderDate: '2026-11-01T10:00:00Z', Total: 12, Source: 'WEB' }]);

    // Customer Master Send All: the web's rows are not the ERP's to disable.
    const all = await runEvent('customer-master', { all: true }, deps(p));
    expect(all.status, all.error).toBe('Succeeded');
    expect(await p.web.all(`SELECT [CustomerCode], [IsDisabled], [ErpStatus] FROM [Customer] WHERE [CustomerCode] IN ('B2C-0500', 'CRM-0500') ORDER BY 1`)).toEqual([
      { CustomerCode: 'B2C-0500', IsDisabled: 0, ErpStatus: null },
      { CustomerCode: 'CRM-0500', IsDisabled: 0, ErpStatus: null },
    ]);

    // web-accounts sends the B2C account to the ERP with its order.
    const out = await run(p);
    expect(out.status, out.error).toBe('Succeeded');
    const code = (await p.web.get<{ CustomerCode: string }>(`SELECT [CustomerCode] FROM [Customer] WHERE [WebCode] = 'B2C-0500'`))?.CustomerCode;
    expect(code).toMatch(/^WEB-\d{5}$/);
    expect(await p.erp.get(`SELECT [dr_name], [email] FROM [deb_master] WHERE [accountcode] = @c`, { c: code! })).toEqual({ dr_name: 'Contract Buyer', email: 'contract.buyer@example.net' });
    expect(await p.erp.get(`SELECT [accountcode] FROM [sales_order] WHERE [so_order_no] = 'W500001'`)).toEqual({ accountcode: code });
    expect(await count(p.web, `SELECT [PendingErpPush] AS n FROM [Customer] WHERE [CustomerCode] = @c`, { c: code! })).toBe(0);

    // The CRM customer goes through release and approval.
    const ctx = { webDb: p.web, erpDb: async () => p.erp, settings: p.settings, logger: silentLogger, now: () => T0 };
    await CUSTOMER_ACTIONS.release.run(ctx, 'CRM-0500');
    expect(await CUSTOMER_ACTIONS.approve.run(ctx, 'CRM-0500')).toBe('Authorisation for Customer, Contract Prospect, has been successful.');
    expect(await getCustomer(p.web, 'CRM-0500')).toMatchObject({ crmStatus: 'Approved', activeStatus: 'Active', site: 'Sydney', source: 'ERP' });
  });

  it('books a guest order to the ERP debtor with its email, else to the guest customer, once', async () => {
    const p = await demo('guest');
    const known = (await p.erp.get<{ accountcode: string; email: string }>(`SELECT [accountcode], [email] FROM [deb_master] WHERE [dr_status] = 'A' AND [accountcode] LIKE 'C%' ORDER BY [accountcode] DESC`))!;
    await p.web.insertMany('SalesOrder', [
      { OrderNo: 'W100001', CustomerCode: null, Email: known.email.toUpperCase(), OrderDate: '2026-11-01T10:00:00Z', Total: 5, Source: 'WEB' },
      { OrderNo: 'W100002', CustomerCode: null, Email: 'nobody@example.org', OrderDate: '2026-11-01T10:00:00Z', Total: 6, Source: 'WEB' },
    ]);
    await p.web.insertMany('SalesOrderLine', [{ OrderNo: 'W100001', LineNo: 1, ProductCode: 'P00001', Qty: 1, Price: 5 }]);
    // The order reaches the ERP but the run dies before the web stamps it (the web transaction of the orders).
    const crashed = await run(p, { webDb: crashingAt(p.web, 3) });
    expect(crashed.status).toBe('Failed');
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [sales_order] WHERE [so_order_no] IN ('W100001', 'W100002')`)).toBe(2);
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [SalesOrder] WHERE [OrderNo] IN ('W100001', 'W100002') AND [SentToErpAt] IS NULL`)).toBe(2);
    const rerun = await run(p);
    expect(rerun.status, rerun.error).toBe('Succeeded');
    expect(await p.erp.all(`SELECT [so_order_no], [accountcode] FROM [sales_order] WHERE [so_order_no] IN ('W100001', 'W100002') ORDER BY [so_order_no]`)).toEqual([
      { so_order_no: 'W100001', accountcode: known.accountcode },
      { so_order_no: 'W100002', accountcode: 'GUEST' },
    ]);
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [sales_order_line] WHERE [so_order_no] = 'W100001'`)).toBe(1);
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [SalesOrder] WHERE [Source] = 'WEB' AND [SentToErpAt] IS NULL AND [CustomerCode] IS NULL`)).toBe(0);
  });

  it('refuses guest orders with a clear error when the guest customer is not in the ERP', async () => {
    const p = await demo('noguest', { guestCustomer: 'NOSUCH' });
    const out = await run(p);
    expect(out.status).toBe('Failed');
    expect(out.error).toMatch(/Guest Customer \(guestCustomer\) "NOSUCH" is not an ERP debtor/);
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [sales_order] WHERE [accountcode] = 'NOSUCH'`)).toBe(0);
  });

  it('converges after a crash between numbering, the ERP debtor and the web move', async () => {
    const p = await demo('crash');
    // Crash 1: the ERP write fails after the number was recorded.
    const c1 = await run(p, { erpDb: crashingAt(p.erp, 1) });
    expect(c1.status).toBe('Failed');
    expect(await p.web.get(`SELECT [ErpCode], [Source] FROM [Customer] WHERE [CustomerCode] = 'B2C-0001'`)).toEqual({ ErpCode: 'WEB-00001', Source: 'WEB' });
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [deb_master] WHERE [accountcode] LIKE 'WEB-%'`)).toBe(0);
    // Crash 2: the debtor is in the ERP, the web move fails.
    const c2 = await run(p, { webDb: crashingAt(p.web, 2) });
    expect(c2.status).toBe('Failed');
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [deb_master] WHERE [accountcode] = 'WEB-00001'`)).toBe(1);
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [Customer] WHERE [CustomerCode] = 'B2C-0001'`)).toBe(1);
    // The rerun finishes: one debtor, one number, every row moved.
    const ok = await run(p);
    expect(ok.status, ok.error).toBe('Succeeded');
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [deb_master] WHERE [accountcode] LIKE 'WEB-%'`)).toBe(2);
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [name_and_address_master] WHERE [accountcode] = 'WEB-00001'`)).toBe(1);
    expect(await count(p.web, `SELECT [NextValue] AS n FROM [NumberingSequence]`)).toBe(3);
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [SalesOrder] WHERE [CustomerCode] = 'WEB-00001' AND [SentToErpAt] IS NOT NULL`)).toBe(1);
  });

  it('skips numbers the ERP already uses and fails clearly when the sequence is exhausted', async () => {
    const p = await demo('exhaust', { customerNumberingSequence: 'WB-#' });
    await p.erp.run(`INSERT INTO [deb_master] ([accountcode], [dr_name], [dr_status]) VALUES ('WB-8', 'Made in the ERP', 'A')`);
    await p.web.upsert('NumberingSequence', ['Name'], [{ Name: 'WB-#', NextValue: 8 }]);
    await insertWebRows(p.web, 'Customer', [
      { CustomerCode: 'B2C-0003', Name: 'Third Buyer', Email: 'third@example.net', PendingErpPush: 1 },
      { CustomerCode: 'B2C-0004', Name: 'Fourth Buyer', Email: 'fourth@example.net', PendingErpPush: 1 },
    ]);
    const out = await run(p);
    expect(out.status).toBe('Failed');
    expect(out.error).toMatch(/Customer Numbering Sequence WB-# is exhausted: every code up to WB-9 has been used; widen the template/);
    // WB-8 belonged to the ERP: the first account got WB-9, the others wait; the ERP's debtor is untouched.
    expect(await p.erp.get(`SELECT [dr_name] FROM [deb_master] WHERE [accountcode] = 'WB-8'`)).toEqual({ dr_name: 'Made in the ERP' });
    expect(await p.web.get(`SELECT [WebCode] FROM [Customer] WHERE [CustomerCode] = 'WB-9'`)).toEqual({ WebCode: 'B2C-0001' });
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [Customer] WHERE [CustomerCode] IN ('B2C-0002', 'B2C-0003', 'B2C-0004') AND [Source] = 'WEB' AND [ErpCode] IS NULL`)).toBe(3);
    // The created account's order and the guest order were sent; the waiting account's order waits with it.
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [sales_order] WHERE [so_order_no] IN ('W000001', 'W000003')`)).toBe(2);
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [sales_order] WHERE [so_order_no] = 'W000002'`)).toBe(0);
    const again = await run(p);
    expect(again.error).toMatch(/exhausted/);
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [deb_master] WHERE [accountcode] LIKE 'WB-%'`)).toBe(2);
  });

  it('refuses an approval when the sequence is exhausted, leaving the customer Released, and approves after a crash once', async () => {
    const p = await demo('approve-exhaust', { customerNumberingSequence: 'AP-#' });
    await p.web.upsert('NumberingSequence', ['Name'], [{ Name: 'AP-#', NextValue: 10 }]);
    const ctx = { webDb: p.web, erpDb: async () => p.erp, settings: p.settings, logger: silentLogger, now: () => T0 };
    await expect(CUSTOMER_ACTIONS.approve.run(ctx, 'CRM-0003')).rejects.toThrow(/Customer Numbering Sequence AP-# is exhausted/);
    expect(await p.web.get(`SELECT [CrmStatus], [Source] FROM [Customer] WHERE [CustomerCode] = 'CRM-0003'`)).toEqual({ CrmStatus: 'Released', Source: 'WEB' });

    await p.web.upsert('NumberingSequence', ['Name'], [{ Name: 'AP-#', NextValue: 5 }]);
    // The web move fails after the ERP debtor was created: the customer is still Released, the retry finishes.
    const crashing = { ...ctx, webDb: crashingAt(p.web, 2) };
    await expect(CUSTOMER_ACTIONS.approve.run(crashing, 'CRM-0003')).rejects.toThrow(/simulated crash/);
    expect(await p.web.get(`SELECT [CrmStatus], [ErpCode] FROM [Customer] WHERE [CustomerCode] = 'CRM-0003'`)).toEqual({ CrmStatus: 'Released', ErpCode: 'AP-5' });
    expect(await CUSTOMER_ACTIONS.approve.run(ctx, 'CRM-0003')).toBe('Authorisation for Customer, Footscray Fabrication, has been successful.');
    expect(await p.web.get(`SELECT [CustomerCode], [CrmStatus], [ActiveStatus] FROM [Customer] WHERE [WebCode] = 'CRM-0003'`)).toEqual({ CustomerCode: 'AP-5', CrmStatus: 'Approved', ActiveStatus: 'Active' });
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [deb_master] WHERE [accountcode] LIKE 'AP-%'`)).toBe(1);
    expect(await count(p.web, `SELECT [NextValue] AS n FROM [NumberingSequence] WHERE [Name] = 'AP-#'`)).toBe(6);
  });

  it('pushes a permitted web edit with the first order after it, not before', async () => {
    const p = await demo('edit');
    const code = 'C00040';
    await putErpCustomersOnWeb(p.erp, p.web, [code]);
    await expect(recordWebEdit(p.web, p.settings, code, { Name: 'Renamed on the web' }, T0)).rejects.toThrow(ActionError);
    await expect(recordWebEdit(p.web, p.settings, code, { Name: 'Renamed on the web' }, T0)).rejects.toThrow(/Name cannot be edited on the web \(Web Editable Fields: Email, Phone\)/);
    expect(await recordWebEdit(p.web, p.settings, code, { Phone: '03 9999 0000' }, T0)).toEqual(['Phone']);
    expect(await p.web.get(`SELECT [PendingErpPush], [WebEditedAt] FROM [Customer] WHERE [CustomerCode] = @c`, { c: code })).toEqual({ PendingErpPush: 1, WebEditedAt: T0.toISOString() });

    // No order yet: the ERP keeps its value, the edit stays pending.
    await run(p, { now: new Date('2026-11-02T10:00:00Z') });
    expect((await p.erp.get<{ phone: string }>(`SELECT [phone] FROM [deb_master] WHERE [accountcode] = @c`, { c: code }))!.phone).not.toBe('03 9999 0000');
    expect(await count(p.web, `SELECT [PendingErpPush] AS n FROM [Customer] WHERE [CustomerCode] = @c`, { c: code })).toBe(1);

    await p.web.insertMany('SalesOrder', [{ OrderNo: 'W200001', CustomerCode: code, OrderDate: '2026-11-02T11:00:00Z', Total: 10, Source: 'WEB' }]);
    const out = await run(p, { now: new Date('2026-11-02T12:00:00Z') });
    expect(out.summary.details).toMatchObject({ editsPushed: 1 });
    expect(await p.erp.get(`SELECT [phone], [dr_date_last_changed] FROM [deb_master] WHERE [accountcode] = @c`, { c: code })).toEqual({ phone: '03 9999 0000', dr_date_last_changed: '2026-11-02T12:00:00.000Z' });
    expect(await p.erp.get(`SELECT [accountcode] FROM [sales_order] WHERE [so_order_no] = 'W200001'`)).toEqual({ accountcode: code });
    expect(await count(p.web, `SELECT [PendingErpPush] AS n FROM [Customer] WHERE [CustomerCode] = @c`, { c: code })).toBe(0);
  });

  it('lets the ERP win when it changed the record after the web edit, and logs the conflict', async () => {
    const p = await demo('conflict');
    const code = 'C00041';
    await putErpCustomersOnWeb(p.erp, p.web, [code]);
    await recordWebEdit(p.web, p.settings, code, { Email: 'web.edit@example.net' }, T0);
    await p.erp.run(`UPDATE [deb_master] SET [email] = 'erp.change@example.com.au', [dr_date_last_changed] = '2026-11-02T09:30:00Z' WHERE [accountcode] = @c`, { c: code });
    await p.web.insertMany('SalesOrder', [{ OrderNo: 'W300001', CustomerCode: code, OrderDate: '2026-11-02T10:00:00Z', Total: 10, Source: 'WEB' }]);
    const out = await run(p, { now: new Date('2026-11-02T11:00:00Z') });
    expect(out.status).toBe('Succeeded');
    expect(out.summary.details?.editConflicts).toEqual([{ customer: code, fields: ['Email'], webEditedAt: T0.toISOString(), erpChangedAt: '2026-11-02T09:30:00Z' }]);
    expect(await p.erp.get(`SELECT [email] FROM [deb_master] WHERE [accountcode] = @c`, { c: code })).toEqual({ email: 'erp.change@example.com.au' });
    expect(await p.web.get(`SELECT [Email], [PendingErpPush] FROM [Customer] WHERE [CustomerCode] = @c`, { c: code })).toEqual({ Email: 'erp.change@example.com.au', PendingErpPush: 0 });
    // The order itself still goes; the conflict is in the run record.
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [sales_order] WHERE [so_order_no] = 'W300001'`)).toBe(1);
    const rec = await p.web.get<{ Details: string }>(`SELECT [Details] FROM [IntegrationRun] WHERE [Id] = @id`, { id: out.runId });
    expect(JSON.parse(rec!.Details).editConflicts[0].customer).toBe(code);
  });

  it('fails, with the reason, an order of an unknown customer and one whose number the ERP uses for another debtor', async () => {
    const p = await demo('badorders');
    const erpOrder = (await p.erp.get<{ so_order_no: string; accountcode: string }>(`SELECT [so_order_no], [accountcode] FROM [sales_order] ORDER BY [so_order_no]`))!;
    await p.web.insertMany('SalesOrder', [
      { OrderNo: 'W400001', CustomerCode: 'NOBODY', OrderDate: '2026-11-01T10:00:00Z', Total: 1, Source: 'WEB' },
      { OrderNo: erpOrder.so_order_no, CustomerCode: null, Email: 'someone@example.org', OrderDate: '2026-11-01T10:00:00Z', Total: 1, Source: 'WEB' },
    ]);
    const out = await run(p);
    expect(out.status).toBe('Partial');
    expect(out.summary.failed).toBe(2);
    expect(out.summary.details?.orderFailures).toEqual([
      { order: 'W400001', reason: 'order W400001 names customer NOBODY, which is not a web customer' },
      { order: erpOrder.so_order_no, reason: `the ERP already has order ${erpOrder.so_order_no} for debtor ${erpOrder.accountcode}` },
    ]);
    expect(await p.erp.get(`SELECT [accountcode] FROM [sales_order] WHERE [so_order_no] = @o`, { o: erpOrder.so_order_no })).toEqual({ accountcode: erpOrder.accountcode });
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [SalesOrder] WHERE [OrderNo] IN ('W400001', @o) AND [SentToErpAt] IS NULL`, { o: erpOrder.so_order_no })).toBe(2);
  });

  it('stops after the current batch when asked, and the next run carries on', async () => {
    const p = await demo('stop', { batchSize: 1 });
    const ac = new AbortController();
    ac.abort();
    const stopped = await runEvent('web-accounts', {}, { ...deps(p), signal: ac.signal });
    expect(stopped.status).toBe('Stopped');
    expect(stopped.error).toMatch(/stopped after a batch of web accounts/);
    expect(stopped.summary.read).toBe(1);
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [Customer] WHERE [Source] = 'WEB' AND [CrmStatus] IS NULL`)).toBe(1);
    const rest = await run(p);
    expect(rest.status, rest.error).toBe('Succeeded');
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [Customer] WHERE [Source] = 'WEB' AND [CrmStatus] IS NULL`)).toBe(0);
    expect(await count(p.erp, `SELECT COUNT(*) AS n FROM [sales_order] WHERE [so_order_no] IN ('W000001', 'W000002', 'W000003')`)).toBe(3);
  });

  it('sends accounts through sendWebAccounts directly (the approve path) without touching other customers', async () => {
    const p = await demo('direct');
    const r = await sendWebAccounts(deps(p), ['B2C-0001', 'CRM-0001']);
    // CRM-0001 is Source WEB too; the caller decides eligibility, so it is created as asked.
    expect(r.results.map((x) => [x.webCode, x.erpCode, x.how])).toEqual([
      ['B2C-0001', 'WEB-00001', 'created'],
      ['CRM-0001', 'WEB-00002', 'created'],
    ]);
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [Customer] WHERE [Source] = 'WEB'`)).toBe(5);
  });
});

describe('web schema migration 40', () => {
  it('adds the web-accounts columns to a database created before them, and leaves a current one alone', async () => {
    const { openDb } = await import('../../core/db/openDb.js');
    const { createTables, migrate } = await import('../../core/db/schema.js');
    const { WEB_MIGRATIONS, WEB_TABLES } = await import('../../core/web/webSchema.js');
    const db = await openDb(`sqlite:${dir}/old-web.sqlite`, { create: true });
    const added = new Set(['Customer.ErpCode', 'Customer.WebCode', 'SalesOrder.Email']);
    const old = WEB_TABLES.map((t) => ({ ...t, columns: t.columns.filter((c) => !added.has(`${t.name}.${c.name}`)) }));
    await migrate(db, [{ version: 1, description: 'web schema', up: (tx) => createTables(tx, old) }]);
    expect(await db.columns('Customer')).not.toContain('ErpCode');
    expect(await migrate(db, WEB_MIGRATIONS)).toContain(40);
    expect(await db.columns('Customer')).toEqual(expect.arrayContaining(['ErpCode', 'WebCode']));
    expect(await db.columns('SalesOrder')).toContain('Email');
    expect(await migrate(db, WEB_MIGRATIONS)).toEqual([]);
    await db.close();
  });
});

describe('web schema migration 70', () => {
  it("an existing database keeps every row: the ERP's stay the ERP's, rows the web store inserted become the web's, a wrongly disabled one comes back", async () => {
    const { openDb } = await import('../../core/db/openDb.js');
    const { createTables, migrate } = await import('../../core/db/schema.js');
    const { WEB_MIGRATIONS, WEB_TABLES } = await import('../../core/web/webSchema.js');
    const db = await openDb(`sqlite:${dir}/pre-70-web.sqlite`, { create: true });
    // The schema as it was: Source defaulted to ERP on Customer and SalesOrder.
    const old = WEB_TABLES.map((t) => ({ ...t, columns: t.columns.map((c) => (c.name === 'Source' && (t.name === 'Customer' || t.name === 'SalesOrder') ? { ...c, default: "'ERP'" } : c)) }));
    await migrate(db, [
      { version: 1, description: 'web schema', up: (tx) => createTables(tx, old) },
      WEB_MIGRATIONS.find((m) => m.version === 40)!,
    ]);
    // What the integrator wrote from the ERP: Customer Master rows (ErpHash, CreatedAt), one since gone from the
    // ERP (hash cleared, closed), a web account that became an ERP debtor (WebCode).
    await db.insertMany('Customer', [
      { CustomerCode: 'C00001', Name: 'Sent by Customer Master', Source: 'ERP', ErpHash: 'abc', ErpStatus: 'A', IsDisabled: 0, CreatedAt: '2026-01-01T00:00:00Z', WebCode: null },
      { CustomerCode: 'C00002', Name: 'Gone from the ERP', Source: 'ERP', ErpHash: null, ErpStatus: 'C', IsDisabled: 1, CreatedAt: '2026-01-01T00:00:00Z', WebCode: null },
      { CustomerCode: 'WEB-00001', Name: 'Became a debtor', Source: 'ERP', ErpHash: null, ErpStatus: 'A', IsDisabled: 0, CreatedAt: null, WebCode: 'B2C-0001' },
    ]);
    // What the web store inserted (contract columns only): they took the old default, and a Send All disabled two.
    await insertWebRows(db, 'Customer', [
      { CustomerCode: 'B2C-0009', Name: 'Waiting Buyer', ActiveStatus: 'Active', Email: 'w@example.net', IsDisabled: 0, PendingErpPush: 1 },
      { CustomerCode: 'CRM-0009', Name: 'Swept Prospect', ActiveStatus: 'Inactive', IsDisabled: 0, PendingErpPush: 0, CrmStatus: 'Released', Site: 'Sydney' },
      { CustomerCode: 'CRM-0010', Name: 'Disabled by an admin', ActiveStatus: 'Inactive', IsDisabled: 0, PendingErpPush: 0, CrmStatus: 'NewCRM' },
    ]);
    await db.run(`UPDATE [Customer] SET [IsDisabled] = 1, [ErpStatus] = 'C' WHERE [CustomerCode] IN ('CRM-0009', 'CRM-0010')`);
    await db.run(`UPDATE [Customer] SET [DisabledByAdmin] = 1 WHERE [CustomerCode] = 'CRM-0010'`);
    await db.insertMany('SalesOrder', [{ OrderNo: 'S1', CustomerCode: 'C00001', Source: 'ERP', ErpHash: 'h1' }]);
    await insertWebRows(db, 'SalesOrder', [{ OrderNo: 'W9', CustomerCode: 'B2C-0009', Status: 'Submitted', Total: 5 }]);
    // The web store's own trigger and view on Customer survive the upgrade.
    await db.exec(`CREATE TABLE [WebAudit] ([Code] TEXT); CREATE TRIGGER [web_audit] AFTER INSERT ON [Customer] BEGIN INSERT INTO [WebAudit] VALUES (NEW.[CustomerCode]); END; CREATE VIEW [ActiveCustomers] AS SELECT [CustomerCode] FROM [Customer] WHERE [ActiveStatus] = 'Active'`);

    expect(await migrate(db, WEB_MIGRATIONS)).toContain(70);
    expect(await db.all(`SELECT [CustomerCode], [Source], [IsDisabled], [ErpStatus], [CrmStatus] FROM [Customer] ORDER BY [CustomerCode]`)).toEqual([
      { CustomerCode: 'B2C-0009', Source: 'WEB', IsDisabled: 0, ErpStatus: null, CrmStatus: null },
      { CustomerCode: 'C00001', Source: 'ERP', IsDisabled: 0, ErpStatus: 'A', CrmStatus: null },
      { CustomerCode: 'C00002', Source: 'ERP', IsDisabled: 1, ErpStatus: 'C', CrmStatus: null },
      { CustomerCode: 'CRM-0009', Source: 'WEB', IsDisabled: 0, ErpStatus: null, CrmStatus: 'Released' },
      { CustomerCode: 'CRM-0010', Source: 'WEB', IsDisabled: 1, ErpStatus: null, CrmStatus: 'NewCRM' },
      { CustomerCode: 'WEB-00001', Source: 'ERP', IsDisabled: 0, ErpStatus: 'A', CrmStatus: null },
    ]);
    expect(await db.all(`SELECT [OrderNo], [Source] FROM [SalesOrder] ORDER BY [OrderNo]`)).toEqual([
      { OrderNo: 'S1', Source: 'ERP' },
      { OrderNo: 'W9', Source: 'WEB' },
    ]);
    // From now on a row the web store inserts is the web's; its trigger, view and the indexes are still there.
    await insertWebRows(db, 'Customer', [{ CustomerCode: 'B2C-0010', Name: 'New Buyer', ActiveStatus: 'Active', IsDisabled: 0, PendingErpPush: 1 }]);
    expect(await db.get(`SELECT [Source] FROM [Customer] WHERE [CustomerCode] = 'B2C-0010'`)).toEqual({ Source: 'WEB' });
    expect(await db.all(`SELECT [Code] FROM [WebAudit]`)).toEqual([{ Code: 'B2C-0010' }]);
    expect(await db.all(`SELECT [CustomerCode] FROM [ActiveCustomers] ORDER BY 1`)).toEqual([{ CustomerCode: 'B2C-0009' }, { CustomerCode: 'B2C-0010' }]);
    const indexes = (await db.all<{ name: string }>(`SELECT [name] FROM [sqlite_master] WHERE [type] = 'index' AND [tbl_name] = 'Customer' AND [sql] IS NOT NULL ORDER BY 1`)).map((r) => r.name);
    expect(indexes).toEqual(expect.arrayContaining(['IX_Customer_ActiveStatus', 'IX_Customer_CrmStatus_Site', 'IX_Customer_Email', 'IX_Customer_ErpCode', 'IX_Customer_WebCode']));
    // Rows already there get a row version; only rows the web store inserts from now on carry 0.
    expect(await db.get(`SELECT COUNT(*) AS [n] FROM [Customer] WHERE [RowVersion] = 0`)).toEqual({ n: 1 });
    expect(await migrate(db, WEB_MIGRATIONS)).toEqual([]);
    await db.close();
  });
});

describe('customer list for the CRM approval screen', () => {
  it('filters by Site and status, searches, pages, and finds an approved customer by its CRM code', async () => {
    const p = await demo('list');
    const codes = async (q: Parameters<typeof listCustomers>[1]) => (await listCustomers(p.web, q)).customers.map((c) => c.customerCode);
    expect(await codes({ site: 'Melbourne', crmStatus: 'Released' })).toEqual(['CRM-0002', 'CRM-0003']);
    expect(await codes({ site: 'Sydney', crmStatus: 'NewCRM' })).toEqual(['CRM-0004']);
    expect(await codes({ search: 'bondi' })).toEqual(['CRM-0004']);
    await insertWebRows(p.web, 'Customer', [
      { CustomerCode: 'B2C-0100', Name: 'Cafe 100% Organic' },
      { CustomerCode: 'B2C-0101', Name: 'Cafe 1000 Things' },
      { CustomerCode: 'B2C-0102', Name: 'Cafe_Bar' },
    ]);
    expect(await codes({ search: '100%' })).toEqual(['B2C-0100']);
    expect(await codes({ search: 'e_B' })).toEqual(['B2C-0102']);
    const page = await listCustomers(p.web, { site: 'Melbourne', limit: 1, offset: 1 });
    expect(page.total).toBe(3);
    expect(page.customers.map((c) => c.customerCode)).toEqual(['CRM-0002']);
    const ctx = { webDb: p.web, erpDb: async () => p.erp, settings: p.settings, logger: silentLogger, now: () => T0 };
    await CUSTOMER_ACTIONS.approve.run(ctx, 'CRM-0002');
    expect(await getCustomer(p.web, 'CRM-0002')).toMatchObject({ customerCode: 'WEB-00001', crmStatus: 'Approved', activeStatus: 'Active', site: 'Melbourne', source: 'ERP', isDisabled: false });
    expect(await codes({ site: 'Melbourne', crmStatus: 'Released' })).toEqual(['CRM-0003']);
    expect(await codes({ site: 'Melbourne', crmStatus: 'Approved' })).toEqual(['WEB-00001']);
    await expect(getCustomer(p.web, 'NOPE')).rejects.toThrow(/there is no web customer NOPE/);
  });
});

describe('web demo data', () => {
  it('gives the admin CRM customers on two sites, B2C accounts, a guest order, users and a manual price', async () => {
    const p = await demo('webdemo');
    expect(await p.web.all(`SELECT [Site], [CrmStatus], COUNT(*) AS [n] FROM [Customer] WHERE [CrmStatus] IS NOT NULL GROUP BY [Site], [CrmStatus] ORDER BY 1, 2`)).toEqual([
      { Site: 'Melbourne', CrmStatus: 'NewCRM', n: 1 },
      { Site: 'Melbourne', CrmStatus: 'Released', n: 2 },
      { Site: 'Sydney', CrmStatus: 'NewCRM', n: 1 },
      { Site: 'Sydney', CrmStatus: 'Released', n: 1 },
    ]);
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [Customer] WHERE [Source] = 'WEB' AND [CrmStatus] IS NULL`)).toBe(2);
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [SalesOrder] WHERE [Source] = 'WEB' AND [CustomerCode] IS NULL AND [Email] IS NOT NULL`)).toBe(1);
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [PricingOverride] WHERE [Source] = 'MANUAL'`)).toBe(1);
    // The user whose only customer the ERP holds.
    const held = await p.web.get<{ CustomerCode: string }>(`SELECT uc.[CustomerCode] FROM [UserCustomer] uc WHERE uc.[UserId] = 'held.buyer'`);
    expect(await p.erp.get(`SELECT [dr_status] FROM [deb_master] WHERE [accountcode] = @c`, { c: held!.CustomerCode })).toEqual({ dr_status: 'H' });
    expect(await count(p.web, `SELECT COUNT(*) AS n FROM [WebUser]`)).toBe(4);
  });
});
