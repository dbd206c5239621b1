// The progress of `integrator send` in a log (stderr not a terminal): throttled per phase, every phase's final count.
import { describe, expect, it } from 'vitest';
import { ProgressLog, progressFinalLine, progressLogLine } from '../../core/cli/progressBar.js';

const step = (phase: string, done: number, total: number | null) => ({ phase, done, total });

describe('progress in a log', () => {
  it('formats a running line and a final line with the count and the rate', () => {
    expect(progressLogLine(step('debtors', 250, 501), 2000)).toBe('debtors: 250/501 49%  125 rows/s');
    expect(progressLogLine(step('customers', 30, null), 1000)).toBe('customers: 30 so far  30 rows/s');
    expect(progressFinalLine(step('debtors', 501, 501), 800)).toBe('debtors: 501/501 in 0.8s  626 rows/s');
    expect(progressFinalLine(step('removed debtors', 0, null), 0)).toBe('removed debtors: 0 in 0.0s');
    expect(progressFinalLine(step('debtors', 12_000, 20_000), 4000)).toBe('debtors: 12,000/20,000 in 4.0s  3,000 rows/s');
  });

  it('prints no opening 0, at most one line per interval per phase, and the final count of each phase', () => {
    const log = new ProgressLog(5000);
    const lines: string[] = [];
    const at = (t: number, phase: string, done: number, total: number | null) => lines.push(...log.update(step(phase, done, total), t));
    at(0, 'debtors', 0, 501);
    for (let t = 100; t < 12_000; t += 100) at(t, 'debtors', Math.floor(t / 30), 501);
    at(12_000, 'debtors', 400, 501);
    at(15_000, 'debtors', 501, 501);
    at(15_000, 'removed debtors', 0, null);
    at(15_010, 'removed debtors', 3, null);
    at(15_020, 'special prices', 0, null);
    at(15_520, 'special prices', 62, null);
    lines.push(...log.finish());
    expect(lines).toEqual([
      'debtors: 166/501 33%  33 rows/s',
      'debtors: 333/501 66%  33 rows/s',
      'debtors: 501/501 in 15.0s  33 rows/s',
      'removed debtors: 3 in 0.0s  300 rows/s',
      'special prices: 62 in 0.5s  124 rows/s',
    ]);
    // Nothing twice: a second finish (the run's cleanup) and a repeat of a finished count print nothing.
    expect(log.finish()).toEqual([]);
    expect(log.update(step('special prices', 62, null), 16_000)).toEqual([]);
  });

  it('a run that stops early still leaves where each phase got to', () => {
    const log = new ProgressLog(5000);
    expect(log.update(step('debtors', 0, 1000), 0)).toEqual([]);
    expect(log.update(step('debtors', 200, 1000), 2000)).toEqual([]);
    expect(log.finish()).toEqual(['debtors: 200/1,000 in 2.0s  100 rows/s']);
  });
});
