import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoInit } from '../../core/demo/demoData.js';
import { openDb } from '../../core/db/openDb.js';
import type { Db } from '../../core/db/db.js';
import { CUSTOMER_ACTIONS, type ActionContext } from '../../core/customers/actions.js';
import { listBlockedUsers } from '../../core/customers/blockedUsers.js';
import { runEvent } from '../../core/events/runEvent.js';
import { loadSettings } from '../../core/settings/settingsFile.js';
import { integrator } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { count, putErpCustomersOnWeb, silentLogger } from '../helpers/webDemo.js';

const dir = tmpDir('integrator-crm-');
let config: string;
let erpFile: string;
let webFile: string;

beforeAll(async () => {
  const r = await demoInit({ dir: path.join(dir, 'demo'), customers: 60, seed: 1 });
  config = r.settings;
  erpFile = r.erp;
  webFile = r.web;
  const erp = await openDb(`sqlite:${erpFile}`);
  const web = await openDb(`sqlite:${webFile}`);
  await putErpCustomersOnWeb(erp, web);
  await erp.close();
  await web.close();
});

async function withDbs<T>(fn: (erp: Db, web: Db) => Promise<T>): Promise<T> {
  const erp = await openDb(`sqlite:${erpFile}`);
  const web = await openDb(`sqlite:${webFile}`);
  try {
    return await fn(erp, web);
  } finally {
    await erp.close();
    await web.close();
  }
}

const cli = (...args: string[]) => integrator(['customer', ...args, '--config', config]);

function actionContext(erp: Db, web: Db): ActionContext {
  return { webDb: web, erpDb: async () => erp, settings: loadSettings(config).values, logger: silentLogger, now: () => new Date('2026-11-02T09:00:00Z') };
}

describe('CRM approval through `integrator customer`', () => {
  it('releases, then approves with the CRM message, creating the ERP debtor', async () => {
    const rel = cli('release', 'CRM-0001');
    expect(rel.err).toBe('');
    expect(rel.status).toBe(0);
    expect(rel.out.trim()).toBe('Customer CRM-0001, Yarra Valley Cafe Supplies, is released for approval.');

    const ok = cli('approve', 'CRM-0001');
    expect(ok.err).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.out.trim()).toBe('Authorisation for Customer, Yarra Valley Cafe Supplies, has been successful.');
    await withDbs(async (erp, web) => {
      expect(await web.get(`SELECT [CustomerCode], [CrmStatus], [ActiveStatus], [Source], [Site] FROM [Customer] WHERE [WebCode] = 'CRM-0001'`)).toEqual({
        CustomerCode: 'WEB-00001',
        CrmStatus: 'Approved',
        ActiveStatus: 'Active',
        Source: 'ERP',
        Site: 'Melbourne',
      });
      expect(await erp.get(`SELECT [dr_name], [dr_status], [terms_code] FROM [deb_master] WHERE [accountcode] = 'WEB-00001'`)).toEqual({ dr_name: 'Yarra Valley Cafe Supplies', dr_status: 'A', terms_code: 'WEB' });
      expect(await count(erp, `SELECT COUNT(*) AS n FROM [name_and_address_master] WHERE [accountcode] = 'WEB-00001'`)).toBe(1);
    });

    // Approving twice is refused (the old CRM code still finds the customer); nothing more is created.
    const twice = cli('approve', 'CRM-0001');
    expect(twice.status).toBe(1);
    expect(twice.err.trim()).toBe('error: customer WEB-00001 (Yarra Valley Cafe Supplies) is already approved');
    await withDbs(async (erp) => expect(await count(erp, `SELECT COUNT(*) AS n FROM [deb_master] WHERE [accountcode] LIKE 'WEB-%'`)).toBe(1));
  });

  it('refuses every illegal transition with a clear message and changes nothing', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['approve', 'CRM-0004', /customer CRM-0004 \(Bondi Surf Hardware\) is NewCRM \(view only\): release it for approval before approving it/],
      ['decline', 'CRM-0004', /is NewCRM \(view only\): release it for approval before declining it/],
      ['release', 'CRM-0002', /customer CRM-0002 \(St Kilda Marine Services\) is already released for approval/],
      ['approve', 'B2C-0001', /is not a CRM customer/],
      ['approve', 'NOPE', /there is no web customer NOPE/],
    ];
    // Two through the command line (one line, exit 1), the rest through the same action table in-process.
    for (const [action, code, message] of [cases[0], cases[4]]) {
      const r = cli(action, code);
      expect(r.status, `${action} ${code}`).toBe(1);
      expect(r.err, `${action} ${code}`).toMatch(message);
      expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    }
    await withDbs(async (erp, web) => {
      for (const [action, code, message] of cases) await expect(CUSTOMER_ACTIONS[action].run(actionContext(erp, web), code), `${action} ${code}`).rejects.toThrow(message);
      expect(await web.all(`SELECT [CustomerCode], [CrmStatus] FROM [Customer] WHERE [CustomerCode] IN ('CRM-0002', 'CRM-0004') ORDER BY 1`)).toEqual([
        { CustomerCode: 'CRM-0002', CrmStatus: 'Released' },
        { CustomerCode: 'CRM-0004', CrmStatus: 'NewCRM' },
      ]);
    });
  });

  it('declines a released customer, once, and a declined one cannot be approved', async () => {
    const d = cli('decline', 'CRM-0005');
    expect(d.status).toBe(0);
    expect(d.out.trim()).toBe('Customer CRM-0005, Manly Boat Builders, is declined.');
    await withDbs(async (erp, web) => {
      const ctx = actionContext(erp, web);
      await expect(CUSTOMER_ACTIONS.decline.run(ctx, 'CRM-0005')).rejects.toThrow(/is already declined/);
      await expect(CUSTOMER_ACTIONS.approve.run(ctx, 'CRM-0005')).rejects.toThrow(/was declined; it cannot be approved/);
      await expect(CUSTOMER_ACTIONS.release.run(ctx, 'CRM-0005')).rejects.toThrow(/was declined; it cannot be released again/);
      expect(await count(erp, `SELECT COUNT(*) AS n FROM [deb_master] WHERE [dr_name] = 'Manly Boat Builders'`)).toBe(0);
    });
  });

  it('sends the order of a CRM customer once it is approved', async () => {
    await withDbs(async (erp, web) => {
      const deps = { erpDb: erp, webDb: web, settings: loadSettings(config).values, logger: silentLogger };
      const before = await runEvent('web-accounts', {}, deps);
      expect(before.status, before.error).toBe('Succeeded');
      expect(await count(erp, `SELECT COUNT(*) AS n FROM [sales_order] WHERE [so_order_no] = 'W000004'`)).toBe(0);
      expect(await CUSTOMER_ACTIONS.approve.run(actionContext(erp, web), 'CRM-0002')).toBe('Authorisation for Customer, St Kilda Marine Services, has been successful.');
      const code = (await web.get<{ CustomerCode: string }>(`SELECT [CustomerCode] FROM [Customer] WHERE [WebCode] = 'CRM-0002'`))!.CustomerCode;
      expect(code).toMatch(/^WEB-\d{5}$/);
      // Its delivery address (na_type 01) went too, with the default country where the web left it blank.
      expect(await erp.all(`SELECT [na_type], [country] FROM [name_and_address_master] WHERE [accountcode] = @c ORDER BY [na_type]`, { c: code })).toEqual([
        { na_type: '00', country: 'Australia' },
        { na_type: '01', country: 'Australia' },
      ]);
      const after = await runEvent('web-accounts', {}, deps);
      expect(after.status).toBe('Succeeded');
      expect(await erp.get(`SELECT [accountcode] FROM [sales_order] WHERE [so_order_no] = 'W000004'`)).toEqual({ accountcode: code });
      expect(await web.get(`SELECT [UserId] FROM [UserCustomer] WHERE [CustomerCode] = @c`, { c: code })).toEqual({ UserId: 'marina.office' });
    });
  });
});

