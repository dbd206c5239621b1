// Pure rules of customer conversion processing: which pending conversions can run, where each one really
// ends (chains resolved to their final code) and in which order, so the result is the same whatever order
// the ERP rows arrived in.

export type ConversionStatus = 'Pending' | 'Processed' | 'Failed';

export interface ConversionRecord {
  id: number;
  oldCode: string;
  newCode: string;
  status: ConversionStatus;
}

export interface PlannedConversion {
  id: number;
  oldCode: string;
  newCode: string;
  /** Where the chain from oldCode ends: every row of oldCode moves straight there. */
  finalCode: string;
  /** oldCode, newCode, ..., finalCode. */
  path: string[];
}

export interface RejectedConversion {
  id: number;
  oldCode: string;
  newCode: string;
  reason: string;
}

export interface ConversionPlan {
  /** In processing order. */
  steps: PlannedConversion[];
  rejected: RejectedConversion[];
}

/**
 * Plans every Pending conversion. The graph of renames is built from Pending and Processed conversions (a
 * processed A->B still tells where a later X->A ends); Failed ones are ignored.
 *
 * Order: the conversion closest to its final code runs first. For A->B, B->C that is B->C, then A->C, which
 * gives the same precedence as applying the ERP's renames one after another (on a collision C's row wins over
 * B's, and B's over A's), while every row moves once, straight to C.
 */
export function planConversions(records: readonly ConversionRecord[]): ConversionPlan {
  const successors = new Map<string, Set<string>>();
  for (const r of records) {
    if (r.status === 'Failed' || r.oldCode === r.newCode) continue;
    let s = successors.get(r.oldCode);
    if (!s) successors.set(r.oldCode, (s = new Set()));
    s.add(r.newCode);
  }
  const describe = (codes: Iterable<string>) => [...codes].sort().join(', ');

  const steps: PlannedConversion[] = [];
  const rejected: RejectedConversion[] = [];
  for (const r of records) {
    if (r.status !== 'Pending') continue;
    const reject = (reason: string) => rejected.push({ id: r.id, oldCode: r.oldCode, newCode: r.newCode, reason });
    if (!r.oldCode || !r.newCode) {
      reject('the old or the new code is empty');
      continue;
    }
    if (r.oldCode === r.newCode) {
      reject(`the old and the new code are the same (${r.oldCode})`);
      continue;
    }
    const own = successors.get(r.oldCode)!;
    if (own.size > 1) {
      reject(`${r.oldCode} converts to more than one code (${describe(own)}); nothing moved`);
      continue;
    }
    const path = [r.oldCode, r.newCode];
    const seen = new Set(path);
    let reason: string | undefined;
    for (let cur = r.newCode; successors.has(cur); ) {
      const next = successors.get(cur)!;
      if (next.size > 1) {
        reason = `the chain ${path.join(' -> ')} reaches ${cur}, which converts to more than one code (${describe(next)}); nothing moved`;
        break;
      }
      const [n] = next;
      path.push(n);
      if (seen.has(n)) {
        reason = `cycle: ${path.join(' -> ')}; nothing moved`;
        break;
      }
      seen.add(n);
      cur = n;
    }
    if (reason) reject(reason);
    else steps.push({ id: r.id, oldCode: r.oldCode, newCode: r.newCode, finalCode: path[path.length - 1], path });
  }
  steps.sort((a, b) => a.path.length - b.path.length || a.id - b.id);
  return { steps, rejected };
}
