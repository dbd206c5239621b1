// customer-master: ERP debtors -> web Customer + CustomerAddress (SPEC 5).
//   read a keyset page of debtors (+ addresses) -> map (pure) -> compare with the stored ErpHash -> write the
//   page and the checkpoint in one web transaction -> next page.
// Send Changed writes only debtors whose mapped content differs from what the web holds (so an address-only
// change arrives without a stamp change); Send All writes every debtor, resumes from its checkpoint after a
// crash, and finally disables ERP customers whose debtor left the ERP.
import type { Row } from '../db/db.js';
import type { ErpDebtor, ErpSource } from '../erp/erpSource.js';
import { SqlErpSource } from '../erp/sqlErpSource.js';
import { FilterError, parseInclusionFilter, type FilterCondition } from '../erp/inclusionFilter.js';
import type { WebStore } from '../web/webStore.js';
import { SqlWebStore } from '../web/sqlWebStore.js';
import { FatalError, isRetryable, userMessage } from '../errors.js';
import { resolveCustomerMapping } from '../web/customerMapping.js';
import { erpFingerprint, fingerprintOf, isDisabled, mapDebtor, type MapOptions, type MappedDebtor } from './customerMapper.js';
import { CUSTOMER_MASTER_STEPS, type StepResult } from './customerMasterSteps.js';
import { editableFields } from '../customers/webEdits.js';
import type { EventContext, IntegrationEvent, RunOptions, RunSummary } from './types.js';
import { yieldTurn } from './yieldTurn.js';
import { sweepGone } from './sweepGone.js';

export const SEND_ALL_CHECKPOINT = 'customer-master:send-all:resume';
export const LAST_RUN_STATE = 'customer-master:last-run';
/** The row version from which the next run looks for web edits of ERP-owned fields (rowVersionSnapshot). */
export const DRIFT_STATE = 'customer-master:web-edits-from';
/** Failures kept in the run's details (all are counted; IntegrationRun.Details holds 8,000 characters). */
const MAX_FAILURES_KEPT = 20;
/** Failures logged one line each; beyond this, one line says how many more. */
const MAX_FAILURES_LOGGED = 1000;

interface Checkpoint {
  after: string;
  startedAt: string;
  runId: number;
  /** A first load, its indexes set aside (beginBulkLoad) until it ends. */
  bulkLoad?: boolean;
}

interface PageOutcome {
  written: number;
  skipped: number;
  failures: Array<{ code: string; reason: string }>;
  webEditsOverwritten: string[];
}

export interface CustomerMasterPlan {
  map: Record<string, string>;
  filter: FilterCondition[];
  erpColumns: string[];
}

/** Checks the field map and the inclusion filter against deb_master; throws FatalError naming the problem. */
export async function planCustomerMaster(erp: ErpSource, settings: EventContext['settings']): Promise<CustomerMasterPlan> {
  const erpColumns = await erp.debtorColumns();
  if (!erpColumns.length) throw new FatalError('the ERP database has no deb_master table');
  const overrides = settings.customerFieldMappings;
  if (overrides !== undefined && overrides !== null && (typeof overrides !== 'object' || Array.isArray(overrides))) {
    throw new FatalError('Customer Field Mappings must be a JSON object {"WebColumn": "erp_column"}');
  }
  const map = resolveCustomerMapping(overrides as Record<string, string> | undefined, erpColumns);
  let filter: FilterCondition[];
  try {
    filter = parseInclusionFilter(settings.debtorInclusionFilter ?? '', erpColumns);
  } catch (err) {
    if (err instanceof FilterError) throw new FatalError(`Debtor Inclusion Filter: ${err.message}`);
    throw err;
  }
  return { map, filter, erpColumns };
}

interface Candidate {
  code: string;
  debtor: ErpDebtor;
  hash: string;
}

interface PageOptions {
  all: boolean;
  site: string;
  now: string;
  mapOptions: MapOptions;
  checkpoint?: Checkpoint;
}

