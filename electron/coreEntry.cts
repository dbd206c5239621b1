// Entry of the core's utilityProcess (CommonJS, as a utilityProcess entry is loaded most simply): the core
// itself is the ES module coreMain.js beside it.
import path = require('node:path');
import url = require('node:url');

import(url.pathToFileURL(path.join(__dirname, 'coreMain.js')).href).catch((err: unknown) => {
  process.stderr.write(`error: the integrator core did not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
