import { PhoneticIndex } from '../phonetic.js';
import type { LexiconTerm } from '../lexicon.js';
import { phoneticKey } from '../pinyin.js';
import { mulberry32 } from '../seeded-random.js';

/**
 * Builds the homophone-noised evaluation set: sentences that contain a lexicon term (3+ characters),
 * with one character of that term — two for terms of 5+ characters, with probability 0.3 — replaced
 * by a different character of the same accent-folded reading, the way a recognizer mishears a local
 * name (信義區 → 新義區). Deterministic for a seed (mulberry32). Same-length edits, so gold edits
 * are the character positions where `source` and `target` differ.
 */
export interface NoisedPair {
  source: string;
  target: string;
  term: string;
}

const VARIANT = new Set(['台', '臺', '裏', '裡']);

export function homophoneNoise(
  sentences: readonly string[],
  terms: readonly LexiconTerm[],
  options: { seed: number; limit?: number },
): NoisedPair[] {
  const rand = mulberry32(options.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  // Sound-alike characters drawn from the sentences themselves: common characters, one reading each.
  const byReading = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const s of sentences) {
    for (const ch of s) {
      if (seen.has(ch) || !/\p{Script=Han}/u.test(ch) || VARIANT.has(ch)) continue;
      seen.add(ch);
      const key = phoneticKey(ch)[0];
      if (!key) continue;
      const list = byReading.get(key) ?? [];
      list.push(ch);
      byReading.set(key, list);
    }
  }
  const index = new PhoneticIndex(terms.filter((t) => t.text.length >= 3));
  const out: NoisedPair[] = [];
  for (const sentence of sentences) {
    const exact = index.matches(sentence).filter((m) => m.same === m.end - m.start);
    if (exact.length === 0) continue;
    const longest = Math.max(...exact.map((m) => m.end - m.start));
    const m = pick(exact.filter((x) => x.end - x.start === longest));
    const len = m.end - m.start;
    const count = len >= 5 && rand() < 0.3 ? 2 : 1;
    const chars = [...sentence];
    const positions = new Set<number>();
    for (let tries = 0; positions.size < count && tries < 20; tries++) {
      const p = m.start + Math.floor(rand() * len);
      const key = phoneticKey(m.term)[p - m.start] ?? '';
      const alts = (byReading.get(key) ?? []).filter((c) => c !== chars[p]);
      if (alts.length === 0 || positions.has(p)) continue;
      chars[p] = pick(alts);
      positions.add(p);
    }
    if (positions.size === 0) continue;
    out.push({ source: chars.join(''), target: sentence, term: m.term });
    if (options.limit && out.length >= options.limit) break;
  }
  return out;
}
