// The only bridge between the window and the shell: the admin token and URL, read from this renderer's
// argv (set by the main process). Sandboxed preloads may require 'electron' only, so nothing else here.
'use strict';
const { contextBridge } = require('electron');

/** @param {string} name */
function arg(name) {
  const prefix = `--${name}=`;
  const hit = process.argv.find((a) => a.startsWith(prefix));
  return hit ? hit.slice(prefix.length) : '';
}

contextBridge.exposeInMainWorld('integrator', Object.freeze({ token: arg('integrator-token'), adminUrl: arg('integrator-admin-url') }));
