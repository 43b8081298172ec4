import type { Replacement } from './draft.js';

/** Where a clause starts: text start, punctuation, whitespace, or a hesitation sound. */
const B = '(?<=^|[\\s\\p{P}嗯呃欸誒])';
/**
 * Filler words of spoken Taiwanese Mandarin. Hesitation sounds go everywhere; 啊/那個/就是 only where
 * they cannot be content (clause start before a pronoun or another filler, or stuttered), since
 * 那個地方 and 就是這個 are real words.
 */
const FILLERS: RegExp[] = [
  /[嗯呃欸誒]+[，,、\s]?/gu,
  new RegExp(`${B}(?:啊|阿|唉)[，,、\\s]?(?=\\p{Script=Han})`, 'gu'),
  new RegExp(`${B}那個[，,、\\s]?(?=那個|就是|我|你|他|她|請問|想|要|是|有)`, 'gu'),
  new RegExp(`${B}就是說?[，,、\\s]?(?=我|你|他|她|那個|想|要|有)`, 'gu'),
  /(那個|就是)(?=\1)/gu,
];

/** Filler spans to drop from the corrected text (the raw text keeps them). */
export function fillerRemovals(text: string): Replacement[] {
  const spans: Replacement[] = [];
  for (const re of FILLERS) {
    for (const m of text.matchAll(re)) {
      const start = m.index;
      const end = start + m[0].length;
      if (spans.some((s) => s.start < end && start < s.end)) continue;
      spans.push({ start, end, text: '', kind: 'filler' });
    }
  }
  // Never empty an utterance that was only fillers: keep it as said.
  const removed = spans.reduce((n, s) => n + s.end - s.start, 0);
  if (removed >= text.replace(/[\s\p{P}]/gu, '').length) return [];
  // Touching fillers (嗯那個) are one edit.
  const merged: Replacement[] = [];
  for (const s of spans.sort((a, b) => a.start - b.start)) {
    const last = merged.at(-1);
    if (last && last.end === s.start) last.end = s.end;
    else merged.push(s);
  }
  return merged;
}
