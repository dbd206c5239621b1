#!/usr/bin/env node
// The `integrator` command: the compiled build in dist/ (`npm run build`, which `npm ci` runs through `prepare`).
import fs from 'node:fs';

const main = new URL('../dist/core/cli/main.js', import.meta.url);
if (!fs.existsSync(main)) {
  process.stderr.write('error: the integrator is not built (dist/ is missing): run "npm run build"\n');
  process.exit(1);
}
// `integrator settings list | head` closes the pipe early: that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
// `integrator run` takes its stop signals before anything else loads, so a stop while it starts ends cleanly too.
const isRun = process.argv[2] === 'run';
if (isRun) (await import(new URL('../dist/core/cli/stopSignals.js', import.meta.url).href)).takeStopSignals();
const { main: run } = await import(main.href);
const code = await run(process.argv.slice(2));
// Long-running commands (run) keep the process alive themselves and resolve when they have stopped: they end
// here at once, so no stop signal can land in a half torn-down process.
if (isRun) process.exit(code);
process.exitCode = code;
