// Holds the pricing service's ERP connection and replaces it after a failure, so the listener recovers by
// itself when the ERP comes back (a restored SQLite file, a restarted SQL Server) without a restart.
import type { Db } from '../db/db.js';
import type { Logger } from '../logging/logger.js';

export interface ErpConnectionOptions {
  /** The connection to start with (e.g. the worker's). Closed here only when `ownsInitial`. */
  initial?: Db;
  ownsInitial?: boolean;
  /** Opens a fresh connection; without it the initial connection is kept whatever happens. */
  open?: () => Promise<Db>;
  /** After a failed open, further opens wait this long, so an outage does not become a connection storm. */
  retryAfterMs?: number;
  logger?: Logger;
}

export class ErpConnection {
  private current: Db | null;
  private owned: boolean;
  private opening: Promise<Db> | null = null;
  private lastOpenFailure: { at: number; err: unknown } | null = null;
  private closed = false;

  constructor(private readonly options: ErpConnectionOptions) {
    this.current = options.initial ?? null;
    this.owned = options.ownsInitial ?? false;
  }

  get canReopen(): boolean {
    return this.options.open !== undefined;
  }

  async db(): Promise<Db> {
    if (this.closed) throw new Error('the ERP connection is closed');
    if (this.current) return this.current;
    const open = this.options.open;
    if (!open) throw new Error('no ERP connection');
    const wait = this.options.retryAfterMs ?? 1000;
    if (this.lastOpenFailure && Date.now() - this.lastOpenFailure.at < wait) throw this.lastOpenFailure.err;
    this.opening ??= open().then(
      (db) => {
        this.opening = null;
        this.lastOpenFailure = null;
        if (this.closed) {
          void db.close();
          throw new Error('the ERP connection is closed');
        }
        this.current = db;
        this.owned = true;
        return db;
      },
      (err: unknown) => {
        this.opening = null;
        this.lastOpenFailure = { at: Date.now(), err };
        throw err;
      },
    );
    return this.opening;
  }

  /** A query on `db` failed: the next lookup opens a fresh connection (when it can). */
  failed(db: Db): void {
    if (db !== this.current || !this.canReopen) return;
    this.drop();
  }

  /**
   * A refresh (poll or ERP notification). A SQLite file is reopened so a replaced or restored file is what
   * the next lookup reads (an open file handle would keep reading the old one); a server pool is kept.
   */
  refresh(): void {
    if (this.current?.kind === 'sqlite' && this.canReopen) this.drop();
  }

  private drop(): void {
    const old = this.current;
    const owned = this.owned;
    this.current = null;
    this.lastOpenFailure = null;
    // Queries already queued on the old connection finish first: SqliteDb/MssqlDb close after them.
    if (old && owned) old.close().catch((err: unknown) => this.options.logger?.debug({ err }, 'closing the old ERP connection failed'));
  }

  async close(): Promise<void> {
    this.closed = true;
    const old = this.current;
    this.current = null;
    if (old && this.owned) await old.close();
  }
}
