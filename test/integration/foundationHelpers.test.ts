import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../core/db/openDb.js';
import { migrate } from '../../core/db/schema.js';
import { WEB_MIGRATIONS } from '../../core/web/webSchema.js';
import { listBlockedUsers } from '../../core/customers/blockedUsers.js';
import { parseInclusionFilter, filterToSql, matchesFilter } from '../../core/erp/inclusionFilter.js';
import { resolveCustomerMapping, DEFAULT_CUSTOMER_MAP } from '../../core/web/customerMapping.js';
import { copyErpConversions } from '../../core/events/conversionCopy.js';
import { createTables } from '../../core/db/schema.js';
import { ERP_TABLES } from '../../core/erp/erpSchema.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir();
const DEB_COLUMNS = ERP_TABLES.find((t) => t.name === 'deb_master')!.columns.map((c) => c.name);

describe('blocked users', () => {
  it('are the users whose every customer is disabled', async () => {
    const db = await openDb(`sqlite:${path.join(dir, 'blocked.sqlite')}`, { create: true });
    await migrate(db, WEB_MIGRATIONS);
    await db.insertMany('Customer', [
      { CustomerCode: 'A', IsDisabled: 1 },
      { CustomerCode: 'B', IsDisabled: 0 },
      { CustomerCode: 'C', IsDisabled: 1 },
    ]);
    await db.insertMany('WebUser', [{ UserId: 'u1', Email: 'one@x' }, { UserId: 'u2', Email: 'two@x' }, { UserId: 'u3', Email: 'three@x' }]);
    await db.insertMany('UserCustomer', [
      { UserId: 'u1', CustomerCode: 'A' },
      { UserId: 'u1', CustomerCode: 'C' },
      { UserId: 'u2', CustomerCode: 'A' },
      { UserId: 'u2', CustomerCode: 'B' },
    ]);
    expect(await listBlockedUsers(db)).toEqual([{ userId: 'u1', email: 'one@x', customers: ['A', 'C'] }]);
    await db.close();
  });
});

describe('debtor inclusion filter', () => {
  it('parses conditions into parameterised SQL', () => {
    const f = parseInclusionFilter("dr_status in (A,H) and rep_code = R01 and dr_name like 'Acme%'", DEB_COLUMNS);
    expect(f).toHaveLength(3);
    const { sql, params } = filterToSql(f);
    expect(sql).toBe('[dr_status] IN (@f0, @f1) AND [rep_code] = @f2 AND [dr_name] LIKE @f3');
    expect(params).toEqual({ f0: 'A', f1: 'H', f2: 'R01', f3: 'Acme%' });
    expect(matchesFilter(f, { dr_status: 'A', rep_code: 'R01', dr_name: 'Acme Plumbing' })).toBe(true);
    expect(matchesFilter(f, { dr_status: 'C', rep_code: 'R01', dr_name: 'Acme Plumbing' })).toBe(false);
    expect(filterToSql(parseInclusionFilter('', DEB_COLUMNS)).sql).toBe('1=1');
  });

  it('names an unknown column and refuses anything that is not a condition', () => {
    expect(() => parseInclusionFilter('dr_colour = red', DEB_COLUMNS)).toThrow(/unknown debtor column "dr_colour"/);
    expect(() => parseInclusionFilter("dr_status = A; DROP TABLE deb_master", DEB_COLUMNS)).toThrow();
    expect(() => parseInclusionFilter('dr_status in A,H', DEB_COLUMNS)).toThrow(/parentheses/);
  });
});

describe('customer field mapping', () => {
  it('applies overrides over the default map', () => {
    expect(resolveCustomerMapping({}, DEB_COLUMNS)).toEqual(DEFAULT_CUSTOMER_MAP);
    expect(resolveCustomerMapping({ Phone: 'fax' }, DEB_COLUMNS).Phone).toBe('fax');
  });
  it('refuses a mapping that names a missing column, naming it', () => {
    expect(() => resolveCustomerMapping({ Phone: 'mobile_phone' }, DEB_COLUMNS)).toThrow(/no column "mobile_phone"/);
    expect(() => resolveCustomerMapping({ Mobile: 'fax' }, DEB_COLUMNS)).toThrow(/no column "Mobile"/);
    expect(() => resolveCustomerMapping({ ActiveStatus: 'dr_status' }, DEB_COLUMNS)).toThrow(/managed by the integrator/);
  });
});

describe('conversion copy', () => {
  it('adds new ERP conversions as Pending and leaves existing ones untouched', async () => {
    const erp = await openDb(`sqlite:${path.join(dir, 'erp-conv.sqlite')}`, { create: true });
    const web = await openDb(`sqlite:${path.join(dir, 'web-conv.sqlite')}`, { create: true });
    await createTables(erp, ERP_TABLES);
    await migrate(web, WEB_MIGRATIONS);
    await erp.insertMany('deb_conversion', [{ old_accountcode: 'OLD1', new_accountcode: 'NEW1', conversion_date: '2026-01-01' }]);
    expect(await copyErpConversions(erp, web, new Date('2026-02-01T00:00:00Z'))).toEqual({ read: 1, added: 1 });
    await web.run(`UPDATE [CustomerConversion] SET [Status] = 'Processed'`);
    await erp.insertMany('deb_conversion', [{ old_accountcode: 'OLD2', new_accountcode: 'NEW2', conversion_date: '2026-01-02' }]);
    expect(await copyErpConversions(erp, web, new Date('2026-02-02T00:00:00Z'))).toEqual({ read: 2, added: 1 });
    const rows = await web.all(`SELECT [OldCode], [Status], [ReceivedAt] FROM [CustomerConversion] ORDER BY [OldCode]`);
    expect(rows).toEqual([
      { OldCode: 'OLD1', Status: 'Processed', ReceivedAt: '2026-02-01T00:00:00.000Z' },
      { OldCode: 'OLD2', Status: 'Pending', ReceivedAt: '2026-02-02T00:00:00.000Z' },
    ]);
    await erp.close();
    await web.close();
  });
});
