// Schedules of the integration events, as pure functions over the settings' reading of them (readSchedule):
// "off", "every 15m" or a five-field cron expression run by the same cron library that validated it.
import { readSchedule, type ScheduleSpec } from '../contracts/settings.schema.js';

export type Schedule = ScheduleSpec;

/** The schedule of a setting value; throws naming the value and the reason when it cannot run. */
export function parseSchedule(value: unknown): Schedule {
  const r = readSchedule(value);
  if ('problem' in r) throw new Error(`not a valid schedule "${String(value ?? '').trim()}": ${r.problem}`);
  return r.spec;
}

/** The first cron match strictly after `from` (local time), or null when there is none. */
export function nextCron(s: Extract<Schedule, { kind: 'cron' }>, from: Date): Date | null {
  return s.cron.nextRun(from);
}

/**
 * When the event runs next. `lastStart` is when its previous run started (null: not yet run since start);
 * an interval schedule runs `firstDelayMs` after start, then every interval counted from the previous start.
 */
export function nextRunAt(s: Schedule, now: Date, lastStart: Date | null, firstDelayMs = 0): Date | null {
  switch (s.kind) {
    case 'off':
      return null;
    case 'every': {
      if (!lastStart) return new Date(now.getTime() + firstDelayMs);
      const due = lastStart.getTime() + s.ms;
      return new Date(Math.max(due, now.getTime()));
    }
    case 'cron':
      return nextCron(s, now);
  }
}

/** The next local HH:MM after `now`, or null for an empty time (never). */
export function nextDailyAt(time: unknown, now: Date): Date | null {
  const m = /^(\d{2}):(\d{2})$/.exec(String(time ?? '').trim());
  if (!m) return null;
  const d = new Date(now.getTime());
  d.setHours(Number(m[1]), Number(m[2]), 0, 0);
  if (d.getTime() <= now.getTime()) d.setDate(d.getDate() + 1);
  return d;
}

/** Retry delay after `attempt` consecutive retryable failures (1, 2, ...): doubling, capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
