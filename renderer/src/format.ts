// Pure display rules: no DOM, so they are unit-tested under Node.

export type Tone = 'ok' | 'info' | 'warn' | 'bad' | 'muted';

/** Colour of a run status (IntegrationRun.Status). */
export function runTone(status: string | null | undefined): Tone {
  switch (status) {
    case 'Succeeded':
      return 'ok';
    case 'Running':
      return 'info';
    case 'Partial':
    case 'Stopped':
      return 'warn';
    case 'Failed':
      return 'bad';
    default:
      return 'muted';
  }
}

export function stateTone(state: string): Tone {
  if (state === 'running') return 'ok';
  if (state === 'stopped') return 'bad';
  return 'warn';
}

export interface ProgressLike {
  done: number;
  total: number | null;
  startedAt: string;
}

export interface ProgressView {
  /** 0..1, or null while the total is unknown. */
  fraction: number | null;
  /** Rows per second since the run started, or null before the first second. */
  rate: number | null;
  /** Seconds left at the current rate, or null. */
  etaSeconds: number | null;
  label: string;
}

export function progressView(p: ProgressLike, nowMs: number): ProgressView {
  const elapsed = (nowMs - Date.parse(p.startedAt)) / 1000;
  const rate = elapsed >= 1 && p.done > 0 ? p.done / elapsed : null;
  const fraction = p.total && p.total > 0 ? Math.min(1, p.done / p.total) : p.total === 0 ? 1 : null;
  const left = p.total !== null ? Math.max(0, p.total - p.done) : null;
  const etaSeconds = rate && left !== null ? left / rate : null;
  const count = p.total !== null ? `${formatCount(p.done)} / ${formatCount(p.total)} rows` : `${formatCount(p.done)} rows`;
  const parts = [count];
  if (rate !== null) parts.push(`${formatCount(Math.round(rate))} rows/s`);
  if (etaSeconds !== null && etaSeconds > 0) parts.push(`about ${formatDuration(etaSeconds * 1000)} left`);
  return { fraction, rate, etaSeconds, label: parts.join(' · ') };
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-AU');
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}

/** "in 4m" / "3m ago" / "just now", relative to now. */
export function relativeTime(iso: string | null | undefined, nowMs: number): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const diff = t - nowMs;
  const abs = Math.abs(diff);
  if (abs < 5000) return 'just now';
  const text = formatDuration(abs).replace(/ \d+s$/, '');
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-AU', { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

export function runDuration(run: { startedAt: string; finishedAt: string | null }, nowMs: number): string {
  const end = run.finishedAt ? Date.parse(run.finishedAt) : nowMs;
  return formatDuration(end - Date.parse(run.startedAt));
}

export function formatPrice(n: number | null): string {
  if (n === null) return 'no price';
  return n.toLocaleString('en-AU', { minimumFractionDigits: 2, maximumFractionDigits: 4 });
}

const SOURCE_LABELS: Record<string, string> = {
  manual: 'Manual price agreed on the web',
  special: 'Customer special price',
  level: 'Customer price level (best quantity break)',
  base: 'Base price',
};

export function priceSourceLabel(source: string | null): string {
  return source ? (SOURCE_LABELS[source] ?? source) : 'No price found';
}