describe('disabled accounts and blocked users', () => {
  it('blocks users whose only customers are disabled; enable never lifts an ERP hold', async () => {
    const { held, active } = await withDbs(async (erp) => ({
      held: (await erp.get<{ accountcode: string }>(`SELECT [accountcode] FROM [deb_master] WHERE [dr_status] = 'H' ORDER BY [accountcode]`))!.accountcode,
      active: (await erp.all<{ accountcode: string }>(`SELECT [accountcode] FROM [deb_master] WHERE [dr_status] = 'A' AND [accountcode] <> 'GUEST' ORDER BY [accountcode]`))[1].accountcode,
    }));
    const blocked = async () => withDbs(async (_e, web) => (await listBlockedUsers(web)).map((u) => u.userId));
    // The demo user whose only customer the ERP holds is blocked; the user with a second, active customer is not.
    expect(await blocked()).toEqual(['held.buyer']);

    const dis = cli('disable', active);
    expect(dis.status).toBe(0);
    expect(dis.out.trim()).toBe(`Customer ${active} is disabled; 1 web user is now blocked (two.accounts).`);
    expect(await blocked()).toEqual(['held.buyer', 'two.accounts']);
    expect(cli('disable', active).err).toMatch(/is already disabled by an admin/);

    const en = cli('enable', active);
    expect(en.status).toBe(0);
    expect(en.out.trim()).toBe(`Customer ${active} is enabled.`);
    expect(await blocked()).toEqual(['held.buyer']);

    await withDbs(async (erp, web) => {
      const ctx = actionContext(erp, web);
      await expect(CUSTOMER_ACTIONS.enable.run(ctx, held)).rejects.toThrow(/is not disabled by an admin: it is disabled because the ERP has it on hold; change it in the ERP/);
      await CUSTOMER_ACTIONS.disable.run(ctx, held);
      expect(await web.get(`SELECT [IsDisabled], [DisabledByAdmin] FROM [Customer] WHERE [CustomerCode] = @c`, { c: held })).toEqual({ IsDisabled: 1, DisabledByAdmin: 1 });
      expect(await CUSTOMER_ACTIONS.enable.run(ctx, held)).toBe(`Customer ${held} is no longer disabled by an admin, but stays disabled: the ERP has it on hold.`);
      expect(await web.get(`SELECT [IsDisabled], [DisabledByAdmin] FROM [Customer] WHERE [CustomerCode] = @c`, { c: held })).toEqual({ IsDisabled: 1, DisabledByAdmin: 0 });
      await expect(CUSTOMER_ACTIONS.enable.run(ctx, active)).rejects.toThrow(/is not disabled$/);
    });
    expect(await blocked()).toEqual(['held.buyer']);
  });
});
