// Customer Conversions: every Pending CustomerConversion renames its old customer code to the new one in
// every table that holds a customer code, one transaction per conversion.
import type { Db } from '../db/db.js';
import type { Logger } from '../logging/logger.js';
import { FatalError, isRetryable, userMessage } from '../errors.js';
import { codeTables, renameCustomerCode, type CodeTable, type DroppedRow } from '../web/customerCodeRename.js';
import { planConversions, type ConversionRecord, type ConversionStatus, type PlannedConversion } from './conversionPlan.js';
import type { IntegrationEvent, ProgressFn, RunSummary } from './types.js';

export interface ProcessOptions {
  logger: Logger;
  signal?: AbortSignal;
  progress?: ProgressFn;
  now?: () => Date;
  /** Defaults to every table of the customer-code registry. */
  tables?: readonly CodeTable[];
}

/** What a processed conversion records in its Details column. */
export interface ConversionDetails {
  finalCode: string;
  path: string[];
  moved: Record<string, number>;
  /** Rows the old code had where the new code already had one with the same key: the new code's row was kept. */
  dropped: DroppedRow[];
  customer: 'renamed' | 'merged' | 'absent';
  /** The old customer's activation (Active / PendingGetOrders) carried to the existing new customer. */
  activeStatusCarried?: string;
}

export interface ConversionFailure {
  id: number;
  oldCode: string;
  newCode: string;
  reason: string;
  /** Still Pending (retried next run) or Failed for good. */
  status: ConversionStatus;
}

const MAX_FAILURES_IN_RUN = 20;

// The customer row of the new code is kept on a merge, but the web's activation of the old code must not be
// lost: a customer whose orders were flowing keeps them flowing under the new code.
const ACTIVE_RANK = (col: string) => `CASE ${col} WHEN 'Active' THEN 2 WHEN 'PendingGetOrders' THEN 1 ELSE 0 END`;
const CARRY_ACTIVE_STATUS = `UPDATE [Customer] SET [ActiveStatus] = (SELECT o.[ActiveStatus] FROM [Customer] o WHERE o.[CustomerCode] = @oldCode)
  WHERE [CustomerCode] = @newCode AND EXISTS (SELECT 1 FROM [Customer] o WHERE o.[CustomerCode] = @oldCode AND ${ACTIVE_RANK('o.[ActiveStatus]')} > ${ACTIVE_RANK('[Customer].[ActiveStatus]')})`;

async function checkSchema(db: Db, tables: readonly CodeTable[]): Promise<void> {
  const present = new Set((await db.tables()).map((t) => t.toLowerCase()));
  const missing = [...new Set(['CustomerConversion', ...tables.map((t) => t.table)])].filter((t) => !present.has(t.toLowerCase()));
  if (missing.length) throw new FatalError(`the web database is not migrated: missing table(s) ${missing.join(', ')}`);
}

/** One conversion, all tables or none. Returns null when another process has already taken it. */
async function processOne(db: Db, tables: readonly CodeTable[], step: PlannedConversion, now: () => Date): Promise<ConversionDetails | null> {
  return db.transaction(async (tx) => {
    const at = now().toISOString();
    // Claiming the row first takes its lock (SQL Server), so two processes never move the same conversion.
    const claimed = await tx.run(`UPDATE [CustomerConversion] SET [Status] = 'Processed', [ProcessedAt] = @at, [Error] = NULL WHERE [Id] = @id AND [Status] = 'Pending'`, { id: step.id, at });
    if (claimed.changes === 0) return null;
    const params = { oldCode: step.oldCode, newCode: step.finalCode };
    const carried = tables.some((t) => t.table === 'Customer') ? (await tx.run(CARRY_ACTIVE_STATUS, params)).changes > 0 : false;
    const r = await renameCustomerCode(tx, tables, step.oldCode, step.finalCode);
    const details: ConversionDetails = {
      finalCode: step.finalCode,
      path: step.path,
      moved: r.moved,
      dropped: r.dropped,
      customer: r.entities.Customer ?? 'absent',
    };
    if (carried) {
      details.activeStatusCarried = (await tx.get<{ s: string }>(`SELECT [ActiveStatus] AS s FROM [Customer] WHERE [CustomerCode] = @newCode`, params))?.s;
    }
    await tx.run(`UPDATE [CustomerConversion] SET [Details] = @details WHERE [Id] = @id`, { id: step.id, details: JSON.stringify(details) });
    return details;
  });
}

/**
 * Processes every Pending conversion of the web database. A conversion that cannot be resolved (a cycle, a
 * code converted to two codes) is Failed with the reason and moves nothing; one whose statements fail is
 * rolled back, stays Pending with the reason in Error, and is retried on the next run.
 */
