import { Command, CommanderError } from 'commander';
import { createContext, processIo, CliError, type CliIo, type CliContext } from './context.js';
import { SettingsError } from '../settings/settingsFile.js';
import { DsnError } from '../db/dsn.js';
import { RetryableError, FatalError } from '../errors.js';
import { VERSION } from '../version.js';
type CommandModule = { register(program: Command, ctx: CliContext): void };

/**
 * Each capability registers its own commands here, by the names it registers. A command line loads only the
 * module of its command (a quick `settings get` never loads the admin server or the database drivers); help
 * and unknown names load them all.
 */
const COMMANDS: Array<{ names: readonly string[]; load(): Promise<CommandModule> }> = [
  { names: ['demo'], load: () => import('./commands/demo.js') },
  { names: ['settings'], load: () => import('./commands/settings.js') },
  { names: ['customer'], load: () => import('./commands/customer.js') },
  { names: ['export-logs'], load: () => import('./commands/exportLogs.js') },
  { names: ['check-config'], load: () => import('./commands/checkConfig.js') },
  { names: ['test-pricing'], load: () => import('./commands/testPricing.js') },
  { names: ['process-pending-conversions', 'processpendingcustomerconversionrecords'], load: () => import('./commands/conversions.js') },
  { names: ['send'], load: () => import('./commands/send.js') },
  { names: ['run'], load: () => import('./commands/run.js') },
];

/** The command modules a command line needs: its command's alone when it names a known one, else all. */
export async function commandModules(argv: readonly string[]): Promise<CommandModule[]> {
  const name = argv.find((a) => !a.startsWith('-'));
  const one = COMMANDS.find((c) => name !== undefined && c.names.includes(name));
  return Promise.all((one ? [one] : COMMANDS).map((c) => c.load()));
}

export function buildProgram(ctx: CliContext, modules: readonly CommandModule[]): Command {
  const program = new Command('integrator')
    .description('Keeps customer data flowing between the ERP and the web store database.')
    .version(VERSION, '-V, --version')
    .option('--verbose', 'print the stack trace of an error')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.out(s.replace(/\n$/, '')),
      writeErr: (s) => ctx.io.err(s.replace(/\n$/, '')),
    });
  for (const m of modules) m.register(program, ctx);
  return program;
}

const KNOWN_ERRORS = [CliError, SettingsError, DsnError, RetryableError, FatalError];

/** Runs the command line; returns the exit code. Errors print one clear line (the stack with --verbose). */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const ctx = createContext(io);
  const verbose = argv.includes('--verbose');
  try {
    const program = buildProgram(ctx, await commandModules(argv));
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const e = err as Error;
    const known = KNOWN_ERRORS.some((k) => e instanceof k);
    io.err(`error: ${known ? e.message : `${e?.message ?? String(err)}`}`);
    if (verbose && e?.stack) io.err(e.stack);
    return err instanceof CliError ? err.exitCode : 1;
  }
}
