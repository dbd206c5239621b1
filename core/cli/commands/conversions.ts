import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../context.js';
import type { Db } from '../../db/db.js';
import { openDb } from '../../db/openDb.js';
import { migrate } from '../../db/schema.js';
import { WEB_MIGRATIONS } from '../../web/webSchema.js';
import { runEvent } from '../../events/runEvent.js';
import { createLogger } from '../../logging/logger.js';
import { logsDir } from '../../logging/exportLogs.js';
import { secretsOf } from '../../settings/settingsFile.js';
import { defaultSettings } from '../../contracts/settings.schema.js';
import { FatalError } from '../../errors.js';
import type { ConversionFailure } from '../../events/conversions.js';

/** Conversions never read the ERP; the standalone command has no ERP connection to give them. */
function noErp(): Db {
  const refuse = () => {
    throw new FatalError('process-pending-conversions works on the web database only');
  };
  return {
    kind: 'sqlite',
    description: 'no ERP',
    all: async () => refuse(),
    get: async () => refuse(),
    values: async () => refuse(),
    run: async () => refuse(),
    exec: async () => refuse(),
    stream: async function* () {
      refuse();
    },
    transaction: async () => refuse(),
    upsert: async () => refuse(),
    insertMany: async () => refuse(),
    limit: () => refuse(),
    tables: async () => refuse(),
    columns: async () => refuse(),
    close: async () => undefined,
  };
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('process-pending-conversions')
    // The name the seed's scheduled job uses.
    .alias('processpendingcustomerconversionrecords')
    .description('rename customer codes for every Pending customer conversion in the web database <dsn> (for scheduling outside the integrator)')
    .argument('<dsn>', 'web database: sqlite:<path> or mssql://user:password@host:port/database')
    .option('--config <file>', 'settings file for logging (log folder, Log Integrator Events On Web); default: no log file')
    .action(async (dsn: string, opts: { config?: string }) => {
      const loaded = opts.config ? ctx.settings(opts.config) : undefined;
      const settings = loaded?.values ?? defaultSettings();
      const logger = createLogger(loaded ? { dir: logsDir(loaded), level: String(settings.logLevel), secrets: secretsOf(settings) } : {});
      const webDb = await openDb(dsn);
      try {
        await migrate(webDb, WEB_MIGRATIONS);
        const outcome = await runEvent('conversions', {}, { erpDb: noErp(), webDb, settings, logger });
        const s = outcome.summary;
        const d = (s.details ?? {}) as { rowsMoved?: Record<string, number>; rowsDropped?: Record<string, number>; failures?: ConversionFailure[]; moreFailures?: number };
        if (outcome.status === 'Failed') throw new CliError(`customer conversions failed: ${outcome.error}`);
        ctx.io.out(`Customer conversions: ${s.read} pending, ${s.written} processed, ${s.failed} failed${s.skipped ? `, ${s.skipped} already processed elsewhere` : ''}${s.incomplete ? ` (${s.incomplete})` : ''}`);
        const moved = Object.entries(d.rowsMoved ?? {});
        if (moved.length) ctx.io.out(`  rows moved: ${moved.map(([t, n]) => `${t} ${n}`).join(', ')}`);
        const dropped = Object.entries(d.rowsDropped ?? {});
        if (dropped.length) ctx.io.out(`  rows kept from the new code on a collision (the old code's recorded on the conversion): ${dropped.map(([t, n]) => `${t} ${n}`).join(', ')}`);
        for (const f of d.failures ?? []) ctx.io.out(`  ${f.status === 'Failed' ? 'failed' : 'still pending'}: #${f.id} ${f.oldCode} -> ${f.newCode}: ${f.reason}`);
        if (d.moreFailures) ctx.io.out(`  ... and ${d.moreFailures} more (see CustomerConversion.Error)`);
        if (s.failed > 0) throw new CliError(`${s.failed} conversion(s) not processed`);
      } finally {
        await webDb.close();
      }
    });
}
