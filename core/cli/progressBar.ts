// The progress line of `integrator send`: a pure rendering of rows done / total and the rate.
import type { Progress } from '../contracts/events.js';

const n = (x: number) => Math.round(x).toLocaleString('en-AU');

export function renderProgress(p: Pick<Progress, 'phase' | 'done' | 'total'>, elapsedMs: number, width = 24): string {
  const rate = elapsedMs > 0 ? (p.done * 1000) / elapsedMs : 0;
  if (p.total === null || p.total === 0) return `${p.phase}: ${n(p.done)} done  ${n(rate)}/s`;
  const frac = Math.min(1, p.done / p.total);
  const filled = Math.round(frac * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${n(p.done)}/${n(p.total)} ${Math.floor(frac * 100)}%  ${n(rate)}/s  ${p.phase}`;
}

type Step = Pick<Progress, 'phase' | 'done' | 'total'>;

const count = (p: Step) => (p.total === null ? n(p.done) : `${n(p.done)}/${n(p.total)}`);
const rateOf = (done: number, ms: number) => (ms > 0 ? `  ${n((done * 1000) / ms)} rows/s` : '');

/** A line of a log while a phase runs: "debtors: 250/501 49%  620 rows/s". */
export function progressLogLine(p: Step, phaseMs: number): string {
  const pct = p.total ? ` ${Math.floor(Math.min(1, p.done / p.total) * 100)}%` : p.total === null ? ' so far' : '';
  return `${p.phase}: ${count(p)}${pct}${rateOf(p.done, phaseMs)}`;
}

/** The last line of a phase: "debtors: 501/501 in 0.8s  626 rows/s". */
export function progressFinalLine(p: Step, phaseMs: number): string {
  return `${p.phase}: ${count(p)} in ${(phaseMs / 1000).toFixed(1)}s${rateOf(p.done, phaseMs)}`;
}

interface PhaseState {
  last: Step;
  startedAt: number;
  lastAt: number;
  printedAt: number;
  /** The final line for `last` is printed already. */
  final: boolean;
}

/**
 * Progress for a log (stderr not a terminal): per phase at most one line every `everyMs`, never the
 * phase's opening 0, and always its final count when it ends (the next phase starts, the total is
 * reached, or the run ends). Pure: the caller passes the clock and prints the lines returned.
 */
export class ProgressLog {
  private readonly phases = new Map<string, PhaseState>();
  private current: string | null = null;

  constructor(private readonly everyMs = 5000) {}

  update(p: Step, now: number): string[] {
    const out: string[] = [];
    if (this.current !== null && this.current !== p.phase) out.push(...this.close(this.current));
    this.current = p.phase;
    let s = this.phases.get(p.phase);
    if (!s) {
      s = { last: p, startedAt: now, lastAt: now, printedAt: now, final: false };
      this.phases.set(p.phase, s);
    }
    const changed = s.last.done !== p.done || s.last.total !== p.total;
    s.last = { phase: p.phase, done: p.done, total: p.total };
    s.lastAt = now;
    if (changed) s.final = false;
    if (p.total !== null && p.total > 0 && p.done >= p.total) {
      out.push(...this.close(p.phase));
    } else if (now - s.printedAt >= this.everyMs) {
      out.push(progressLogLine(p, now - s.startedAt));
      s.printedAt = now;
    }
    return out;
  }

  /** At the end of the run: the final count of every phase that has not printed it. */
  finish(): string[] {
    const out: string[] = [];
    for (const phase of this.phases.keys()) out.push(...this.close(phase));
    return out;
  }

  private close(phase: string): string[] {
    const s = this.phases.get(phase);
    if (!s || s.final) return [];
    s.final = true;
    s.printedAt = s.lastAt;
    return [progressFinalLine(s.last, s.lastAt - s.startedAt)];
  }
}
