/** A failure that may pass by itself: connection lost, lock timeout, file briefly missing. Worth a retry. */
export class RetryableError extends Error {
  override name = 'RetryableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A failure that will happen again until someone fixes data or configuration. */
export class FatalError extends Error {
  override name = 'FatalError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** One clear sentence for a person; the detail stays in the logs. */
export function userMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0];
  return String(err);
}

export function isRetryable(err: unknown): boolean {
  return err instanceof RetryableError;
}
