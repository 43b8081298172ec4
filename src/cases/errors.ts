/**
 * Errors of the cases stage with a stable `code` and what kind of failure it is; the HTTP layer
 * maps `kind` to a status (invalid 400, unauthorized 401, forbidden 403, not_found 404, conflict 409).
 */
export type CaseErrorKind = 'invalid' | 'unauthorized' | 'forbidden' | 'not_found' | 'conflict';

export class CaseError extends Error {
  constructor(
    readonly kind: CaseErrorKind,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
