// The settings, declared once. Server, CLI and UI all read this list; nothing else names a setting's
// label, group, type or default. No node: imports here: the renderer bundles this file.
import { z } from 'zod';
import { Cron } from 'croner';

export const SETTING_GROUPS = [
  'General',
  'Serial Number Import',
  'Other Settings',
  'File Upload Filename Character Mapping Settings',
  'Live Pricing/Availability',
] as const;
export type SettingGroup = (typeof SETTING_GROUPS)[number];

export type SettingType =
  | 'boolean'
  | 'string'
  | 'integer'
  | 'port'
  | 'dsn'
  | 'secret'
  | 'time'
  | 'date'
  | 'schedule'
  | 'list'
  | 'json';

export interface SettingDef {
  key: string;
  label: string;
  group: SettingGroup;
  type: SettingType;
  default: unknown;
  help: string;
  /** false: stored and round-tripped, shown as "not used by this edition". */
  used: boolean;
  min?: number;
  max?: number;
  /** Text settings: longest accepted value. */
  maxLength?: number;
  /** Shown after the input in the UI (e.g. "minutes"). */
  unit?: string;
  /** Boolean settings: a warning the UI shows and `settings set` prints when the setting is turned on. */
  warning?: string;
  /** Labels it had before: `settings set` by label still finds it. */
  formerLabels?: readonly string[];
  /** Text settings with a fixed form: 'address' is an IP address (v4 or v6) or localhost. */
  format?: 'address';
}

/** Keys fixed by the public contract; they win over the camelCase-of-label rule. */
export const FIXED_KEYS = [
  'erpDsn',
  'webDsn',
  'sendCustomerConversions',
  'autoActivateAllCustomers',
  'logIntegratorEventsOnWeb',
  'enableLivePricingAvailabilityListener',
  'enableVerboseLogging',
  'enableErpListener',
  'erpListenerPort',
  'httpPort',
  'listenerBindAddress',
  'listenerApiKey',
  'erpPollingIntervalMins',
  'liveCallCompressionThresholdBytes',
  'getNewOrdersTimeoutMinutes',
  'invalidConditionCodes',
  'defaultCountry',
  'orderShippedStatuses',
  'archiveOrdersFromOverrideDate',
  'useArchiveOrdersFromOverrideDate',
  'debtorInclusionFilter',
  'nightlyRestartTime',
  'adminPort',
] as const;

/** The camelCase of a label: words split on anything not a letter or digit; acronyms are folded ("ERP" -> "Erp"). */
export function camelKey(label: string): string {
  const words = label.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words
    .map((w, i) => (i === 0 ? w.toLowerCase() : w[0].toUpperCase() + w.slice(1).toLowerCase()))
    .join('');
}

type Def = Omit<SettingDef, 'key' | 'used' | 'help'> & { key?: string; used?: boolean; help?: string };

function defs(list: readonly Def[]): SettingDef[] {
  return list.map((d) => ({
    ...d,
    key: d.key ?? camelKey(d.label),
    used: d.used ?? false,
    help: d.help ?? 'Stored and round-tripped; not used by this edition.',
  }));
}

const unusedFlag = (label: string, group: SettingGroup, on = false): Def => ({ label, group, type: 'boolean', default: on });
const unusedText = (label: string, group: SettingGroup): Def => ({ label, group, type: 'string', default: '', maxLength: 500 });

const OTHER: SettingGroup = 'Other Settings';
const LIVE: SettingGroup = 'Live Pricing/Availability';
const GENERAL: SettingGroup = 'General';

