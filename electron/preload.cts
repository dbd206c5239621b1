// The only bridge between the window and the shell. It carries no secret: the main process adds the admin
// token to the window's requests to the admin API (security.ts), so the page never holds it. The page only
// learns that it runs in the shell, where it needs no token of its own. Sandboxed preloads may require
// 'electron' only, and are CommonJS.
import electron = require('electron');

electron.contextBridge.exposeInMainWorld('integrator', Object.freeze({ shell: true }));
