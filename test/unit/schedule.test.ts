import { describe, expect, it } from 'vitest';
import { backoffMs, nextCron, nextDailyAt, nextRunAt, parseSchedule } from '../../core/worker/schedule.js';

const local = (y: number, mo: number, d: number, h = 0, mi = 0) => new Date(y, mo - 1, d, h, mi, 0, 0);

describe('schedules', () => {
  it('parses off, intervals and cron', () => {
    expect(parseSchedule('off')).toEqual({ kind: 'off' });
    expect(parseSchedule('')).toEqual({ kind: 'off' });
    expect(parseSchedule('every 15m')).toEqual({ kind: 'every', ms: 15 * 60_000 });
    expect(parseSchedule('every 2h')).toEqual({ kind: 'every', ms: 7_200_000 });
    expect(parseSchedule('every 5s')).toEqual({ kind: 'every', ms: 5000 });
    expect(parseSchedule('*/15 * * * *').kind).toBe('cron');
    expect(() => parseSchedule('nonsense')).toThrow();
    expect(() => parseSchedule('*/0 * * * *')).toThrow(/not a valid schedule "\*\/0 \* \* \* \*"/);
    expect(() => parseSchedule('0 0 30 2 *')).toThrow(/never runs/);
  });

  it('an interval runs soon after start, then every interval from the previous start', () => {
    const s = parseSchedule('every 10m');
    const now = local(2026, 3, 1, 10, 0);
    expect(nextRunAt(s, now, null, 2000)?.getTime()).toBe(now.getTime() + 2000);
    const last = local(2026, 3, 1, 9, 55);
    expect(nextRunAt(s, now, last)?.getTime()).toBe(local(2026, 3, 1, 10, 5).getTime());
    // A run that took longer than the interval is followed at once, never overlapped.
    expect(nextRunAt(s, now, local(2026, 3, 1, 9, 0))?.getTime()).toBe(now.getTime());
    expect(nextRunAt(parseSchedule('off'), now, null)).toBeNull();
  });

  it('cron: minute steps, hour lists, ranges, day of week', () => {
    const at = (expr: string, from: Date) => nextCron(parseSchedule(expr) as never, from);
    expect(at('*/15 * * * *', local(2026, 3, 1, 10, 7))).toEqual(local(2026, 3, 1, 10, 15));
    expect(at('*/15 * * * *', local(2026, 3, 1, 10, 15))).toEqual(local(2026, 3, 1, 10, 30));
    expect(at('0 2,14 * * *', local(2026, 3, 1, 10, 7))).toEqual(local(2026, 3, 1, 14, 0));
    expect(at('30 6 * * 1-5', local(2026, 2, 28, 12, 0))).toEqual(local(2026, 3, 2, 6, 30)); // Sat -> Mon
    expect(at('0 0 1 1 *', local(2026, 3, 1))).toEqual(local(2027, 1, 1));
    expect(at('0 9 * * 7', local(2026, 3, 2))).toEqual(local(2026, 3, 8, 9, 0)); // 7 is Sunday
    // Both day fields restricted: either matches (1st of the month, or a Friday).
    expect(at('0 0 1 * 5', local(2026, 3, 2))).toEqual(local(2026, 3, 6));
    expect(at('0 0 29 2 *', local(2026, 3, 1))).toEqual(local(2028, 2, 29)); // the next leap day
  });

  it('nightly restart time and backoff', () => {
    expect(nextDailyAt('02:00', local(2026, 3, 1, 1, 0))).toEqual(local(2026, 3, 1, 2, 0));
    expect(nextDailyAt('02:00', local(2026, 3, 1, 2, 0))).toEqual(local(2026, 3, 2, 2, 0));
    expect(nextDailyAt('', local(2026, 3, 1))).toBeNull();
    expect([1, 2, 3, 4, 10].map((n) => backoffMs(n, 1000, 5000))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });
});
