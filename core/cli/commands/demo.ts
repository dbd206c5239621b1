import path from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError, DEFAULT_DATA_DIR } from '../context.js';
import { demoInit } from '../../demo/demoData.js';
import { positiveInt } from '../parse.js';

export function register(program: Command, ctx: CliContext): void {
  const demo = program.command('demo').description('sample ERP and web databases');
  demo
    .command('init')
    .description('write D/erp.sqlite, D/web.sqlite and D/settings.json with deterministic sample data')
    .option('--dir <dir>', 'folder to write', DEFAULT_DATA_DIR)
    .option('--customers <n>', 'number of ERP debtors', '500')
    .option('--seed <s>', 'random seed: the same seed gives the same data', '1')
    .option('--force', 'replace existing files')
    .action(async (opts: { dir: string; customers: string; seed: string; force?: boolean }) => {
      const customers = positiveInt(opts.customers, '--customers');
      const seed = positiveInt(opts.seed, '--seed', 0);
      const started = Date.now();
      const r = await demoInit({ dir: opts.dir, customers, seed, force: opts.force }).catch((err: Error) => {
        throw err.name === 'DemoExistsError' ? new CliError(err.message) : err;
      });
      const s = r.summary;
      ctx.io.out(`Demo data written to ${path.relative(process.cwd(), r.dir) || '.'} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      ctx.io.out(`  ERP  ${r.erp}: ${s.debtors} debtors, ${s.addresses} addresses, ${s.products} products, ${s.prices} price breaks, ${s.specials} special prices, ${s.orders} orders (${s.orderLines} lines), ${s.transactions} transactions, ${s.conversions} conversions`);
      ctx.io.out(`  Web  ${r.web}: migrated; web-created demo rows: CRM customers on two sites, B2C checkout accounts, a guest order, web users (ERP customers arrive with Customer Master)`);
      ctx.io.out(`  Settings ${r.settings}`);
    });
}
