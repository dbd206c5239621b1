#!/usr/bin/env node
// The `integrator` command. Sources are TypeScript, loaded through tsx.
import { register } from 'tsx/esm/api';

register();
// `integrator settings list | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
const { main } = await import('../core/cli/main.ts');
const code = await main(process.argv.slice(2));
// Long-running commands (run) keep the process alive themselves and resolve when they stop.
process.exitCode = code;