/** Every setting as declared; those with a key of their own are typed by it (see Settings). */
const DECLARED = [
  // General: connections, schedules, restart, workflows.
  { key: 'erpDsn', label: 'ERP DSN', group: GENERAL, type: 'dsn', default: 'sqlite:erp.sqlite', used: true,
    help: 'The ERP database: sqlite:<path> or mssql://user:password@host:port/database?encrypt=true. A relative sqlite path is resolved against the settings file folder.' },
  { key: 'webDsn', label: 'Web DSN', group: GENERAL, type: 'dsn', default: 'sqlite:web.sqlite', used: true,
    help: 'The web store database, same forms as the ERP DSN. The integrator creates and migrates its tables.' },
  { key: 'customerMasterSchedule', label: 'Customer Master Schedule', group: GENERAL, type: 'schedule', default: 'every 15m', used: true,
    help: 'When Customer Master (Send Changed) runs: "off", "every 15m" / "every 2h", or a five-field cron expression.' },
  { key: 'ordersSchedule', label: 'Orders Schedule', group: GENERAL, type: 'schedule', default: 'every 10m', used: true,
    help: 'When Get Orders runs: "off", "every 10m", or a five-field cron expression.' },
  { key: 'statementsSchedule', label: 'Statements Schedule', group: GENERAL, type: 'schedule', default: 'every 60m', used: true,
    help: 'When Statements runs: "off", "every 60m", or a five-field cron expression.' },
  { key: 'webAccountsSchedule', label: 'Web Accounts Schedule', group: GENERAL, type: 'schedule', default: 'every 5m', used: true,
    help: 'When web-created accounts and edits are sent to the ERP: "off", "every 5m", or a five-field cron expression.' },
  { key: 'conversionsSchedule', label: 'Conversions Schedule', group: GENERAL, type: 'schedule', default: 'off', used: true,
    help: 'Extra schedule for processing pending customer conversions (they are also processed after every Customer Master run that received new ones).' },
  { key: 'nightlyRestartTime', label: 'Nightly Restart Time', group: GENERAL, type: 'time', default: '02:00', used: true,
    help: 'Local time (HH:MM) at which a running integrator restarts and picks up saved settings. Empty: never.' },
  { key: 'autoActivateAllCustomers', label: 'Auto-activate all customers', group: GENERAL, type: 'boolean', default: false, used: true,
    help: 'Integrate orders and statements for every customer, not only those marked active. Use with caution: this moves a large amount of data.',
    warning: 'Auto-activate all customers integrates orders and statements for every customer, not only those marked active. This moves a large amount of data; use with caution.' },
  { key: 'debtorInclusionFilter', label: 'Debtor Inclusion Filter', group: GENERAL, type: 'string', default: '', used: true, maxLength: 2000,
    help: 'Only debtors matching this filter are sent, e.g. "dr_status in (A,H) and rep_code = R01". Empty: every debtor.' },
  { key: 'customerFieldMappings', label: 'Customer Field Mappings', group: GENERAL, type: 'json', default: {}, used: true,
    help: 'Overrides of the ERP -> web field map, as a JSON object {"WebColumn": "erp_column"}, e.g. {"Phone": "fax"}.' },
  { key: 'webEditableFields', label: 'Web Editable Fields', group: GENERAL, type: 'list', default: 'Email,Phone', used: true,
    help: 'Customer fields that may be edited on the web; edits reach the ERP with the customer\'s first order after the edit.' },
  { key: 'offerDebtorMatchesByEmail', label: 'Offer Debtor Matches By Email', group: GENERAL, type: 'boolean', default: false, used: true,
    help: 'A web account whose email is an existing ERP debtor\'s waits on the Customers tab until an admin links it to that debtor or creates a new one. Off: every web account gets a new debtor; none is ever linked by email alone.' },
  { key: 'customerClass', label: 'Customer Class', group: GENERAL, type: 'string', default: 'WEB', used: true, maxLength: 10,
    help: 'Customer class (ERP terms code) given to debtors created from web accounts.' },
  { key: 'guestCustomer', label: 'Guest Customer', group: GENERAL, type: 'string', default: 'GUEST', used: true, maxLength: 20,
    help: 'ERP debtor that receives orders placed by guest (anonymous) checkouts.' },
  { key: 'customerNumberingSequence', label: 'Customer Numbering Sequence', group: GENERAL, type: 'string', default: 'WEB-#####', used: true, maxLength: 20,
    help: 'Template for new ERP debtor codes: # marks the auto-numbered digits, e.g. WEB-##### gives WEB-00001.' },
  { key: 'site', label: 'Site', group: GENERAL, type: 'string', default: 'Main', used: true, maxLength: 40,
    help: 'Site given to customers sent from the ERP; the CRM approval list filters by it.' },
  { key: 'adminPort', label: 'Admin Port', group: GENERAL, type: 'port', default: 8090, used: true,
    help: 'Port of the admin UI and API on 127.0.0.1. 0 picks a free port.' },
  { key: 'adminToken', label: 'Admin Token', group: GENERAL, type: 'secret', default: '', used: true,
    help: 'Per-install token every admin API request must carry. Created on first start when empty.' },
  { key: 'logLevel', label: 'Log Level', group: GENERAL, type: 'string', default: 'info', used: true, maxLength: 10,
    help: 'trace, debug, info, warn or error.' },
  { key: 'logMaxFileSizeMb', label: 'Log Max File Size (MB)', group: GENERAL, type: 'integer', default: 10, min: 1, max: 1024, used: true,
    help: 'A log file is rotated when it reaches this size.' },
  { key: 'logMaxFiles', label: 'Log Max Files', group: GENERAL, type: 'integer', default: 5, min: 1, max: 100, used: true,
    help: 'Rotated log files kept.' },
  { key: 'batchSize', label: 'Batch Size', group: GENERAL, type: 'integer', default: 1000, min: 1, max: 100000, used: true,
    help: 'Rows written per transaction; a run interrupted mid-way resumes from its last committed batch.' },

  // Serial Number Import
  unusedFlag('Enable serial number import from file', 'Serial Number Import'),
  unusedText('File Prefix', 'Serial Number Import'),

  // Other Settings, in the order of the Advanced tab.
  unusedText('Alternate Product Category Field', OTHER),
  unusedText('Alternate Sort Code', OTHER),
  { key: 'invalidConditionCodes', label: 'Invalid Condition Codes (default: DIYNT)', formerLabels: ['Invalid Condition Codes'], group: OTHER, type: 'string', default: 'DIYNT', used: true, maxLength: 100,
    help: 'Stock condition codes that make a product unavailable. Each letter is a code (DIYNT), or separate longer codes with commas.' },
  { key: 'defaultCountry', label: 'Default Country', group: OTHER, type: 'string', default: 'Australia', used: true, maxLength: 60,
    help: 'Country given to addresses the ERP leaves without one.' },
  unusedText('System Table Types to Send', OTHER),
  { key: 'orderShippedStatuses', label: 'Order Shipped Statuses', group: OTHER, type: 'list', default: '80,90', used: true,
    help: 'ERP order statuses that mark an order as shipped on the web (comma-separated).' },
  unusedText('Reviewed Quote Field', OTHER),
  unusedText('Order Delivery Email Address Set Field', OTHER),
  unusedText('Order Integration Multiline Query', OTHER),
  { key: 'liveCallCompressionThresholdBytes', label: 'Live Call Compression Threshold (bytes)', group: OTHER, type: 'integer', default: 1024, min: 0, max: 100_000_000, used: true, unit: 'bytes',
    help: 'Live pricing responses larger than this are gzip-compressed when the caller accepts it.' },
  { key: 'getNewOrdersTimeoutMinutes', label: 'Get New Orders Timeout', formerLabels: ['Get New Orders Timeout (minutes)'], group: OTHER, type: 'integer', default: 0, min: 0, max: 1440, used: true, unit: 'minutes (0 = no timeout)',
    help: 'A Get Orders run stops (and resumes next time) after this many minutes. 0: no timeout.' },
  unusedFlag('Check Invoice Reprints', OTHER),
  { key: 'checkStatementReprints', label: 'Check Statement Reprints', group: OTHER, type: 'boolean', default: false, used: true,
    help: 'Re-send statement lines whose amount or outstanding changed in the ERP, not only new ones.' },
  unusedFlag('Preserve Product Data', OTHER, true),
  unusedFlag('Single Stock Price Query', OTHER),
  unusedFlag('Include Bill of Materials Notes', OTHER),
  unusedFlag("Show 'Send Custom Programs' Button", OTHER),
  unusedFlag('Integrate Pronto Custom Periods Always', OTHER),
  unusedFlag('Do not Integrate Blank Custom Notes', OTHER),
  unusedFlag('Integrate Order Comments As Note Lines', OTHER),
  unusedFlag('Send Reviewed Quotes', OTHER),
  unusedFlag('Enable Customer Product Mappings', OTHER, true),
  unusedFlag('Integrate warranty claims', OTHER),
  unusedFlag('Integrate Supplier Invitations', OTHER),
  unusedFlag('Integrate Bonus Stock', OTHER),
  unusedFlag('Integrate Changed Backorders', OTHER),
  { key: 'logIntegratorEventsOnWeb', label: 'Log Integrator Events On Web', group: OTHER, type: 'boolean', default: true, used: true,
    help: 'Write each integration run and its messages to the web database (IntegratorEventLog).' },
  unusedFlag('Custom Program Before Order Confirm', OTHER, true),
  unusedFlag('Custom Program Before Send', OTHER, true),
  unusedFlag('Always Send Bill of Materials', OTHER),
  unusedFlag('Bulk Integrate Custom Notes', OTHER),
  unusedFlag('Once-off Web Quote Upload', OTHER),
  { key: 'archiveOrdersFromOverrideDate', label: 'Archive Orders From Override Date', group: OTHER, type: 'date', default: '', used: true,
    help: 'With "Use Archive Orders From Override Date": orders dated before this (YYYY-MM-DD) are not integrated.' },
  unusedText('Online Receipting Fields', OTHER),
  unusedText('Address Validation Field', OTHER),
  { key: 'sendCustomerConversions', label: 'Send Customer Conversions', group: OTHER, type: 'boolean', default: false, used: true,
    help: 'During Customer Master, copy the ERP deb_conversion table to the web and rename converted customer codes everywhere.' },
  unusedFlag('Send Stock Pricing Iteratively', OTHER),
  { key: 'useArchiveOrdersFromOverrideDate', label: 'Use Archive Orders From Override Date', group: OTHER, type: 'boolean', default: false, used: true,
    help: 'Use the Archive Orders From Override Date as the start of the order archive window.' },
  { key: 'useProntoTransPayByDate', label: 'Use Pronto Trans Pay By Date', group: OTHER, type: 'boolean', default: false, used: true,
    help: 'Statement lines take the ERP transaction pay-by date as their due date (otherwise none is sent).' },
  unusedFlag('Integrate CSSBank SiteID with Receipts', OTHER),
  unusedFlag('Disable Send of Picture Notes', OTHER),
  unusedFlag('Include Suffix When Loading Receipts', OTHER),

  // File Upload Filename Character Mapping Settings
  unusedFlag('Enable', 'File Upload Filename Character Mapping Settings'),
  unusedText('Escape Character', 'File Upload Filename Character Mapping Settings'),
  unusedText('Mappings', 'File Upload Filename Character Mapping Settings'),

  // Live Pricing/Availability
  { key: 'enableLivePricingAvailabilityListener', label: 'Enable Live Pricing/Availability Listener', group: LIVE, type: 'boolean', default: true, used: true,
    help: 'Serve live prices and stock to the web store over HTTP on the HTTP Port.' },
  { key: 'enableVerboseLogging', label: 'Enable verbose logging', group: LIVE, type: 'boolean', default: false, used: true,
    help: 'Log every live pricing request with its timing.' },
  { key: 'enableErpListener', label: 'Enable ERP Listener 9801', group: LIVE, type: 'boolean', default: false, used: true,
    help: 'Accept ERP change notifications (POST /erp/notify) on the ERP Listener Port; the price cache refreshes on each.' },
  { key: 'erpListenerPort', label: 'ERP Listener Port', group: LIVE, type: 'port', default: 9801, used: true,
    help: 'Port of the ERP change listener. 0 picks a free port.' },
  { key: 'httpPort', label: 'HTTP Port', group: LIVE, type: 'port', default: 8085, used: true,
    help: 'Port of the live pricing/availability listener. 0 picks a free port.' },
  { key: 'listenerBindAddress', label: 'Listener Bind Address', group: LIVE, type: 'string', format: 'address', default: '127.0.0.1', used: true, maxLength: 100,
    help: 'Address the pricing and ERP listeners bind to: an IP address (v4 or v6) or localhost. Keep 127.0.0.1 unless the web server runs on another machine; any other address needs a Listener API Key.' },
  { key: 'listenerApiKey', label: 'Listener API Key', group: LIVE, type: 'secret', default: '', used: true,
    help: 'When set, every live pricing request must carry it in the X-Api-Key header.' },
  { key: 'erpPollingIntervalMins', label: 'ERP Polling Interval', formerLabels: ['ERP Polling Interval (mins)'], group: LIVE, type: 'integer', default: 5, min: 1, max: 1440, used: true, unit: 'mins',
    help: 'The price cache is refreshed from the ERP this often.' },
] as const satisfies readonly Def[];