async function writePage(web: WebStore, candidates: Candidate[], options: PageOptions): Promise<PageOutcome> {
  if (!candidates.length && !options.checkpoint) return { written: 0, skipped: 0, failures: [], webEditsOverwritten: [] };
  // The outcome is built inside the transaction, afresh on each run of it (a deadlock victim is run again).
  return web.transaction(async (tx) => {
    const out: PageOutcome = { written: 0, skipped: 0, failures: [], webEditsOverwritten: [] };
    if (candidates.length) {
      // The web is asked for exactly the page's codes: the page is in the ERP's order, and a range of it taken
      // on the web (another collation) would miss customers. Send Changed's candidates were compared with the
      // web a moment ago; they are checked again here, inside the transaction, which is what decides.
      const states = await tx.customerStatesOf(candidates.map((c) => c.code));
      const toWrite: MappedDebtor[] = [];
      for (const c of candidates) {
        const st = states.get(c.code);
        // Unchanged since it was last written: nothing to map or write.
        if (!options.all && st && st.source === 'ERP' && st.hash === c.hash) {
          out.skipped++;
          continue;
        }
        const r = mapDebtor(c.debtor, options.mapOptions, c.hash);
        if (!r.ok) {
          out.failures.push({ code: r.code, reason: r.reason });
          continue;
        }
        const m = r.value;
        if (st?.pendingErpPush) out.webEditsOverwritten.push(m.code);
        toWrite.push(m);
      }
      if (toWrite.length) {
        const existingTypes = await tx.addressTypesOf(toWrite.map((m) => m.code));
        const customers: Row[] = [];
        const addresses: Row[] = [];
        const staleAddresses: Array<{ code: string; type: string }> = [];
        for (const m of toWrite) {
          // The mapped row itself, with plain stores: a copy (a spread with extra keys most of all, which V8 builds
          // some 15 times slower) cost more than the whole mapping on a Send All.
          const row: Row = m.customer;
          row.Site = options.site;
          row.Source = 'ERP';
          row.ActiveStatus = 'Inactive';
          // The ERP's verdict; the write itself adds an admin's disable (read there, not here: under READ
          // COMMITTED a Disable can commit between this page's read and its write).
          row.IsDisabled = isDisabled(m.customer.ErpStatus, false) ? 1 : 0;
          row.ErpHash = m.hash;
          // The ERP is the data of record: its values replace a pending web edit.
          row.PendingErpPush = 0;
          row.CreatedAt = options.now;
          row.UpdatedAt = options.now;
          customers.push(row);
          for (const a of m.addresses) addresses.push(a);
          const existing = existingTypes.get(m.code);
          if (existing) {
            const types = new Set(m.addresses.map((a) => String(a.AddressType)));
            for (const t of existing) if (!types.has(t)) staleAddresses.push({ code: m.code, type: t });
          }
        }
        await tx.writeCustomers({
          customers,
          addresses,
          staleAddresses,
          insertOnly: ['Site', 'ActiveStatus', 'CreatedAt'],
          recordErpWrite: true,
          existingCustomers: new Set(states.keys()),
          existingAddresses: existingTypes,
        });
        out.written += customers.length;
      }
    }
    if (options.checkpoint) await tx.setState(SEND_ALL_CHECKPOINT, JSON.stringify(options.checkpoint), options.now);
    return out;
  });
}

/**
 * Writes a page; when the page as a whole is refused by the database for its data (a constraint, a value the
 * engine rejects), writes it debtor by debtor so one bad row is reported and the rest arrive.
 */
async function writePageIsolating(web: WebStore, candidates: Candidate[], options: PageOptions): Promise<PageOutcome> {
  try {
    return await writePage(web, candidates, options);
  } catch (err) {
    if (isRetryable(err) || candidates.length <= 1) {
      if (candidates.length === 1 && !isRetryable(err)) {
        return { written: 0, skipped: 0, failures: [{ code: candidates[0].code, reason: userMessage(err) }], webEditsOverwritten: [] };
      }
      throw err;
    }
    const total: PageOutcome = { written: 0, skipped: 0, failures: [], webEditsOverwritten: [] };
    for (const c of candidates) {
      const r = await writePageIsolating(web, [c], { ...options, checkpoint: undefined });
      total.written += r.written;
      total.skipped += r.skipped;
      total.failures.push(...r.failures);
      total.webEditsOverwritten.push(...r.webEditsOverwritten);
    }
    if (options.checkpoint) await writePage(web, [], options);
    return total;
  }
}

/** Disables ERP-sourced web customers whose debtor is no longer in the ERP (never deletes them). */
function disableRemoved(erp: ErpSource, web: WebStore, batchSize: number, now: string): Promise<number> {
  return sweepGone(
    {
      webKeys: (after, n) => web.erpCustomerCodes(after, n),
      erpKeysOf: (codes) => erp.existingDebtorCodes(codes),
      act: (gone) => web.disableRemoved(gone, now),
    },
    batchSize,
  );
}

