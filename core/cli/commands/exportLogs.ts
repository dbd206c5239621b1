import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { defaultExportName, exportLogs } from '../../logging/exportLogs.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('export-logs')
    .description('write a support zip: logs, settings with secrets redacted, run history, version')
    .option('--out <file>', 'zip file to write (default: integrator-logs-<time>.zip beside the settings)')
    .option('--config <file>', 'settings file')
    .action(async (opts: { out?: string; config?: string }) => {
      const s = ctx.settings(opts.config);
      const r = await exportLogs(s, opts.out ?? defaultExportName(s));
      ctx.io.out(`Wrote ${r.file} (${r.entries.length} files, ${(r.bytes / 1024).toFixed(1)} KiB): ${r.entries.join(', ')}`);
    });
}
