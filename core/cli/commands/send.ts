// `integrator send <event> [--all]`: one integration event now, with a progress bar and a one-line summary.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../context.js';
import { EVENT_LABELS, EVENT_NAMES, EventNameSchema, type Progress } from '../../contracts/events.js';
import { createLogger } from '../../logging/logger.js';
import { logsDir } from '../../logging/exportLogs.js';
import { secretsOf } from '../../settings/settingsFile.js';
import { processConnections } from '../../run/connections.js';
import { markGhostRuns, runPipeline, RunRefusedError } from '../../run/runPipeline.js';
import { thisProcess } from '../../run/runLock.js';
import { ProgressLog, renderProgress } from '../progressBar.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('send')
    .description(`run one integration event now (${EVENT_NAMES.join(', ')}); --all for Send All`)
    .argument('<event>', 'event name')
    .option('--all', 'Send All instead of Send Changed')
    .option('--config <file>', 'settings file')
    .action(async (eventName: string, opts: { all?: boolean; config?: string }) => {
      const parsed = EventNameSchema.safeParse(eventName);
      if (!parsed.success) throw new CliError(`unknown event "${eventName}" (one of: ${EVENT_NAMES.join(', ')})`, 2);
      const name = parsed.data;
      const s = ctx.settings(opts.config);
      const logger = createLogger({ dir: logsDir(s), level: s.values.logLevel, secrets: secretsOf(s.values) });
      const connections = processConnections(s.values, { baseDir: s.dir, createWeb: true });
      const abort = new AbortController();
      const onSignal = () => {
        if (abort.signal.aborted) process.exit(130);
        abort.abort();
        process.stderr.write('\nstopping after the current batch (again to quit now)\n');
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const tty = Boolean(process.stderr.isTTY);
      const started = Date.now();
      let lastDraw = 0;
      let lastPhase = '';
      let drawn = false;
      // Not a terminal (a scheduled send writing to a log): a line every few seconds and each phase's final count.
      const progressLog = new ProgressLog(5000);
      const onProgress = (p: Progress) => {
        const t = Date.now();
        if (!tty) {
          for (const line of progressLog.update(p, t)) ctx.io.err(line);
          return;
        }
        if (t - lastDraw < 100 && p.phase === lastPhase && p.done !== p.total) return;
        process.stderr.write(`\r\x1b[2K${renderProgress(p, t - started)}`);
        drawn = true;
        lastDraw = t;
        lastPhase = p.phase;
      };
      try {
        // The web database opens (and its migrations are checked) once, here. A run still marked Running whose
        // lock nobody holds was left by a process that died (killed mid-run): it is recorded as interrupted, so the
        // history shows no ghost; this run resumes its work.
        const ghosts = await markGhostRuns(await connections.web.borrow());
        if (ghosts) logger.warn({ runs: ghosts }, `${ghosts} interrupted run(s) marked Failed`);
        let outcome;
        try {
          outcome = await runPipeline(name, { all: opts.all === true }, 'cli', { connections, settings: s.values, logger, holder: thisProcess('integrator send'), signal: abort.signal, onProgress });
        } catch (err) {
          if (err instanceof RunRefusedError) throw new CliError(err.message);
          throw err;
        }
        if (drawn) process.stderr.write('\r\x1b[2K');
        if (!tty) for (const line of progressLog.finish()) ctx.io.err(line);
        const secs = outcome.durationMs / 1000;
        const sm = outcome.summary;
        const mode = opts.all ? 'Send All' : 'Send Changed';
        const rate = secs > 0 ? ` (${Math.round(sm.read / secs).toLocaleString('en-AU')} rows/s)` : '';
        ctx.io.out(
          `${EVENT_LABELS[name]} (${mode}) ${outcome.status.toLowerCase()}: read ${sm.read}, written ${sm.written}, skipped ${sm.skipped}, failed ${sm.failed} in ${secs.toFixed(1)}s${rate}${outcome.error ? ` - ${outcome.error}` : ''}`,
        );
        if (outcome.status === 'Succeeded') return;
        if (outcome.status === 'Partial') {
          const failures = (sm.details?.failures as Array<{ code: string; reason: string }> | undefined) ?? [];
          for (const f of failures) ctx.io.err(`  ${f.code}: ${f.reason}`);
          if (sm.failed > failures.length) ctx.io.err(`  ... and ${sm.failed - failures.length} more (see the log)`);
          throw new CliError(`${sm.failed} row(s) failed; the rest were sent (run ${outcome.runId})`);
        }
        throw new CliError(outcome.status === 'Stopped' ? `stopped before the end (run ${outcome.runId}); the next run resumes` : outcome.error ?? 'the run failed');
      } finally {
        // A run that threw still leaves each phase's count in the log (finish() prints nothing twice).
        if (!tty) for (const line of progressLog.finish()) ctx.io.err(line);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await connections.close();
      }
    });
}
