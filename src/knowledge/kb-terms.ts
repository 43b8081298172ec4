import type { Segmenter } from '../text/segment.js';
import { synonymTerms } from './synonyms.js';
import type { FaqEntry } from './types.js';

/** Generic question words that are frequent in every FAQ but name nothing. */
const GENERIC = new Set([
  '什麼',
  '如何',
  '是否',
  '可否',
  '哪裡',
  '為何',
  '怎麼辦',
  '請問',
  '可以',
  '相關',
  '規定',
  '辦理',
  '申請',
  '問題',
]);

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
      const latinName = /^[a-z][a-z0-9.-]{2,}$/i.test(word);
      if ((han >= 3 && han === word.length) || latinName) seen.add(word);
    }
    for (const w of seen) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  const mined = [...counts]
    .filter(([w, c]) => c >= minCount && !GENERIC.has(w))
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([w]) => w);
  return [...new Set([...synonymTerms().filter((t) => /\p{Script=Han}/u.test(t)), ...mined])].slice(0, limit);
}
