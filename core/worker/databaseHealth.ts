// What the integrator knows about its two databases: the last check (periodic, or a run or request that used one),
// with its time and reason. A database found back after being away wakes the runs waiting out their back-off and
// gets the records of the runs it missed.
import fs from 'node:fs';
import type { Db } from '../db/db.js';
import type { DbPool } from '../db/dbPool.js';
import { parseDsn, redactDsn } from '../db/dsn.js';
import type { PendingRecords } from '../events/runRecord.js';
import { userMessage } from '../errors.js';

export type Database = 'erp' | 'web';

export interface Health {
  ok: boolean;
  error: string | null;
  /** When this was found out: a check, or a run or request that used the database. */
  checkedAt: Date | null;
}

export interface DatabaseHealthOptions {
  now(): Date;
  /** The pools the checks borrow from. */
  pools(): Record<Database, DbPool>;
  /** The DSNs and the folder they are relative to, for the quick file check. */
  dsn(which: Database): { dsn: string; baseDir: string };
  pending: PendingRecords;
  /** Checks run only while this says so. */
  active(): boolean;
  /** A database that was away answers again. */
  onBack(which: Database): void;
  /** Default 30 s. */
  everyMs?: number;
}

export class DatabaseHealth {
  private readonly health: Record<Database, Health> = { erp: { ok: false, error: 'not checked yet', checkedAt: null }, web: { ok: false, error: 'not checked yet', checkedAt: null } };
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;

  constructor(private readonly options: DatabaseHealthOptions) {}

  of(which: Database): Health {
    return this.health[which];
  }

  /** Records what a check, a run or a request just found out about a database. */
  mark(which: Database, err: unknown): void {
    const wasDown = !this.health[which].ok && this.health[which].checkedAt !== null;
    this.health[which] = err ? { ok: false, error: userMessage(err), checkedAt: this.options.now() } : { ok: true, error: null, checkedAt: this.options.now() };
    if (wasDown && !err) this.options.onBack(which);
  }

  /** Each database is asked a trivial query every `everyMs`, so the status is never older than that. */
  start(): void {
    const every = this.options.everyMs ?? 30_000;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.checkSoon();
      void this.checking?.finally(() => {
        if (this.options.active() && !this.timer) this.start();
      });
    }, every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A check now, unless one is under way. */
  checkSoon(): void {
    this.checking ??= this.check().finally(() => {
      this.checking = null;
    });
  }

  private async check(): Promise<void> {
    const pools = this.options.pools();
    for (const which of ['web', 'erp'] as const) {
      try {
        const db: Db = await pools[which].borrow();
        await db.tables();
        this.mark(which, null);
        // The web database is back: the runs it missed go into its history now.
        if (which === 'web' && this.options.pending.size) await this.options.pending.flush(db);
      } catch (err) {
        this.mark(which, err);
      }
    }
  }

  /**
   * The cheap part of a check, done whenever the status is read: a SQLite file that is gone shows at once, not at
   * the next periodic check. (Whether a file that is there works is left to the checks that open it.)
   */
  quickCheck(which: Database): void {
    const { dsn, baseDir } = this.options.dsn(which);
    let file: string;
    try {
      const parsed = parseDsn(dsn, baseDir);
      if (parsed.kind !== 'sqlite' || parsed.path === ':memory:') return;
      file = parsed.path;
    } catch {
      return;
    }
    if (!fs.existsSync(file)) this.mark(which, new Error(`cannot open ${redactDsn(dsn)}: database file not found: ${file}`));
    // A file that was missing is there again: a real check says whether it works.
    else if (!this.health[which].ok) this.checkSoon();
  }
}
