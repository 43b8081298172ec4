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

/**
 * The error `promise` rejects with, checked to be a `type`; a promise that resolves, or rejects
 * with anything else, throws so the test fails.
 */
export async function rejection<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  const outcome = await promise.then(
    () => ({ rejected: false as const }),
    (err: unknown) => ({ rejected: true as const, err }),
  );
  if (!outcome.rejected) throw new Error(`expected a rejection with ${type.name}, but the promise resolved`);
  if (!(outcome.err instanceof type)) throw outcome.err;
  return outcome.err;
}
