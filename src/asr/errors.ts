/**
 * Errors of the speech-recognition stage. `code` is stable: callers branch on it, the CLI prints it,
 * and the session maps `asr_failed` onto the wire error of the same name.
 */
export type AsrErrorCode =
  /** A configured model folder is missing, incomplete, or holds no model type we can load. */
  | 'asr_model_missing'
  /** The settings do not describe a usable engine (e.g. remote without a URL). */
  | 'asr_misconfigured'
  /**
   * A model file lacks what sherpa-onnx needs (metadata, inputs, tokens): refused before the native
   * addon sees it, because there it would end the process.
   */
  | 'asr_model_invalid'
  /** sherpa-onnx refused to load a model that looked complete. */
  | 'asr_load_failed'
  /** Recognition of one utterance failed (remote error, timeout, decoder error). */
  | 'asr_failed'
  /** The registry was asked for a version it does not hold, or to switch in a way it cannot. */
  | 'asr_version_unknown'
  /** The registry already holds an engine with that version. */
  | 'asr_version_conflict';

export class AsrError extends Error {
  readonly code: AsrErrorCode;

  constructor(code: AsrErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AsrError';
    this.code = code;
  }
}

/** Wraps an unexpected failure of one utterance (native decoder, network) in the stage's error code. */
export function recognitionFailed(err: unknown): AsrError {
  return err instanceof AsrError
    ? err
    : new AsrError('asr_failed', `recognition failed: ${(err as Error).message}`, { cause: err });
}
