import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/tmp.js';
import { BIN, integrator, sendAllKilledAfter } from '../helpers/cli.js';
import { demoInit } from '../../core/demo/demoData.js';
import { checksum, differences, erpCanonical, webCanonical } from '../helpers/customerChecksum.js';
import { queryNumber } from '../helpers/sqliteQuery.js';

const dir = tmpDir('integrator-send-');

describe('integrator send', () => {
  let small: { dir: string; settings: string; erp: string; web: string };
  beforeAll(async () => {
    const r = await demoInit({ dir: path.join(dir, 'small'), customers: 200, seed: 2 });
    small = { dir: r.dir, settings: r.settings, erp: r.erp, web: r.web };
  });

  it('runs an event with a one-line summary and exit 0; an unknown event is refused', () => {
    const r = integrator(['send', 'customer-master', '--all', '--config', small.settings]);
    expect(r.status, r.err).toBe(0);
    expect(r.out.trim()).toMatch(/^Customer Master \(Send All\) succeeded: read 201, written 201, skipped 0, failed 0 in \d+\.\ds/);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    // Not a terminal: whole lines on stderr, never the opening 0, always the final count of each phase.
    expect(r.err).toMatch(/^debtors: 201\/201 in \d+\.\ds( {2}[\d,]+ rows\/s)?$/m);
    expect(r.err).toMatch(/^removed debtors: \d+ in \d+\.\ds/m);
    expect(r.err).not.toMatch(/ 0\/201 0%/);
    const again = integrator(['send', 'customer-master', '--config', small.settings]);
    expect(again.status).toBe(0);
    expect(again.out).toMatch(/Send Changed\) succeeded: read 201, written 0, skipped 201/);
    const bad = integrator(['send', 'everything', '--config', small.settings]);
    expect(bad.status).toBe(2);
    expect(bad.err).toMatch(/unknown event "everything" \(one of: customer-master, conversions, orders, statements, web-accounts\)/);
  });

  it('activation through the CLI, then Get Orders brings the orders and makes the customer Active', () => {
    const code = 'C00005';
    const act = integrator(['customer', 'activate', code, '--config', small.settings]);
    expect(act.status, act.err).toBe(0);
    expect(act.out).toMatch(/C00005 .* marked active \(PendingGetOrders\)/);
    const r = integrator(['send', 'orders', '--config', small.settings]);
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/^Get Orders \(Send Changed\) succeeded/);
    expect(queryNumber(small.web, `SELECT COUNT(*) FROM Customer WHERE CustomerCode = '${code}' AND ActiveStatus = 'Active'`)).toBe(1);
    const st = integrator(['send', 'statements', '--config', small.settings]);
    expect(st.status, st.err).toBe(0);
  });

  it('a Partial run prints each failure with its reason and exits 1', () => {
    const erp = new Database(small.erp);
    erp.prepare(`UPDATE deb_master SET dr_name = ? WHERE accountcode = 'C00007'`).run('N'.repeat(81));
    erp.close();
    const r = integrator(['send', 'customer-master', '--config', small.settings]);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/partial: read 201, written 0, skipped 200, failed 1/);
    expect(r.err).toContain('C00007: dr_name (-> Customer.Name) is 81 characters; the web column holds 80');
    expect(r.err).toMatch(/error: 1 row\(s\) failed/);
  });

  it('Ctrl-C (SIGINT) stops after the current batch, exits 1, and the next Send All resumes', async () => {
    const r = await demoInit({ dir: path.join(dir, 'int'), customers: 6000, seed: 3, settings: { batchSize: 200 } });
    const child = spawn(process.execPath, [BIN, 'send', 'customer-master', '--all', '--config', r.settings], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, INTEGRATOR_CONFIG: '' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const started = Date.now();
    while (queryNumber(r.web, `SELECT COUNT(*) FROM IntegrationState WHERE [Key] = 'customer-master:send-all:resume'`) === 0) {
      if (Date.now() - started > 30_000) throw new Error('the send never got going');
      await new Promise((res) => setTimeout(res, 5));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(out).toMatch(/Customer Master \(Send All\) stopped: read \d+/);
    const atStop = queryNumber(r.web, `SELECT COUNT(*) FROM Customer WHERE Source = 'ERP'`);
    expect(atStop).toBeLessThan(6001);
    expect(queryNumber(r.web, `SELECT COUNT(*) FROM IntegrationRun WHERE Status = 'Stopped' AND Error LIKE 'stopped on request%'`)).toBe(1);
    const rerun = integrator(['send', 'customer-master', '--all', '--config', r.settings]);
    expect(rerun.status, rerun.err).toBe(0);
    expect(checksum(webCanonical(r.web))).toBe(checksum(erpCanonical(r.erp)));
  });

  it('a Send All killed with SIGKILL mid-way and run again converges to exactly the ERP', async () => {
    const r = await demoInit({ dir: path.join(dir, 'kill'), customers: 12000, seed: 9, settings: { batchSize: 300 } });
    // Killed as soon as a few batches are committed, long before the end.
    expect(await sendAllKilledAfter(r.settings, r.web, 1500)).toBeNull();
    const atKill = queryNumber(r.web, `SELECT COUNT(*) FROM Customer WHERE Source = 'ERP'`);
    expect(atKill).toBeLessThan(12001);
    expect(queryNumber(r.web, `SELECT COUNT(*) FROM IntegrationState WHERE [Key] = 'customer-master:send-all:resume'`)).toBe(1);
    expect(queryNumber(r.web, `SELECT COUNT(*) FROM IntegrationRun WHERE Status = 'Running'`)).toBe(1);

    const rerun = integrator(['send', 'customer-master', '--all', '--config', r.settings], { timeout: 120_000 });
    expect(rerun.status, rerun.err).toBe(0);
    expect(rerun.out).toMatch(/succeeded/);
    const erp = erpCanonical(r.erp);
    const web = webCanonical(r.web);
    expect(differences(erp, web)).toEqual([]);
    expect(checksum(web)).toBe(checksum(erp));
    expect(queryNumber(r.web, `SELECT COUNT(*) FROM CustomerAddress a JOIN Customer c ON c.CustomerCode = a.CustomerCode WHERE c.Source = 'ERP'`)).toBe(queryNumber(r.erp, `SELECT COUNT(*) FROM name_and_address_master`));
    const web2 = new Database(r.web, { readonly: true });
    const details = JSON.parse(String(web2.prepare(`SELECT Details FROM IntegrationRun ORDER BY Id DESC LIMIT 1`).pluck().get())) as { resumedFrom?: string };
    web2.close();
    expect(details.resumedFrom).toMatch(/^C\d{5}$/);
    expect(queryNumber(r.web, `SELECT COUNT(*) FROM IntegrationState WHERE [Key] = 'customer-master:send-all:resume'`)).toBe(0);
    // The killed run is in the history as interrupted, not as a ghost still running.
    expect(queryNumber(r.web, `SELECT COUNT(*) FROM IntegrationRun WHERE Status = 'Running'`)).toBe(0);
    expect(queryNumber(r.web, `SELECT COUNT(*) FROM IntegrationRun WHERE Status = 'Failed' AND Error LIKE 'interrupted%'`)).toBe(1);
  });
});
