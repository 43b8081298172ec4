/**
 * Errors that reach a REST client: a stable `code`, a human message, an HTTP status. Never a stack.
 * Body shape: `{"error":{"code":"…","message":"…"}}` (`errorBody` in the protocol). Stage errors keep
 * their own code; their HTTP status is declared here, once.
 */
import { AsrError, type AsrErrorCode } from '../asr/index.js';
import { CaseError, type CaseErrorKind } from '../cases/index.js';
import { IngressError, type IngressErrorCode } from '../ingress/index.js';
import { KnowledgeError, type KnowledgeErrorCode } from '../knowledge/index.js';
import { ConversationError } from '../suggest/index.js';
import { TextError } from '../text/index.js';

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

const caseStatus: Record<CaseErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
};

const knowledgeStatus: Record<KnowledgeErrorCode, number> = {
  invalid_import: 400,
  invalid_entry: 400,
  unknown_kb: 404,
  unknown_version: 404,
  unknown_entry: 404,
  duplicate_entry: 409,
  fetch_failed: 502,
  invalid_vocabulary: 400,
  invalid_phrasing: 400,
  unknown_phrasing: 404,
};

/** ASR registry errors are the admin's request: a version it does not hold, or holds already. */
const asrStatus: Partial<Record<AsrErrorCode, number>> = {
  asr_version_unknown: 404,
  asr_version_conflict: 409,
};

const ingressStatus: Record<IngressErrorCode, number> = {
  ingress_busy: 503,
  unsupported_codec: 400,
  invalid_case_id: 400,
  case_in_use: 409,
  unauthorized: 401,
  forbidden_peer: 403,
  malformed_frame: 400,
  protocol_error: 400,
};

/** A stage's error as the REST client sees it (same code); null for anything that is not a stage error. */
export function stageHttpError(err: unknown): HttpError | null {
  if (err instanceof CaseError) return new HttpError(caseStatus[err.kind], err.code, err.message);
  if (err instanceof KnowledgeError) return new HttpError(knowledgeStatus[err.code], err.code, err.message);
  if (err instanceof AsrError) return new HttpError(asrStatus[err.code] ?? 400, err.code, err.message);
  if (err instanceof IngressError) return new HttpError(ingressStatus[err.code], err.code, err.message);
  if (err instanceof TextError) return new HttpError(400, err.code, err.message);
  if (err instanceof ConversationError)
    return new HttpError(err.code === 'unknown_conversation' ? 404 : 400, err.code, err.message);
  return null;
}
