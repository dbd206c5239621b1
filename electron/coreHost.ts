// The core host: runs the integrator core in an Electron utilityProcess (a long sync never blocks the tray's
// event loop), talks to it by typed messages (messages.ts), and keeps it running: a core that exits when
// nobody asked it to is started again with back-off (backoff.ts), each restart logged and shown in the tray.
// One integrator per machine: when another session's tray app (or a headless `integrator run`) already runs
// the core of these settings, this host attaches to it through its runtime file instead of starting a second.
import path from 'node:path';
import { loadSettings } from '../core/settings/settingsFile.js';
import { readRuntime } from '../core/worker/runtimeFile.js';
import { createBackoff, CORE_RESTART_POLICY, type BackoffPolicy } from './backoff.js';
import { CoreToShellSchema, unwrap, type ShellToCore } from './messages.js';

/** What the host needs of Electron's UtilityProcess (a Node child process stands in for it in tests). */
export interface CoreProcess {
  pid?: number;
  stdout: NodeJS.ReadableStream | null;
  stderr: NodeJS.ReadableStream | null;
  postMessage(message: unknown): void;
  kill(): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
}

export type ForkCore = (modulePath: string, args: string[], options: { serviceName: string; stdio: 'pipe'; cwd: string; env: NodeJS.ProcessEnv }) => CoreProcess;

export type CoreStatus =
  | { kind: 'starting' }
  | { kind: 'ready'; adminUrl: string; token: string; foreground: boolean }
  /** Another process runs the core of these settings (another user's tray app, a headless run). */
  | { kind: 'attached'; adminUrl: string; token: string; pid: number; foreground: boolean }
  /** Exited unexpectedly; starting again at restartAt. */
  | { kind: 'waiting'; reason: string; restartAt: number; attempt: number }
  | { kind: 'stopped'; reason: string | null };

export interface CoreHostOptions {
  fork: ForkCore;
  /** dist/electron/coreEntry.cjs */
  entry: string;
  settingsFile: string;
  foreground: boolean;
  env?: NodeJS.ProcessEnv;
  /** Where restarts and exits are recorded (the shell's log). */
  log: (line: string) => void;
  policy?: BackoffPolicy;
  /** How often an attached host checks that the other core still runs. */
  attachedCheckMs?: number;
  now?: () => number;
}

export class CoreHost {
  private child: CoreProcess | null = null;
  private current: CoreStatus = { kind: 'stopped', reason: null };
  private readonly listeners: Array<(s: CoreStatus) => void> = [];
  private readonly backoff;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private startedAt = 0;
  private planned = false;
  private out = '';
  private errOut = '';
  private lastFailure: string | null = null;
  foreground: boolean;
  /** Unexpected exits that were followed by a restart, since the shell started. */
  restarts = 0;
  lastExit: { code: number; at: number } | null = null;

  constructor(private readonly o: CoreHostOptions) {
    this.foreground = o.foreground;
    this.backoff = createBackoff(o.policy ?? CORE_RESTART_POLICY);
  }

  private get now(): number {
    return (this.o.now ?? Date.now)();
  }

  get settingsDir(): string {
    return path.dirname(this.o.settingsFile);
  }

  status(): CoreStatus {
    return this.current;
  }

  /** The core's recent output (for error messages). */
  output(): string {
    return this.out;
  }

  onChange(listener: (s: CoreStatus) => void): void {
    this.listeners.push(listener);
  }

  /** Resolves when the core answers (its own or an attached one). */
  whenReady(): Promise<Extract<CoreStatus, { kind: 'ready' | 'attached' }>> {
    const s = this.current;
    if (s.kind === 'ready' || s.kind === 'attached') return Promise.resolve(s);
    return new Promise((resolve) => {
      const l = (st: CoreStatus) => {
        if (st.kind === 'ready' || st.kind === 'attached') {
          this.listeners.splice(this.listeners.indexOf(l), 1);
          resolve(st);
        }
      };
      this.listeners.push(l);
    });
  }

