import { AsrError, type AsrErrorCode } from '../errors.js';

/**
 * The stage error code `fn` throws, or undefined when it returns. Anything but an AsrError is
 * rethrown, so a test expecting a code fails on it with the real error.
 */
export function asrErrorCode(fn: () => unknown): AsrErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof AsrError) return err.code;
    throw err;
  }
  return undefined;
}
