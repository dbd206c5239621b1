// Send All's clean-up pass: pages through keys the web holds from the ERP (in key order) and acts on those the
// ERP no longer has. One range read of the ERP per page, never a lookup per key.

export interface GoneSweep {
  /** The next page of web keys after `after` (null: from the start), ascending. */
  webKeys(after: string | null, limit: number): Promise<string[]>;
  /** The ERP's keys between first and last, inclusive. */
  erpKeysBetween(first: string, last: string): Promise<Set<string>>;
  /** Acts on the keys gone from the ERP; returns how many rows it changed. */
  act(gone: string[]): Promise<number>;
}

/** Runs the sweep to the end; returns the total the act reported. */
export async function sweepGone(sweep: GoneSweep, batchSize: number): Promise<number> {
  let after: string | null = null;
  let total = 0;
  for (;;) {
    const keys = await sweep.webKeys(after, batchSize);
    if (!keys.length) break;
    const present = await sweep.erpKeysBetween(keys[0], keys[keys.length - 1]);
    const gone = keys.filter((k) => !present.has(k));
    if (gone.length) total += await sweep.act(gone);
    after = keys[keys.length - 1];
  }
  return total;
}
