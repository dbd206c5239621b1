// `npm run tray`: starts the tray app with the installed Electron binary, or explains how to run headless
// when the binary is missing (it cannot be downloaded offline).
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const { electronBinary, NO_BINARY } = require('./binary.cjs');

const root = path.join(__dirname, '..');
const bin = electronBinary(root);
if (!bin) {
  process.stderr.write(`${NO_BINARY}\n`);
  process.exit(1);
}
// Set even to an empty string, ELECTRON_RUN_AS_NODE would turn the app into plain Node.
const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE;
const child = spawn(bin, [root, ...process.argv.slice(2)], { stdio: 'inherit', env });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
