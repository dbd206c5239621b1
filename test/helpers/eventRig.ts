// A demo ERP + web database pair on real SQLite files, and a way to run events on them in-process.
import path from 'node:path';
import Database from 'better-sqlite3';
import { demoInit, DEMO_TODAY } from '../../core/demo/demoData.js';
import { openDb } from '../../core/db/openDb.js';
import type { Db } from '../../core/db/db.js';
import { loadSettings } from '../../core/settings/settingsFile.js';
import type { SettingsInput, SettingsValues } from '../../core/contracts/settings.schema.js';
import { createLogger } from '../../core/logging/logger.js';
import { runEvent, type RunOutcome } from '../../core/events/runEvent.js';
import type { EventName } from '../../core/contracts/events.js';

export const NOW = new Date(`${DEMO_TODAY}T12:00:00Z`);

export interface Rig {
  dir: string;
  erpFile: string;
  webFile: string;
  settings: SettingsValues;
  erpDb: Db;
  webDb: Db;
  /** Direct, synchronous handles for arranging data and asserting. */
  erp: Database.Database;
  web: Database.Database;
  run(event: EventName, options?: { all?: boolean; settings?: SettingsInput; signal?: AbortSignal }): Promise<RunOutcome>;
  close(): Promise<void>;
}

export async function makeRig(dir: string, customers: number, seed = 1, settings: SettingsInput = {}): Promise<Rig> {
  const r = await demoInit({ dir, customers, seed, force: true, settings });
  const values = loadSettings(r.settings).values;
  const erpDb = await openDb(`sqlite:${r.erp}`);
  const webDb = await openDb(`sqlite:${r.web}`);
  const erp = new Database(r.erp);
  const web = new Database(r.web);
  const logger = createLogger();
  const rig: Rig = {
    dir,
    erpFile: r.erp,
    webFile: path.join(dir, 'web.sqlite'),
    settings: values,
    erpDb,
    webDb,
    erp,
    web,
    run: (event, o = {}) =>
      runEvent(event, { all: o.all ?? false }, { erpDb, webDb, settings: { ...rig.settings, ...(o.settings ?? {}) } as SettingsValues, logger, now: () => NOW, signal: o.signal }),
    async close() {
      erp.close();
      web.close();
      await erpDb.close();
      await webDb.close();
    },
  };
  return rig;
}
