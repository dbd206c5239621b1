import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { makeRig, NOW, type Rig } from '../helpers/eventRig.js';
import { CUSTOMER_ACTIONS } from '../../core/customers/actions.js';
import { runEvent } from '../../core/events/runEvent.js';
import { createLogger } from '../../core/logging/logger.js';

const dir = tmpDir('integrator-orders-');
const WINDOW_START = '2025-11-01'; // 12 months before the rig's clock

describe('activation, Get Orders and Statements', () => {
  let rig: Rig;
  const activate = (code: string) =>
    CUSTOMER_ACTIONS.activate.run({ webDb: rig.webDb, erpDb: async () => rig.erpDb, settings: rig.settings, logger: createLogger(), now: () => NOW }, code);
  const erpOrders = (codes: string[], since = WINDOW_START) =>
    rig.erp.prepare(`SELECT so_order_no FROM sales_order WHERE accountcode IN (${codes.map(() => '?').join(',')}) AND so_date_stamp >= ? ORDER BY 1`).pluck().all(...codes, since);
  const webOrders = () => rig.web.prepare(`SELECT OrderNo FROM SalesOrder WHERE Source = 'ERP' ORDER BY 1`).pluck().all();

  beforeAll(async () => {
    rig = await makeRig(path.join(dir, 'o'), 150, 4);
    expect((await rig.run('customer-master', { all: true })).status).toBe('Succeeded');
  });
  afterAll(async () => rig?.close());

  // Customers with orders inside and outside the window, so both the gating and the window are visible.
  const withOrders = () =>
    rig.erp.prepare(`SELECT accountcode FROM sales_order GROUP BY accountcode HAVING SUM(so_date_stamp >= ?) >= 1 AND SUM(so_date_stamp < ?) >= 1 ORDER BY 1 LIMIT 3`).pluck().all(WINDOW_START, WINDOW_START) as string[];

  it('orders come only for activated customers, inside the archive window; PendingGetOrders becomes Active', async () => {
    const [a, b, c] = withOrders();
    expect(c).toBeDefined();
    expect((await rig.run('orders')).summary.written).toBe(0);
    expect(await activate(a)).toMatch(/marked active \(PendingGetOrders\)/);
    await expect(activate('NOPE')).rejects.toThrow(/not in the web database/);
    rig.web.prepare(`UPDATE Customer SET ActiveStatus = 'Active' WHERE CustomerCode = ?`).run(b);
    expect(rig.web.prepare(`SELECT ActiveStatus FROM Customer WHERE CustomerCode = ?`).pluck().get(a)).toBe('PendingGetOrders');

    const out = await rig.run('orders');
    expect(out.status).toBe('Succeeded');
    expect(webOrders()).toEqual(erpOrders([a, b]));
    expect(rig.web.prepare(`SELECT COUNT(*) FROM SalesOrder WHERE CustomerCode = ?`).pluck().get(c)).toBe(0);
    expect(rig.web.prepare(`SELECT ActiveStatus FROM Customer WHERE CustomerCode = ?`).pluck().get(a)).toBe('Active');
    expect(out.summary.details).toMatchObject({ promoted: 1 });
    await expect(activate(a)).rejects.toThrow(/already active/);
    const lines = rig.web.prepare(`SELECT COUNT(*) FROM SalesOrderLine l JOIN SalesOrder o ON o.OrderNo = l.OrderNo WHERE o.Source = 'ERP'`).pluck().get();
    const erpLines = rig.erp.prepare(`SELECT COUNT(*) FROM sales_order_line WHERE so_order_no IN (${(webOrders() as string[]).map(() => '?').join(',')})`).pluck().get(...(webOrders() as string[]));
    expect(lines).toBe(erpLines);
    const shipped = rig.web.prepare(`SELECT Status, IsShipped FROM SalesOrder WHERE Source = 'ERP'`).all() as Array<{ Status: string; IsShipped: number }>;
    for (const o of shipped) expect(o.IsShipped, o.Status).toBe(['80', '90'].includes(o.Status) ? 1 : 0);
    expect((await rig.run('orders')).summary).toMatchObject({ written: 0 });
  });

  it('a changed order is rewritten; Send All removes ERP orders no longer in the ERP and keeps web orders', async () => {
    const [a] = withOrders();
    const [first, second] = erpOrders([a]) as string[];
    rig.erp.prepare(`UPDATE sales_order SET so_order_status = '90' WHERE so_order_no = ?`).run(first);
    rig.erp.prepare(`UPDATE sales_order_line SET qty = 999 WHERE so_order_no = ? AND line_no = 1`).run(first);
    const changed = await rig.run('orders');
    expect(changed.summary.written).toBe(1);
    expect(rig.web.prepare(`SELECT Status, IsShipped FROM SalesOrder WHERE OrderNo = ?`).get(first)).toEqual({ Status: '90', IsShipped: 1 });
    expect(rig.web.prepare(`SELECT Qty FROM SalesOrderLine WHERE OrderNo = ? AND LineNo = 1`).pluck().get(first)).toBe(999);

    rig.web.prepare(`INSERT INTO SalesOrder (OrderNo, CustomerCode, Status, Source) VALUES ('W-1', ?, 'New', 'WEB')`).run(a);
    rig.erp.prepare(`DELETE FROM sales_order_line WHERE so_order_no = ?`).run(second ?? first);
    rig.erp.prepare(`DELETE FROM sales_order WHERE so_order_no = ?`).run(second ?? first);
    await rig.run('orders');
    expect(rig.web.prepare(`SELECT COUNT(*) FROM SalesOrder WHERE OrderNo = ?`).pluck().get(second ?? first)).toBe(1);
    const all = await rig.run('orders', { all: true });
    expect(all.summary.details).toMatchObject({ removed: 1 });
    expect(rig.web.prepare(`SELECT COUNT(*) FROM SalesOrder WHERE OrderNo = ?`).pluck().get(second ?? first)).toBe(0);
    expect(rig.web.prepare(`SELECT COUNT(*) FROM SalesOrderLine WHERE OrderNo = ?`).pluck().get(second ?? first)).toBe(0);
    expect(rig.web.prepare(`SELECT COUNT(*) FROM SalesOrder WHERE OrderNo = 'W-1'`).pluck().get()).toBe(1);
  });

  it('statements: deb_trans of Active customers only; Use Pronto Trans Pay By Date; reprints and Send All', async () => {
    const active = rig.web.prepare(`SELECT CustomerCode FROM Customer WHERE ActiveStatus = 'Active' ORDER BY 1`).pluck().all() as string[];
    rig.web.prepare(`UPDATE Customer SET ActiveStatus = 'PendingGetOrders' WHERE CustomerCode = (SELECT MIN(CustomerCode) FROM Customer WHERE ActiveStatus = 'Inactive')`).run();
    const expected = rig.erp.prepare(`SELECT accountcode || '/' || trans_ref FROM deb_trans WHERE accountcode IN (${active.map(() => '?').join(',')}) ORDER BY 1`).pluck().all(...active);
    expect(expected.length).toBeGreaterThan(0);
    const out = await rig.run('statements');
    expect(out.status).toBe('Succeeded');
    expect(rig.web.prepare(`SELECT CustomerCode || '/' || TransRef FROM StatementLine ORDER BY 1`).pluck().all()).toEqual(expected);
    expect(rig.web.prepare(`SELECT COUNT(*) FROM StatementLine WHERE PayByDate IS NOT NULL`).pluck().get()).toBe(0);

    const inv = rig.erp.prepare(`SELECT accountcode, trans_ref, pay_by_date FROM deb_trans WHERE trans_type = 'IN' AND accountcode IN (${active.map(() => '?').join(',')}) LIMIT 1`).get(...active) as { accountcode: string; trans_ref: string; pay_by_date: string };
    rig.erp.prepare(`UPDATE deb_trans SET outstanding = 0.5 WHERE accountcode = ? AND trans_ref = ?`).run(inv.accountcode, inv.trans_ref);
    const plain = await rig.run('statements');
    expect(plain.summary.written).toBe(0);
    const reprint = await rig.run('statements', { settings: { checkStatementReprints: true, useProntoTransPayByDate: true } });
    // Re-sent: the lines whose pay-by date now arrives (invoices), the changed one among them.
    const withPayBy = rig.erp.prepare(`SELECT COUNT(*) FROM deb_trans WHERE pay_by_date IS NOT NULL AND accountcode IN (${active.map(() => '?').join(',')})`).pluck().get(...active);
    expect(reprint.summary.written).toBe(withPayBy);
    expect(rig.web.prepare(`SELECT Outstanding, PayByDate FROM StatementLine WHERE CustomerCode = ? AND TransRef = ?`).get(inv.accountcode, inv.trans_ref)).toEqual({ Outstanding: 0.5, PayByDate: inv.pay_by_date });

    rig.erp.prepare(`DELETE FROM deb_trans WHERE accountcode = ? AND trans_ref = ?`).run(inv.accountcode, inv.trans_ref);
    const all = await rig.run('statements', { all: true, settings: { useProntoTransPayByDate: true } });
    expect(all.summary.details).toMatchObject({ removed: 1 });
    expect(rig.web.prepare(`SELECT COUNT(*) FROM StatementLine`).pluck().get()).toBe(expected.length - 1);
  });

  it('Auto-activate all customers and the archive override date; Get New Orders Timeout stops and resumes', async () => {
    rig.web.prepare(`DELETE FROM SalesOrderLine`).run();
    rig.web.prepare(`DELETE FROM SalesOrder`).run();
    const everyone = rig.web.prepare(`SELECT CustomerCode FROM Customer ORDER BY 1`).pluck().all() as string[];
    const settings = { ...rig.settings, autoActivateAllCustomers: true, useArchiveOrdersFromOverrideDate: true, archiveOrdersFromOverrideDate: '2026-06-01', getNewOrdersTimeoutMinutes: 1, batchSize: 40 };
    let t = NOW.getTime();
    // Each reading of the clock moves it 20 s, so the one-minute timeout falls inside the run.
    const deps = { erpDb: rig.erpDb, webDb: rig.webDb, settings, logger: createLogger(), now: () => new Date((t += 20_000)) };
    const first = await runEvent('orders', {}, deps);
    expect(first.status).toBe('Stopped');
    expect(first.error).toMatch(/Get New Orders Timeout/);
    const partial = webOrders().length;
    expect(partial).toBeGreaterThan(0);
    let last = first;
    for (let i = 0; i < 10 && last.status === 'Stopped'; i++) last = await runEvent('orders', {}, deps);
    expect(last.status).toBe('Succeeded');
    expect(webOrders()).toEqual(erpOrders(everyone, '2026-06-01'));
    expect(partial).toBeLessThan(webOrders().length);
  });
});