const same = (a: unknown, b: unknown): boolean => {
  const norm = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : String(v).trim());
  return norm(a) === norm(b);
};

/** Whether the web holds other values than the ERP's in the ERP-owned columns or the addresses. */
function drifted(m: MappedDebtor, web: Row, webAddresses: Row[], owned: readonly string[]): string[] {
  const fields = owned.filter((c) => !same(m.customer[c], web[c]));
  const byType = new Map(webAddresses.map((a) => [String(a.AddressType), a]));
  const addressDiffers =
    byType.size !== m.addresses.length ||
    m.addresses.some((a) => {
      const w = byType.get(String(a.AddressType));
      return !w || Object.keys(a).some((k) => !same(a[k], w[k]));
    });
  if (addressDiffers) fields.push('addresses');
  return fields;
}

/**
 * The ERP is the data of record in every run (seed 004): customers someone changed on the web since the integrator
 * last wrote them (their row version says so; nothing else is read) are compared with the ERP, and any ERP-owned
 * field (everything mapped but Web Editable Fields) or address that differs is put back. A pending edit of an
 * editable field is left to go to the ERP with the next order.
 */
async function restoreWebEdits(ctx: EventContext, erp: ErpSource, web: WebStore, from: number, o: { plan: CustomerMasterPlan; mapOptions: MapOptions; columns: string[]; batchSize: number }): Promise<string[]> {
  let editable: Set<string>;
  try {
    editable = new Set(editableFields(ctx.settings).map((f) => f.web));
  } catch (err) {
    ctx.logger.warn({ err: userMessage(err) }, 'web edits of ERP-owned fields not checked: Web Editable Fields is not valid');
    return [];
  }
  const owned = Object.keys(o.plan.map).filter((c) => !editable.has(c));
  const candidates = await web.driftCandidates(from);
  const restored: string[] = [];
  for (let i = 0; i < candidates.length; i += o.batchSize) {
    await yieldTurn();
    const part = candidates.slice(i, i + o.batchSize);
    const debtors = await erp.debtorsByCodes(part, o.columns);
    const rows = await web.customerRows(part, owned);
    const addresses = new Map<string, Row[]>();
    for (const a of await web.addressRowsOf(part)) {
      const list = addresses.get(String(a.CustomerCode));
      if (list) list.push(a);
      else addresses.set(String(a.CustomerCode), [a]);
    }
    const fix: Array<{ m: MappedDebtor; fields: string[] }> = [];
    for (const d of debtors) {
      const r = mapDebtor(d, o.mapOptions);
      if (!r.ok) continue;
      const w = rows.get(r.value.code);
      if (!w) continue;
      const fields = drifted(r.value, w, addresses.get(r.value.code) ?? [], owned);
      if (fields.length) fix.push({ m: r.value, fields });
    }
    if (!fix.length) continue;
    const now = ctx.now().toISOString();
    await web.transaction(async (tx) => {
      const customers: Row[] = [];
      const addressRows: Row[] = [];
      const staleAddresses: Array<{ code: string; type: string }> = [];
      for (const { m } of fix) {
        const row: Row = { CustomerCode: m.code, Source: 'ERP' };
        for (const c of owned) row[c] = m.customer[c] ?? null;
        row.UpdatedAt = now;
        customers.push(row);
        addressRows.push(...m.addresses);
        const types = new Set(m.addresses.map((a) => String(a.AddressType)));
        for (const a of addresses.get(m.code) ?? []) if (!types.has(String(a.AddressType))) staleAddresses.push({ code: m.code, type: String(a.AddressType) });
      }
      await tx.writeCustomers({ customers, addresses: addressRows, staleAddresses, insertOnly: [], recordErpWrite: true });
    });
    for (const { m, fields } of fix) {
      if (restored.length < MAX_FAILURES_LOGGED) ctx.logger.warn({ customer: m.code, fields }, `customer ${m.code}: web edit of ERP-owned ${fields.join(', ')} replaced by the ERP's values`);
      restored.push(m.code);
    }
  }
  return restored;
}