export const SETTINGS: readonly SettingDef[] = defs(DECLARED);

export const SETTINGS_BY_KEY: ReadonlyMap<string, SettingDef> = new Map(SETTINGS.map((s) => [s.key, s]));

/** A key, or an exact label (case-insensitive), to its definition. */
export function findSetting(keyOrLabel: string): SettingDef | undefined {
  const direct = SETTINGS_BY_KEY.get(keyOrLabel);
  if (direct) return direct;
  const wanted = keyOrLabel.trim().toLowerCase();
  return SETTINGS.find((s) => s.label.toLowerCase() === wanted) ?? SETTINGS.find((s) => s.formerLabels?.some((l) => l.toLowerCase() === wanted));
}

/** The value type of each setting type: what a setting holds once validated. */
export type SettingValue<T extends SettingType> = T extends 'boolean' ? boolean : T extends 'integer' | 'port' ? number : T extends 'json' ? Record<string, string> : string;

type KeyedDeclaration = Extract<(typeof DECLARED)[number], { key: string }>;

/** The settings the product uses, each typed by its declaration: `settings.httpPort` is a number. */
export type Settings = { [D in KeyedDeclaration as D['key']]: SettingValue<D['type']> };

/**
 * A whole, validated set of settings (the file, defaults filled in): the declared ones typed, and the settings this
 * edition only stores and round-trips.
 */
