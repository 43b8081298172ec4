import type { NormalizeOptions, NormalizeResult, Redaction, TextNormalizer } from '../../text/types.js';

/**
 * Test double of the text stage's `TextNormalizer`, named as such: it only knows two patterns
 * (national id, phone number) so archive tests can see redaction applied per use. The real
 * redaction policy lives in src/text.
 */
export function createRedactingTextDouble(): TextNormalizer {
  const patterns: Array<{ re: RegExp; type: Redaction['type']; label: string }> = [
    { re: /[A-Z][12]\d{8}/g, type: 'national_id', label: '[身分證]' },
    { re: /09\d{2}-?\d{3}-?\d{3}/g, type: 'phone', label: '[電話]' },
  ];
  return {
    normalize(raw: string, options: NormalizeOptions = {}): NormalizeResult {
      if (!options.steps?.includes('redact')) return { raw, text: raw, edits: [], redactions: [] };
      let text = raw;
      const redactions: Redaction[] = [];
      for (const { re, type, label } of patterns) {
        // Display keeps phone numbers (the agent may need to call back); everything else hides both.
        if (type === 'phone' && options.redactFor === 'display') continue;
        text = text.replace(re, () => label);
      }
      for (const { type, label } of patterns) {
        let at = text.indexOf(label);
        while (at >= 0) {
          redactions.push({ start: at, end: at + label.length, type, label });
          at = text.indexOf(label, at + label.length);
        }
      }
      return { raw, text, edits: [], redactions };
    },
    hotwords: () => [],
  };
}
