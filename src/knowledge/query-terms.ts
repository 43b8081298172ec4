import { phoneticKey, type Segmenter } from '../text/index.js';
import { canonicalize, stripFillers } from './normalize.js';
import type { QueryPart } from './types.js';
import type { Vocabulary } from './vocabulary.js';

/** Single-character words that say nothing about the topic of a question. */
export const FUNCTION_WORDS = new Set(
  '的了嗎呢吧是我你妳他她它有在要會就都也還和與及或而把被讓給對從到去來說想能可這那哪什麼怎個些位啦喔齁欸耶嘛呀哦噢蛤'.split(
    '',
  ),
);

/**
 * Question-frame wording (what kind of answer is wanted, who the caller is) rather than what the
 * question is about. It still separates sibling entries (fees vs documents), so it counts, but
 * weakly: otherwise 要帶什麼 or 我媽 pulls any entry that asks the same kind of question to the top.
 * In canonical form (怎麼 → 如何, 幾點 → 時間 … are rewritten before this runs).
 */
const FRAME =
  /(如何|怎麼辦|為何|是否|可否|可以|能夠|哪裡|哪邊|哪個|哪些|找誰|跟誰|問誰|打給誰|誰來|誰負責|可以嗎|可不可以|能不能|會不會|要不要|有沒有|是不是|這樣|那樣|什麼|多少|需要|要帶|準備|處理|辦理|申請|一下|一直|現在|已經|還是|因為|所以|但是|可是|結果|聽說|知道|不知道|應該|好像|覺得|真的|一定|我們|我家|自己|請問|謝謝|麻煩|小姐|先生|我爸|我媽|爸爸|媽媽|我先生|我太太|我老公|我老婆|我兒子|我女兒|家裡|家人|朋友|鄰居|隔壁|樓上|樓下|昨天|今天|明天|剛剛|最近|上個月|下個月|上禮拜|下禮拜|得到|知道嗎|到底|一樣|這種|那種|這個|那個|有人)/g;

const HAN_RUN = /\p{Script=Han}+/gu;
const TEXT_RUN = /[\p{Script=Han}\p{L}\p{N}]+/gu;
const URL = /https?:\/\/\S+|www\.\S+/g;

/** Overlapping character bigrams of each run of letters/digits/Han (a 1-character run is its own gram). */
export function charGrams(text: string): string[] {
  const out: string[] = [];
  for (const run of text.match(TEXT_RUN) ?? []) {
    // Code units, not code points: the rare astral character is split the same way in entries and queries.
    if (run.length === 1) out.push(run);
    for (let i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
  }
  return out;
}

export interface SoundGram {
  key: string;
  chars: string;
}

/** Accent-folded toneless syllable bigrams of each Han run, with their characters: 信義 → "xin yi". */
export function soundGrams(text: string): SoundGram[] {
  const out: SoundGram[] = [];
  for (const run of text.match(HAN_RUN) ?? []) {
    const keys = phoneticKey(run);
    const chars = [...run];
    // One syllable per Han character; bail out on the rare run where pinyin-pro disagrees.
    if (keys.length !== chars.length) continue;
    for (let i = 0; i + 1 < keys.length; i++) {
      out.push({ key: `${keys[i]} ${keys[i + 1]}`, chars: `${chars[i]}${chars[i + 1]}` });
    }
  }
  return out;
}

/** Text of an indexed field: canonical form without links (their letters are noise to every channel). */
export function indexText(text: string): string {
  return canonicalize(text.replace(URL, ' '));
}

/** The terms of an indexed text per channel. */
export interface TextTerms {
  words: string[];
  chars: string[];
  sounds: string[];
}

export function textTerms(canonical: string, segmenter: Segmenter): TextTerms {
  return {
    words: segmenter.cut(canonical).filter((w) => !FUNCTION_WORDS.has(w)),
    chars: charGrams(canonical),
    sounds: soundGrams(canonical).map((g) => g.key),
  };
}

/** Query terms per channel with their weight (the largest weight any query part gives them). */
export interface QueryTerms {
  words: Map<string, number>;
  chars: Map<string, number>;
  sounds: Map<string, number>;
  /** Sound key → the query characters it came from (to explain sound-alike matches). */
  soundChars: Map<string, string>;
  /** Official wording the vocabulary added, with the caller's word: `敬老卡←老人卡`. */
  expansions: string[];
}

export interface QueryWeights {
  /** Weight of official terms the vocabulary added (relative to the caller's own words). */
  expansion: number;
  /** Weight of question-frame wording. */
  frame: number;
}

function raise(target: Map<string, number>, term: string, weight: number): void {
  if (weight > (target.get(term) ?? 0)) target.set(term, weight);
}

/** Character positions of a text covered by question-frame wording. */
function frameMask(text: string): Uint8Array {
  const mask = new Uint8Array(text.length);
  for (const m of text.matchAll(FRAME)) mask.fill(1, m.index, m.index + m[0].length);
  return mask;
}

/**
 * What a query asks for, per channel: fillers dropped, canonical form, frame wording weighted down,
 * and the vocabulary's official wording added beside the caller's words.
 */
export function queryTerms(
  parts: readonly QueryPart[],
  segmenter: Segmenter,
  vocabulary: Vocabulary | null,
  weights: QueryWeights,
): QueryTerms {
  const out: QueryTerms = {
    words: new Map(),
    chars: new Map(),
    sounds: new Map(),
    soundChars: new Map(),
    expansions: [],
  };
  for (const part of parts) {
    if (!(part.weight > 0)) continue;
    const text = indexText(stripFillers(part.text));
    const mask = frameMask(text);
    const framed = (start: number, length: number) => {
      for (let i = start; i < start + length; i++) if (!mask[i]) return false;
      return true;
    };
    const weightAt = (start: number, length: number) =>
      part.weight * (framed(start, length) ? weights.frame : 1);

    let at = 0;
    for (const word of segmenter.cut(text)) {
      const start = text.indexOf(word, at);
      if (start >= 0) at = start + word.length;
      if (FUNCTION_WORDS.has(word)) continue;
      raise(out.words, word, start >= 0 ? weightAt(start, word.length) : part.weight);
    }
    for (const run of text.matchAll(TEXT_RUN)) {
      const s = run[0];
      if (s.length === 1) raise(out.chars, s, weightAt(run.index, 1));
      for (let i = 0; i + 1 < s.length; i++) raise(out.chars, s.slice(i, i + 2), weightAt(run.index + i, 2));
    }
    for (const run of text.matchAll(HAN_RUN)) {
      const grams = soundGrams(run[0]);
      grams.forEach((g, i) => {
        raise(out.sounds, g.key, weightAt(run.index + i, 2));
        if (!out.soundChars.has(g.key)) out.soundChars.set(g.key, g.chars);
      });
    }
    if (!vocabulary) continue;
    const added = part.weight * weights.expansion;
    for (const { official, from } of vocabulary.expand(text)) {
      out.expansions.push(`${official}←${from}`);
      const terms = textTerms(official, segmenter);
      for (const w of terms.words) raise(out.words, w, added);
      for (const g of terms.chars) raise(out.chars, g, added);
      for (const k of terms.sounds) raise(out.sounds, k, added);
    }
  }
  return out;
}
