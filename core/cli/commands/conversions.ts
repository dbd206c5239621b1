import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../context.js';
import { createLogger } from '../../logging/logger.js';
import { logsDir } from '../../logging/exportLogs.js';
import { secretsOf } from '../../settings/settingsFile.js';
import { defaultSettings } from '../../contracts/settings.schema.js';
import type { ConversionFailure } from '../../events/conversions.js';
import { webPool } from '../../run/connections.js';
import { runPipeline, RunRefusedError } from '../../run/runPipeline.js';
import { thisProcess } from '../../run/runLock.js';

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
      const logger = createLogger(loaded ? { dir: logsDir(loaded), level: settings.logLevel, secrets: secretsOf(settings) } : {});
      // Conversions never read the ERP: this command has the web database alone.
      const web = webPool(dsn, { baseDir: process.cwd() });
      try {
        let outcome;
        try {
          outcome = await runPipeline('conversions', { all: false }, 'cli', { connections: { web, erp: null }, settings, logger, holder: thisProcess('integrator process-pending-conversions') });
        } catch (err) {
          if (err instanceof RunRefusedError) throw new CliError(err.message);
          throw err;
        }
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
        await web.close();
      }
    });
}
