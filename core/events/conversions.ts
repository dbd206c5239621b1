// Customer Conversions: every Pending CustomerConversion renames its old customer code to the new one in
// every table that holds a customer code; each conversion is all tables or none.
import type { Db } from '../db/db.js';
import type { Logger } from '../logging/logger.js';
import { FatalError, isRetryable, userMessage } from '../errors.js';
import { codeTables, noteMoved, renameCustomerCode, tablesHoldingCode, tablesHoldingCodes, type CodeTable, type DroppedRow } from '../web/customerCodeRename.js';
import { planConversions, type ConversionRecord, type ConversionStatus, type PlannedConversion } from './conversionPlan.js';
import type { IntegrationEvent, ProgressFn, RunSummary } from './types.js';

export interface ProcessOptions {
  logger: Logger;
  signal?: AbortSignal;
  progress?: ProgressFn;
  now?: () => Date;
  /** Defaults to every table of the customer-code registry. */
  tables?: readonly CodeTable[];
  /**
   * Conversions committed together (default DEFAULT_CONVERSION_BATCH, 250). Each is still all tables or none:
   * when one of them fails the whole group is undone and redone one conversion per transaction.
   * 1: a transaction per conversion.
   */
  batchSize?: number;
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
/** Conversions committed together by default: fewer commits, and a group still holds the write lock only briefly. */
export const DEFAULT_CONVERSION_BATCH = 250;

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

/** Thrown inside a conversion's transaction to undo it: another process has processed it meanwhile. */
class AlreadyProcessed extends Error {}

/**
 * One conversion, inside the caller's transaction. `known`: the tables in which the final code has rows, when
 * the caller knows (a group probes all its codes at once); it is kept up to date here.
 */
async function processOne(tx: Db, tables: readonly CodeTable[], step: PlannedConversion, now: () => Date, known?: Set<string>): Promise<ConversionDetails> {
  const params = { oldCode: step.oldCode, newCode: step.finalCode };
  const holds = known ?? (await tablesHoldingCode(tx, tables, step.finalCode));
  const carried = holds.has('Customer') && (await tx.run(CARRY_ACTIVE_STATUS, params)).changes > 0;
  const r = await renameCustomerCode(tx, tables, step.oldCode, step.finalCode, holds);
  noteMoved(holds, r);
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
  // Marked last, and only if still Pending: a second process that got here first wins, this attempt is undone.
  const marked = await tx.run(`UPDATE [CustomerConversion] SET [Status] = 'Processed', [ProcessedAt] = @at, [Error] = NULL, [Details] = @details WHERE [Id] = @id AND [Status] = 'Pending'`, {
    id: step.id,
    at: now().toISOString(),
    details: JSON.stringify(details),
  });
  if (marked.changes === 0) throw new AlreadyProcessed();
  return details;
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
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_CONVERSION_BATCH));
  for (let i = 0; i < plan.steps.length && !summary.incomplete; i += batchSize) {
    const batch = plan.steps.slice(i, i + batchSize);
    type Result = { step: PlannedConversion; details: ConversionDetails | null } | { step: PlannedConversion; error: string };
    // Outcomes count only once committed: a batch that does not commit leaves its conversions Pending.
    let results: Result[] = [];
    try {
      // The whole batch in one transaction, no savepoints (SQLite journals every page a savepoint touches):
      // any failure undoes all of it, so no conversion is ever half done.
      results = await db.transaction(async (tx) => {
        const done: Result[] = [];
        // Final codes are never old codes in the plan, so within the group they only gain rows, as noted.
        const holds = await tablesHoldingCodes(tx, tables, batch.map((s) => s.finalCode));
        for (const step of batch) {
          if (options.signal?.aborted) break;
          done.push({ step, details: await processOne(tx, tables, step, now, holds.get(step.finalCode)) });
        }
        return done;
      });
    } catch (err) {
      if (isRetryable(err)) throw err;
      // Something in this batch failed and nothing of it was kept: redo it one conversion per transaction, so
      // the others go through and only the failing one stays Pending with its reason.
      results = [];
      for (const step of batch) {
        if (options.signal?.aborted) break;
        try {
          results.push({ step, details: await db.transaction((tx) => processOne(tx, tables, step, now)) });
        } catch (e) {
          if (e instanceof AlreadyProcessed) {
            results.push({ step, details: null });
            continue;
          }
          if (isRetryable(e)) throw e;
          const reason = `not processed: ${userMessage(e)}`;
          logger.error({ err: e, conversion: step.id }, `conversion ${step.oldCode} -> ${step.finalCode} rolled back`);
          await db.run(`UPDATE [CustomerConversion] SET [Error] = @error WHERE [Id] = @id AND [Status] = 'Pending'`, { id: step.id, error: reason.slice(0, 2000) });
          results.push({ step, error: reason });
        }
      }
    }
    for (const r of results) {
      const { step } = r;
      if ('error' in r) fail({ id: step.id, oldCode: step.oldCode, newCode: step.newCode, reason: r.error, status: 'Pending' });
      else if (!r.details) summary.skipped++;
      else {
        const d = r.details;
        summary.written++;
        for (const [t, n] of Object.entries(d.moved)) rowsMoved[t] = (rowsMoved[t] ?? 0) + n;
        for (const x of d.dropped) rowsDropped[x.table] = (rowsDropped[x.table] ?? 0) + 1;
        customers[d.customer]++;
        if (d.dropped.length) {
          logger.warn(
            { conversion: step.id, dropped: d.dropped.slice(0, 20).map((x) => ({ table: x.table, key: x.key })), all: 'in CustomerConversion.Details' },
            `conversion ${step.oldCode} -> ${step.finalCode}: ${d.dropped.length} row(s) of ${step.oldCode} not moved, ${step.finalCode} already has them (kept ${step.finalCode}'s)`,
          );
        }
      }
    }
    done += results.length;
    progress('customer conversions', done, pending, summary);
    if (results.length < batch.length) summary.incomplete = `stopped after ${summary.written} of ${plan.steps.length} conversions; the rest stay Pending`;
  }
  progress('customer conversions', done, pending);

  summary.details = {
    pending,
    processed: summary.written,
    failed: summary.failed,
    rowsMoved,
    rowsDropped,
    customers,
    ...(failures.length
      ? {
          // Short enough that the run's Details (kept to 8,000 characters) stays whole JSON; the full reason is on the conversion.
          failures: failures.slice(0, MAX_FAILURES_IN_RUN).map((f) => ({ ...f, reason: f.reason.length > 200 ? `${f.reason.slice(0, 199)}…` : f.reason })),
          moreFailures: Math.max(0, failures.length - MAX_FAILURES_IN_RUN),
        }
      : {}),
  };
  logger.info({ rowsMoved, rowsDropped, customers }, `customer conversions: ${summary.written} processed, ${summary.failed} failed, ${summary.skipped} already done elsewhere`);
  return summary;
}

export const conversionsEvent: IntegrationEvent = {
  name: 'conversions',
  run: (ctx) => processPendingConversions(ctx.webDb, { logger: ctx.logger, signal: ctx.signal, progress: ctx.progress, now: ctx.now }),
};
