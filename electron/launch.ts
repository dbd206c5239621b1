// `npm run tray`: starts the tray app with the installed Electron binary, or explains how to run headless
// when the binary is missing (it cannot be downloaded offline).
import { spawn } from 'node:child_process';
import { PACKAGE_ROOT } from '../core/packageRoot.js';
import { electronBinary, NO_BINARY } from './binary.js';

const bin = electronBinary(PACKAGE_ROOT);
if (!bin) {
  process.stderr.write(`${NO_BINARY}\n`);
  process.exit(1);
}
// Set even to an empty string, ELECTRON_RUN_AS_NODE would turn the app into plain Node.
const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE;
const child = spawn(bin, [PACKAGE_ROOT, ...process.argv.slice(2)], { stdio: 'inherit', env });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
