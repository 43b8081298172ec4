/**
 * Errors that reach a REST client: a stable `code`, a human message, an HTTP status. Never a stack.
 * Body shape: `{"error":{"code":"…","message":"…"}}`.
 */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string) => new HttpError(400, code, message);
export const notFound = (code: string, message: string) => new HttpError(404, code, message);
export const forbidden = (message = 'this role may not do that') => new HttpError(403, 'forbidden', message);
export const unauthorized = (message = 'a valid token is required') =>
  new HttpError(401, 'unauthorized', message);
