// The core in the shell's utilityProcess: the same running integrator as `integrator run`, started and
// stopped by typed messages over the process's port. It answers `ready` with the admin URL and token (the
// token never appears in its arguments or environment), `failed` with one clear line, `stopped` after a
// clean stop (running batches finish).
import { startRunningIntegrator, type RunningIntegrator } from '../core/admin/runningIntegrator.js';
import { userMessage } from '../core/errors.js';
import { CoreToShellSchema, ShellToCoreSchema, unwrap, type CoreToShell } from './messages.js';

interface Port {
  on(event: 'message', listener: (e: unknown) => void): void;
  post(msg: CoreToShell): void;
  close(): void;
}

/** Electron's parentPort in a utilityProcess; the Node IPC channel of a forked child (tests) otherwise. */
function parentPort(): Port | null {
  const electronPort = (process as { parentPort?: { on(ev: 'message', l: (e: unknown) => void): void; postMessage(m: unknown): void; removeAllListeners(ev?: string): void } }).parentPort;
  if (electronPort) return { on: (ev, l) => electronPort.on(ev, l), post: (m) => electronPort.postMessage(m), close: () => electronPort.removeAllListeners('message') };
  if (process.send) return { on: (ev, l) => void process.on(ev, l), post: (m) => void process.send?.(m), close: () => process.connected && process.disconnect() };
  return null;
}

const port = parentPort();
if (!port) {
  process.stderr.write('error: this is the core of the tray app; run the integrator with "integrator run"\n');
  process.exit(1);
}

let running: RunningIntegrator | null = null;
let stopping = false;

function send(msg: CoreToShell): void {
  port!.post(CoreToShellSchema.parse(msg));
}

async function stop(code: number): Promise<never> {
  stopping = true;
  try {
    await running?.stop();
  } finally {
    send({ type: 'stopped' });
    // Let the message leave before the process ends.
    setTimeout(() => process.exit(code), 50);
  }
  return new Promise<never>(() => undefined);
}

port.on('message', (e) => {
  const parsed = ShellToCoreSchema.safeParse(unwrap(e));
  if (!parsed.success) {
    process.stderr.write(`error: a message the core does not understand: ${parsed.error.issues[0]?.message ?? 'invalid'}\n`);
    return;
  }
  const msg = parsed.data;
  if (msg.type === 'stop') {
    if (!stopping) void stop(0);
    return;
  }
  if (running || stopping) return;
  startRunningIntegrator({ settingsFile: msg.settingsFile, foreground: msg.foreground, command: 'the tray app' }).then(
    (r) => {
      running = r;
      process.stdout.write(`Integrator running (${msg.foreground ? 'foreground' : 'background'} mode), admin UI ${r.adminUrl}\n`);
      send({ type: 'ready', adminUrl: r.adminUrl, token: r.token, foreground: msg.foreground, pid: process.pid });
    },
    (err: unknown) => {
      const message = userMessage(err);
      process.stderr.write(`error: ${message}\n`);
      send({ type: 'failed', message });
      setTimeout(() => process.exit(1), 50);
    },
  );
});
