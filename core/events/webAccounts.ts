// web-accounts (web -> ERP): web-created customers become ERP debtors, WEB orders reach the ERP sales order
// tables (guest orders on the configured guest customer), and permitted web edits travel with the customer's
// first order after the edit unless the ERP changed the record since (then the ERP wins).
import type { Row } from '../db/db.js';
import type { EventContext, IntegrationEvent, RunOptions, RunSummary } from './types.js';
import { emptySummary } from './types.js';
import { FatalError } from '../errors.js';
import { sendWebAccounts, debtorsByEmail } from '../customers/webAccountSync.js';
import { editableFields, type EditableField } from '../customers/webEdits.js';
import { inList } from '../db/sqlLists.js';
import { isDateColumn } from '../db/schema.js';

/** Kept under SQL Server's 2,100 parameters per statement. */
const MAX_BATCH = 500;

interface WebOrder {
  OrderNo: string;
  CustomerCode: string | null;
  Email: string | null;
  OrderDate: string | null;
  Total: number | null;
  CustomerSource: string | null;
}

export interface EditConflict {
  customer: string;
  fields: string[];
  webEditedAt: string;
  erpChangedAt: string;
}

const same = (a: unknown, b: unknown) => String(a ?? '').trim() === String(b ?? '').trim();
const time = (s: unknown) => (s ? Date.parse(String(s)) : Number.NaN);

function batchSize(ctx: EventContext): number {
  return Math.max(1, Math.min(MAX_BATCH, ctx.settings.batchSize ?? MAX_BATCH));
}

const ELIGIBLE = `[Source] = 'WEB' AND ([CrmStatus] IS NULL OR [CrmStatus] = 'Approved')`;

async function sendAccounts(ctx: EventContext, summary: RunSummary, details: Record<string, unknown>): Promise<string | undefined> {
  const total = Number((await ctx.webDb.get<{ n: number }>(`SELECT COUNT(*) AS [n] FROM [Customer] WHERE ${ELIGIBLE}`))?.n ?? 0);
  const n = batchSize(ctx);
  const { top, tail } = ctx.webDb.limit(n);
  let last = '';
  let done = 0;
  let exhausted: string | undefined;
  const waiting: string[] = [];
  ctx.progress('web accounts', 0, total);
  for (;;) {
    const codes = (
      await ctx.webDb.all<{ CustomerCode: string }>(
        `SELECT ${top} [CustomerCode] FROM [Customer] WHERE ${ELIGIBLE} AND [CustomerCode] > @last ORDER BY [CustomerCode] ${tail}`,
        { last },
      )
    ).map((r) => r.CustomerCode);
    if (!codes.length) break;
    last = codes[codes.length - 1];
    summary.read += codes.length;
    const r = await sendWebAccounts(ctx, codes, undefined, { offerEmailMatches: ctx.settings.offerDebtorMatchesByEmail === true });
    for (const a of r.results) {
      summary.written++;
      if (a.how === 'linked') details.accountsLinked = Number(details.accountsLinked ?? 0) + 1;
      else details.accountsCreated = Number(details.accountsCreated ?? 0) + 1;
    }
    if (r.waitingForConfirmation.length) {
      summary.skipped += r.waitingForConfirmation.length;
      details.accountsWaitingForConfirmation = Number(details.accountsWaitingForConfirmation ?? 0) + r.waitingForConfirmation.length;
    }
    if (r.exhausted) {
      exhausted = r.exhausted.message;
      waiting.push(...r.exhausted.waiting);
    }
    done += codes.length;
    ctx.progress('web accounts', done, total, summary);
    if (ctx.signal.aborted) return 'stopped after a batch of web accounts; the next run carries on';
  }
  if (exhausted) {
    summary.failed += waiting.length;
    details.accountsWaitingForNumber = waiting;
    details.numberingExhausted = exhausted;
  }
  return undefined;
}

interface PushPlan {
  push: Map<string, Row>;
  conflicts: EditConflict[];
  /** Customers whose web values are in the ERP already (a rerun after a crash): only the flag is cleared. */
  settled: string[];
  /** ERP values written back over a web edit the ERP overrode. */
  erpWins: Row[];
}

