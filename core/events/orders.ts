// orders (Get Orders): ERP sales orders of activated customers -> web SalesOrder / SalesOrderLine (SPEC 5, 6).
// A page of eligible customers at a time: their orders inside the archive window are written when new or
// changed, and the page's PendingGetOrders customers become Active in the same transaction, so activation is
// promoted exactly when the customer's orders are there.
import crypto from 'node:crypto';
import type { Row } from '../db/db.js';
import type { ErpOrder, ErpSource } from '../erp/erpSource.js';
import { SqlErpSource } from '../erp/sqlErpSource.js';
import type { WebStore } from '../web/webStore.js';
import { SqlWebStore } from '../web/sqlWebStore.js';
import type { EventContext, IntegrationEvent, RunOptions, RunSummary } from './types.js';
import { yieldTurn } from './yieldTurn.js';
import { sweepGone } from './sweepGone.js';
import type { Settings } from '../contracts/settings.schema.js';

export const ORDERS_CHECKPOINT = 'orders:resume';
/** Without an override date, orders of the last 12 months are integrated. */
export const DEFAULT_ARCHIVE_MONTHS = 12;

/** First order date integrated (ISO text), from the settings and the run's clock. */
export function archiveFrom(settings: Partial<Pick<Settings, 'archiveOrdersFromOverrideDate' | 'useArchiveOrdersFromOverrideDate'>>, now: Date): string {
  const override = (settings.archiveOrdersFromOverrideDate ?? '').trim();
  if (settings.useArchiveOrdersFromOverrideDate === true && /^\d{4}-\d{2}-\d{2}$/.test(override)) return override;
  const d = new Date(now.getTime());
  d.setUTCMonth(d.getUTCMonth() - DEFAULT_ARCHIVE_MONTHS);
  return d.toISOString().slice(0, 10);
}

export function listSetting(v: unknown): string[] {
  const items = Array.isArray(v) ? v.map(String) : String(v ?? '').split(',');
  return items.map((s) => s.trim()).filter(Boolean);
}

export function mapOrder(o: ErpOrder, shipped: ReadonlySet<string>, now: string): { order: Row; lines: Row[] } {
  const status = o.so_order_status === null ? null : String(o.so_order_status).trim();
  const order: Row = {
    OrderNo: String(o.so_order_no).trim(),
    CustomerCode: o.accountcode,
    Status: status,
    OrderDate: o.so_date_stamp,
    Total: o.so_order_total === null ? null : Number(o.so_order_total),
    Source: 'ERP',
    IsShipped: status !== null && shipped.has(status) ? 1 : 0,
  };
  const lines = o.lines.map((l) => ({
    OrderNo: order.OrderNo,
    LineNo: Number(l.line_no),
    ProductCode: l.stock_code === null ? null : String(l.stock_code).trim(),
    Qty: l.qty === null ? null : Number(l.qty),
    Price: l.price === null ? null : Number(l.price),
  }));
  const hash = crypto.createHash('sha1').update(JSON.stringify([order, lines])).digest('hex');
  return { order: { ...order, ErpHash: hash, UpdatedAt: now }, lines };
}

function removeGoneOrders(erp: ErpSource, web: WebStore, batchSize: number): Promise<number> {
  return sweepGone(
    {
      webKeys: (after, n) => web.erpOrderNumbers(after, n),
      erpKeysOf: (orderNos) => erp.existingOrderNumbers(orderNos),
      act: (gone) => web.transaction((tx) => tx.deleteOrders(gone)),
    },
    batchSize,
  );
}

export async function runOrders(ctx: EventContext, options: RunOptions): Promise<RunSummary> {
  const erp = new SqlErpSource(ctx.erpDb);
  const web = new SqlWebStore(ctx.webDb);
  const batchSize = Math.max(1, ctx.settings.batchSize ?? 1000);
  const since = archiveFrom(ctx.settings, ctx.now());
  const shipped = new Set(listSetting(ctx.settings.orderShippedStatuses));
  const timeoutMinutes = ctx.settings.getNewOrdersTimeoutMinutes ?? 0;
  const deadline = timeoutMinutes > 0 ? ctx.now().getTime() + timeoutMinutes * 60_000 : Infinity;
  const statuses = ctx.settings.autoActivateAllCustomers === true ? ('all' as const) : ['PendingGetOrders', 'Active'];

  let after: string | null = null;
  const saved = await web.getState(ORDERS_CHECKPOINT);
  if (saved) {
    try {
      after = (JSON.parse(saved) as { after?: string }).after ?? null;
    } catch {
      ctx.logger.warn('ignoring an unreadable Get Orders checkpoint');
    }
  }
  const resumedFrom = after ?? undefined;
  const summary: RunSummary = { read: 0, written: 0, skipped: 0, failed: 0 };
  let customers = 0;
  let promoted = 0;
  ctx.progress('customers', 0, null);

  for (;;) {
    await yieldTurn();
    if (ctx.signal.aborted) {
      summary.incomplete = `stopped on request after customer ${after ?? '(start)'}; the next run resumes there`;
      break;
    }
    if (ctx.now().getTime() >= deadline) {
      summary.incomplete = `Get New Orders Timeout (${timeoutMinutes} min) reached after customer ${after ?? '(start)'}; the next run resumes there`;
      break;
    }
    const page = await web.eligibleCustomers(after, batchSize, statuses);
    if (!page.length) break;
    const codes = page.map((p) => p.code);
    const orders = await erp.ordersOfCustomers(codes, since);
    summary.read += orders.length;
    const now = ctx.now().toISOString();
    const states = await web.orderStates(orders.map((o) => String(o.so_order_no).trim()));
    const rows: Row[] = [];
    const lines: Row[] = [];
    for (const o of orders) {
      const m = mapOrder(o, shipped, now);
      if (!options.all && states.get(String(m.order.OrderNo))?.hash === m.order.ErpHash) {
        summary.skipped++;
        continue;
      }
      rows.push(m.order);
      lines.push(...m.lines);
    }
    const pending = page.filter((p) => p.status === 'PendingGetOrders').map((p) => p.code);
    const last = codes[codes.length - 1];
    promoted += await web.transaction(async (tx) => {
      await tx.writeOrders(rows, lines);
      const n = await tx.promote(pending, now);
      await tx.setState(ORDERS_CHECKPOINT, JSON.stringify({ after: last }), now);
      return n;
    });
    summary.written += rows.length;
    customers += page.length;
    after = last;
    ctx.progress('customers', customers, null, summary);
  }

  const details: Record<string, unknown> = { mode: options.all ? 'SendAll' : 'SendChanged', customers, promoted, archiveFrom: since, autoActivateAll: statuses === 'all' };
  if (resumedFrom) details.resumedFrom = resumedFrom;
  if (!summary.incomplete) {
    if (options.all) {
      ctx.progress('removed orders', 0, null);
      details.removed = await removeGoneOrders(erp, web, batchSize);
    }
    await web.deleteState(ORDERS_CHECKPOINT);
  }
  summary.details = details;
  return summary;
}

export const ordersEvent: IntegrationEvent = { name: 'orders', run: runOrders };
