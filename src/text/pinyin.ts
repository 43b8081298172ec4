import { pinyin } from 'pinyin-pro';

/**
 * Toneless pinyin, one syllable per Han character (non-Han runs kept as one item each), used by
 * both phonetic correction and the knowledge base's phonetic channel.
 */
export function toSyllables(text: string): string[] {
  if (!text) return [];
  return pinyin(text, { toneType: 'none', type: 'array', nonZh: 'consecutive', v: true }).map((s) =>
    s.trim().toLowerCase(),
  );
}

/**
 * Folds the merges typical of Taiwan-accented Mandarin and of recognizers confused by them:
 * retroflex ↔ dental (zh/z, ch/c, sh/s), front/back nasals (in/ing, en/eng), n/l initial.
 * Two syllables that fold to the same key are "sound-alike".
 */
export function foldAccent(syllable: string): string {
  let s = syllable;
  if (s.startsWith('zh')) s = 'z' + s.slice(2);
  else if (s.startsWith('ch')) s = 'c' + s.slice(2);
  else if (s.startsWith('sh')) s = 's' + s.slice(2);
  if (s.startsWith('n') && s.length > 1) s = 'l' + s.slice(1);
  if (s.endsWith('ing')) s = s.slice(0, -1);
  else if (s.endsWith('eng')) s = s.slice(0, -1);
  return s;
}

/** Accent-folded syllables of a text: the key both phonetic matchers compare. */
export function phoneticKey(text: string): string[] {
  return toSyllables(text).map(foldAccent);
}
