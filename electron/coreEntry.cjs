// Entry of the core's utilityProcess: the same `integrator run` as headless, plus a clean stop on the
// shell's message (the run command stops on SIGTERM; a message works on every platform).
'use strict';
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const args = JSON.parse(process.env.INTEGRATOR_CORE_ARGS || '["run"]');
const bin = path.join(__dirname, '..', 'bin', 'integrator.js');
process.argv = [process.execPath, bin, ...args];

// Electron's utilityProcess delivers { data }; a Node child_process IPC channel (tests) delivers the message itself.
const port = /** @type {any} */ (process).parentPort ?? (process.send ? process : null);
if (port) {
  port.on('message', (/** @type {any} */ e) => {
    const msg = e && e.data !== undefined ? e.data : e;
    if (msg && msg.type === 'stop') process.emit('SIGTERM', 'SIGTERM');
  });
}

// The module resolves when the command has finished (for `run`: after a clean stop). The message channel
// would keep this process alive then: let go of it, and make sure the process ends soon after.
function detach() {
  if (process.send && process.connected && process.disconnect) process.disconnect();
  if (port && port !== process && port.removeAllListeners) port.removeAllListeners('message');
  setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
}

import(pathToFileURL(bin).href).then(detach, (err) => {
  process.stderr.write(`error: the integrator core did not start: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(1);
});
