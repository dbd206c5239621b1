import { Command, CommanderError } from 'commander';
import { createContext, processIo, CliError, type CliIo, type CliContext } from './context.js';
import { SettingsError } from '../settings/settingsFile.js';
import { DsnError } from '../db/dsn.js';
import { RetryableError, FatalError } from '../errors.js';
import { VERSION } from '../version.js';
import * as demo from './commands/demo.js';
import * as settings from './commands/settings.js';
import * as exportLogs from './commands/exportLogs.js';
import * as customer from './commands/customer.js';
import * as run from './commands/run.js';

/** Each capability registers its own commands here. */
const COMMANDS: Array<{ register(program: Command, ctx: CliContext): void }> = [demo, settings, customer, exportLogs, run];

export function buildProgram(ctx: CliContext): Command {
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
  for (const c of COMMANDS) c.register(program, ctx);
  return program;
}

const KNOWN_ERRORS = [CliError, SettingsError, DsnError, RetryableError, FatalError];

/** Runs the command line; returns the exit code. Errors print one clear line (the stack with --verbose). */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const ctx = createContext(io);
  const program = buildProgram(ctx);
  const verbose = argv.includes('--verbose');
  try {
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
