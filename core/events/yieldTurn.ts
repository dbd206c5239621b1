/**
 * Lets the event loop run between batches. The SQLite driver is synchronous, so without this a long run would
 * never see a stop request (Ctrl-C, the worker's stop) or let the admin API answer until it ended.
 */
export function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
