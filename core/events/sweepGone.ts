// Send All's clean-up pass: pages through keys the web holds from the ERP (in the web's own key order) and acts
// on those the ERP no longer has. The ERP is asked about exactly the page's keys (an IN-list), never a range:
// the two databases may order keys differently (a case-insensitive collation, hyphens under a SQL_* collation,
// VARCHAR against NVARCHAR), and a range taken from one side's order misses keys on the other.

export interface GoneSweep {
  /** The next page of web keys after `after` (null: from the start), in the web database's order. */
  webKeys(after: string | null, limit: number): Promise<string[]>;
  /** Which of these keys the ERP has (as the web spells them). */
  erpKeysOf(keys: readonly string[]): Promise<Set<string>>;
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
    const present = await sweep.erpKeysOf(keys);
    const gone = keys.filter((k) => !present.has(k));
    if (gone.length) total += await sweep.act(gone);
    after = keys[keys.length - 1];
  }
  return total;
}
