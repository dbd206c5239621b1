// Stop signals (Ctrl-C, SIGTERM) of `integrator run`, taken from the start of the process to its exit, so a stop
// ends cleanly (exit 0) in whatever phase it lands: while starting, while running, while stopping, or after.

/** A signal forwarded by a wrapper (npm, a shell, a service manager) often arrives twice: only a later one means "stop now". */
const SECOND_SIGNAL_MS = 2000;

export interface StopSignals {
  /** Settles with the first stop signal. */
  readonly first: Promise<NodeJS.Signals>;
  /** Whether a stop signal has arrived. */
  readonly requested: boolean;
  /** What a second signal while stopping does (after the duplicate window): stop at once. */
  onForce(fn: () => void): void;
  /** The integrator has stopped cleanly: a signal from now on ends the process with exit 0. */
  stopped(): void;
}

let installed: StopSignals | null = null;

/** Installs the handlers once (the first call) and returns them; later calls return the same. */
export function takeStopSignals(): StopSignals {
  if (installed) return installed;
  let resolveFirst!: (s: NodeJS.Signals) => void;
  const first = new Promise<NodeJS.Signals>((r) => (resolveFirst = r));
  let firstAt = 0;
  let done = false;
  let force: () => void = () => process.exit(130);
  const onSignal = (signal: NodeJS.Signals) => {
    if (done) process.exit(0);
    if (!firstAt) {
      firstAt = Date.now();
      resolveFirst(signal);
      return;
    }
    if (Date.now() - firstAt >= SECOND_SIGNAL_MS) force();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  installed = {
    first,
    get requested() {
      return firstAt > 0;
    },
    onForce: (fn) => {
      force = fn;
    },
    stopped: () => {
      done = true;
    },
  };
  return installed;
}
