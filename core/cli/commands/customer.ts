import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../context.js';
import { CUSTOMER_ACTIONS, ActionError } from '../../customers/actions.js';
import { openDb } from '../../db/openDb.js';
import type { Db } from '../../db/db.js';
import { migrate } from '../../db/schema.js';
import { WEB_MIGRATIONS } from '../../web/webSchema.js';
import { createLogger } from '../../logging/logger.js';
import { logsDir } from '../../logging/exportLogs.js';
import { secretsOf } from '../../settings/settingsFile.js';

export function register(program: Command, ctx: CliContext): void {
  const customer = program.command('customer').description('act on one web customer: ' + Object.keys(CUSTOMER_ACTIONS).join(', '));
  customer
    .argument('<action>', 'what to do')
    .argument('<code>', 'customer code')
    .option('--config <file>', 'settings file')
    .action(async (actionName: string, code: string, opts: { config?: string }) => {
      const action = CUSTOMER_ACTIONS[actionName];
      if (!action) throw new CliError(`unknown customer action "${actionName}" (one of: ${Object.keys(CUSTOMER_ACTIONS).join(', ')})`, 2);
      const s = ctx.settings(opts.config);
      const logger = createLogger({ dir: logsDir(s), level: s.values.logLevel, secrets: secretsOf(s.values) });
      const webDb = await openDb(s.values.webDsn, { baseDir: s.dir, create: true });
      let erpDb: Db | undefined;
      try {
        await migrate(webDb, WEB_MIGRATIONS);
        const message = await action.run(
          {
            webDb,
            erpDb: async () => (erpDb ??= await openDb(s.values.erpDsn, { baseDir: s.dir })),
            settings: s.values,
            logger,
            now: () => new Date(),
          },
          code,
        );
        logger.info({ action: actionName, customer: code }, message);
        ctx.io.out(message);
      } catch (err) {
        if (err instanceof ActionError) throw new CliError(err.message);
        throw err;
      } finally {
        await webDb.close();
        await erpDb?.close();
      }
    });
}
