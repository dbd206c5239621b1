// Web-created customers (B2C checkout accounts, approved CRM customers) become ERP debtors. Shared by the
// web-accounts event and the CRM `approve` action.
//
// Crash safety across two databases: (1) the ERP code is chosen and recorded on the web customer
// (Customer.ErpCode) in the same web transaction that advances the numbering sequence; (2) the ERP debtor and
// its addresses are inserted in one ERP transaction, only when the code is not in the ERP yet; (3) every web row
// of the customer moves to the ERP code in one web transaction. A rerun after a crash at any point reuses the
// recorded code, finds the debtor already there and finishes the move: no second debtor, no lost number.
import type { Db, Row } from '../db/db.js';
import type { Logger } from '../logging/logger.js';
import type { SettingsValues } from '../contracts/settings.schema.js';
import { WEB_TABLES_BY_NAME, customerCodeColumns } from '../web/webSchema.js';
import { ERP_TABLES_BY_NAME } from '../erp/erpSchema.js';
import { resolveCustomerMapping } from '../web/customerMapping.js';
import { allocateCodes, exhaustedMessage, parseTemplate } from './numbering.js';
import { inList } from '../db/sqlLists.js';
import { erpReads } from '../erp/erpReads.js';
import { ADMIN_DISABLE_KEPT } from '../web/sqlWebStore.js';

export interface WebAccountDeps {
  erpDb: Db;
  webDb: Db;
  settings: SettingsValues;
  logger: Logger;
  now(): Date;
}

export interface AccountResult {
  webCode: string;
  erpCode: string;
  name: string | null;
  /** created: a new ERP debtor; linked: an existing ERP debtor an admin confirmed (its email matched). */
  how: 'created' | 'linked';
}

export interface SendAccountsOptions {
  /**
   * Offer Debtor Matches By Email: an account whose email is an existing debtor's is not sent; the match is
   * recorded (Customer.EmailMatch) for an admin to link or refuse. Off: no account is ever matched by email.
   */
  offerEmailMatches?: boolean;
}

export interface SendAccountsResult {
  results: AccountResult[];
  /** Accounts waiting for an admin to confirm or refuse the debtor their email matches. */
  waitingForConfirmation: string[];
  /** Set when the numbering sequence ran out: these customers got no code and were left as they are. */
  exhausted?: { message: string; waiting: string[] };
}

interface WebCustomerRow {
  CustomerCode: string;
  Name: string | null;
  Email: string | null;
  Phone: string | null;
  RepCode: string | null;
  PriceCode: string | null;
  CreditLimit: number | null;
  ErpCode: string | null;
  EmailMatchDecision: string | null;
}

const normEmail = (e: unknown): string => String(e ?? '').trim().toLowerCase();
const DEB_COLUMNS = ERP_TABLES_BY_NAME.get('deb_master')!.columns.map((c) => c.name);

/** Existing ERP debtors by email (lower-cased); an active debtor wins over one on hold, then the lowest code. */
export async function debtorsByEmail(erpDb: Db, emails: readonly string[], exclude: readonly string[] = []): Promise<Map<string, string>> {
  const wanted = [...new Set(emails.map(normEmail).filter(Boolean))];
  const out = new Map<string, string>();
  if (!wanted.length) return out;
  const list = inList(wanted, 'e');
  const rows = await erpDb.all<{ accountcode: string; email: string; dr_status: string }>(
    `SELECT [accountcode], [email], [dr_status] FROM [deb_master] WHERE LOWER([email]) IN (${list.sql}) AND [dr_status] <> 'C' ORDER BY [accountcode]`,
    list.params,
  );
  const skip = new Set(exclude);
  const rank = (s: string) => (s === 'A' ? 0 : 1);
  const best = new Map<string, { code: string; status: string }>();
  for (const r of rows) {
    if (skip.has(r.accountcode)) continue;
    const key = normEmail(r.email);
    const cur = best.get(key);
    if (!cur || rank(r.dr_status) < rank(cur.status)) best.set(key, { code: r.accountcode, status: r.dr_status });
  }
  for (const [k, v] of best) out.set(k, v.code);
  return out;
}

async function existingCodes(db: Db, table: string, column: string, codes: readonly string[]): Promise<Set<string>> {
  if (!codes.length) return new Set();
  const list = inList(codes, 'k');
  const rows = await db.all<{ code: string }>(`SELECT [${column}] AS [code] FROM [${table}] WHERE [${column}] IN (${list.sql})`, list.params);
  return new Set(rows.map((r) => r.code));
}

