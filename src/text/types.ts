import type { TextEdit } from '../protocol/index.js';

export type { TextEdit };

/** Steps of the zh-TW text stage, in the order they run. */
export const textSteps = ['s2t', 'filler', 'lexicon', 'itn', 'punct', 'redact'] as const;
export type TextStep = (typeof textSteps)[number];

/** Where the text is going decides what must be redacted. */
export type RedactionUse = 'display' | 'archive' | 'logs' | 'training';

export interface Redaction {
  /** Offsets in the output text of the placeholder, e.g. `[身分證]`. Never carries the original. */
  start: number;
  end: number;
  type:
    | 'national_id'
    | 'resident_id'
    | 'phone'
    | 'email'
    | 'credit_card'
    | 'bank_account'
    | 'address'
    | 'plate'
    | 'name';
  label: string;
}

export interface NormalizeOptions {
  /** Defaults to every step except `redact`. */
  steps?: readonly TextStep[];
  /** Redaction policy to apply when `redact` is among the steps. */
  redactFor?: RedactionUse;
  /** Pause (ms) after raw character offsets, from VAD/ASR timings, to place punctuation. */
  pauses?: ReadonlyArray<{ afterChar: number; ms: number }>;
  /** The utterance is complete (a final, a CLI line): end it with 。 or ？. Partials leave it open. */
  final?: boolean;
}

export interface NormalizeResult {
  raw: string;
  text: string;
  edits: TextEdit[];
  redactions: Redaction[];
}

/** The text stage used on every partial and final, and by the CLI/REST normalize commands. */
export interface TextNormalizer {
  normalize(raw: string, options?: NormalizeOptions): NormalizeResult;
  /** Lexicon terms for ASR hot-words (districts, villages, roads, agencies, KB terms, admin terms). */
  hotwords(): string[];
}
