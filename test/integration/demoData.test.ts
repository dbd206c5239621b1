import crypto from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { demoInit } from '../../core/demo/demoData.js';
import { ERP_TABLES } from '../../core/erp/erpSchema.js';
import { loadSettings } from '../../core/settings/settingsFile.js';
import { tmpDir } from '../helpers/tmp.js';

const dir = tmpDir();

function checksum(file: string): string {
  const db = new Database(file, { readonly: true });
  const h = crypto.createHash('sha256');
  for (const t of ERP_TABLES) {
    const pk = t.primaryKey.map((k) => `[${k}]`).join(', ');
    for (const row of db.prepare(`SELECT * FROM [${t.name}] ORDER BY ${pk}`).iterate()) h.update(JSON.stringify(row));
  }
  db.close();
  return h.digest('hex');
}

describe('demo data', () => {
  it('is deterministic: same seed, same data; another seed, other data', async () => {
    const a = await demoInit({ dir: path.join(dir, 'a'), customers: 200, seed: 7 });
    const b = await demoInit({ dir: path.join(dir, 'b'), customers: 200, seed: 7 });
    const c = await demoInit({ dir: path.join(dir, 'c'), customers: 200, seed: 8 });
    expect(checksum(a.erp)).toBe(checksum(b.erp));
    expect(checksum(a.erp)).not.toBe(checksum(c.erp));
    expect(a.summary).toEqual(b.summary);
  });

  it('fills every ERP table with realistic variety', async () => {
    const r = await demoInit({ dir: path.join(dir, 'v'), customers: 300, seed: 1 });
    const db = new Database(r.erp, { readonly: true });
    const count = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
    for (const t of ERP_TABLES) expect(count(`SELECT COUNT(*) AS n FROM [${t.name}]`), t.name).toBeGreaterThan(0);
    expect(count(`SELECT COUNT(*) AS n FROM (SELECT accountcode FROM name_and_address_master WHERE na_type <> '00' GROUP BY accountcode HAVING COUNT(*) >= 2)`)).toBeGreaterThan(0);
    expect(count(`SELECT COUNT(DISTINCT qty_break) AS n FROM stock_price`)).toBeGreaterThanOrEqual(3);
    expect(count(`SELECT COUNT(DISTINCT whse_code) AS n FROM stock_warehouse_detail`)).toBeGreaterThanOrEqual(3);
    expect(count(`SELECT COUNT(*) AS n FROM stock_master WHERE condition_code IN ('D','I','Y','N','T')`)).toBeGreaterThan(0);
    expect(count(`SELECT COUNT(DISTINCT so_order_status) AS n FROM sales_order`)).toBeGreaterThanOrEqual(5);
    expect(count(`SELECT COUNT(DISTINCT dr_status) AS n FROM deb_master`)).toBe(3);
    expect(count(`SELECT COUNT(*) AS n FROM name_and_address_master WHERE country = ''`)).toBeGreaterThan(0);
    // A chain: some new code is also an old code.
    expect(count(`SELECT COUNT(*) AS n FROM deb_conversion a JOIN deb_conversion b ON a.new_accountcode = b.old_accountcode`)).toBe(1);
    // Conversion targets are live debtors.
    expect(count(`SELECT COUNT(*) AS n FROM deb_conversion c LEFT JOIN deb_master d ON d.accountcode = c.new_accountcode WHERE d.accountcode IS NULL AND c.new_accountcode NOT IN (SELECT old_accountcode FROM deb_conversion)`)).toBe(0);
    db.close();
    const web = new Database(r.web, { readonly: true });
    // Only web-created customers: the ERP's arrive with Customer Master.
    expect(Number((web.prepare("SELECT COUNT(*) AS n FROM Customer WHERE Source <> 'WEB'").get() as { n: number }).n)).toBe(0);
    web.close();
    const s = loadSettings(r.settings);
    expect(s.values.erpDsn).toBe('sqlite:erp.sqlite');
  });

  it('refuses to overwrite without --force', async () => {
    await demoInit({ dir: path.join(dir, 'f'), customers: 50, seed: 1 });
    await expect(demoInit({ dir: path.join(dir, 'f'), customers: 50, seed: 1 })).rejects.toThrow(/--force/);
    await expect(demoInit({ dir: path.join(dir, 'f'), customers: 50, seed: 2, force: true })).resolves.toBeTruthy();
  });
});
