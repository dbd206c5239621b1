/**
 * Polls fn until it returns a truthy value: tests wait on a real condition, never a fixed sleep. An error thrown
 * while polling (a file mid-write, a server not listening yet) is retried and reported if time runs out.
 */
export async function until<T>(what: string, fn: () => Promise<T> | T, timeoutMs = 30_000, everyMs = 50): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
