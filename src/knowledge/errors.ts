/** Errors of the knowledge stage with a stable `code` (the REST layer maps them to HTTP statuses). */
export type KnowledgeErrorCode =
  | 'invalid_import'
  | 'unknown_kb'
  | 'unknown_version'
  | 'unknown_entry'
  | 'duplicate_entry'
  | 'invalid_entry'
  | 'fetch_failed'
  | 'invalid_vocabulary'
  | 'invalid_phrasing'
  | 'unknown_phrasing';

export class KnowledgeError extends Error {
  constructor(
    readonly code: KnowledgeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'KnowledgeError';
  }
}
