// The SQL the ERP adapter sends for debtor fingerprints. SQL Server cannot run here: these pin the statement text
// (the SQL Server contract suite runs it against a real server when INTEGRATOR_TEST_MSSQL is set).
import { describe, expect, it } from 'vitest';
import type { Db, DbKind, Params } from '../../core/db/db.js';
import { SqlErpSource } from '../../core/erp/sqlErpSource.js';

const COLUMNS = ['dr_name', 'terms_code', 'credit_limit'];

/** A database that records every statement and answers from `answer`. */
function recording(kind: DbKind, answer: (sql: string) => unknown[][]): { db: Db; sent: Array<{ sql: string; params?: Params }> } {
  const sent: Array<{ sql: string; params?: Params }> = [];
  const db = {
    kind,
    description: kind,
    limit: (n: number) => (kind === 'mssql' ? { top: `TOP (${n})`, tail: '' } : { top: '', tail: `LIMIT ${n}` }),
    async values(sql: string, params?: Params) {
      sent.push({ sql, params });
      return answer(sql);
    },
    async all(sql: string, params?: Params) {
      sent.push({ sql, params });
      return [];
    },
  } as unknown as Db;
  return { db, sent };
}

/** The select list between SELECT [TOP (n)] and FROM [deb_master], split at its top-level commas. */
function selectList(sql: string): string[] {
  const body = /^SELECT (?:TOP \(\d+\) )?([\s\S]*?) FROM \[deb_master\] d/.exec(sql)?.[1] ?? '';
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "'") quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(body.slice(start).trim());
  return out;
}

describe('debtor fingerprints on SQL Server', () => {
  const HASH = 'A'.repeat(64);

  it('the scan has the engine hash each debtor: only the code and 64 hex characters cross the wire', async () => {
    const { db, sent } = recording('mssql', () => [['C00001', HASH]]);
    const prints = await new SqlErpSource(db).debtorFingerprints({ after: null, limit: 5000, filter: [], columns: COLUMNS });
    expect(prints).toEqual([{ accountcode: 'C00001', fingerprint: HASH }]);
    const list = selectList(sent[0].sql);
    expect(list).toHaveLength(2);
    expect(list[0]).toBe('d.[accountcode]');
    expect(list[1]).toMatch(/^CONVERT\(CHAR\(64\), HASHBYTES\('SHA2_256', CONCAT\(/);
    // Every asked column and every address (in na_type order) go into the hash.
    for (const c of COLUMNS) expect(list[1]).toContain(`d.[${c}]`);
    for (const c of ['na_name', 'street', 'suburb', 'state', 'postcode', 'country']) expect(list[1]).toContain(`a.[${c}]`);
    expect(list[1]).toContain('WITHIN GROUP (ORDER BY a.[na_type])');
    expect(list[1]).toContain('WHERE a.[accountcode] = d.[accountcode]');
  });

  it('a full read selects the very same hash, and reads addresses without any fingerprint text', async () => {
    const scan = recording('mssql', () => []);
    await new SqlErpSource(scan.db).debtorFingerprints({ after: 'C00000', limit: 10, filter: [], columns: COLUMNS });
    const { db, sent } = recording('mssql', (sql) =>
      sql.includes('FROM [deb_master]') ? [['C00001', 'Name', '30D', 100, HASH]] : [['C00001', '00', 'Name', '1 St', 'Town', 'VIC', '3000', 'Australia']],
    );
    const [debtor] = await new SqlErpSource(db).debtorPage({ after: null, limit: 10, filter: [], columns: COLUMNS });
    const page = selectList(sent[0].sql);
    expect(page.slice(0, 4)).toEqual(['d.[accountcode]', 'd.[dr_name]', 'd.[terms_code]', 'd.[credit_limit]']);
    expect(page[4]).toBe(selectList(scan.sent[0].sql)[1]);
    expect(debtor).toMatchObject({ accountcode: 'C00001', fields: { accountcode: 'C00001', dr_name: 'Name', terms_code: '30D', credit_limit: 100 }, fingerprint: HASH });
    expect(debtor.addresses).toEqual([{ na_type: '00', na_name: 'Name', street: '1 St', suburb: 'Town', state: 'VIC', postcode: '3000', country: 'Australia' }]);
    expect(sent[1].sql).toMatch(/^SELECT a\.\[accountcode\], a\.\[na_type\], a\.\[na_name\], a\.\[street\], a\.\[suburb\], a\.\[state\], a\.\[postcode\], a\.\[country\] FROM \[name_and_address_master\] a WHERE a\.\[accountcode\] IN \(@c0\)/);
    // debtorsByCodes (Send Changed's full read of what changed) selects it too.
    const byCodes = recording('mssql', () => []);
    await new SqlErpSource(byCodes.db).debtorsByCodes(['C00001'], COLUMNS);
    expect(selectList(byCodes.sent[0].sql)[4]).toBe(page[4]);
  });
});

describe('debtor fingerprints on SQLite', () => {
  it('stay the text the engine renders, aggregated in one pass: the scan and the full read give the same fingerprint', async () => {
    const { db, sent } = recording('sqlite', () => [['C00001', '\u0001Name\u000130D\u0001100.0', '\u0001Name\u00011 St\u0002\u0001Depot\u00012 Rd']]);
    const [print] = await new SqlErpSource(db).debtorFingerprints({ after: null, limit: 5000, filter: [], columns: COLUMNS });
    expect(sent[0].sql).toContain('GROUP_CONCAT(');
    expect(sent[0].sql).not.toContain('HASHBYTES');
    const full = recording('sqlite', (sql) =>
      sql.includes('FROM [deb_master]')
        ? [['C00001', 'Name', '30D', 100, '\u0001Name\u000130D\u0001100.0']]
        : [
            ['C00001', '00', 'Name', '1 St', null, null, null, null, '\u0001Name\u00011 St'],
            ['C00001', '01', 'Depot', '2 Rd', null, null, null, null, '\u0001Depot\u00012 Rd'],
          ],
    );
    const [debtor] = await new SqlErpSource(full.db).debtorPage({ after: null, limit: 10, filter: [], columns: COLUMNS });
    expect(debtor.fingerprint).toBe(print.fingerprint);
    expect(full.sent[1].sql).toContain('json_each(@c)');
  });
});
