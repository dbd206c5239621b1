// The connections of a process that runs events: one pool per database, opened on first use and shared by
// everything the process does. The web database's migrations are checked when its connection opens (at the
// process's start, and again only if the database had to be reopened), never per run.
import { DbPool } from '../db/dbPool.js';
import { migrate } from '../db/schema.js';
import { WEB_MIGRATIONS } from '../web/webSchema.js';
import type { SettingsValues } from '../contracts/settings.schema.js';
import type { RunConnections } from './runPipeline.js';

export interface ProcessConnections extends RunConnections {
  erp: DbPool;
  baseDir: string;
  close(): Promise<void>;
}

export interface ConnectionOptions {
  /** Folder relative SQLite paths are resolved against (the settings file's). */
  baseDir: string;
  /** Create the web database's file when it is missing, at the first open (the CLI; the worker's start). */
  createWeb?: boolean;
}

export function webPool(dsn: string, options: ConnectionOptions): DbPool {
  return new DbPool(dsn, {
    baseDir: options.baseDir,
    create: options.createWeb,
    prepare: async (db) => {
      await migrate(db, WEB_MIGRATIONS);
    },
  });
}

export function processConnections(settings: SettingsValues, options: ConnectionOptions): ProcessConnections {
  const web = webPool(settings.webDsn, options);
  const erp = new DbPool(settings.erpDsn, { baseDir: options.baseDir });
  return {
    web,
    erp,
    baseDir: options.baseDir,
    async close() {
      await Promise.allSettled([web.close(), erp.close()]);
    },
  };
}
