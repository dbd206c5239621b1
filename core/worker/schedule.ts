// Schedules of the integration events, as pure functions: "off", "every 15m" (s, m, h) or a five-field cron
// expression (minute hour day-of-month month day-of-week, local time). Validation lives in the settings
// schema (scheduleProblem); these functions assume a valid value.

export type Schedule =
  | { kind: 'off' }
  | { kind: 'every'; ms: number }
  | { kind: 'cron'; minute: Set<number>; hour: Set<number>; dom: Set<number>; month: Set<number>; dow: Set<number>; domAny: boolean; dowAny: boolean };

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };
const RANGES: Array<[number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];

function field(text: string, lo: number, hi: number): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText ? Number(stepText) : 1;
    let from = lo;
    let to = hi;
    if (range !== '*') {
      const [a, b] = range.split('-').map(Number);
      from = a;
      to = b ?? (stepText ? hi : a);
    }
    for (let n = from; n <= to; n += step) out.add(n);
  }
  return out;
}

export function parseSchedule(value: unknown): Schedule {
  const v = String(value ?? '').trim();
  if (v === '' || v.toLowerCase() === 'off') return { kind: 'off' };
  const every = /^every\s+(\d+)\s*(s|m|h)$/i.exec(v);
  if (every) return { kind: 'every', ms: Number(every[1]) * UNIT_MS[every[2].toLowerCase()] };
  const f = v.split(/\s+/);
  if (f.length !== 5) throw new Error(`not a schedule: "${v}"`);
  const sets = f.map((t, i) => field(t, RANGES[i][0], RANGES[i][1]));
  // Day of week 7 is Sunday, like 0.
  if (sets[4].has(7)) sets[4].add(0);
  return { kind: 'cron', minute: sets[0], hour: sets[1], dom: sets[2], month: sets[3], dow: sets[4], domAny: f[2] === '*', dowAny: f[4] === '*' };
}

function dayMatches(s: Extract<Schedule, { kind: 'cron' }>, d: Date): boolean {
  const dom = s.dom.has(d.getDate());
  const dow = s.dow.has(d.getDay());
  // Classic cron: when both day fields are restricted, either one matching is enough.
  if (!s.domAny && !s.dowAny) return dom || dow;
  return dom && dow;
}

/** The first cron match strictly after `from` (local time), or null when none within ~5 years. */
export function nextCron(s: Extract<Schedule, { kind: 'cron' }>, from: Date): Date | null {
  const d = new Date(from.getTime());
  d.setSeconds(0, 0);
  d.setMinutes(d.getMinutes() + 1);
  const limit = from.getTime() + 5 * 366 * 86_400_000;
  while (d.getTime() <= limit) {
    if (!s.month.has(d.getMonth() + 1)) {
      d.setMonth(d.getMonth() + 1, 1);
      d.setHours(0, 0, 0, 0);
      continue;
    }
    if (!dayMatches(s, d)) {
      d.setDate(d.getDate() + 1);
      d.setHours(0, 0, 0, 0);
      continue;
    }
    if (!s.hour.has(d.getHours())) {
      d.setHours(d.getHours() + 1, 0, 0, 0);
      continue;
    }
    if (!s.minute.has(d.getMinutes())) {
      d.setMinutes(d.getMinutes() + 1, 0, 0);
      continue;
    }
    return d;
  }
  return null;
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
