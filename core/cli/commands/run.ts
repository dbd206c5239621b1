// `integrator run`: the headless host of the running integrator (worker loops, services, admin API + UI).
import fs from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../context.js';
import { logsDir } from '../../logging/exportLogs.js';
import { startRunningIntegrator } from '../../admin/runningIntegrator.js';
import { userMessage } from '../../errors.js';
import { removeRuntime } from '../../worker/runtimeFile.js';
import { takeStopSignals } from '../stopSignals.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('run the integrator: event schedules, pricing listener, admin UI and API (until Ctrl-C / SIGTERM)')
    .option('--config <file>', 'settings file')
    .option('--foreground', 'log to the console too (Test Pricing needs this mode); otherwise logs go to files only')
    .action(async (opts: { config?: string; foreground?: boolean }) => {
      // Taken before anything starts: a stop signal while starting stops as soon as the start is done.
      const signals = takeStopSignals();
      const file = ctx.configPath(opts.config);
      if (!fs.existsSync(file)) throw new CliError(`no settings file at ${file}: create one with "integrator demo init" or "integrator settings set", or pass --config`);
      // Validates the file first: a corrupt one is one clear line and exit 1.
      ctx.settings(opts.config);
      const foreground = Boolean(opts.foreground);
      const running = await startRunningIntegrator({ settingsFile: file, foreground });
      const { integrator, logger } = running;

      ctx.io.out(`Admin UI: ${running.adminUrl}/#token=${running.token}`);
      const endpoints = integrator.endpoints;
      const listener = integrator.status().pricingListener;
      if (listener.enabled) ctx.io.out(`Pricing listener: ${endpoints['Pricing listener'] ?? `not running (${listener.error})`}`);
      else ctx.io.out('Pricing listener: off (Enable Live Pricing/Availability Listener)');
      for (const [k, v] of Object.entries(endpoints)) if (k !== 'Pricing listener') ctx.io.out(`${k}: ${v}`);
      ctx.io.out(`Integrator running (${foreground ? 'foreground' : 'background'} mode, logs in ${logsDir(running.settings)}). Ctrl-C stops it.`);

      signals.onForce(() => {
        ctx.io.err('stopping now, without waiting for the running batch');
        removeRuntime(running.settings.dir);
        process.exit(130);
      });
      const signal = await signals.first;
      logger.info({ signal }, 'stop requested; letting running batches finish');
      ctx.io.out('Stopping: letting running batches finish...');
      try {
        await running.stop();
      } catch (err) {
        logger.error({ err: userMessage(err) }, 'stop did not finish cleanly');
      }
      // From here a further signal (a repeated one, a wrapper's copy) ends the process with exit 0.
      signals.stopped();
      ctx.io.out('Integrator stopped.');
    });
}
