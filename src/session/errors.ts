import type { ErrorCode } from '../protocol/index.js';

/** A call-level refusal with a stable protocol error code. */
export class CallError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
