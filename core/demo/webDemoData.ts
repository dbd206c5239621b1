// Web-side demo data, written as the web store writes it (the columns of SPEC 4 only), so an admin sees the web workflows on a fresh demo: CRM customers waiting on two sites,
// B2C checkout accounts with orders, a guest order, web users (one whose only customer the ERP holds, so it
// shows as blocked once Customer Master has run) and a manual price. Codes are the web's provisional ones: the
// web-accounts event and the CRM approval give them ERP codes.
import Database from 'better-sqlite3';
import type { SqliteDb } from '../db/sqliteDb.js';
import { DEMO_TODAY } from './demoToday.js';

export interface WebDemoSummary {
  crmCustomers: number;
  b2cCustomers: number;
  webOrders: number;
  users: number;
}

export const DEMO_SITES = ['Melbourne', 'Sydney'] as const;

type Crm = [code: string, name: string, status: 'NewCRM' | 'Released', site: string, suburb: string, state: string, postcode: string];
const CRM: Crm[] = [
  ['CRM-0001', 'Yarra Valley Cafe Supplies', 'NewCRM', 'Melbourne', 'Lilydale', 'VIC', '3140'],
  ['CRM-0002', 'St Kilda Marine Services', 'Released', 'Melbourne', 'St Kilda', 'VIC', '3182'],
  ['CRM-0003', 'Footscray Fabrication', 'Released', 'Melbourne', 'Footscray', 'VIC', '3011'],
  ['CRM-0004', 'Bondi Surf Hardware', 'NewCRM', 'Sydney', 'Bondi', 'NSW', '2026'],
  ['CRM-0005', 'Manly Boat Builders', 'Released', 'Sydney', 'Manly', 'NSW', '2095'],
];

const at = (days: number, hour = 10) => {
  const d = new Date(`${DEMO_TODAY}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  d.setUTCHours(hour);
  return d.toISOString();
};

/** Fills the (migrated, empty) web database; reads a few debtors and products from the demo ERP file. */
export function generateWebDemo(webDb: SqliteDb, erpFile: string): WebDemoSummary {
  const erp = new Database(erpFile, { readonly: true, fileMustExist: true });
  const one = <T>(sql: string) => erp.prepare(sql).get() as T | undefined;
  const held = one<{ accountcode: string; dr_name: string }>(`SELECT accountcode, dr_name FROM deb_master WHERE dr_status = 'H' ORDER BY accountcode LIMIT 1`);
  const actives = erp.prepare(`SELECT accountcode, dr_name, email FROM deb_master WHERE dr_status = 'A' AND accountcode <> 'GUEST' ORDER BY accountcode LIMIT 2`).all() as Array<{ accountcode: string; dr_name: string; email: string }>;
  const products = (erp.prepare(`SELECT stock_code, base_price FROM stock_master ORDER BY stock_code LIMIT 4`).all() as Array<{ stock_code: string; base_price: number }>);
  erp.close();

  const raw = webDb.raw;
  const ins = (table: string, row: Record<string, unknown>) => {
    const cols = Object.keys(row);
    raw.prepare(`INSERT INTO [${table}] (${cols.map((c) => `[${c}]`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((c) => row[c] as never));
  };
  const sum: WebDemoSummary = { crmCustomers: 0, b2cCustomers: 0, webOrders: 0, users: 0 };
  raw.transaction(() => {
    CRM.forEach(([code, name, status, site, suburb, state, postcode], i) => {
      const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '.');
      ins('Customer', { CustomerCode: code, Name: name, ActiveStatus: 'Inactive', CrmStatus: status, Site: site, Email: `accounts@${slug}.example.com.au`, Phone: `03 9${i}00 100${i}`, IsDisabled: 0, PendingErpPush: 0 });
      ins('CustomerAddress', { CustomerCode: code, AddressType: '00', Name: name, Street: `${10 + i} Esplanade`, Suburb: suburb, State: state, Postcode: postcode, Country: 'Australia' });
      sum.crmCustomers++;
    });
    ins('CustomerAddress', { CustomerCode: 'CRM-0002', AddressType: '01', Name: 'St Kilda Marine Services - Marina', Street: '1 Marina Pde', Suburb: 'St Kilda', State: 'VIC', Postcode: '3182', Country: '' });

    // B2C checkout accounts: one new, one whose email is an existing ERP debtor's (matched, not duplicated).
    const b2c: Array<[string, string, string]> = [
      ['B2C-0001', 'Jordan Lee', 'jordan.lee@example.net'],
      ['B2C-0002', actives[0]?.dr_name ?? 'Returning Buyer', actives[0]?.email ?? 'returning@example.net'],
    ];
    for (const [code, name, email] of b2c) {
      ins('Customer', { CustomerCode: code, Name: name, ActiveStatus: 'Active', Email: email, Phone: '0400 000 111', IsDisabled: 0, PendingErpPush: 1 });
      ins('CustomerAddress', { CustomerCode: code, AddressType: '00', Name: name, Street: '5 Chapel St', Suburb: 'Prahran', State: 'VIC', Postcode: '3181', Country: 'Australia' });
      sum.b2cCustomers++;
    }

    const order = (no: string, customer: string | null, email: string | null, days: number, lines: number) => {
      let total = 0;
      for (let l = 1; l <= lines; l++) {
        const p = products[(l - 1) % Math.max(1, products.length)];
        const qty = l + 1;
        total += qty * (p?.base_price ?? 10);
        ins('SalesOrderLine', { OrderNo: no, LineNo: l, ProductCode: p?.stock_code ?? 'P00001', Qty: qty, Price: p?.base_price ?? 10 });
      }
      ins('SalesOrder', { OrderNo: no, CustomerCode: customer, Email: email, Status: 'Submitted', OrderDate: at(days, 14), Total: Math.round(total * 100) / 100, Source: 'WEB' });
      sum.webOrders++;
    };
    order('W000001', 'B2C-0001', 'jordan.lee@example.net', 1, 2);
    order('W000002', 'B2C-0002', b2c[1][2], 1, 1);
    order('W000003', null, 'pat.guest@example.net', 0, 3); // a guest checkout
    order('W000004', 'CRM-0002', null, 0, 1); // waits until the CRM customer is approved

    const user = (id: string, email: string, name: string, customers: string[]) => {
      ins('WebUser', { UserId: id, Email: email, Name: name });
      customers.forEach((c, i) => ins('UserCustomer', { UserId: id, CustomerCode: c, IsDefault: i === 0 ? 1 : 0 }));
      sum.users++;
    };
    user('jordan.lee', 'jordan.lee@example.net', 'Jordan Lee', ['B2C-0001']);
    user('marina.office', 'office@stkildamarine.example.com.au', 'Sam Ortiz', ['CRM-0002']);
    if (held) user('held.buyer', 'buyer@held.example.com.au', `Buyer at ${held.dr_name}`, [held.accountcode]);
    if (held && actives[1]) user('two.accounts', 'purchasing@two.example.com.au', 'Alex Kim', [actives[1].accountcode, held.accountcode]);
    if (actives[1] && products[0]) {
      // A price agreed on the web: no ERP price send may replace or remove it.
      ins('PricingOverride', { CustomerCode: actives[1].accountcode, ProductCode: products[0].stock_code, Source: 'MANUAL', Price: Math.round(products[0].base_price * 0.5 * 100) / 100 });
    }
  })();
  return sum;
}
