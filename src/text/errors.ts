/** Errors of the text stage; `code` is stable and reaches REST/CLI clients as-is. */
export type TextErrorCode = 'lexicon_invalid' | 'invalid_term' | 'invalid_steps';

export class TextError extends Error {
  constructor(
    readonly code: TextErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TextError';
  }
}
