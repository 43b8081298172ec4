import { Converter } from 'opencc-js';

/**
 * Script conversion at the engine boundary. The recognizers here are trained on Simplified or mixed
 * data, and everything leaving the engine layer is Traditional Chinese as written in Taiwan — but
 * still the words that were said: characters are converted (OpenCC `cn → tw`), words are not
 * (`twp` would turn 软件 into 軟體 and 自行车 into 腳踏車, and a hot-word 軟件 would come back as 軟體).
 * On top, a short reviewed list of Taiwan spellings of the same word, and hot-words/lexicon terms are
 * never rewritten: where one was recognised, it comes out exactly as the lexicon writes it.
 * Converters are built lazily because OpenCC's dictionaries take a moment to load.
 */
type Convert = (text: string) => string;

let toTaiwan: Convert | undefined;
let toSimplified: Convert | undefined;

/** Simplified → Traditional characters as used in Taiwan (软件 → 軟件, 台湾 → 臺灣); no word changes. */
export function toTaiwanCharacters(text: string): string {
  return (toTaiwan ??= Converter({ from: 'cn', to: 'tw' }))(text);
}

/** Traditional → Simplified characters (大安區 → 大安区, 軟體 → 软体), for spelling hot-words. */
export function toSimplifiedCharacters(text: string): string {
  return (toSimplified ??= Converter({ from: 'tw', to: 'cn' }))(text);
}

/**
 * Reviewed Taiwan spellings: each pair is the same word with the same reading, and the right side is
 * the Ministry of Education's standard form that Taiwanese agencies write (身分證, 帳號, 計畫). Word
 * substitutions that change what was said (軟件 → 軟體, 計程車 for 出租車) are deliberately absent.
 * Applied after character conversion, outside hot-words and lexicon terms.
 */
export const TAIWAN_SPELLINGS: readonly (readonly [string, string])[] = [
  ['身份', '身分'],
  ['賬號', '帳號'],
  ['賬戶', '帳戶'],
  ['賬單', '帳單'],
  ['賬目', '帳目'],
  ['計劃', '計畫'],
  ['部份', '部分'],
  ['傢俱', '家具'],
  ['公佈', '公布'],
  ['佈告', '布告'],
  ['瞭解', '了解'],
  ['儘量', '盡量'],
];

function applySpellings(text: string): string {
  let out = text;
  for (const [from, to] of TAIWAN_SPELLINGS) if (out.includes(from)) out = out.split(from).join(to);
  return out;
}

/**
 * The form two spellings of a place or agency name share: 台 and 臺 (台北, 臺北) are one character for
 * matching, as are 裏 and 裡. One character in, one out, so offsets stay the same.
 */
export function matchingForm(text: string): string {
  return text.replace(/臺/g, '台').replace(/裏/g, '裡');
}

/**
 * Recognizer text → zh-TW. `terms` (the engine's hot-words, i.e. the lexicon) are found in the
 * recognised text in any spelling the model may have written them in — as given, in Simplified
 * characters, with 台 for 臺 — and written back as given; the rest is converted.
 */
export function createTaiwanConverter(terms: readonly string[] = []): Convert {
  const byForm = new Map<string, string>();
  let longest = 0;
  const given = terms.map((raw) => raw.replace(/\s+/g, '')).filter((term) => [...term].length >= 2);
  // One conversion for the whole list: OpenCC's per-call cost dominates for short terms.
  const simplified = toSimplifiedCharacters(given.join('\n')).split('\n');
  given.forEach((term, i) => {
    for (const spelling of [term, simplified[i] ?? term]) {
      const form = matchingForm(spelling);
      if (!byForm.has(form)) byForm.set(form, term);
      longest = Math.max(longest, form.length);
    }
  });
  const convert = (part: string) => (part ? applySpellings(toTaiwanCharacters(part)) : '');
  // Loads OpenCC's dictionaries now (≈ 0.2 s once per process), not on a live call's first partial.
  convert('软');
  if (byForm.size === 0) return convert;
  return (text) => {
    const form = matchingForm(text);
    let out = '';
    let from = 0;
    let i = 0;
    while (i < text.length) {
      let match: { length: number; term: string } | undefined;
      for (let length = Math.min(longest, text.length - i); length >= 2 && !match; length--) {
        const term = byForm.get(form.slice(i, i + length));
        if (term !== undefined) match = { length, term };
      }
      if (!match) {
        i++;
        continue;
      }
      out += convert(text.slice(from, i)) + match.term;
      i += match.length;
      from = i;
    }
    return out + convert(text.slice(from));
  };
}
