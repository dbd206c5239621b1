// ERP debtor -> web Customer + CustomerAddress rows: a pure function of the debtor, the field map and the
// settings. The fingerprint of what it produces is stored in Customer.ErpHash, so Send Changed sees a
// change in any mapped value (an address too) even when the ERP did not move dr_date_last_changed.
import crypto from 'node:crypto';
import type { Row } from '../db/db.js';
import type { ColumnDef } from '../db/schema.js';
import type { ErpAddress, ErpDebtor } from '../erp/erpSource.js';
import { WEB_TABLES_BY_NAME } from '../web/webSchema.js';

export interface MapOptions {
  /** Web Customer column <- deb_master column (resolveCustomerMapping). */
  map: Readonly<Record<string, string>>;
  /** Fills an address the ERP left without a country. */
  defaultCountry: string;
  /**
   * How a text column's length is counted, as the web database counts it: 'code-points' for SQLite (its text
   * length counts characters), 'utf16-units' for SQL Server (NVARCHAR(n) holds n UTF-16 code units, so a character
   * outside the Basic Multilingual Plane, an emoji, takes two). Default 'utf16-units', which fits either.
   */
  textLength?: 'code-points' | 'utf16-units';
}

export interface MappedDebtor {
  code: string;
  /** Mapped Customer columns (CustomerCode + the map's web columns). */
  customer: Row;
  addresses: Row[];
  hash: string;
}

export type MapResult = { ok: true; value: MappedDebtor } | { ok: false; code: string; reason: string };

/** CustomerAddress column <- name_and_address_master column. Addresses are not site-mappable. */
export const ADDRESS_MAP: Readonly<Record<string, keyof ErpAddress>> = {
  AddressType: 'na_type',
  Name: 'na_name',
  Street: 'street',
  Suburb: 'suburb',
  State: 'state',
  Postcode: 'postcode',
  Country: 'country',
};

const customerColumns = new Map(WEB_TABLES_BY_NAME.get('Customer')!.columns.map((c) => [c.name, c]));
const addressColumns = new Map(WEB_TABLES_BY_NAME.get('CustomerAddress')!.columns.map((c) => [c.name, c]));

const ADDRESS_COLUMNS = Object.entries(ADDRESS_MAP).map(([web, erp]) => [web, erp, addressColumns.get(web)!, `${erp} (-> CustomerAddress.${web})`] as const);
const CODE_COLUMN = customerColumns.get('CustomerCode')!;

class RowError extends Error {}

const collator = new Intl.Collator();
const TWO_DIGITS = /^[0-9][0-9]$/;

/**
 * Addresses by AddressType as the collator orders them. PRONTO's types are two digits ('00' billing, '01'-'99'),
 * which the collator orders as plain text does: compared so without asking it. One collator, not localeCompare per
 * pair: the same order (ECMA-402 defines localeCompare as this), far cheaper.
 */
function byAddressType(x: Row, y: Row): number {
  const a = String(x.AddressType);
  const b = String(y.AddressType);
  if (TWO_DIGITS.test(a) && TWO_DIGITS.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return collator.compare(a, b);
}

/** The ERP gives addresses in na_type order already: most need no sort. */
function inOrder(rows: readonly Row[]): boolean {
  for (let i = 1; i < rows.length; i++) if (byAddressType(rows[i - 1], rows[i]) > 0) return false;
  return true;
}

/**
 * Padding removed from ERP text: the ASCII blanks a fixed-width (CHAR) field is padded with. Not String.trim(), which
 * also takes a byte order mark (U+FEFF), no-break spaces and other Unicode spaces that belong to the value.
 */
export function trimPadding(text: string): string {
  // Most values have nothing to trim: two character tests instead of a regular expression per value.
  const n = text.length;
  if (n === 0 || (!isBlank(text.charCodeAt(0)) && !isBlank(text.charCodeAt(n - 1)))) return text;
  return text.replace(/^[ \t\r\n\v\f]+|[ \t\r\n\v\f]+$/g, '');
}

/** Space, tab, line feed, vertical tab, form feed, carriage return. */
function isBlank(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    n++;
  }
  return n;
}

