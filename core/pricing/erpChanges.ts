// ERP change notifications, from the ERP listener to every running pricing service of this process.
export type ErpChangeHandler = (reason: string) => void;

export class ErpChangeFeed {
  private readonly handlers = new Set<ErpChangeHandler>();

  subscribe(handler: ErpChangeHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Returns how many pricing services refreshed. */
  notify(reason: string): number {
    for (const h of this.handlers) h(reason);
    return this.handlers.size;
  }
}

/** The process's feed: the two listeners are separate Services, started in any order. */
export const erpChanges = new ErpChangeFeed();