/**
 * Moves every web row of the given web customers to the ERP code recorded in Customer.ErpCode, set-based, one
 * statement per customer-code column. A row that would collide with one the target already has (the customer
 * matched an ERP debtor that is already on the web) keeps the target's: the ERP is the data of record.
 * Call inside a transaction.
 */
export async function moveWebRowsToErpCodes(tx: Db, webCodes: readonly string[], set: { now: string }): Promise<Record<string, number>> {
  const moved: Record<string, number> = {};
  if (!webCodes.length) return moved;
  const list = inList(webCodes, 'w');
  const mapOf = (ref: string) => `(SELECT m.[ErpCode] FROM [Customer] m WHERE m.[CustomerCode] = ${ref} AND m.[Source] = 'WEB')`;
  for (const { table, column } of customerCodeColumns()) {
    if (table === 'Customer') continue;
    const def = WEB_TABLES_BY_NAME.get(table);
    const others = (def?.primaryKey ?? []).filter((k) => k !== column);
    const t = `[${table}]`;
    const c = `[${column}]`;
    if (def?.primaryKey.includes(column)) {
      const same = others.map((k) => ` AND k.[${k}] = ${t}.[${k}]`).join('');
      await tx.run(`DELETE FROM ${t} WHERE ${c} IN (${list.sql}) AND EXISTS (SELECT 1 FROM ${t} k WHERE k.${c} = ${mapOf(`${t}.${c}`)}${same})`, list.params);
    }
    const r = await tx.run(`UPDATE ${t} SET ${c} = ${mapOf(`${t}.${c}`)} WHERE ${c} IN (${list.sql})`, list.params);
    moved[table] = (moved[table] ?? 0) + r.changes;
  }
  // The Customer row last: it is the map the statements above read.
  await tx.run(
    `UPDATE [Customer] SET [WebCode] = (SELECT s.[CustomerCode] FROM [Customer] s WHERE s.[ErpCode] = [Customer].[CustomerCode] AND s.[Source] = 'WEB' AND s.[CustomerCode] IN (${list.sql}))
      WHERE [Source] <> 'WEB' AND [CustomerCode] IN (SELECT x.[ErpCode] FROM [Customer] x WHERE x.[Source] = 'WEB' AND x.[CustomerCode] IN (${list.sql}))`,
    list.params,
  );
  const merged = await tx.run(
    `DELETE FROM [Customer] WHERE [Source] = 'WEB' AND [CustomerCode] IN (${list.sql}) AND EXISTS (SELECT 1 FROM [Customer] t WHERE t.[CustomerCode] = [Customer].[ErpCode] AND t.[Source] <> 'WEB')`,
    list.params,
  );
  const renamed = await tx.run(
    `UPDATE [Customer] SET [WebCode] = [CustomerCode], [CustomerCode] = [ErpCode], [Source] = 'ERP', [UpdatedAt] = @now
      WHERE [Source] = 'WEB' AND [ErpCode] IS NOT NULL AND [CustomerCode] IN (${list.sql})`,
    { ...list.params, now: set.now },
  );
  moved.CustomerMerged = merged.changes;
  moved.Customer = renamed.changes;
  return moved;
}

/**
 * Creates the ERP debtor of each given web customer (Source = 'WEB'), or takes the existing debtor an admin linked
 * it to, and moves its web rows to the ERP code. An email alone never links an account to a debtor: with
 * `offerEmailMatches` such an account waits for an admin instead. `inWebTx` runs inside the final web
 * transaction (the CRM approval sets its statuses there).
 */
