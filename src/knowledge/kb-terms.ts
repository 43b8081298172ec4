import type { Segmenter } from '../text/index.js';
import { synonymTerms } from './synonyms.js';
import type { FaqEntry } from './types.js';

/** Question phrasing that is frequent in every FAQ but names nothing (only 3+ characters get this far). */
const GENERIC = new Set(['怎麼辦', '為什麼', '怎麼樣', '是不是', '有沒有', '可不可以', '要怎麼', '什麼樣']);

/**
 * Domain terms of a KB for the text stage's lexicon and ASR hot-words: words of the questions
 * that name something (3+ Han characters, or Latin names like YouBike) and recur in at least
 * `minCount` questions, plus the synonym table's canonical forms; most frequent first.
 */
export function mineTerms(
  entries: readonly FaqEntry[],
  segmenter: Segmenter,
  minCount = 2,
  limit = 800,
): string[] {
  const counts = new Map<string, number>();
  for (const e of entries) {
    const seen = new Set<string>();
    for (const word of segmenter.cut(e.question)) {
      const han = (word.match(/\p{Script=Han}/gu) ?? []).length;
      if (han >= 3 && han === word.length) seen.add(word);
      else if (/^[a-z][a-z0-9.-]{2,}$/.test(word)) {
        // The segmenter lower-cases; hot-words keep the spelling of the question (YouBike).
        const at = e.question.toLowerCase().indexOf(word);
        seen.add(at >= 0 ? e.question.slice(at, at + word.length) : word);
      }
    }
    for (const w of seen) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  const mined = [...counts]
    .filter(([w, c]) => c >= minCount && !GENERIC.has(w))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([w]) => w);
  return [...new Set([...synonymTerms(true).filter((t) => /\p{Script=Han}/u.test(t)), ...mined])].slice(
    0,
    limit,
  );
}
