// When the core exits unexpectedly the shell starts it again: 1 s after the first exit, doubling after each
// further one, at most 5 minutes apart; a core that stayed up 10 minutes counts as healthy again.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** A core up at least this long before it exited starts the count afresh. */
  resetAfterMs: number;
}

export const CORE_RESTART_POLICY: BackoffPolicy = { initialMs: 1000, maxMs: 5 * 60_000, resetAfterMs: 10 * 60_000 };

export interface Backoff {
  /** The delay before the next start, given how long the core had been up before it exited. */
  next(upMs: number): number;
  /** Exits in a row so far (1 after the first). */
  attempts(): number;
  reset(): void;
}

export function createBackoff(policy: BackoffPolicy = CORE_RESTART_POLICY): Backoff {
  let attempt = 0;
  return {
    next(upMs) {
      if (upMs >= policy.resetAfterMs) attempt = 0;
      const delay = Math.min(policy.initialMs * 2 ** attempt, policy.maxMs);
      attempt++;
      return delay;
    },
    attempts: () => attempt,
    reset: () => void (attempt = 0),
  };
}
