// The configuration check (seed 003's implementation checklist, made executable): one item per thing that must
// be right before customers flow, each PASS or FAIL with the reason and what to do.
import type { Db } from '../db/db.js';
import type { LoadedSettings } from '../settings/settingsFile.js';
import { openDb } from '../db/openDb.js';
import { redactDsn } from '../db/dsn.js';
import { checkMigratable, schemaStatus } from '../db/schema.js';
import { WEB_MIGRATIONS, WEB_TABLES } from '../web/webSchema.js';
import { ERP_TABLES } from '../erp/erpSchema.js';
import { parseInclusionFilter } from '../erp/inclusionFilter.js';
import { resolveCustomerMapping } from '../web/customerMapping.js';
import { EVENT_LABELS, EVENT_SCHEDULE_KEYS } from '../contracts/events.js';
import { SETTINGS_BY_KEY } from '../contracts/settings.schema.js';
import type { z } from 'zod';
import type { CheckConfigResponseSchema } from '../contracts/adminApi.js';
import { userMessage } from '../errors.js';
import { editableFields } from './webEdits.js';
import { exhaustedMessage, formatCode, nextValue, parseTemplate, templateProblem } from './numbering.js';

export type CheckItem = { item: string; ok: boolean; message: string; warning?: boolean };
export type CheckConfigResult = z.infer<typeof CheckConfigResponseSchema>;

export const CHECK_ITEMS = [
  'ERP connection',
  'Web connection',
  'Web schema',
  'Entities enabled',
  'Customer class',
  'Guest customer',
  'Customer numbering sequence',
  'Debtor inclusion filter',
  'Customer field mappings',
  'Web editable fields',
  'Web accounts by email',
  'Web database concurrency',
] as const;

/** The events that move customers, both ways (seed 003: the Customer entity must be active). */
const CUSTOMER_ENTITIES = ['customer-master', 'web-accounts'] as const;

const label = (key: string) => `${SETTINGS_BY_KEY.get(key)?.label ?? key} (${key})`;

async function tryOpen(dsn: string, dir: string): Promise<{ db?: Db; error?: string }> {
  try {
    const db = await openDb(dsn, { baseDir: dir });
    await db.get('SELECT 1 AS [one]');
    return { db };
  } catch (err) {
    return { error: userMessage(err) };
  }
}

/**
 * Whether the web store's readers wait for the integrator's writes. On SQL Server without READ_COMMITTED_SNAPSHOT
 * a shopper's read of a customer waits while a Send All page holding that customer's row is being written (and
 * the other way round); with it on, readers see the last committed row and never wait. A warning, not a failure:
 * the integration works either way, the store is just slower during big runs.
 */
export function concurrencyItem(kind: 'sqlite' | 'mssql', readCommittedSnapshot: boolean | null, database: string): Omit<CheckItem, 'item'> {
  if (kind === 'sqlite') return { ok: true, message: 'SQLite in WAL mode: readers never wait for the integrator\'s writes' };
  if (readCommittedSnapshot === null) return { ok: true, warning: true, message: `could not read READ_COMMITTED_SNAPSHOT of ${database} (no VIEW DATABASE STATE?); see the README, Connections` };
  if (readCommittedSnapshot) return { ok: true, message: `READ_COMMITTED_SNAPSHOT is on for ${database}: the store's readers never wait for the integrator's writes` };
  return {
    ok: true,
    warning: true,
    message: `READ_COMMITTED_SNAPSHOT is off for ${database}: the store's pages wait while a Send All writes the rows they read; an administrator can run ALTER DATABASE [${database}] SET READ_COMMITTED_SNAPSHOT ON (see the README, Connections)`,
  };
}

export async function readCommittedSnapshot(db: Db): Promise<{ on: boolean | null; database: string }> {
  try {
    const r = await db.get<{ on: number | boolean; name: string }>(`SELECT [is_read_committed_snapshot_on] AS [on], [name] FROM sys.databases WHERE [database_id] = DB_ID()`);
    return r ? { on: Boolean(Number(r.on)), database: r.name } : { on: null, database: db.description };
  } catch {
    return { on: null, database: db.description };
  }
}