export async function sendWebAccounts(
  deps: WebAccountDeps,
  webCodes: readonly string[],
  inWebTx?: (tx: Db, results: AccountResult[]) => Promise<void>,
  options: SendAccountsOptions = {},
): Promise<SendAccountsResult> {
  const { webDb, settings, logger } = deps;
  // The CRM approval calls this directly: ERP rows are read as every event reads them (no CHAR padding).
  const erpDb = erpReads(deps.erpDb);
  const nowIso = deps.now().toISOString();
  if (!webCodes.length) return { results: [], waitingForConfirmation: [] };
  const template = parseTemplate(settings.customerNumberingSequence ?? '');
  const guest = (settings.guestCustomer ?? '').trim();
  const customerClass = (settings.customerClass ?? '').trim();
  const defaultCountry = settings.defaultCountry ?? '';

  const list = inList(webCodes, 'w');
  const customers = await webDb.all<WebCustomerRow>(
    `SELECT [CustomerCode], [Name], [Email], [Phone], [RepCode], [PriceCode], [CreditLimit], [ErpCode], [EmailMatchDecision]
       FROM [Customer] WHERE [Source] = 'WEB' AND [CustomerCode] IN (${list.sql}) ORDER BY [CustomerCode]`,
    list.params,
  );
  if (!customers.length) return { results: [], waitingForConfirmation: [] };

  // 1. Choose codes: a code recorded by an earlier (interrupted) run or by an admin's Link, else the next number
  //    of the sequence. Recorded with the sequence in one web transaction. An account whose email is a debtor's
  //    (when such matches are offered) gets no code: the match is recorded and it waits for an admin.
  const undecided = options.offerEmailMatches ? customers.filter((c) => !c.ErpCode && c.EmailMatchDecision !== 'New') : [];
  const matched = await debtorsByEmail(erpDb, undecided.map((c) => c.Email ?? ''), guest ? [guest] : []);
  const how = new Map<string, AccountResult['how']>();
  const waiting: string[] = [];
  let exhausted: SendAccountsResult['exhausted'];
  const recordedBefore = new Map(customers.map((c) => [c.CustomerCode, c.ErpCode]));
  await webDb.transaction(async (tx) => {
    // Each run of this transaction starts from what was read before it (a deadlock victim is run again).
    for (const c of customers) c.ErpCode = recordedBefore.get(c.CustomerCode) ?? null;
    how.clear();
    for (const c of customers) if (c.ErpCode && c.EmailMatchDecision === 'Link') how.set(c.CustomerCode, 'linked');
    waiting.length = 0;
    exhausted = undefined;
    // Re-read inside the transaction: a concurrent approval of the same customer may have recorded a code since.
    const recorded = await tx.all<{ CustomerCode: string; ErpCode: string }>(
      `SELECT [CustomerCode], [ErpCode] FROM [Customer] WHERE [ErpCode] IS NOT NULL AND [CustomerCode] IN (${list.sql})`,
      list.params,
    );
    const byWebCode = new Map(customers.map((c) => [c.CustomerCode, c]));
    for (const r of recorded) {
      const c = byWebCode.get(r.CustomerCode);
      if (c) c.ErpCode = r.ErpCode;
    }
    const chosen: Row[] = [];
    const needNumber: WebCustomerRow[] = [];
    const offers: Row[] = [];
    const undecidedCodes = new Set(undecided.map((c) => c.CustomerCode));
    for (const c of customers) {
      if (c.ErpCode) continue;
      const byEmail = undecidedCodes.has(c.CustomerCode) ? matched.get(normEmail(c.Email)) : undefined;
      if (byEmail) {
        waiting.push(c.CustomerCode);
        offers.push({ CustomerCode: c.CustomerCode, EmailMatch: byEmail });
      } else needNumber.push(c);
    }
    if (offers.length) await tx.upsert('Customer', ['CustomerCode'], offers, { columns: ['CustomerCode', 'EmailMatch'] });
    if (needNumber.length) {
      const { codes, exhausted: out } = await allocateCodes(tx, template, needNumber.length, async (candidates) => {
        const inErp = await existingCodes(erpDb, 'deb_master', 'accountcode', candidates);
        const onWeb = await existingCodes(tx, 'Customer', 'CustomerCode', candidates);
        const recorded = await existingCodes(tx, 'Customer', 'ErpCode', candidates);
        return new Set([...inErp, ...onWeb, ...recorded]);
      });
      codes.forEach((code, i) => {
        needNumber[i].ErpCode = code;
        chosen.push({ CustomerCode: needNumber[i].CustomerCode, ErpCode: code });
      });
      if (out) exhausted = { message: exhaustedMessage(template), waiting: needNumber.slice(codes.length).map((c) => c.CustomerCode) };
    }
    await tx.upsert('Customer', ['CustomerCode'], chosen, { columns: ['CustomerCode', 'ErpCode'] });
  });

  const ready = customers.filter((c) => c.ErpCode);
  if (!ready.length) return { results: [], exhausted, waitingForConfirmation: waiting };
  const erpCodes = ready.map((c) => c.ErpCode!);

  // 2. The ERP debtors that are not there yet, with their addresses as locations, in one ERP transaction.
  const inErp = await existingCodes(erpDb, 'deb_master', 'accountcode', erpCodes);
  const toCreate = ready.filter((c) => !inErp.has(c.ErpCode!));
  if (toCreate.length) {
    const addrList = inList(toCreate.map((c) => c.CustomerCode), 'a');
    const addresses = await webDb.all<Row & { CustomerCode: string }>(
      `SELECT [CustomerCode], [AddressType], [Name], [Street], [Suburb], [State], [Postcode], [Country] FROM [CustomerAddress] WHERE [CustomerCode] IN (${addrList.sql})`,
      addrList.params,
    );
    const erpCodeOf = new Map(toCreate.map((c) => [c.CustomerCode, c.ErpCode!]));
    const s = (v: unknown) => (v === null || v === undefined ? '' : String(v));
    await erpDb.transaction(async (etx) => {
      await etx.insertMany(
        'deb_master',
        toCreate.map((c) => ({
          accountcode: c.ErpCode!,
          dr_name: s(c.Name),
          dr_status: 'A',
          terms_code: customerClass,
          rep_code: s(c.RepCode),
          price_code: s(c.PriceCode),
          credit_limit: Number(c.CreditLimit ?? 0),
          email: s(c.Email).trim(),
          phone: s(c.Phone),
          fax: '',
          dr_date_created: nowIso,
          dr_date_last_changed: nowIso,
        })),
      );
      await etx.insertMany(
        'name_and_address_master',
        addresses.map((a) => ({
          accountcode: erpCodeOf.get(a.CustomerCode)!,
          na_type: s(a.AddressType),
          na_name: s(a.Name),
          street: s(a.Street),
          suburb: s(a.Suburb),
          state: s(a.State),
          postcode: s(a.Postcode),
          country: s(a.Country) || defaultCountry,
        })),
      );
    });
    for (const c of toCreate) if (!how.has(c.CustomerCode)) how.set(c.CustomerCode, 'created');
  }

  // ERP values of the debtors, so the web row shows the data of record at once (a matched debtor may not have
  // changed in the ERP for years, so Send Changed would not bring it).
  const debList = inList(erpCodes, 'd');
  const debtors = await erpDb.all<Row & { accountcode: string }>(`SELECT * FROM [deb_master] WHERE [accountcode] IN (${debList.sql})`, debList.params);
  const mapping = resolveCustomerMapping(settings.customerFieldMappings as Record<string, string> | undefined, DEB_COLUMNS);
  const byCode = new Map(debtors.map((d) => [d.accountcode, d]));

  // 3. Move every web row to the ERP code, and take the ERP's values, in one web transaction.
  const results: AccountResult[] = ready.map((c) => ({ webCode: c.CustomerCode, erpCode: c.ErpCode!, name: c.Name, how: how.get(c.CustomerCode) ?? 'created' }));
  await webDb.transaction(async (tx) => {
    // A debtor already on the web (matched on email) keeps its row as it is, pending web edits included.
    const alreadyOnWeb = await existingCodes(tx, 'Customer', 'CustomerCode', erpCodes);
    const moved = await moveWebRowsToErpCodes(tx, ready.map((c) => c.CustomerCode), { now: nowIso });
    const rows: Row[] = [];
    for (const c of ready) {
      const d = byCode.get(c.ErpCode!);
      if (!d || alreadyOnWeb.has(c.ErpCode!)) continue;
      const row: Row = { CustomerCode: c.ErpCode! };
      for (const [web, erp] of Object.entries(mapping)) row[web] = d[erp] ?? null;
      // The ERP's verdict; the write adds an admin's disable as the row holds it then (one may have landed
      // while the debtor was being created).
      const status = String(d.dr_status ?? '');
      row.IsDisabled = status === 'H' || status === 'C' ? 1 : 0;
      row.PendingErpPush = 0;
      if (how.get(c.CustomerCode) === 'linked') {
        // A debtor of the ERP's own, not yet on the web: it arrives as Customer Master would bring it (its Site,
        // Inactive until an admin marks it active), so the result does not depend on which ran first.
        row.Site = (settings.site ?? '') || null;
        row.ActiveStatus = 'Inactive';
      }
      rows.push(row);
    }
    if (rows.length) await tx.upsert('Customer', ['CustomerCode'], rows, { updateAs: ADMIN_DISABLE_KEPT });
    if (inWebTx) await inWebTx(tx, results);
    logger.debug({ moved }, 'web rows moved to ERP codes');
  });
  for (const r of results) logger.info({ webCode: r.webCode, erpCode: r.erpCode, how: r.how }, `web account ${r.webCode} is ERP debtor ${r.erpCode}${r.how === 'linked' ? ' (linked by an admin)' : ''}`);
  if (waiting.length) logger.info({ waiting: waiting.length }, `${waiting.length} web account(s) wait for an admin to confirm the ERP debtor their email matches (Customers tab)`);
  return { results, exhausted, waitingForConfirmation: waiting };
}
