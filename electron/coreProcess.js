// The core (`integrator run`) in an Electron utilityProcess: a long sync never blocks the tray's event loop.
// Its stdout carries the printed "Admin UI:" line, which is how the shell learns the real port and token.
import path from 'node:path';

/**
 * The base URL and token of an "Admin UI: http://127.0.0.1:<port>/#token=<token>" line, or null.
 * @param {string} text
 */
export function parseAdminLine(text) {
  const m = /Admin UI: (http:\/\/127\.0\.0\.1:\d+)\/#token=([A-Za-z0-9_\-.~%]+)/.exec(text);
  return m ? { base: m[1], token: decodeURIComponent(m[2]) } : null;
}

/**
 * Where the shell keeps its settings: $INTEGRATOR_CONFIG, else the demo folder of a source checkout, else the
 * user data folder of the installed app.
 * @param {{ env: NodeJS.ProcessEnv, isPackaged: boolean, root: string, userData: string }} o
 */
export function shellConfigPath(o) {
  if (o.env.INTEGRATOR_CONFIG) return path.resolve(o.env.INTEGRATOR_CONFIG);
  if (!o.isPackaged) return path.join(o.root, 'integrator-data', 'settings.json');
  return path.join(o.userData, 'settings.json');
}

/**
 * @typedef {object} CoreHandle
 * @property {Promise<{ base: string, token: string }>} ready resolves on the Admin UI line
 * @property {() => boolean} running
 * @property {() => string} output the core's recent output (for error messages)
 * @property {(timeoutMs?: number) => Promise<void>} stop asks for a clean stop, then kills after timeoutMs
 * @property {(listener: (code: number) => void) => void} onExit
 */

/**
 * @param {Pick<typeof import('electron').utilityProcess, 'fork'>} utilityProcess
 * @param {{ root: string, configFile: string, env?: NodeJS.ProcessEnv }} o
 * @returns {CoreHandle}
 */
export function startCore(utilityProcess, o) {
  const args = ['run', '--config', o.configFile];
  const child = utilityProcess.fork(path.join(o.root, 'electron', 'coreEntry.cjs'), [], {
    serviceName: 'Integrator core',
    stdio: 'pipe',
    cwd: o.root,
    env: { ...(o.env ?? process.env), INTEGRATOR_CORE_ARGS: JSON.stringify(args), NO_COLOR: '1' },
  });
  let out = '';
  let alive = true;
  /** @type {Array<(code: number) => void>} */
  const exitListeners = [];
  /** @type {(v: { base: string, token: string }) => void} */
  let resolveReady = () => {};
  /** @type {(e: Error) => void} */
  let rejectReady = () => {};
  const ready = new Promise((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // Nobody may be waiting on ready when the core fails later; that must not be an unhandled rejection.
  ready.catch(() => undefined);
  /** @param {Buffer | string} chunk */
  const onData = (chunk) => {
    out = (out + chunk.toString()).slice(-20_000);
    const found = parseAdminLine(out);
    if (found) resolveReady(found);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  child.on('exit', (code) => {
    alive = false;
    const last = out.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';
    rejectReady(new Error(`the integrator core exited (code ${code})${last ? `: ${last}` : ''}`));
    for (const l of exitListeners) l(code);
  });
  return {
    ready,
    running: () => alive,
    output: () => out,
    onExit: (l) => void exitListeners.push(l),
    stop: (timeoutMs = 20_000) =>
      new Promise((resolve) => {
        if (!alive) return resolve();
        const timer = setTimeout(() => {
          child.kill();
          resolve();
        }, timeoutMs);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        // A message, not a signal: it works the same on Windows, where kill() cannot stop gracefully.
        child.postMessage({ type: 'stop' });
      }),
  };
}
