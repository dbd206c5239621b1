// Entry of the tray app (package.json "main"). Under plain Node (no Electron runtime) it says what to do
// instead of failing obscurely; under Electron it starts the shell.
'use strict';
const path = require('node:path');
const { pathToFileURL } = require('node:url');

if (!process.versions.electron) {
  const { electronBinary, NO_BINARY } = require('./binary.cjs');
  const bin = electronBinary(path.join(__dirname, '..'));
  process.stderr.write(
    bin
      ? `This file is the Electron entry of the tray app: start it with "npm run tray" (Electron at ${bin}).\nHeadless: npx integrator run --foreground\n`
      : `${NO_BINARY}\n`,
  );
  process.exitCode = 1;
} else {
  import(pathToFileURL(path.join(__dirname, 'shell.js')).href)
    .then((m) => m.startShell())
    .catch((err) => {
      process.stderr.write(`error: the tray app did not start: ${err && err.stack ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
