import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../context.js';
import { formatCheckItem, runConfigCheck } from '../../customers/checkConfig.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('check-config')
    .description('check the configuration: connections, schema, entities, customer class, guest customer, numbering, filters, mappings')
    .option('--config <file>', 'settings file')
    .action(async (opts: { config?: string }) => {
      const result = await runConfigCheck(ctx.settings(opts.config));
      for (const item of result.items) ctx.io.out(formatCheckItem(item));
      const failed = result.items.filter((i) => !i.ok).length;
      if (failed) throw new CliError(`${failed} of ${result.items.length} configuration checks failed`);
    });
}