/** Decides, per customer with a pending web edit, whether the edit goes to the ERP or the ERP wins. Pure. */
export function planEditPush(
  pending: ReadonlyArray<Row & { CustomerCode: string; WebEditedAt: string | null }>,
  debtors: ReadonlyMap<string, Row>,
  fields: readonly EditableField[],
): PushPlan {
  const plan: PushPlan = { push: new Map(), conflicts: [], settled: [], erpWins: [] };
  for (const c of pending) {
    const d = debtors.get(c.CustomerCode);
    if (!d) continue;
    const differing = fields.filter((f) => !same(c[f.web], d[f.erp]));
    if (!differing.length) {
      plan.settled.push(c.CustomerCode);
      continue;
    }
    const erpChanged = time(d.dr_date_last_changed);
    const webEdited = time(c.WebEditedAt);
    if (Number.isFinite(erpChanged) && (!Number.isFinite(webEdited) || erpChanged > webEdited)) {
      plan.conflicts.push({ customer: c.CustomerCode, fields: differing.map((f) => f.web), webEditedAt: String(c.WebEditedAt ?? ''), erpChangedAt: String(d.dr_date_last_changed) });
      const row: Row = { CustomerCode: c.CustomerCode };
      for (const f of differing) row[f.web] = d[f.erp] ?? null;
      plan.erpWins.push(row);
      continue;
    }
    const set: Row = {};
    for (const f of differing) set[f.erp] = c[f.web] ?? '';
    plan.push.set(c.CustomerCode, set);
  }
  return plan;
}

