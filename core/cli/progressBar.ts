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
