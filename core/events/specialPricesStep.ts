// Customer special prices (ERP deb_special_price) -> web PricingOverride with Source = 'ERP', as a follow-on step
// of customer-master. Seed 004: "when both imported and manually-created pricing records exist, [...] a full
// export of the ERP pricing [must not delete] the manually entered pricing": every statement here is limited to
// Source = 'ERP', so MANUAL rows are never read, replaced or removed.
//
// For every debtor sent (in the ERP, matching the inclusion filter, on the web as an ERP customer) the ERP rows
// on the web become exactly its ERP special prices; only rows that differ are written. Send All also removes the
// ERP rows of customers that left the ERP (or the filter).
import type { Row } from '../db/db.js';
import type { EventContext, RunOptions } from './types.js';
import type { CustomerMasterStep, StepResult } from './types.js';
import { ERP_TABLES_BY_NAME } from '../erp/erpSchema.js';
import { filterToSql, parseInclusionFilter } from '../erp/inclusionFilter.js';
import { chunks, inList } from '../db/sqlLists.js';
import { FatalError } from '../errors.js';
import { deleteByKeys, keyLists } from '../db/keys.js';

const DEB_COLUMNS = ERP_TABLES_BY_NAME.get('deb_master')!.columns.map((c) => c.name);
const PAGE = 400;

const key = (code: string, product: string) => `${code}\u0000${product}`;

export async function sendSpecialPrices(ctx: EventContext, options: RunOptions): Promise<StepResult> {
  const { erpDb, webDb } = ctx;
  let conditions;
  try {
    conditions = parseInclusionFilter(ctx.settings.debtorInclusionFilter ?? '', DEB_COLUMNS);
  } catch (err) {
    throw new FatalError(`Debtor Inclusion Filter (debtorInclusionFilter): ${(err as Error).message}`);
  }
  const filter = filterToSql(conditions, 'f', 'd');
  const at = ctx.now().toISOString();
  const { top, tail } = erpDb.limit(PAGE);
  const seen = new Set<string>();
  let read = 0;
  let written = 0;
  let removed = 0;
  let last = '';
  ctx.progress('special prices', 0, null);
  for (;;) {
    const codes = (
      await erpDb.all<{ accountcode: string }>(
        `SELECT ${top} s.[accountcode] FROM [deb_special_price] s JOIN [deb_master] d ON d.[accountcode] = s.[accountcode]
          WHERE ${filter.sql} AND s.[accountcode] > @last GROUP BY s.[accountcode] ORDER BY s.[accountcode] ${tail}`,
        { ...filter.params, last },
      )
    ).map((r) => r.accountcode);
    if (!codes.length) break;
    last = codes[codes.length - 1];
    for (const c of codes) seen.add(c);
    // Each database is asked for the page's codes its own way (PAGE is under one statement's list on SQL Server).
    const [list] = keyLists(webDb.kind, codes, 'c');
    const [erpList] = keyLists(erpDb.kind, codes, 'c');
    const onWeb = new Set(
      (await webDb.all<{ CustomerCode: string }>(`SELECT [CustomerCode] FROM [Customer] WHERE [Source] = 'ERP' AND [CustomerCode] IN (${list.sql})`, list.params)).map((r) => r.CustomerCode),
    );
    const erpRows = (await erpDb.all<{ accountcode: string; stock_code: string; price: number }>(`SELECT [accountcode], [stock_code], [price] FROM [deb_special_price] WHERE [accountcode] IN (${erpList.sql})`, erpList.params)).filter((r) =>
      onWeb.has(r.accountcode),
    );
    read += erpRows.length;
    const webRows = await webDb.all<{ CustomerCode: string; ProductCode: string; Price: number }>(
      `SELECT [CustomerCode], [ProductCode], [Price] FROM [PricingOverride] WHERE [Source] = 'ERP' AND [CustomerCode] IN (${list.sql})`,
      list.params,
    );
    const current = new Map(webRows.map((r) => [key(r.CustomerCode, r.ProductCode), Number(r.Price)]));
    const wanted = new Set(erpRows.map((r) => key(r.accountcode, r.stock_code)));
    const upserts: Row[] = erpRows
      .filter((r) => current.get(key(r.accountcode, r.stock_code)) !== Number(r.price))
      .map((r) => ({ CustomerCode: r.accountcode, ProductCode: r.stock_code, Source: 'ERP', Price: Number(r.price), UpdatedAt: at }));
    const gone = webRows.filter((r) => !wanted.has(key(r.CustomerCode, r.ProductCode)));
    // A page with nothing to change (every page of a Send Changed but a few) opens no transaction.
    const counts =
      upserts.length || gone.length
        ? await webDb.transaction(async (tx) => ({
            written: await tx.upsert('PricingOverride', ['CustomerCode', 'ProductCode', 'Source'], upserts),
            removed: await deleteByKeys(tx, 'PricingOverride', ['CustomerCode', 'ProductCode'], gone.map((g) => [g.CustomerCode, g.ProductCode]), `[Source] = 'ERP'`),
          }))
        : { written: 0, removed: 0 };
    written += counts.written;
    removed += counts.removed;
    ctx.progress('special prices', seen.size, null);
    if (ctx.signal.aborted) return { read, written, details: { specialPricesWritten: written, specialPricesRemoved: removed, specialPricesIncomplete: true } };
  }

  // Web customers with ERP rows that no longer have any special price in the ERP.
  const withRows = (await webDb.all<{ CustomerCode: string }>(`SELECT DISTINCT [CustomerCode] FROM [PricingOverride] WHERE [Source] = 'ERP'`)).map((r) => r.CustomerCode).filter((c) => !seen.has(c));
  const clear: string[] = [];
  for (const part of chunks(withRows, PAGE)) {
    if (options.all) {
      clear.push(...part);
      continue;
    }
    // Send Changed: only debtors still sent (in the ERP, in the filter); the rest wait for Send All.
    const list = inList(part, 'c');
    const sent = await erpDb.all<{ accountcode: string }>(`SELECT d.[accountcode] FROM [deb_master] d WHERE ${filter.sql} AND d.[accountcode] IN (${list.sql})`, { ...filter.params, ...list.params });
    clear.push(...sent.map((r) => r.accountcode));
  }
  for (const part of chunks(clear, PAGE)) {
    const list = inList(part, 'c');
    removed += (await webDb.run(`DELETE FROM [PricingOverride] WHERE [Source] = 'ERP' AND [CustomerCode] IN (${list.sql})`, list.params)).changes;
  }
  ctx.logger.info({ read, written, removed }, `special prices: ${read} in the ERP, ${written} written, ${removed} removed (MANUAL prices untouched)`);
  return { read, written, details: { specialPricesWritten: written, specialPricesRemoved: removed } };
}

export const specialPricesStep: CustomerMasterStep = {
  name: 'special-prices',
  enabled: () => true,
  run: sendSpecialPrices,
};
