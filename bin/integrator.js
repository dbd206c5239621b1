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
const { main: run } = await import(main.href);
const code = await run(process.argv.slice(2));
// Long-running commands (run) keep the process alive themselves and resolve when they stop.
process.exitCode = code;
