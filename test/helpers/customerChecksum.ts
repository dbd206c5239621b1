// Checksums over the mapped customer columns, computed straight from each database (not through the
// product's mapper), so "web == ERP" is checked independently of the code under test.
import crypto from 'node:crypto';
import Database from 'better-sqlite3';

type R = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 100) / 100);
const txt = (v: unknown) => (v === null || v === undefined ? null : String(v).trim());

/** Per customer code: the canonical text of its default-mapped fields and addresses, from the ERP. */
export function erpCanonical(erpFile: string, options: { defaultCountry?: string; where?: string } = {}): Map<string, string> {
  const db = new Database(erpFile, { readonly: true });
  const out = new Map<string, string>();
  const addr = new Map<string, unknown[][]>();
  for (const a of db.prepare(`SELECT * FROM name_and_address_master ORDER BY accountcode, na_type`).iterate() as Iterable<R>) {
    const list = addr.get(String(a.accountcode)) ?? [];
    const country = txt(a.country) || options.defaultCountry || 'Australia';
    list.push([txt(a.na_type), txt(a.na_name), txt(a.street), txt(a.suburb), txt(a.state), txt(a.postcode), country]);
    addr.set(String(a.accountcode), list);
  }
  for (const d of db.prepare(`SELECT * FROM deb_master WHERE ${options.where ?? '1=1'} ORDER BY accountcode`).iterate() as Iterable<R>) {
    const code = String(d.accountcode);
    out.set(code, JSON.stringify([txt(d.dr_name), txt(d.terms_code), txt(d.rep_code), txt(d.price_code), txt(d.email), txt(d.phone), num(d.credit_limit), txt(d.dr_status), txt(d.dr_date_last_changed), addr.get(code) ?? []]));
  }
  db.close();
  return out;
}

/** The same canonical text per customer, from the web tables. */
export function webCanonical(webFile: string, where = `[Source] = 'ERP'`): Map<string, string> {
  const db = new Database(webFile, { readonly: true });
  const out = new Map<string, string>();
  const addr = new Map<string, unknown[][]>();
  for (const a of db.prepare(`SELECT * FROM CustomerAddress ORDER BY CustomerCode, AddressType`).iterate() as Iterable<R>) {
    const list = addr.get(String(a.CustomerCode)) ?? [];
    list.push([a.AddressType, a.Name, a.Street, a.Suburb, a.State, a.Postcode, a.Country].map(txt));
    addr.set(String(a.CustomerCode), list);
  }
  for (const c of db.prepare(`SELECT * FROM Customer WHERE ${where} ORDER BY CustomerCode`).iterate() as Iterable<R>) {
    const code = String(c.CustomerCode);
    out.set(code, JSON.stringify([txt(c.Name), txt(c.TermsCode), txt(c.RepCode), txt(c.PriceCode), txt(c.Email), txt(c.Phone), num(c.CreditLimit), txt(c.ErpStatus), txt(c.ErpChangedAt), addr.get(code) ?? []]));
  }
  db.close();
  return out;
}

export function checksum(m: Map<string, string>): string {
  const h = crypto.createHash('sha256');
  for (const k of [...m.keys()].sort()) h.update(`${k}\u0001${m.get(k)}\u0002`);
  return h.digest('hex');
}

/** Codes whose canonical text differs (or that only one side has), for a readable failure. */
export function differences(a: Map<string, string>, b: Map<string, string>, max = 5): string[] {
  const out: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    if (a.get(k) !== b.get(k)) out.push(`${k}: ${a.get(k) ?? '(missing)'} vs ${b.get(k) ?? '(missing)'}`);
    if (out.length >= max) break;
  }
  return out;
}
