import { CaseError, type CaseErrorKind } from '../../cases/index.js';
import { HttpError } from '../errors.js';

const status: Record<CaseErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
};

/** Runs a cases-stage call; its `CaseError`s become HTTP errors with the same stable code. */
export async function asHttp<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof CaseError) throw new HttpError(status[err.kind], err.code, err.message);
    throw err;
  }
}