/** An ERP value as the web column's type holds it; text loses its padding (PRONTO pads fixed-width fields). */
export function convert(value: unknown, column: ColumnDef, what: string | (() => string), textLength: MapOptions['textLength'] = 'utf16-units'): unknown {
  if (value === null || value === undefined) return null;
  const where = () => (typeof what === 'string' ? what : what());
  switch (column.type) {
    case 'text':
    case 'datetime': {
      const s = trimPadding(String(value));
      if (column.length && s.length > column.length) {
        // s.length counts UTF-16 code units: the characters are as many or fewer.
        const chars = codePoints(s);
        if (textLength === 'utf16-units') {
          const also = chars !== s.length ? ` (${chars} characters)` : '';
          throw new RowError(`${where()} is ${s.length} ${chars !== s.length ? 'UTF-16 code units' : 'characters'}${also}; the web column holds ${column.length}${chars !== s.length ? ' UTF-16 code units' : ''}`);
        }
        if (chars > column.length) throw new RowError(`${where()} is ${chars} characters; the web column holds ${column.length}`);
      }
      return s;
    }
    case 'money':
    case 'qty':
    case 'int': {
      const n = typeof value === 'number' ? value : Number(String(value).trim());
      if (!Number.isFinite(n)) throw new RowError(`${where()} "${String(value)}" is not a number`);
      return column.type === 'int' ? Math.trunc(n) : n;
    }
    case 'bool':
      return value === true || value === 1 || value === '1' || String(value).toUpperCase() === 'Y' ? 1 : 0;
    default:
      return value;
  }
}

/**
 * 64 bits of the text's SHA-1: a change detector, not a security measure. OpenSSL's one-shot hash is four times
 * faster here than a hash loop over the string in JavaScript, and every debtor's fingerprint goes through it.
 */
export function hash64(s: string): string {
  return crypto.hash('sha1', s, 'hex').slice(0, 16);
}

interface Signature {
  sig: string;
  cols: string[];
  /** Per mapped column, in cols order: the web column, its ERP source, its definition, its name in a failure. */
  fields: Array<{ web: string; erp: string; column: ColumnDef; what: string }>;
}

const signatures = new WeakMap<MapOptions, Signature>();
function signature(options: MapOptions): Signature {
  let s = signatures.get(options);
  if (!s) {
    const cols = Object.keys(options.map).sort();
    const sig = crypto.createHash('sha1').update(JSON.stringify([options.defaultCountry, cols.map((c) => [c, options.map[c]])])).digest('hex').slice(0, 12);
    const fields = cols.map((web) => ({ web, erp: options.map[web], column: customerColumns.get(web)!, what: `${options.map[web]} (-> Customer.${web})` }));
    s = { sig, cols, fields };
    signatures.set(options, s);
  }
  return s;
}

/**
 * The fingerprint of a debtor as the ERP holds it: a hash of the raw text of its mapped columns and of every
 * address (ErpDebtor.fingerprint, rendered by the ERP engine), tagged with a signature of the map and the
 * Default Country, so a changed map or default re-sends everyone. Send Changed compares it with
 * Customer.ErpHash without reading or mapping the whole debtor.
 */
export function fingerprintOf(text: string, options: MapOptions): string {
  return `${signature(options).sig}-${text.length.toString(16)}-${hash64(text)}`;
}

export function erpFingerprint(debtor: ErpDebtor, options: MapOptions): string {
  return fingerprintOf(debtor.fingerprint, options);
}

export function mapDebtor(debtor: ErpDebtor, options: MapOptions, hash = erpFingerprint(debtor, options)): MapResult {
  const code = String(debtor.accountcode).trim();
  try {
    if (!code) throw new RowError('the accountcode is empty');
    convert(code, CODE_COLUMN, 'accountcode');
    const customer: Row = { CustomerCode: code };
    // Names of the columns in a failure are strings made once per map, not a closure per value.
    for (const f of signature(options).fields) customer[f.web] = convert(debtor.fields[f.erp], f.column, f.what, options.textLength);
    const addresses: Row[] = [];
    for (const a of debtor.addresses) {
      const row: Row = { CustomerCode: code };
      for (const [web, erp, column, what] of ADDRESS_COLUMNS) {
        let v: unknown;
        try {
          v = convert(a[erp], column, what, options.textLength);
        } catch (err) {
          if (err instanceof RowError) throw new RowError(`address ${String(a.na_type).trim()} ${err.message}`);
          throw err;
        }
        if (web === 'Country' && (v === null || v === '')) v = options.defaultCountry || null;
        row[web] = v;
      }
      addresses.push(row);
    }
    if (addresses.length > 1 && !inOrder(addresses)) addresses.sort(byAddressType);
    return { ok: true, value: { code, customer, addresses, hash } };
  } catch (err) {
    if (err instanceof RowError) return { ok: false, code, reason: err.message };
    throw err;
  }
}

/** ERP status H (on hold) or C (closed) disables the customer; so does an admin's disable. */
export function isDisabled(erpStatus: unknown, disabledByAdmin: boolean): boolean {
  const s = erpStatus === null || erpStatus === undefined ? '' : String(erpStatus).trim().toUpperCase();
  return s === 'H' || s === 'C' || disabledByAdmin;
}
