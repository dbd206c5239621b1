// `integrator process-pending-conversions <dsn>` (and the seed's alias) in a real child process.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { integrator } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';
import { addConversion, addCustomer, conversions, rowsOf, webDb } from '../helpers/conversionsFixture.js';
import { SqliteDb } from '../../core/db/sqliteDb.js';

const dir = tmpDir('integrator-conv-cli-');

describe('integrator process-pending-conversions', () => {
  it('processes the pending conversions of the web database given by the DSN and says what moved', async () => {
    const db = await webDb(dir, 'web.sqlite');
    addCustomer(db, 'OLD');
    addCustomer(db, 'NEW', { addresses: ['00'], users: [], orders: [], transRefs: [], products: [] });
    addConversion(db, 'OLD', 'NEW');
    await db.close();

    // A relative sqlite path is taken from the working directory.
    const r = integrator(['process-pending-conversions', 'sqlite:web.sqlite'], { cwd: dir });
    expect(r.err).toBe('');
    expect(r.status).toBe(0);
    expect(r.out).toContain('Customer conversions: 1 pending, 1 processed, 0 failed');
    expect(r.out).toContain('rows moved: Customer 0, CustomerAddress 1, UserCustomer 1, SalesOrder 2, StatementLine 1, PricingOverride 2');
    expect(r.out).toContain('CustomerAddress 1');

    const after = new SqliteDb(path.join(dir, 'web.sqlite'));
    expect(rowsOf(after, 'OLD')).toEqual({ Customer: 0, CustomerAddress: 0, UserCustomer: 0, SalesOrder: 0, StatementLine: 0, PricingOverride: 0, CustomerErpWrite: 0 });
    expect(conversions(after)[0].Status).toBe('Processed');
    const run = after.raw.prepare(`SELECT Event, Status, Written FROM IntegrationRun`).all();
    expect(run).toEqual([{ Event: 'conversions', Status: 'Succeeded', Written: 1 }]);
    await after.close();

    // Again: nothing pending, nothing changes.
    const again = integrator(['process-pending-conversions', `sqlite:${path.join(dir, 'web.sqlite')}`]);
    expect(again.status).toBe(0);
    expect(again.out).toContain('Customer conversions: 0 pending, 0 processed, 0 failed');
  });

  it('answers to the seed name too, and exits 1 naming each conversion it could not process', async () => {
    const db = await webDb(dir, 'cycle.sqlite');
    addCustomer(db, 'A');
    addCustomer(db, 'B');
    addConversion(db, 'A', 'B');
    addConversion(db, 'B', 'A');
    await db.close();
    const r = integrator(['processpendingcustomerconversionrecords', `sqlite:${path.join(dir, 'cycle.sqlite')}`]);
    expect(r.status).toBe(1);
    expect(r.out).toContain('Customer conversions: 2 pending, 0 processed, 2 failed');
    expect(r.out).toMatch(/failed: #1 A -> B: cycle: A -> B -> A; nothing moved/);
    expect(r.err.trim()).toBe('error: 2 conversion(s) not processed');
  });

  it('a bad or missing database gives one clear line and a non-zero exit', () => {
    const bad = integrator(['process-pending-conversions', 'postgres://u:secret@h/db']);
    expect(bad.status).not.toBe(0);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(bad.err).toMatch(/unsupported DSN/);
    expect(bad.err).not.toContain('secret');

    const missing = integrator(['process-pending-conversions', `sqlite:${path.join(dir, 'nope.sqlite')}`]);
    expect(missing.status).not.toBe(0);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    expect(missing.err).toMatch(/not found/);

    const none = integrator(['process-pending-conversions']);
    expect(none.status).not.toBe(0);
    expect(none.err).toMatch(/missing required argument 'dsn'/);
  });
});