export async function runCustomerMaster(ctx: EventContext, options: RunOptions): Promise<RunSummary> {
  const erp = new SqlErpSource(ctx.erpDb);
  const web = new SqlWebStore(ctx.webDb);
  const plan = await planCustomerMaster(erp, ctx.settings);
  const batchSize = Math.max(1, ctx.settings.batchSize ?? 1000);
  const site = ctx.settings.site ?? '';
  const defaultCountry = ctx.settings.defaultCountry ?? '';
  const columns = [...new Set(Object.values(plan.map))];
  // Text lengths are counted as the web database counts them (see MapOptions.textLength).
  const mapOptions: MapOptions = { map: plan.map, defaultCountry, textLength: ctx.webDb.kind === 'sqlite' ? 'code-points' : 'utf16-units' };

  let after: string | null = null;
  let resumedFrom: string | undefined;
  let startedAt = ctx.now().toISOString();
  let bulkLoad = false;
  if (options.all) {
    const saved = await web.getState(SEND_ALL_CHECKPOINT);
    if (saved) {
      try {
        const cp = JSON.parse(saved) as Checkpoint;
        after = cp.after;
        startedAt = cp.startedAt;
        resumedFrom = cp.after;
        bulkLoad = cp.bulkLoad === true;
        ctx.logger.info({ after, startedAt }, `resuming the Send All interrupted after ${cp.after}`);
      } catch {
        ctx.logger.warn('ignoring an unreadable Send All checkpoint');
      }
    }
  }
  // A first load into an empty web database builds the customer indexes once, at its end; a load that was killed
  // left them missing, and any other run builds them first.
  if (!bulkLoad) {
    await web.buildIndexes();
    if (options.all && resumedFrom === undefined) bulkLoad = await web.beginBulkLoad();
  }

  // Taken before anything is read: whatever anyone writes from here on has this row version or a later one.
  const versionAtStart = await web.rowVersionSnapshot();
  const total = await erp.countDebtors(plan.filter);
  const summary: RunSummary = { read: 0, written: 0, skipped: 0, failed: 0 };
  const failures: Array<{ code: string; reason: string }> = [];
  let webEditsOverwritten = 0;
  ctx.progress('debtors', 0, total);

  for (;;) {
    await yieldTurn();
    if (ctx.signal.aborted) {
      summary.incomplete = options.all ? `stopped on request after ${after ?? 'the start'}; the next Send All resumes there` : 'stopped on request';
      break;
    }
    let page: ErpDebtor[];
    let last: string;
    if (options.all) {
      page = await erp.debtorPage({ after, limit: batchSize, filter: plan.filter, columns });
      if (!page.length) break;
      summary.read += page.length;
      last = page[page.length - 1].accountcode;
    } else {
      // Send Changed scans fingerprints only (one narrow row per debtor, in bigger pages), then reads in full
      // just the debtors whose fingerprint differs from the web's ErpHash.
      const prints = await erp.debtorFingerprints({ after, limit: Math.max(batchSize, 5000), filter: plan.filter, columns });
      if (!prints.length) break;
      summary.read += prints.length;
      last = prints[prints.length - 1].accountcode;
      // Only the hashes of ERP-sourced customers: a customer created on the web is never "unchanged". Asked by
      // the page's codes, not by its range (the ERP's order is not the web's).
      const hashes = await web.erpHashesOf(prints.map((p) => p.accountcode));
      const changed: string[] = [];
      for (const p of prints) {
        const hash = hashes.get(p.accountcode);
        if (hash !== undefined && hash === fingerprintOf(p.fingerprint, mapOptions)) summary.skipped++;
        else changed.push(p.accountcode);
      }
      page = changed.length ? await erp.debtorsByCodes(changed, columns) : [];
    }
    const candidates: Candidate[] = [];
    for (const d of page) {
      const code = String(d.accountcode).trim();
      if (!code) failures.push({ code: String(d.accountcode), reason: 'the accountcode is empty' });
      else candidates.push({ code, debtor: d, hash: erpFingerprint(d, mapOptions) });
    }
    const now = ctx.now().toISOString();
    const outcome: PageOutcome = { written: 0, skipped: 0, failures: [], webEditsOverwritten: [] };
    for (let i = 0; i < candidates.length || (options.all && i === 0); i += batchSize) {
      const r = await writePageIsolating(web, candidates.slice(i, i + batchSize), {
        all: options.all,
        site,
        now,
        mapOptions,
        checkpoint: options.all ? { after: last, startedAt, runId: ctx.runId, ...(bulkLoad ? { bulkLoad } : {}) } : undefined,
      });
      outcome.written += r.written;
      outcome.skipped += r.skipped;
      outcome.failures.push(...r.failures);
      outcome.webEditsOverwritten.push(...r.webEditsOverwritten);
    }
    summary.written += outcome.written;
    summary.skipped += outcome.skipped;
    failures.push(...outcome.failures);
    webEditsOverwritten += outcome.webEditsOverwritten.length;
    for (const code of outcome.webEditsOverwritten) ctx.logger.warn({ customer: code }, `customer ${code}: ERP data replaced a web edit not yet sent to the ERP`);
    after = last;
    ctx.progress('debtors', summary.read, Math.max(total, summary.read), { ...summary, failed: failures.length });
  }
  if (bulkLoad) {
    // Also when the load stopped on request. A load that failed or was killed leaves them missing: the Send All that
    // resumes it builds them at its end, any other run first.
    ctx.progress('indexes', 0, null);
    await web.buildIndexes((done, n) => ctx.progress('indexes', done, n));
  }
  summary.failed = failures.length;
  for (const f of failures.slice(0, MAX_FAILURES_LOGGED)) ctx.logger.warn({ customer: f.code }, `customer ${f.code} not sent: ${f.reason}`);
  if (failures.length > MAX_FAILURES_LOGGED) ctx.logger.warn(`${failures.length - MAX_FAILURES_LOGGED} more customers not sent`);

  const details: Record<string, unknown> = { mode: options.all ? 'SendAll' : 'SendChanged', debtorsInScope: total, webEditsOverwritten };
  if (resumedFrom) details.resumedFrom = resumedFrom;
  if (failures.length) details.failures = failures.slice(0, MAX_FAILURES_KEPT).map((f) => ({ code: f.code, reason: f.reason.length > 200 ? `${f.reason.slice(0, 199)}…` : f.reason }));

  if (!summary.incomplete) {
    // Web edits of ERP-owned fields since the last look: since the previous run (Send Changed), or since this Send
    // All began (it rewrote everything before, but the web may have edited a row after it was written). The next
    // run looks from the snapshot taken here, so what is examined now is not examined again.
    const saved = await web.getState(DRIFT_STATE);
    const savedFrom = saved !== undefined && Number.isFinite(Number(saved)) ? Number(saved) : undefined;
    const from = options.all && !resumedFrom ? versionAtStart : (savedFrom ?? (options.all ? versionAtStart : undefined));
    const next = await web.rowVersionSnapshot();
    if (from !== undefined) {
      ctx.progress('web edits', 0, null);
      const restored = await restoreWebEdits(ctx, erp, web, from, { plan, mapOptions, columns, batchSize });
      summary.written += restored.length;
      details.webEditsUndone = restored.length;
      if (restored.length) details.webEditsUndoneCustomers = restored.slice(0, MAX_FAILURES_KEPT);
    }
    await web.setState(DRIFT_STATE, String(next), ctx.now().toISOString());
    if (options.all) {
      // A load that began on an empty web database and ran in one go wrote every ERP customer there is on the web
      // from what it read a moment ago: none can be gone from the ERP (one deleted since is caught by the next
      // Send All, as one deleted just after any sweep is). A load resumed after a crash is swept.
      if (bulkLoad && resumedFrom === undefined) details.disabledRemoved = 0;
      else {
        ctx.progress('removed debtors', 0, null);
        details.disabledRemoved = await disableRemoved(erp, web, batchSize, ctx.now().toISOString());
      }
      await web.deleteState(SEND_ALL_CHECKPOINT);
    }
    await web.setState(LAST_RUN_STATE, JSON.stringify({ mode: details.mode, startedAt, finishedAt: ctx.now().toISOString(), runId: ctx.runId }), ctx.now().toISOString());
    const steps: Record<string, StepResult> = {};
    for (const step of CUSTOMER_MASTER_STEPS) {
      if (!step.enabled(ctx.settings)) continue;
      if (ctx.signal.aborted) {
        summary.incomplete = `stopped on request before ${step.name}`;
        break;
      }
      const r = await step.run(ctx, options);
      steps[step.name] = r;
      summary.failed += r.failed ?? 0;
    }
    if (Object.keys(steps).length) details.steps = steps;
  }
  summary.details = details;
  return summary;
}

export const customerMasterEvent: IntegrationEvent = { name: 'customer-master', run: runCustomerMaster };