/** Runs every check; opens and closes both databases itself. Never throws for a failed check. */
export async function runConfigCheck(settings: LoadedSettings): Promise<CheckConfigResult> {
  const s = settings.values;
  const items: CheckItem[] = [];
  const add = (item: (typeof CHECK_ITEMS)[number], ok: boolean, message: string) => items.push({ item, ok, message });
  const erpDsn = s.erpDsn ?? '';
  const webDsn = s.webDsn ?? '';
  const erp = await tryOpen(erpDsn, settings.dir);
  const web = await tryOpen(webDsn, settings.dir);
  try {
    // Connections: reachable, and the ERP holds the PRONTO-shaped tables the integrator reads.
    let erpColumns: string[] | undefined;
    if (!erp.db) add('ERP connection', false, `cannot reach ${redactDsn(erpDsn)}: ${erp.error}; fix ${label('erpDsn')}`);
    else {
      const tables = new Set((await erp.db.tables()).map((t) => t.toLowerCase()));
      const missing = ERP_TABLES.map((t) => t.name).filter((t) => !tables.has(t.toLowerCase()));
      if (missing.length) add('ERP connection', false, `${redactDsn(erpDsn)} has no ${missing.join(', ')} table${missing.length > 1 ? 's' : ''}; point ${label('erpDsn')} at the ERP database`);
      else {
        erpColumns = await erp.db.columns('deb_master');
        add('ERP connection', true, `${redactDsn(erpDsn)} reachable, ERP tables present`);
      }
    }
    if (!web.db) add('Web connection', false, `cannot reach ${redactDsn(webDsn)}: ${web.error}; fix ${label('webDsn')}`);
    else add('Web connection', true, `${redactDsn(webDsn)} reachable`);

    let webCurrent = false;
    if (!web.db) add('Web schema', false, 'not checked: the web database is not reachable');
    else {
      const { applied, missing } = await schemaStatus(web.db, WEB_MIGRATIONS);
      const tables = new Set((await web.db.tables()).map((t) => t.toLowerCase()));
      const absent = WEB_TABLES.map((t) => t.name).filter((t) => !tables.has(t.toLowerCase()));
      // A database the integrator would refuse to migrate says so, rather than "start the integrator once".
      const refused = missing.length ? await checkMigratable(web.db, WEB_MIGRATIONS).then(() => null, (err: unknown) => userMessage(err)) : null;
      if (refused) add('Web schema', false, `${refused.replace(/; point the DSN at .*$/, '')}; point ${label('webDsn')} at the web store's database or at a new one`);
      else if (missing.length || absent.length) {
        const why = missing.length ? `migration${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not applied` : `table${absent.length > 1 ? 's' : ''} ${absent.join(', ')} missing`;
        add('Web schema', false, `${why}; start the integrator once (integrator run): it migrates the web database`);
      } else {
        webCurrent = true;
        add('Web schema', true, `current (version ${Math.max(...applied)})`);
      }
    }

    const off = CUSTOMER_ENTITIES.filter((e) => /^(off|)$/i.test(String(s[EVENT_SCHEDULE_KEYS[e]] ?? '').trim()));
    if (off.length) {
      add('Entities enabled', false, `${off.map((e) => `${EVENT_LABELS[e]} is off`).join('; ')}; set ${off.map((e) => label(EVENT_SCHEDULE_KEYS[e])).join(' and ')} to a schedule such as "every 15m"`);
    } else add('Entities enabled', true, CUSTOMER_ENTITIES.map((e) => `${EVENT_LABELS[e]} ${String(s[EVENT_SCHEDULE_KEYS[e]])}`).join(', '));

    const customerClass = (s.customerClass ?? '').trim();
    if (!customerClass) add('Customer class', false, `not set; set ${label('customerClass')} to the ERP terms code new web debtors get, e.g. WEB`);
    else add('Customer class', true, `new web debtors get class ${customerClass}`);

    const guest = (s.guestCustomer ?? '').trim();
    if (!guest) add('Guest customer', false, `not set; set ${label('guestCustomer')} to the ERP debtor that takes guest orders`);
    else if (!erp.db || !erpColumns) add('Guest customer', false, `${guest} not checked: the ERP is not reachable`);
    else {
      const row = await erp.db.get<{ dr_status: string }>(`SELECT [dr_status] FROM [deb_master] WHERE [accountcode] = @g`, { g: guest });
      if (!row) add('Guest customer', false, `${guest} is not an ERP debtor; create it in the ERP or set ${label('guestCustomer')} to an existing debtor`);
      else if (row.dr_status === 'C' || row.dr_status === 'H') add('Guest customer', false, `${guest} is ${row.dr_status === 'C' ? 'closed' : 'on hold'} in the ERP; make it active in the ERP or choose another guest debtor`);
      else add('Guest customer', true, `${guest} is an active ERP debtor`);
    }

    const template = s.customerNumberingSequence ?? '';
    const problem = templateProblem(template);
    if (problem) add('Customer numbering sequence', false, `${label('customerNumberingSequence')} ${problem}`);
    else if (!web.db || !webCurrent) add('Customer numbering sequence', false, `${template} not checked: the web schema is not reachable or not current`);
    else {
      const t = parseTemplate(template);
      const next = await nextValue(web.db, t);
      if (next > t.max) add('Customer numbering sequence', false, exhaustedMessage(t));
      else add('Customer numbering sequence', true, `${t.template}: next code ${formatCode(t, next)}, ${t.max - next + 1} left`);
    }

    if (!erpColumns) {
      add('Debtor inclusion filter', false, 'not checked: the ERP is not reachable');
      add('Customer field mappings', false, 'not checked: the ERP is not reachable');
      add('Web editable fields', false, 'not checked: the ERP is not reachable');
    } else {
      const filter = s.debtorInclusionFilter ?? '';
      try {
        const conditions = parseInclusionFilter(filter, erpColumns);
        add('Debtor inclusion filter', true, conditions.length ? `${conditions.length} condition${conditions.length > 1 ? 's' : ''}: ${filter.trim()}` : 'empty: every debtor is sent');
      } catch (err) {
        add('Debtor inclusion filter', false, `${userMessage(err)}; fix ${label('debtorInclusionFilter')}`);
      }
      let mappingOk = false;
      try {
        const overrides = (s.customerFieldMappings ?? {}) as Record<string, string>;
        resolveCustomerMapping(overrides, erpColumns);
        mappingOk = true;
        const n = Object.keys(overrides).length;
        add('Customer field mappings', true, n ? `${n} override${n > 1 ? 's' : ''} of the default map, every column present` : 'default map, every column present');
      } catch (err) {
        add('Customer field mappings', false, `${userMessage(err).replace(/^Customer Field Mappings: /, '')}; fix ${label('customerFieldMappings')}`);
      }
      if (!mappingOk) add('Web editable fields', false, 'not checked: the customer field mappings are not valid');
      else {
        try {
          const fields = editableFields(s, erpColumns);
          add('Web editable fields', true, fields.length ? fields.map((f) => `${f.web} -> ${f.erp}`).join(', ') : 'none: every customer field is edited in the ERP only');
        } catch (err) {
          add('Web editable fields', false, userMessage(err).replace(/^Web Editable Fields \(webEditableFields\): /, `${label('webEditableFields')}: `));
        }
      }
    }
    // An email alone never links a web account to a debtor: with the offer on, such accounts wait for an admin.
    const offer = s.offerDebtorMatchesByEmail === true;
    if (!web.db || !webCurrent) add('Web accounts by email', false, 'not checked: the web schema is not reachable or not current');
    else {
      const n = Number(
        (await web.db.get<{ n: number }>(`SELECT COUNT(*) AS [n] FROM [Customer] WHERE [Source] = 'WEB' AND [EmailMatch] IS NOT NULL AND [ErpCode] IS NULL`))?.n ?? 0,
      );
      const waiting = n === 0 ? 'no web account waits' : `${n} web account${n === 1 ? ' waits' : 's wait'} for an admin to link ${n === 1 ? 'it' : 'each'} to the matching debtor or create a new one (Customers tab)`;
      add('Web accounts by email', true, offer ? `matches offered (${label('offerDebtorMatchesByEmail')}): ${waiting}` : `never linked by email: every web account gets a new debtor${n ? `; ${waiting}` : ''}`);
    }
    if (!web.db) add('Web database concurrency', false, 'not checked: the web database is not reachable');
    else {
      const rcsi = web.db.kind === 'mssql' ? await readCommittedSnapshot(web.db) : { on: null, database: '' };
      items.push({ item: 'Web database concurrency', ...concurrencyItem(web.db.kind, rcsi.on, rcsi.database) });
    }
  } finally {
    await erp.db?.close().catch(() => undefined);
    await web.db?.close().catch(() => undefined);
  }
  return { ok: items.every((i) => i.ok), items };
}

/** One line per item, as the CLI prints it. */
export function formatCheckItem(i: CheckItem): string {
  return `${i.ok ? (i.warning ? 'WARN' : 'PASS') : 'FAIL'}  ${i.item}: ${i.message}`;
}
