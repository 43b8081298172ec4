/**
 * Errors of voice-activity detection. `vad_model_*` stop the server at start (the configured file
 * is unusable); `vad_failed` is a call's non-fatal error when its detector's worker failed.
 */
export type VadErrorCode = 'vad_model_missing' | 'vad_model_invalid' | 'vad_failed';

export class VadModelError extends Error {
  constructor(
    readonly code: VadErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VadModelError';
  }
}
