import type { ErrorBody } from '../contracts/adminApi.js';

/** A refusal with its HTTP status and one clear sentence. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly fieldErrors?: ErrorBody['fieldErrors'],
  ) {
    super(message);
  }
}