export async function processPendingConversions(db: Db, options: ProcessOptions): Promise<RunSummary> {
  const { logger } = options;
  const now = options.now ?? (() => new Date());
  const progress = options.progress ?? (() => undefined);
  const tables = options.tables ?? codeTables();
  await checkSchema(db, tables);

  const records = (
    await db.all<{ Id: number; OldCode: string; NewCode: string; Status: ConversionStatus }>(
      `SELECT [Id], [OldCode], [NewCode], [Status] FROM [CustomerConversion] WHERE [Status] IN ('Pending', 'Processed') ORDER BY [Id]`,
    )
  ).map<ConversionRecord>((r) => ({ id: Number(r.Id), oldCode: String(r.OldCode).trim(), newCode: String(r.NewCode).trim(), status: r.Status }));
  const pending = records.filter((r) => r.status === 'Pending').length;
  const summary: RunSummary = { read: pending, written: 0, skipped: 0, failed: 0 };
  const rowsMoved: Record<string, number> = Object.fromEntries(tables.map((t) => [t.table, 0]));
  const rowsDropped: Record<string, number> = {};
  const customers = { renamed: 0, merged: 0, absent: 0 };
  const failures: ConversionFailure[] = [];
  const fail = (f: ConversionFailure) => {
    summary.failed++;
    failures.push(f);
  };
  progress('customer conversions', 0, pending);
  if (pending === 0) {
    summary.details = { pending: 0 };
    return summary;
  }

  const plan = planConversions(records);
  if (plan.rejected.length) {
    const at = now().toISOString();
    await db.transaction(async (tx) => {
      for (const r of plan.rejected) {
        await tx.run(`UPDATE [CustomerConversion] SET [Status] = 'Failed', [ProcessedAt] = @at, [Error] = @error WHERE [Id] = @id AND [Status] = 'Pending'`, { id: r.id, at, error: r.reason });
      }
    });
    for (const r of plan.rejected) {
      logger.warn({ conversion: r.id, oldCode: r.oldCode, newCode: r.newCode }, `conversion ${r.oldCode} -> ${r.newCode} failed: ${r.reason}`);
      fail({ ...r, status: 'Failed' });
    }
  }

  let done = plan.rejected.length;
  for (const step of plan.steps) {
    if (options.signal?.aborted) {
      summary.incomplete = `stopped after ${summary.written} of ${plan.steps.length} conversions; the rest stay Pending`;
      break;
    }
    try {
      const d = await processOne(db, tables, step, now);
      if (!d) summary.skipped++;
      else {
        summary.written++;
        for (const [t, n] of Object.entries(d.moved)) rowsMoved[t] = (rowsMoved[t] ?? 0) + n;
        for (const x of d.dropped) rowsDropped[x.table] = (rowsDropped[x.table] ?? 0) + 1;
        customers[d.customer]++;
        if (d.dropped.length) {
          logger.warn(
            { conversion: step.id, dropped: d.dropped.map((x) => ({ table: x.table, key: x.key })) },
            `conversion ${step.oldCode} -> ${step.finalCode}: ${d.dropped.length} row(s) of ${step.oldCode} not moved, ${step.finalCode} already has them (kept ${step.finalCode}'s)`,
          );
        }
      }
    } catch (err) {
      if (isRetryable(err)) throw err;
      const reason = `not processed: ${userMessage(err)}`;
      logger.error({ err, conversion: step.id }, `conversion ${step.oldCode} -> ${step.finalCode} rolled back`);
      await db.run(`UPDATE [CustomerConversion] SET [Error] = @error WHERE [Id] = @id AND [Status] = 'Pending'`, { id: step.id, error: reason.slice(0, 2000) });
      fail({ id: step.id, oldCode: step.oldCode, newCode: step.newCode, reason, status: 'Pending' });
    }
    if (++done % 100 === 0) progress('customer conversions', done, pending);
  }
  progress('customer conversions', done, pending);

  summary.details = {
    pending,
    processed: summary.written,
    failed: summary.failed,
    rowsMoved,
    rowsDropped,
    customers,
    ...(failures.length ? { failures: failures.slice(0, MAX_FAILURES_IN_RUN), moreFailures: Math.max(0, failures.length - MAX_FAILURES_IN_RUN) } : {}),
  };
  logger.info({ rowsMoved, rowsDropped, customers }, `customer conversions: ${summary.written} processed, ${summary.failed} failed, ${summary.skipped} already done elsewhere`);
  return summary;
}

export const conversionsEvent: IntegrationEvent = {
  name: 'conversions',
  run: (ctx) => processPendingConversions(ctx.webDb, { logger: ctx.logger, signal: ctx.signal, progress: ctx.progress, now: ctx.now }),
};
