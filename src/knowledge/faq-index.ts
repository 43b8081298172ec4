import { phoneticKey } from '../text/pinyin.js';
import type { Segmenter } from '../text/segment.js';
import { accumulate, buildField, type BM25Field } from './bm25.js';
import { canonicalize, stripFillers } from './normalize.js';
import type { FaqEntry } from './types.js';

/** Relative weight of each retrieval channel in the fused score. */
export interface ChannelWeights {
  words: number;
  chars: number;
  sounds: number;
  dense: number;
}

export const defaultChannelWeights: ChannelWeights = { words: 0.4, chars: 0.4, sounds: 0.2, dense: 0.3 };

/** How much an answer-text match counts relative to the same match in the question. */
const ANSWER_WEIGHT = 0.25;
/** Answers past this length add little but cost index time and memory. */
const ANSWER_CHARS = 600;

export interface RankOptions {
  k: number;
  agency?: string;
  /** Cosine similarity of the query to each entry (same order as the entries), when vectors exist. */
  dense?: Float32Array;
}

export interface RankedEntry {
  entry: FaqEntry;
  /** Fused score in 0..1. */
  score: number;
  matched: string[];
}

// Single-character words that say nothing about the topic of a question.
const FUNCTION_WORDS = new Set('的了嗎呢吧是我你妳他她它有在要會就都也還和與及或而把被讓給對從到去來說想能可這那哪什麼怎個些位'.split(''));
const HAN_RUN = /\p{Script=Han}+/gu;
const TEXT_RUN = /[\p{Script=Han}\p{L}\p{N}]+/gu;

interface QueryTerms {
  words: string[];
  chars: string[];
  sounds: string[];
  /** Sound key → the query characters it came from. */
  soundChars: Map<string, string>;
}

function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

/** Overlapping character bigrams of each run of letters/digits/Han (a 1-character run is its own gram). */
function charGrams(text: string): string[] {
  const out: string[] = [];
  for (const run of text.match(TEXT_RUN) ?? []) {
    const chars = [...run];
    if (chars.length === 1) out.push(run);
    for (let i = 0; i + 1 < chars.length; i++) out.push((chars[i] as string) + (chars[i + 1] as string));
  }
  return out;
}

/** Accent-folded toneless syllable bigrams of each Han run, with their characters: 信義 → "xin yi". */
function soundGrams(text: string): Array<{ key: string; chars: string }> {
  const out: Array<{ key: string; chars: string }> = [];
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

interface Channel {
  question: BM25Field;
  answer: BM25Field | null;
}

/**
 * The in-memory hybrid index of one KB version: word BM25 (Traditional-aware segmentation), character
 * bigram BM25, and accent-folded pinyin bigrams over the questions. Each channel's score is divided by
 * what a question matching every query term once would score, so channels fuse on one 0..1 scale
 * and a query whose terms the KB lacks comes out low rather than confidently wrong.
 */
export class FaqIndex {
  private constructor(
    readonly entries: readonly FaqEntry[],
    private readonly segmenter: Segmenter,
    private readonly channels: { words: Channel; chars: Channel; sounds: Channel },
    private readonly canonical: readonly { question: string; answer: string }[],
    private readonly weights: ChannelWeights,
  ) {}

  static build(entries: readonly FaqEntry[], segmenter: Segmenter, weights = defaultChannelWeights): FaqIndex {
    const canonical = entries.map((e) => ({
      question: canonicalize(e.question),
      answer: canonicalize(e.answer.slice(0, ANSWER_CHARS)),
    }));
    const channels = {
      words: {
        question: buildField(canonical.map((c) => segmenter.cut(c.question))),
        answer: buildField(canonical.map((c) => segmenter.cut(c.answer))),
      },
      chars: {
        question: buildField(canonical.map((c) => charGrams(c.question))),
        answer: buildField(canonical.map((c) => charGrams(c.answer))),
      },
      sounds: { question: buildField(canonical.map((c) => soundGrams(c.question).map((g) => g.key))), answer: null },
    };
    return new FaqIndex(entries, segmenter, channels, canonical, weights);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Query terms per channel, after filler removal and canonicalization. */
  private terms(query: string): QueryTerms {
    const text = canonicalize(stripFillers(query));
    const soundChars = new Map(soundGrams(text).map((g) => [g.key, g.chars]));
    return {
      words: unique(this.segmenter.cut(text).filter((w) => !FUNCTION_WORDS.has(w))),
      chars: unique(charGrams(text)),
      sounds: [...soundChars.keys()],
      soundChars,
    };
  }

  rank(query: string, options: RankOptions): RankedEntry[] {
    const n = this.entries.length;
    const terms = this.terms(query);
    const fused = new Float64Array(n);
    let totalWeight = 0;
    for (const name of ['words', 'chars', 'sounds'] as const) {
      const list = terms[name];
      const weight = this.weights[name];
      if (!list.length || weight <= 0) continue;
      const channel = this.channels[name];
      const raw = new Float64Array(n);
      let ideal = 0;
      for (const term of list) {
        ideal += channel.question.idf(term);
        accumulate(channel.question, term, 1, raw);
        if (channel.answer) accumulate(channel.answer, term, ANSWER_WEIGHT, raw);
      }
      for (let d = 0; d < n; d++) fused[d] = (fused[d] as number) + weight * Math.min(1, (raw[d] as number) / ideal);
      totalWeight += weight;
    }
    if (options.dense && this.weights.dense > 0) {
      for (let d = 0; d < n; d++) {
        fused[d] = (fused[d] as number) + this.weights.dense * Math.max(0, options.dense[d] ?? 0);
      }
      totalWeight += this.weights.dense;
    }
    if (totalWeight === 0) return [];
    return this.top(fused, totalWeight, terms, options);
  }

  private top(fused: Float64Array, totalWeight: number, terms: QueryTerms, options: RankOptions): RankedEntry[] {
    // Partial selection: keep the k best in a small sorted buffer (k is ≤ 50 in practice).
    const best: number[] = [];
    for (let d = 0; d < fused.length; d++) {
      const s = fused[d] as number;
      if (s <= 0) continue;
      if (options.agency && this.entries[d]?.agency !== options.agency) continue;
      if (best.length === options.k && s <= (fused[best[best.length - 1] as number] as number)) continue;
      let i = best.length;
      while (i > 0 && (fused[best[i - 1] as number] as number) < s) i--;
      best.splice(i, 0, d);
      if (best.length > options.k) best.pop();
    }
    return best.map((d) => ({
      entry: this.entries[d] as FaqEntry,
      score: Math.min(1, (fused[d] as number) / totalWeight),
      matched: this.explain(d, terms),
    }));
  }

  /**
   * Why an entry matched: the query words found in it, then sound-alike pairs the text does not
   * explain, written `query≈entry (pinyin)`, e.g. `新義≈信義 (xin yi)`.
   */
  private explain(d: number, terms: QueryTerms): string[] {
    const { question, answer } = this.canonical[d] as { question: string; answer: string };
    const matched = terms.words.filter((w) => question.includes(w) || answer.includes(w));
    if (terms.sounds.length) {
      const entrySounds = new Map(soundGrams(question).map((g) => [g.key, g.chars]));
      for (const [key, chars] of terms.soundChars) {
        const entryChars = entrySounds.get(key);
        if (entryChars && entryChars !== chars) matched.push(`${chars}≈${entryChars} (${key})`);
      }
    }
    return unique(matched);
  }
}