export type SettingsValues = Settings & Record<string, unknown>;

/** Settings as given, before validation (a request body, a part of the file): any keys, any values. */
export type SettingsInput = Record<string, unknown>;

export function defaultSettings(): SettingsValues {
  const out: SettingsInput = {};
  for (const s of SETTINGS) out[s.key] = structuredClone(s.default);
  // Every declared setting, each at its declared default.
  return out as SettingsValues;
}

const SCHEDULE_EVERY = /^every\s+(\d+)\s*(s|m|h)$/i;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** A schedule as the worker runs it; `cron` is the same parsed expression the validator accepted. */
export type ScheduleSpec = { kind: 'off' } | { kind: 'every'; ms: number } | { kind: 'cron'; expression: string; cron: Cron };

/**
 * Reads a schedule: "off", "every 15m" (s, m, h) or a five-field cron expression (minute hour day-of-month month
 * day-of-week, local time). One cron library (croner) both validates and schedules, so a value accepted at save
 * time is one the worker can run. Returns the reason when the value is not a schedule that can run.
 */
export function readSchedule(value: unknown): { spec: ScheduleSpec } | { problem: string } {
  const v = String(value ?? '').trim();
  if (v === '' || v.toLowerCase() === 'off') return { spec: { kind: 'off' } };
  const every = SCHEDULE_EVERY.exec(v);
  if (every) return Number(every[1]) > 0 ? { spec: { kind: 'every', ms: Number(every[1]) * UNIT_MS[every[2].toLowerCase()] } } : { problem: 'the interval must be greater than 0' };
  if (v.split(/\s+/).length !== 5) return { problem: 'use "off", "every 15m", or a five-field cron expression (minute hour day month weekday)' };
  let cron: Cron;
  try {
    // Classic cron: when both day fields are restricted, either one matching is enough.
    cron = new Cron(v, { paused: true, domAndDow: false });
  } catch (err) {
    return { problem: `is not a valid cron expression: ${String((err as Error)?.message ?? err).replace(/^CronPattern:\s*/, '')}` };
  }
  if (!cron.nextRun()) return { problem: 'never runs: no date matches this cron expression' };
  return { spec: { kind: 'cron', expression: v, cron } };
}