  private set(s: CoreStatus): void {
    this.current = s;
    for (const l of [...this.listeners]) l(s);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A live integrator of these settings that is not this host's child. */
  private other(): { pid: number; adminUrl: string; foreground: boolean } | null {
    const r = readRuntime(this.settingsDir);
    if (!r || !r.adminUrl || r.pid === this.child?.pid) return null;
    return { pid: r.pid, adminUrl: r.adminUrl, foreground: r.foreground };
  }

  /** Attaches to the running core of these settings, or starts one. */
  start(): void {
    this.clearTimer();
    if (this.child) return;
    const other = this.other();
    if (other) {
      let token = '';
      try {
        token = String(loadSettings(this.o.settingsFile).values.adminToken ?? '');
      } catch (err) {
        this.set({ kind: 'stopped', reason: `the settings cannot be read: ${err instanceof Error ? err.message : String(err)}` });
        return;
      }
      this.o.log(`an integrator already runs for ${this.o.settingsFile} (pid ${other.pid}); using it instead of starting another`);
      this.set({ kind: 'attached', adminUrl: other.adminUrl, token, pid: other.pid, foreground: other.foreground });
      this.watchAttached(other.pid);
      return;
    }
    this.fork();
  }

  private watchAttached(pid: number): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.current.kind !== 'attached') return;
      const r = readRuntime(this.settingsDir);
      if (r && r.pid === pid) return this.watchAttached(pid);
      this.o.log(`the integrator this app was using (pid ${pid}) has stopped; starting one here`);
      this.start();
    }, this.o.attachedCheckMs ?? 5000);
    this.timer.unref?.();
  }

  private fork(): void {
    this.planned = false;
    this.lastFailure = null;
    this.set({ kind: 'starting' });
    const child = this.o.fork(this.o.entry, [], {
      serviceName: 'Integrator core',
      stdio: 'pipe',
      // The core's working folder is the settings folder, never the app (inside app.asar, a file).
      cwd: this.settingsDir,
      env: { ...(this.o.env ?? process.env), NO_COLOR: '1' },
    });
    this.child = child;
    this.startedAt = this.now;
    this.errOut = '';
    const onData = (chunk: Buffer | string) => {
      this.out = (this.out + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer | string) => {
      onData(chunk);
      this.errOut = (this.errOut + chunk.toString()).slice(-4000);
    });
    child.on('message', (raw) => {
      const parsed = CoreToShellSchema.safeParse(unwrap(raw));
      if (!parsed.success) return;
      const msg = parsed.data;
      if (msg.type === 'ready') {
        this.set({ kind: 'ready', adminUrl: msg.adminUrl, token: msg.token, foreground: msg.foreground });
      } else if (msg.type === 'failed') {
        this.lastFailure = msg.message;
      }
    });
    child.on('exit', (code) => this.exited(child, code));
    const start: ShellToCore = { type: 'start', settingsFile: this.o.settingsFile, foreground: this.foreground };
    child.postMessage(start);
  }

  private exited(child: CoreProcess, code: number): void {
    if (this.child !== child) return;
    this.child = null;
    const up = this.now - this.startedAt;
    this.lastExit = { code, at: this.now };
    if (this.planned) {
      this.o.log(`the integrator core stopped (code ${code})`);
      this.set({ kind: 'stopped', reason: null });
      return;
    }
    // The core's own last word: its failure message, else the last line it wrote on stderr.
    const last = this.lastFailure ?? this.errOut.trim().split('\n').filter(Boolean).slice(-1)[0] ?? '';
    const reason = `core exited with code ${code}${last ? `: ${last}` : ''}`;
    // Another session may have started the core meanwhile (two tray apps at once): use that one.
    if (this.other()) {
      this.o.log(`${reason}; another integrator runs these settings`);
      return this.start();
    }
    const delay = this.backoff.next(up);
    this.restarts++;
    this.o.log(`the integrator core exited unexpectedly after ${Math.round(up / 1000)} s (${reason}); restart ${this.restarts} in ${delay / 1000} s`);
    this.set({ kind: 'waiting', reason, restartAt: this.now + delay, attempt: this.backoff.attempts() });
    this.timer = setTimeout(() => {
      this.timer = null;
      this.start();
    }, delay);
  }

  /** A clean stop of this host's own core (running batches finish; killed after timeoutMs). No restart
   * follows. An attached host lets go of the other core and leaves it running. */
  stop(timeoutMs = 20_000): Promise<void> {
    this.clearTimer();
    const child = this.child;
    if (!child) {
      if (this.current.kind !== 'stopped') this.set({ kind: 'stopped', reason: null });
      return Promise.resolve();
    }
    this.planned = true;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve();
      }, timeoutMs);
      child.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      // A message, not a signal: it works the same on Windows, where kill() cannot stop gracefully.
      const stop: ShellToCore = { type: 'stop' };
      child.postMessage(stop);
    });
  }

  /** Restarts the core now: a dead or waiting core starts at once, a running one stops cleanly first. */
  async restartNow(): Promise<void> {
    this.clearTimer();
    this.backoff.reset();
    if (this.child) await this.stop();
    this.start();
  }

  /** Foreground mode (Test Pricing needs it): the core restarts in the chosen mode. */
  async setForeground(on: boolean): Promise<void> {
    this.foreground = on;
    if (this.current.kind === 'attached') return;
    await this.restartNow();
  }
}
