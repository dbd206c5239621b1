import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchLine {
  /** What was measured, e.g. "Send All 200,000 debtors". */
  name: string;
  /** The product's figure and the baseline's, same unit. */
  value: number;
  baseline: number;
  unit: string;
  /** value/baseline when higher is better (throughput), baseline/value when lower is better (time). */
  higherIsBetter: boolean;
  /** The aim, as a ratio (e.g. 0.5 of the baseline's throughput). */
  target?: number;
  note?: string;
}

export interface Benchmark {
  name: string;
  run(log: (line: string) => void): Promise<BenchLine[]>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median wall time (ms) of `repeat` runs of fn, after one warm-up unless warm is false. */
export async function timeIt(fn: () => unknown, repeat = 3, warm = true): Promise<number> {
  if (warm) await fn();
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(times);
}

export function ratio(l: BenchLine): number {
  return l.higherIsBetter ? l.value / l.baseline : l.baseline / l.value;
}

export function formatLine(l: BenchLine): string {
  const r = ratio(l);
  const aim = l.target !== undefined ? `  aim >= ${l.target}  ${r >= l.target ? 'met' : 'NOT met'}` : '';
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-AU') : n.toFixed(2));
  return `${l.name}: ${fmt(l.value)} ${l.unit} vs baseline ${fmt(l.baseline)} ${l.unit}  ratio ${r.toFixed(2)}${aim}${l.note ? `  (${l.note})` : ''}`;
}

const here = path.dirname(fileURLToPath(import.meta.url));

export async function runBenchmarks(only: string[]): Promise<number> {
  const files = fs.readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
  let failed = 0;
  for (const f of files) {
    const mod = (await import(path.join(here, f))) as { benchmark: Benchmark };
    const b = mod.benchmark;
    if (only.length && !only.some((o) => b.name.includes(o) || f.includes(o))) continue;
    console.log(`\n== ${b.name}`);
    try {
      for (const line of await b.run((s) => console.log(`   ${s}`))) console.log(formatLine(line));
    } catch (err) {
      failed++;
      console.log(`FAILED: ${(err as Error).stack ?? err}`);
    }
  }
  return failed ? 1 : 0;
}
