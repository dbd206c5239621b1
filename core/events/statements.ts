// statements: ERP deb_trans of active customers -> web StatementLine (SPEC 5).
// New transactions always arrive; a changed amount/outstanding is re-sent with Check Statement Reprints or
// Send All; Send All also removes lines whose transaction left the ERP.
import type { Row } from '../db/db.js';
import type { ErpTrans } from '../erp/erpSource.js';
import { SqlErpSource } from '../erp/sqlErpSource.js';
import { SqlWebStore } from '../web/sqlWebStore.js';
import type { EventContext, IntegrationEvent, RunOptions, RunSummary } from './types.js';
import { yieldTurn } from './yieldTurn.js';

export function mapTrans(t: ErpTrans, usePayByDate: boolean): Row {
  return {
    CustomerCode: t.accountcode,
    TransRef: String(t.trans_ref).trim(),
    TransDate: t.trans_date,
    TransType: t.trans_type === null ? null : String(t.trans_type).trim(),
    Amount: t.amount === null ? null : Number(t.amount),
    Outstanding: t.outstanding === null ? null : Number(t.outstanding),
    PayByDate: usePayByDate ? t.pay_by_date : null,
  };
}

const FIELDS = ['TransDate', 'TransType', 'Amount', 'Outstanding', 'PayByDate'];
const same = (a: Row, b: Row) => FIELDS.every((f) => (a[f] ?? null) === (b[f] ?? null) || (typeof a[f] === 'number' && Math.abs(Number(a[f]) - Number(b[f])) < 1e-6));

export async function runStatements(ctx: EventContext, options: RunOptions): Promise<RunSummary> {
  const erp = new SqlErpSource(ctx.erpDb);
  const web = new SqlWebStore(ctx.webDb);
  const batchSize = Math.max(1, ctx.settings.batchSize ?? 1000);
  const usePayBy = ctx.settings.useProntoTransPayByDate === true;
  const reprints = options.all || ctx.settings.checkStatementReprints === true;
  const statuses = ctx.settings.autoActivateAllCustomers === true ? ('all' as const) : ['Active'];
  const summary: RunSummary = { read: 0, written: 0, skipped: 0, failed: 0 };
  let after: string | null = null;
  let customers = 0;
  let removed = 0;
  ctx.progress('customers', 0, null);
  for (;;) {
    await yieldTurn();
    if (ctx.signal.aborted) {
      summary.incomplete = 'stopped on request';
      break;
    }
    const page = await web.eligibleCustomers(after, batchSize, statuses);
    if (!page.length) break;
    const codes = page.map((p) => p.code);
    const trans = await erp.transOfCustomers(codes);
    summary.read += trans.length;
    const existing = await web.statementLines(codes);
    const rows: Row[] = [];
    for (const t of trans) {
      const row = mapTrans(t, usePayBy);
      const key = `${String(row.CustomerCode)}\u0000${String(row.TransRef)}`;
      const old = existing.get(key);
      existing.delete(key);
      if (old && (same(old, row) || !reprints)) {
        summary.skipped++;
        continue;
      }
      rows.push(row);
    }
    const gone = options.all ? [...existing.values()].map((r) => ({ code: String(r.CustomerCode), ref: String(r.TransRef) })) : [];
    removed += await web.transaction(async (tx) => {
      await tx.writeStatementLines(rows);
      return tx.deleteStatementLines(gone);
    });
    summary.written += rows.length;
    customers += page.length;
    after = codes[codes.length - 1];
    ctx.progress('customers', customers, null, summary);
  }
  summary.details = { mode: options.all ? 'All' : 'Changed', customers, removed, usePayByDate: usePayBy, reprints };
  return summary;
}

export const statementsEvent: IntegrationEvent = { name: 'statements', run: runStatements };
