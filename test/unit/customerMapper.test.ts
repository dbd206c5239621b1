import { describe, expect, it } from 'vitest';
import { erpFingerprint, fingerprintOf, isDisabled, mapDebtor } from '../../core/events/customerMapper.js';
import { DEFAULT_CUSTOMER_MAP } from '../../core/web/customerMapping.js';
import type { ErpDebtor } from '../../core/erp/erpSource.js';
import { archiveFrom, listSetting, mapOrder } from '../../core/events/orders.js';
import { renderProgress } from '../../core/cli/progressBar.js';

const debtor = (): ErpDebtor => ({
  accountcode: 'C00001 ',
  fields: { dr_name: ' Acme Hardware ', terms_code: '30D', rep_code: 'R01', price_code: 'A', email: 'a@b.c', phone: '03', credit_limit: 5000, dr_status: 'H', dr_date_last_changed: '2026-10-01T00:00:00Z' },
  addresses: [
    { na_type: '01', na_name: 'Depot', street: '2 St', suburb: 'Geelong', state: 'VIC', postcode: '3220', country: '' },
    { na_type: '00', na_name: 'Acme', street: '1 St', suburb: 'Melbourne', state: 'VIC', postcode: '3000', country: 'NZ' },
  ],
  fingerprint: 'Acme Hardware\u00011 St',
});
const options = { map: { ...DEFAULT_CUSTOMER_MAP }, defaultCountry: 'Australia' };

describe('mapDebtor', () => {
  it('maps the default columns, trims, orders addresses by type and fills the default country', () => {
    const r = mapDebtor(debtor(), options);
    if (!r.ok) throw new Error(r.reason);
    expect(r.value.code).toBe('C00001');
    expect(r.value.customer).toMatchObject({ CustomerCode: 'C00001', Name: 'Acme Hardware', CreditLimit: 5000, ErpStatus: 'H', ErpChangedAt: '2026-10-01T00:00:00Z' });
    expect(r.value.addresses.map((a) => [a.AddressType, a.Country])).toEqual([['00', 'NZ'], ['01', 'Australia']]);
  });

  it('refuses a value longer than the web column, naming both', () => {
    const d = debtor();
    d.fields.dr_name = 'x'.repeat(81);
    expect(mapDebtor(d, options)).toEqual({ ok: false, code: 'C00001', reason: 'dr_name (-> Customer.Name) is 81 characters; the web column holds 80' });
    const e = debtor();
    e.fields.credit_limit = 'lots';
    expect(mapDebtor(e, options)).toMatchObject({ ok: false, reason: 'credit_limit (-> Customer.CreditLimit) "lots" is not a number' });
  });

  it('keeps every character of a name but the padding; counts length as the web column counts it', () => {
    const named = (name: string) => {
      const d = debtor();
      d.fields.dr_name = name;
      return d;
    };
    // Padding (ASCII blanks, as CHAR columns pad) goes; a byte order mark or a no-break space is part of the name.
    for (const name of ['\uFEFFAcme', 'Acme\u00A0', '\u2028Acme', '\u3000Acme\u3000']) {
      const r = mapDebtor(named(`  ${name}\t `), options);
      expect(r.ok && r.value.customer.Name, JSON.stringify(name)).toBe(name);
    }
    // 80 emoji: 80 characters (code points), 160 UTF-16 code units. SQLite's text counts characters, SQL Server's
    // NVARCHAR(80) holds 80 UTF-16 code units.
    const emoji = '\u{1F600}'.repeat(80);
    const sqlite = mapDebtor(named(emoji), { ...options, textLength: 'code-points' });
    expect(sqlite.ok && sqlite.value.customer.Name).toBe(emoji);
    expect(mapDebtor(named(emoji), { ...options, textLength: 'utf16-units' })).toEqual({
      ok: false,
      code: 'C00001',
      reason: 'dr_name (-> Customer.Name) is 160 UTF-16 code units (80 characters); the web column holds 80 UTF-16 code units',
    });
    expect(mapDebtor(named('\u{1F600}'.repeat(81)), { ...options, textLength: 'code-points' })).toMatchObject({ ok: false, reason: 'dr_name (-> Customer.Name) is 81 characters; the web column holds 80' });
    // Without a rule named, the stricter one (it fits either engine).
    expect(mapDebtor(named(emoji), options).ok).toBe(false);
  });

  it('fingerprints change with the ERP text, the map and the default country', () => {
    const base = fingerprintOf('Acme\u00011 St', options);
    expect(fingerprintOf('Acme\u00011 St', options)).toBe(base);
    expect(fingerprintOf('Acme\u00012 St', options)).not.toBe(base);
    expect(fingerprintOf('Acme\u00011 St', { ...options, defaultCountry: 'NZ' })).not.toBe(base);
    expect(fingerprintOf('Acme\u00011 St', { ...options, map: { ...options.map, Phone: 'fax' } })).not.toBe(base);
    expect(erpFingerprint(debtor(), options)).toBe(fingerprintOf(debtor().fingerprint, options));
    expect(base.length).toBeLessThanOrEqual(64);
  });

  it('disables on H, C or an admin disable', () => {
    expect([isDisabled('A', false), isDisabled('H', false), isDisabled('c', false), isDisabled('A', true), isDisabled(null, false)]).toEqual([false, true, true, true, false]);
  });
});

describe('orders rules and the progress bar', () => {
  it('archive window: override date when used, else 12 months before the clock', () => {
    const now = new Date('2026-11-01T12:00:00Z');
    expect(archiveFrom({}, now)).toBe('2025-11-01');
    expect(archiveFrom({ useArchiveOrdersFromOverrideDate: true, archiveOrdersFromOverrideDate: '2026-03-15' }, now)).toBe('2026-03-15');
    expect(archiveFrom({ useArchiveOrdersFromOverrideDate: false, archiveOrdersFromOverrideDate: '2026-03-15' }, now)).toBe('2025-11-01');
  });

  it('shipped statuses set IsShipped; the order hash covers its lines', () => {
    const shipped = new Set(listSetting('80, 90'));
    const o = { so_order_no: '1', accountcode: 'C1', so_order_status: '80', so_date_stamp: '2026-10-01', so_order_total: 10, lines: [{ line_no: 1, stock_code: 'P1', qty: 1, price: 10 }] };
    const a = mapOrder(o, shipped, 'x');
    expect(a.order.IsShipped).toBe(1);
    expect(mapOrder({ ...o, so_order_status: '30' }, shipped, 'x').order.IsShipped).toBe(0);
    expect(mapOrder({ ...o, lines: [{ ...o.lines[0], qty: 2 }] }, shipped, 'x').order.ErpHash).not.toBe(a.order.ErpHash);
  });

  it('renders rows done / total and the rate', () => {
    expect(renderProgress({ phase: 'debtors', done: 500, total: 1000 }, 2000, 10)).toBe('[#####-----] 500/1,000 50%  250/s  debtors');
    expect(renderProgress({ phase: 'customers', done: 30, total: null }, 1000)).toBe('customers: 30 done  30/s');
  });
});
