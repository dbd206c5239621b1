#!/usr/bin/env node
// The `integrator` command. Sources are TypeScript, loaded through tsx.
import { register } from 'tsx/esm/api';

register();
// `integrator settings list | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
// `integrator run` takes its stop signals before anything else loads, so a stop while it starts ends cleanly too.
const run = process.argv[2] === 'run';
if (run) (await import('../core/cli/stopSignals.ts')).takeStopSignals();
const { main } = await import('../core/cli/main.ts');
const code = await main(process.argv.slice(2));
// Long-running commands (run) keep the process alive themselves and resolve when they have stopped: they end
// here at once, so no stop signal can land in a half torn-down process.
if (run) process.exit(code);
process.exitCode = code;
