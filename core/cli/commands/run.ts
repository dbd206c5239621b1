// `integrator run`: the composition root of the running integrator (worker loops, services, admin API + UI).
import fs from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../context.js';
import { saveSettings, secretsOf } from '../../settings/settingsFile.js';
import { createLogger } from '../../logging/logger.js';
import { logsDir } from '../../logging/exportLogs.js';
import { Integrator } from '../../worker/integrator.js';
import { buildAdminServer, listenAdmin, newAdminToken } from '../../admin/adminServer.js';
import { removeRuntime, writeRuntime } from '../../worker/runtimeFile.js';
import { userMessage } from '../../errors.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('run the integrator: event schedules, pricing listener, admin UI and API (until Ctrl-C / SIGTERM)')
    .option('--config <file>', 'settings file')
    .option('--foreground', 'log to the console too (Test Pricing needs this mode); otherwise logs go to files only')
    .action(async (opts: { config?: string; foreground?: boolean }) => {
      const file = ctx.configPath(opts.config);
      if (!fs.existsSync(file)) throw new CliError(`no settings file at ${file}: create one with "integrator demo init" or "integrator settings set", or pass --config`);
      let s = ctx.settings(opts.config);
      if (!s.values.adminToken) s = saveSettings(file, { adminToken: newAdminToken() });
      const foreground = Boolean(opts.foreground);
      const logger = createLogger({
        dir: logsDir(s),
        console: foreground,
        level: String(s.values.logLevel || 'info'),
        maxBytes: Number(s.values.logMaxFileSizeMb) * 1024 * 1024,
        maxFiles: Number(s.values.logMaxFiles),
        secrets: secretsOf(s.values),
      });
      const integrator = new Integrator({ settingsFile: file, foreground, logger });
      await integrator.start();
      const app = await buildAdminServer({ integrator, logger });
      let adminUrl: string;
      try {
        adminUrl = await listenAdmin(app, Number(integrator.applied.adminPort));
      } catch (err) {
        await integrator.stop();
        throw new CliError(`the admin API cannot listen on 127.0.0.1:${integrator.applied.adminPort}: ${userMessage(err)}`);
      }
      const printEndpoints = () => {
        const endpoints = integrator.endpoints;
        const status = integrator.status();
        if (status.pricingListener.enabled) ctx.io.out(`Pricing listener: ${endpoints['Pricing listener'] ?? `not running (${status.pricingListener.error})`}`);
        else ctx.io.out('Pricing listener: off (Enable Live Pricing/Availability Listener)');
        for (const [k, v] of Object.entries(endpoints)) if (k !== 'Pricing listener') ctx.io.out(`${k}: ${v}`);
      };
      ctx.io.out(`Admin UI: ${adminUrl}/#token=${integrator.applied.adminToken}`);
      printEndpoints();
      const runtime = () =>
        writeRuntime(s.dir, { pid: process.pid, startedAt: new Date().toISOString(), foreground, adminUrl, endpoints: integrator.endpoints });
      runtime();
      // A restart may move the listeners (port 0, changed ports): keep the runtime file true.
      integrator.on('state', (state) => {
        if (state === 'running') runtime();
      });
      ctx.io.out(`Integrator running (${foreground ? 'foreground' : 'background'} mode, logs in ${logsDir(s)}). Ctrl-C stops it.`);

      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (signal: NodeJS.Signals) => {
          if (stopping) {
            ctx.io.err('stopping now, without waiting for the running batch');
            removeRuntime(s.dir);
            process.exit(130);
          }
          stopping = true;
          logger.info({ signal }, 'stop requested; letting running batches finish');
          ctx.io.out('Stopping: letting running batches finish...');
          void (async () => {
            try {
              await integrator.stop();
              await app.close();
            } catch (err) {
              logger.error({ err: userMessage(err) }, 'stop did not finish cleanly');
            } finally {
              removeRuntime(s.dir);
              process.off('SIGINT', onSignal);
              process.off('SIGTERM', onSignal);
              ctx.io.out('Integrator stopped.');
              resolve();
            }
          })();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
    });
}