async function sendOrders(ctx: EventContext, summary: RunSummary, details: Record<string, unknown>): Promise<string | undefined> {
  const { erpDb, webDb, logger } = ctx;
  const guest = (ctx.settings.guestCustomer ?? '').trim();
  const fields = editableFields(ctx.settings);
  const where = `o.[Source] = 'WEB' AND o.[SentToErpAt] IS NULL`;
  const total = Number((await webDb.get<{ n: number }>(`SELECT COUNT(*) AS [n] FROM [SalesOrder] o WHERE ${where}`))?.n ?? 0);
  const n = batchSize(ctx);
  const { top, tail } = webDb.limit(n);
  let last = '';
  let done = 0;
  const conflicts: EditConflict[] = [];
  const failures: Array<{ order: string; reason: string }> = [];
  ctx.progress('web orders', 0, total);
  for (;;) {
    const orders = await webDb.all<WebOrder>(
      `SELECT ${top} o.[OrderNo], o.[CustomerCode], o.[Email], o.[OrderDate], o.[Total], c.[Source] AS [CustomerSource]
         FROM [SalesOrder] o LEFT JOIN [Customer] c ON c.[CustomerCode] = o.[CustomerCode]
        WHERE ${where} AND o.[OrderNo] > @last ORDER BY o.[OrderNo] ${tail}`,
      { last },
    );
    if (!orders.length) break;
    last = orders[orders.length - 1].OrderNo;
    summary.read += orders.length;
    const nowIso = ctx.now().toISOString();

    // Where each order goes: a guest order to the ERP debtor with its email, else to the guest customer; an
    // order of a customer that is not an ERP debtor yet (a CRM customer waiting for approval) waits.
    const isGuest = (o: WebOrder) => !o.CustomerCode;
    const guests = orders.filter(isGuest);
    const byEmail = await debtorsByEmail(erpDb, guests.map((o) => o.Email ?? ''), guest ? [guest] : []);
    if (guests.some((o) => !byEmail.has(String(o.Email ?? '').trim().toLowerCase()))) {
      const g = guest ? await erpDb.get(`SELECT [accountcode] FROM [deb_master] WHERE [accountcode] = @g`, { g: guest }) : undefined;
      if (!g) throw new FatalError(`Guest Customer (guestCustomer) "${guest}" is not an ERP debtor: create it in the ERP or set Guest Customer to the debtor that takes guest orders`);
    }
    const target = new Map<string, string>();
    let waiting = 0;
    for (const o of orders) {
      if (isGuest(o)) {
        const matched = byEmail.get(String(o.Email ?? '').trim().toLowerCase());
        target.set(o.OrderNo, matched ?? guest);
        details.guestOrders = Number(details.guestOrders ?? 0) + 1;
        if (matched) details.guestOrdersMatchedByEmail = Number(details.guestOrdersMatchedByEmail ?? 0) + 1;
      } else if (o.CustomerSource === 'ERP') target.set(o.OrderNo, o.CustomerCode!);
      else if (o.CustomerSource === null) {
        failures.push({ order: o.OrderNo, reason: `order ${o.OrderNo} names customer ${o.CustomerCode}, which is not a web customer` });
        summary.failed++;
      } else waiting++;
    }
    summary.skipped += waiting;
    details.ordersWaitingForAccount = Number(details.ordersWaitingForAccount ?? 0) + waiting;
    const sendable = orders.filter((o) => target.has(o.OrderNo));
    if (sendable.length) {
      const orderList = inList(sendable.map((o) => o.OrderNo), 'o');
      const lines = await webDb.all<Row & { OrderNo: string }>(
        `SELECT [OrderNo], [LineNo], [ProductCode], [Qty], [Price] FROM [SalesOrderLine] WHERE [OrderNo] IN (${orderList.sql}) ORDER BY [OrderNo], [LineNo]`,
        orderList.params,
      );
      const inErp = new Map(
        (await erpDb.all<{ so_order_no: string; accountcode: string }>(`SELECT [so_order_no], [accountcode] FROM [sales_order] WHERE [so_order_no] IN (${orderList.sql})`, orderList.params)).map((r) => [r.so_order_no, r.accountcode]),
      );
      const stamp: string[] = [];
      const fresh: WebOrder[] = [];
      for (const o of sendable) {
        const there = inErp.get(o.OrderNo);
        if (there === undefined) fresh.push(o);
        else if (there === target.get(o.OrderNo)) stamp.push(o.OrderNo); // sent by a run that stopped before stamping
        else {
          failures.push({ order: o.OrderNo, reason: `the ERP already has order ${o.OrderNo} for debtor ${there}` });
          summary.failed++;
        }
      }

      // Pending web edits of the customers whose orders go now.
      const customerCodes = [...new Set([...fresh, ...stamp.map((no) => sendable.find((o) => o.OrderNo === no)!)].filter((o) => !isGuest(o)).map((o) => o.CustomerCode!))];
      let plan: PushPlan = { push: new Map(), conflicts: [], settled: [], erpWins: [] };
      if (customerCodes.length && fields.length) {
        const cl = inList(customerCodes, 'c');
        const pending = await webDb.all<Row & { CustomerCode: string; WebEditedAt: string | null }>(
          `SELECT [CustomerCode], [WebEditedAt], ${fields.map((f) => `[${f.web}]`).join(', ')} FROM [Customer] WHERE [PendingErpPush] = 1 AND [CustomerCode] IN (${cl.sql})`,
          cl.params,
        );
        if (pending.length) {
          const pl = inList(pending.map((p) => p.CustomerCode), 'p');
          const debtors = await erpDb.all<Row & { accountcode: string }>(
            `SELECT [accountcode], [dr_date_last_changed], ${[...new Set(fields.map((f) => `[${f.erp}]`))].join(', ')} FROM [deb_master] WHERE [accountcode] IN (${pl.sql})`,
            pl.params,
          );
          plan = planEditPush(pending, new Map(debtors.map((d) => [d.accountcode, d])), fields);
        }
      }

      // One ERP transaction: the pushed edits, then the orders and their lines. The change stamp goes as a date
      // where the ERP holds dates as dates (SQL Server DATETIME), as ISO text where it holds text.
      const changeStamp = plan.push.size && (await isDateColumn(erpDb, 'deb_master', 'dr_date_last_changed')) ? new Date(nowIso) : nowIso;
      await erpDb.transaction(async (etx) => {
        for (const [code, set] of plan.push) {
          const cols = Object.keys(set);
          await etx.run(
            `UPDATE [deb_master] SET ${cols.map((c, i) => `[${c}] = @v${i}`).join(', ')}, [dr_date_last_changed] = @at WHERE [accountcode] = @code`,
            Object.fromEntries([['code', code], ['at', changeStamp], ...cols.map((c, i) => [`v${i}`, set[c] as string])]),
          );
        }
        if (fresh.length) {
          await etx.insertMany(
            'sales_order',
            fresh.map((o) => ({ so_order_no: o.OrderNo, accountcode: target.get(o.OrderNo)!, so_order_status: '10', so_date_stamp: o.OrderDate ?? nowIso, so_order_total: Number(o.Total ?? 0) })),
          );
          const freshSet = new Set(fresh.map((o) => o.OrderNo));
          await etx.insertMany(
            'sales_order_line',
            lines.filter((l) => freshSet.has(l.OrderNo)).map((l) => ({ so_order_no: l.OrderNo, line_no: l.LineNo, stock_code: l.ProductCode, qty: l.Qty, price: l.Price })),
          );
        }
      });

      // One web transaction: stamp the orders, settle the edits.
      const sent = [...fresh.map((o) => o.OrderNo), ...stamp];
      await webDb.transaction(async (wtx) => {
        if (sent.length) {
          const sl = inList(sent, 's');
          await wtx.run(`UPDATE [SalesOrder] SET [SentToErpAt] = @at, [UpdatedAt] = @at WHERE [OrderNo] IN (${sl.sql})`, { ...sl.params, at: nowIso });
        }
        if (plan.erpWins.length) await wtx.upsert('Customer', ['CustomerCode'], plan.erpWins);
        const cleared = [...plan.push.keys(), ...plan.settled, ...plan.conflicts.map((c) => c.customer)];
        if (cleared.length) {
          const cl = inList(cleared, 'x');
          await wtx.run(`UPDATE [Customer] SET [PendingErpPush] = 0, [UpdatedAt] = @at WHERE [CustomerCode] IN (${cl.sql})`, { ...cl.params, at: nowIso });
        }
      });
      summary.written += sent.length;
      details.ordersSent = Number(details.ordersSent ?? 0) + sent.length;
      details.editsPushed = Number(details.editsPushed ?? 0) + plan.push.size;
      for (const [code, set] of plan.push) logger.info({ customer: code, fields: Object.keys(set) }, `web edit of ${code} pushed to the ERP with its order`);
      for (const c of plan.conflicts) {
        logger.warn(c, `web edit of ${c.customer} (${c.fields.join(', ')}) not pushed: the ERP changed the record at ${c.erpChangedAt}, after the web edit at ${c.webEditedAt}; the ERP wins`);
        conflicts.push(c);
      }
    }
    done += orders.length;
    ctx.progress('web orders', done, total, summary);
    if (ctx.signal.aborted) return 'stopped after a batch of web orders; the next run carries on';
  }
  if (conflicts.length) details.editConflicts = conflicts;
  if (failures.length) details.orderFailures = failures;
  return undefined;
}

export const webAccountsEvent: IntegrationEvent = {
  name: 'web-accounts',
  async run(ctx: EventContext, _options: RunOptions): Promise<RunSummary> {
    const summary = emptySummary();
    const details: Record<string, unknown> = {};
    summary.details = details;
    // Validate the settings this event acts on before writing anything.
    editableFields(ctx.settings);
    const stopped = (await sendAccounts(ctx, summary, details)) ?? (await sendOrders(ctx, summary, details));
    if (stopped) return { ...summary, incomplete: stopped };
    if (details.numberingExhausted) {
      const waiting = (details.accountsWaitingForNumber as string[]).length;
      throw new FatalError(`${String(details.numberingExhausted)} (${waiting} web account${waiting === 1 ? '' : 's'} waiting: ${(details.accountsWaitingForNumber as string[]).slice(0, 5).join(', ')}${waiting > 5 ? ', ...' : ''})`);
    }
    return summary;
  },
};
