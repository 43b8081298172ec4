export * from './types.js';
export * from './pinyin.js';
export * from './segment.js';
export {
  createTextNormalizer,
  parseSteps,
  lineNormalizer,
  DEFAULT_STEPS,
  type NormalizeRequest,
  type NormalizeAnswer,
  type TextStage,
  type CreateTextNormalizerOptions,
} from './normalizer.js';
export { TextError, type TextErrorCode } from './errors.js';
export { REDACTION_LABELS, REDACTION_POLICY } from './redact.js';
export { extractPhoneNumbers, idChecksumOk, luhnOk, SPOKEN_DIGIT } from './pii.js';
export { toTaiwanTraditional } from './convert.js';
export { loadTaipeiLexicon, normaliseRoad, type LexiconTerm, type TermKind } from './lexicon.js';
export { mulberry32 } from './seeded-random.js';
