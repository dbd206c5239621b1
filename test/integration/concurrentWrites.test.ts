// The web store's own traffic lands between the integrator's statements. On SQL Server under READ COMMITTED a
// transaction holds no lock on what it read, so: a number handed out must be claimed by the statement that
// advances the sequence, and an admin's Disable must be read by the statement that writes IsDisabled.
// These tests put the other writer exactly between the read and the write, on real SQLite files.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Db, Params, Row } from '../../core/db/db.js';
import { openDb } from '../../core/db/openDb.js';
import { allocateCodes, parseTemplate } from '../../core/customers/numbering.js';
import { sendWebAccounts } from '../../core/customers/webAccountSync.js';
import { tmpDir } from '../helpers/tmp.js';
import { makeRig } from '../helpers/eventRig.js';
import { openDemo, silentLogger, type DemoPair } from '../helpers/webDemo.js';

const dir = tmpDir('integrator-concurrent-');
const closing: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of closing) await c();
});

/** A barrier both callers reach before either goes on. */
function barrier(n: number): () => Promise<void> {
  let waiting = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => (release = r));
  return async () => {
    if (++waiting === n) release();
    await all;
  };
}

/**
 * The database as a transaction sees it, with `interleave` run (on the same connection, so it lands inside the
 * transaction as another session's commit would under READ COMMITTED) right after the first read that matches.
 */
function withWriterAfter(db: Db, matches: (sql: string) => boolean, interleave: (tx: Db) => Promise<unknown>): Db {
  let fired = false;
  const wrap = (inner: Db): Db =>
    new Proxy(inner, {
      get(target, prop, receiver) {
        if (prop === 'all' || prop === 'get') {
          return async (sql: string, params?: Params) => {
            const r = await (target[prop] as (s: string, p?: Params) => Promise<Row[] | Row | undefined>).call(target, sql, params);
            if (!fired && matches(sql)) {
              fired = true;
              await interleave(target);
            }
            return r;
          };
        }
        if (prop === 'transaction') return <T>(fn: (tx: Db) => Promise<T>) => target.transaction((tx) => fn(wrap(tx)));
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  return wrap(db);
}

describe('numbering sequence under concurrent allocations', () => {
  it('two connections allocating at once never hand out one code twice', async () => {
    const p: DemoPair = await openDemo(dir, 'numbering');
    closing.push(p.close);
    const second = await openDb(`sqlite:${p.demo.web}`);
    closing.push(() => second.close());
    const t = parseTemplate('ALLOC-###');
    // Each allocation checks its candidates against the ERP (a slow read at a real site) before it writes:
    // both have read the sequence by the time either checks.
    const meet = barrier(2);
    const taken = async () => {
      await meet();
      return new Set<string>();
    };
    const [a, b] = await Promise.all([allocateCodes(p.web, t, 3, taken), allocateCodes(second, t, 3, taken)]);
    expect(a.codes).toHaveLength(3);
    expect(b.codes).toHaveLength(3);
    expect(new Set([...a.codes, ...b.codes]).size).toBe(6);
    expect((await p.web.get<{ NextValue: number }>(`SELECT [NextValue] FROM [NumberingSequence] WHERE [Name] = 'ALLOC-###'`))?.NextValue).toBe(7);
    // Two processes: each its own connection and transaction, each a block of its own.
    const c = await p.web.transaction((tx) => allocateCodes(tx, t, 2, async () => new Set()));
    expect(c.codes).toEqual(['ALLOC-007', 'ALLOC-008']);
  });

  it('a code the ERP already uses is consumed, not handed out, and a rolled back allocation is given again', async () => {
    const p: DemoPair = await openDemo(dir, 'numbering2');
    closing.push(p.close);
    const t = parseTemplate('R-##');
    await expect(
      p.web.transaction(async (tx) => {
        await allocateCodes(tx, t, 2, async () => new Set());
        throw new Error('the run died before it committed');
      }),
    ).rejects.toThrow(/died/);
    const again = await allocateCodes(p.web, t, 3, async (c) => new Set(c.filter((x) => x === 'R-02')));
    expect(again).toEqual({ codes: ['R-01', 'R-03', 'R-04'], exhausted: false });
  });
});

describe("an admin's Disable landing between the integrator's read and its write", () => {
  it('Customer Master keeps it (IsDisabled is decided inside the write)', async () => {
    const rig = await makeRig(path.join(dir, 'cm'), 30, 4);
    closing.push(() => rig.close());
    expect((await rig.run('customer-master', { all: true })).status).toBe('Succeeded');
    const code = rig.erp.prepare(`SELECT accountcode FROM deb_master WHERE dr_status = 'A' ORDER BY accountcode LIMIT 1`).pluck().get() as string;
    rig.erp.prepare(`UPDATE deb_master SET phone = '03 1111 2222', dr_date_last_changed = '2026-11-01T11:00:00Z' WHERE accountcode = ?`).run(code);
    // The admin's Disable commits just after the page read the customers' states.
    const webDb = withWriterAfter(rig.webDb, (sql) => /\[DisabledByAdmin\]/.test(sql) && /FROM \[Customer\]/.test(sql), (tx) =>
      tx.run(`UPDATE [Customer] SET [DisabledByAdmin] = 1, [IsDisabled] = 1 WHERE [CustomerCode] = @code`, { code }),
    );
    const { runEvent } = await import('../../core/events/runEvent.js');
    const out = await runEvent('customer-master', {}, { erpDb: rig.erpDb, webDb, settings: rig.settings, logger: silentLogger, now: () => new Date('2026-11-01T12:00:00Z') });
    expect(out.summary).toMatchObject({ written: 1, failed: 0 });
    expect(rig.web.prepare(`SELECT Phone, DisabledByAdmin, IsDisabled FROM Customer WHERE CustomerCode = ?`).get(code)).toEqual({ Phone: '03 1111 2222', DisabledByAdmin: 1, IsDisabled: 1 });
  });

  it('web-accounts keeps it when the account becomes an ERP debtor', async () => {
    const p: DemoPair = await openDemo(dir, 'wa');
    closing.push(p.close);
    // The admin disables the web account while its ERP debtor is being created.
    const erpDb = withWriterAfter(p.erp, (sql) => /FROM \[deb_master\] WHERE \[accountcode\] IN/.test(sql) && /SELECT \*/.test(sql), () =>
      p.web.run(`UPDATE [Customer] SET [DisabledByAdmin] = 1, [IsDisabled] = 1 WHERE [CustomerCode] = 'B2C-0001'`),
    );
    const r = await sendWebAccounts({ erpDb, webDb: p.web, settings: p.settings, logger: silentLogger, now: () => new Date('2026-11-02T09:00:00Z') }, ['B2C-0001']);
    expect(r.results.map((x) => x.erpCode)).toEqual(['WEB-00001']);
    expect(await p.web.get(`SELECT [DisabledByAdmin], [IsDisabled], [WebCode] FROM [Customer] WHERE [CustomerCode] = 'WEB-00001'`)).toEqual({ DisabledByAdmin: 1, IsDisabled: 1, WebCode: 'B2C-0001' });
  });
});