/** Why a schedule is not valid, or null. */
export function scheduleProblem(value: string): string | null {
  const r = readSchedule(value);
  return 'problem' in r ? r.problem : null;
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost: addresses only this machine reaches. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.trim().toLowerCase();
  if (a === 'localhost' || a === '::1' || a === '0:0:0:0:0:0:0:1') return true;
  const v4 = a.replace(/^::ffff:/, '');
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** Splits a comma-separated list setting into trimmed, non-empty items. */
export function listItems(value: unknown): string[] {
  return String(value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Invalid condition codes: "DIYNT" is five one-letter codes; with commas, each item is a code. */
export function conditionCodes(value: unknown): string[] {
  const text = String(value ?? '').trim();
  if (text.includes(',')) return listItems(text);
  return [...text.replace(/\s+/g, '')];
}

function schemaFor(def: SettingDef): z.ZodType {
  switch (def.type) {
    case 'boolean':
      return z.boolean({ error: 'must be true or false' });
    case 'integer': {
      let s = z.number({ error: 'must be a whole number' }).int({ error: 'must be a whole number' });
      if (def.min !== undefined) s = s.min(def.min, { error: `must be at least ${def.min}` });
      if (def.max !== undefined) s = s.max(def.max, { error: `must be at most ${def.max}` });
      return s;
    }
    case 'port':
      return z
        .number({ error: 'must be a port number (0-65535)' })
        .int({ error: 'must be a port number (0-65535)' })
        .min(0, { error: 'must be a port number (0-65535)' })
        .max(65535, { error: 'must be a port number (0-65535)' });
    case 'dsn':
      return z.string({ error: 'must be text' }).refine((v) => /^sqlite:.+/.test(v) || /^mssql:\/\/.+/.test(v), {
        error: 'must be sqlite:<path> or mssql://user:password@host:port/database',
      });
    case 'time':
      return z.string({ error: 'must be text' }).regex(/^$|^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be a time HH:MM (24-hour), or empty' });
    case 'date':
      return z
        .string({ error: 'must be text' })
        .regex(/^$|^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date YYYY-MM-DD, or empty' })
        .refine((v) => v === '' || !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), { error: 'is not a real date' });
    case 'schedule':
      return z.string({ error: 'must be text' }).superRefine((v, ctx) => {
        const p = scheduleProblem(v);
        if (p) ctx.addIssue({ code: 'custom', message: p });
      });
    case 'json':
      return z.record(z.string(), z.string(), { error: 'must be a JSON object of text values' });
    case 'list':
    case 'string':
    case 'secret': {
      if (def.format === 'address') return z.union([z.literal('localhost'), z.ipv4(), z.ipv6()], { error: 'must be an IP address (v4 or v6) or localhost' });
      let s = z.string({ error: 'must be text' });
      if (def.maxLength !== undefined) s = s.max(def.maxLength, { error: `must be at most ${def.maxLength} characters` });
      return s;
    }
  }
}

export const SETTING_SCHEMAS: ReadonlyMap<string, z.ZodType> = new Map(SETTINGS.map((s) => [s.key, schemaFor(s)]));

export interface FieldError {
  key: string;
  label: string;
  message: string;
}

/** Field-level validation of a (partial) settings object. Unknown keys are errors. */
export function validateSettings(values: SettingsInput): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(values)) {
    const def = SETTINGS_BY_KEY.get(key);
    if (!def) {
      errors.push({ key, label: key, message: 'is not a known setting' });
      continue;
    }
    const result = SETTING_SCHEMAS.get(key)!.safeParse(value);
    if (!result.success) errors.push({ key, label: def.label, message: result.error.issues[0]?.message ?? 'is not valid' });
  }
  return errors;
}

/**
 * Text typed on a command line or in a form to the setting's value type.
 * Returns the text unchanged when it cannot be converted, so validation names the field.
 */
export function coerceSettingInput(def: SettingDef, text: string): unknown {
  const t = text.trim();
  switch (def.type) {
    case 'boolean':
      if (/^(true|yes|on|1)$/i.test(t)) return true;
      if (/^(false|no|off|0)$/i.test(t)) return false;
      return text;
    case 'integer':
    case 'port':
      return /^-?\d+$/.test(t) ? Number(t) : text;
    case 'json':
      try {
        return JSON.parse(t === '' ? '{}' : t);
      } catch {
        return text;
      }
    default:
      return text;
  }
}

export function formatFieldError(e: FieldError): string {
  return `${e.label} (${e.key}) ${e.message}`;
}
