import type { RedactionUse, TextNormalizer } from '../text/index.js';

/** The one way the archive redacts: only the text stage's `redact` step, for a given use. */
export type Redactor = (text: string, use: RedactionUse) => { text: string; redacted: number };

export function createRedactor(text: TextNormalizer): Redactor {
  return (input, use) => {
    if (!input) return { text: input, redacted: 0 };
    const result = text.normalize(input, { steps: ['redact'], redactFor: use });
    return { text: result.text, redacted: result.redactions.length };
  };
}
