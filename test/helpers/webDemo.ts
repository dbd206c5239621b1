// A demo ERP + web pair on real SQLite files, for the web-accounts, CRM, disable and price tests.
import path from 'node:path';
import { demoInit, type DemoInitResult } from '../../core/demo/demoData.js';
import { openDb } from '../../core/db/openDb.js';
import type { Db } from '../../core/db/db.js';
import { loadSettings } from '../../core/settings/settingsFile.js';
import { createLogger } from '../../core/logging/logger.js';
import type { SettingsInput, SettingsValues } from '../../core/contracts/settings.schema.js';
import { inList } from '../../core/db/sqlLists.js';

export const silentLogger = createLogger({ level: 'silent' });

export interface DemoPair {
  demo: DemoInitResult;
  erp: Db;
  web: Db;
  settings: SettingsValues;
  close(): Promise<void>;
}

export async function openDemo(dir: string, name: string, customers = 60, settings: SettingsInput = {}): Promise<DemoPair> {
  const demo = await demoInit({ dir: path.join(dir, name), customers, seed: 1, force: true, settings });
  const erp = await openDb(`sqlite:${demo.erp}`);
  const web = await openDb(`sqlite:${demo.web}`);
  return { demo, erp, web, settings: loadSettings(demo.settings).values, close: async () => (await erp.close(), await web.close()) };
}

/**
 * Puts ERP debtors on the web as Customer Master does (Source ERP, ErpStatus, IsDisabled from H/C), so these
 * tests do not depend on that event. Only the columns the tests read.
 */
export async function putErpCustomersOnWeb(erp: Db, web: Db, codes?: string[]): Promise<void> {
  const list = codes ? inList(codes, 'c') : undefined;
  const rows = await erp.all<Record<string, unknown>>(
    `SELECT [accountcode], [dr_name], [dr_status], [email], [phone], [dr_date_last_changed] FROM [deb_master]${list ? ` WHERE [accountcode] IN (${list.sql})` : ''}`,
    list?.params,
  );
  await web.upsert(
    'Customer',
    ['CustomerCode'],
    rows.map((r) => ({
      CustomerCode: r.accountcode,
      Name: r.dr_name,
      Email: r.email,
      Phone: r.phone,
      ErpStatus: r.dr_status,
      ErpChangedAt: r.dr_date_last_changed,
      IsDisabled: r.dr_status === 'H' || r.dr_status === 'C' ? 1 : 0,
      Source: 'ERP',
      ActiveStatus: 'Active',
    })),
  );
}

export const count = async (db: Db, sql: string, params?: Record<string, string>) => Number((await db.get<{ n: number }>(sql, params))?.n ?? 0);
