// A small hand-made ERP (SQLite) whose every price rule has a known answer, and a running pricing listener
// plus ERP listener over it on loopback (port 0).
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDb } from '../../core/db/sqliteDb.js';
import { createTables } from '../../core/db/schema.js';
import { ERP_TABLES } from '../../core/erp/erpSchema.js';
import { openDb } from '../../core/db/openDb.js';
import { defaultSettings, type SettingsInput, type SettingsValues } from '../../core/contracts/settings.schema.js';
import { createLogger } from '../../core/logging/logger.js';
import { ErpChangeFeed } from '../../core/pricing/erpChanges.js';
import { startErpListener, startPricingListener, type PricingStartOptions, type RunningPricing } from '../../core/pricing/pricingServices.js';
import type { RunningService } from '../../core/worker/service.js';
import type { Db } from '../../core/db/db.js';
import { migrate } from '../../core/db/schema.js';
import { WEB_MIGRATIONS } from '../../core/web/webSchema.js';

export async function writeFixtureErp(file: string): Promise<void> {
  const db = new SqliteDb(file, { create: true });
  try {
    await createTables(db, ERP_TABLES);
    db.raw.pragma('journal_mode = DELETE');
    const ins = (table: string, rows: unknown[][]) => {
      const cols = ERP_TABLES.find((t) => t.name === table)!.columns.map((c) => c.name).slice(0, rows[0].length);
      const stmt = db.raw.prepare(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
      for (const r of rows) stmt.run(r);
    };
    // accountcode, dr_name, dr_status, terms_code, rep_code, price_code
    ins('deb_master', [
      ['C1', 'Level A customer', 'A', '30D', 'R01', 'A'],
      ['C2', 'No level customer', 'A', '30D', 'R01', ''],
      ['C3', 'Special customer', 'A', '30D', 'R01', 'B'],
    ]);
    ins('stock_master', [
      ['P1', 'Bolt 6mm', '', 100],
      ['P2', 'Hinge (discontinued)', 'D', 50],
      ['P3', 'Pipe 1m', 'A', 20],
    ]);
    ins('stock_price', [
      ['P1', 'A', 1, 90],
      ['P1', 'A', 10, 80],
      ['P1', 'A', 50, 70],
      ['P1', 'B', 1, 95],
      ['P3', 'B', 5, 15],
    ]);
    ins('deb_special_price', [['C3', 'P1', 60]]);
    ins('stock_warehouse_detail', [
      ['P1', 'MEL', 100, 30],
      ['P1', 'SYD', 5, 10],
      ['P2', 'MEL', 40, 0],
      ['P3', 'SYD', 8, 3],
    ]);
  } finally {
    await db.close();
  }
}

export interface Listeners {
  erpFile: string;
  /** The web database (migrated): the web store's manual prices live here. */
  webFile: string;
  pricing: RunningPricing;
  erp: RunningService;
  priceUrl: string;
  erpUrl: string;
  close(): Promise<void>;
}

export async function startListeners(dir: string, settings: SettingsInput = {}, options: PricingStartOptions = {}): Promise<Listeners> {
  const erpFile = path.join(dir, 'erp.sqlite');
  const values = { ...defaultSettings(), httpPort: 0, erpListenerPort: 0, enableErpListener: true, ...settings } as SettingsValues;
  const logger = createLogger({ dir: path.join(dir, 'logs'), level: 'info', secrets: typeof values.listenerApiKey === 'string' && values.listenerApiKey ? [values.listenerApiKey] : [] });
  const erpDb = await openDb(`sqlite:${erpFile}`, { readonly: true });
  const webFile = path.join(dir, 'web.sqlite');
  const webDb = await openDb(`sqlite:${webFile}`, { create: true });
  await migrate(webDb, WEB_MIGRATIONS);
  const feed = new ErpChangeFeed();
  const ctx = { erpDb, webDb, settings: values, logger, openErpDb: () => openDb(`sqlite:${erpFile}`, { readonly: true }) };
  const pricing = await startPricingListener(ctx, { feed, ...options });
  const erp = await startErpListener(ctx, { feed });
  return {
    erpFile,
    webFile,
    pricing,
    erp,
    priceUrl: pricing.endpoints['Pricing listener'],
    erpUrl: erp.endpoints['ERP listener'],
    async close() {
      await pricing.close();
      await erp.close();
      await erpDb.close();
      await webDb.close();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The bytes as sent (not decompressed). */
  raw: Buffer;
  text: string;
  json: unknown;
}

/** A request over plain node:http, so compression is seen exactly as sent. */
export function request(url: string, o: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: o.method ?? 'GET', headers: o.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = raw.toString('utf8');
        let json: unknown = undefined;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON (e.g. gzip bytes)
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (o.body !== undefined) req.write(o.body);
    req.end();
  });
}

export const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

export function priceQuery(base: string, q: Record<string, string | number>): string {
  const u = new URL('/price', base);
  for (const [k, v] of Object.entries(q)) u.searchParams.set(k, String(v));
  return u.toString();
}

/** Writes into the ERP file through its own connection, as the ERP itself would. */
export async function erpWrite(file: string, sql: string, params: unknown[] = []): Promise<void> {
  // Plain better-sqlite3: the ERP file keeps its journal mode (SqliteDb would switch it to WAL).
  const db = new Database(file, { fileMustExist: true });
  try {
    db.prepare(sql).run(params);
  } finally {
    db.close();
  }
}

/** Writes into the web database through its own connection, as the web store itself would. */
export async function webWrite(file: string, sql: string, params: unknown[] = []): Promise<void> {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.prepare(sql).run(params);
  } finally {
    db.close();
  }
}

export type { Db };
