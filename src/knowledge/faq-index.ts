import { phoneticKey } from '../text/pinyin.js';
import type { Segmenter } from '../text/segment.js';
import { accumulate, BUILD_STEP, buildFieldSteps, type BM25Field } from './bm25.js';
import { canonicalize, stripFillers } from './normalize.js';
import type { FaqEntry, QueryPart } from './types.js';

/** Relative weight of each retrieval channel in the fused score, and how answers count. */
export interface IndexTuning {
  words: number;
  chars: number;
  sounds: number;
  dense: number;
  /** How much an answer-text match counts relative to the same match in the question. */
  answer: number;
  /** Answer text past this length is not indexed (it adds little but costs time and memory). */
  answerChars: number;
}

export const defaultTuning: IndexTuning = {
  words: 0.4,
  chars: 0.4,
  sounds: 0.2,
  dense: 0.3,
  answer: 0.2,
  answerChars: 1000,
};

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
const FUNCTION_WORDS = new Set(
  '的了嗎呢吧是我你妳他她它有在要會就都也還和與及或而把被讓給對從到去來說想能可這那哪什麼怎個些位'.split(''),
);
const HAN_RUN = /\p{Script=Han}+/gu;
const TEXT_RUN = /[\p{Script=Han}\p{L}\p{N}]+/gu;

/** Query terms per channel with their weight (the largest weight of the query parts using them). */
interface QueryTerms {
  words: Map<string, number>;
  chars: Map<string, number>;
  sounds: Map<string, number>;
  /** Sound key → the query characters it came from. */
  soundChars: Map<string, string>;
}

function addWeighted(target: Map<string, number>, terms: Iterable<string>, weight: number): void {
  for (const t of terms) target.set(t, Math.max(target.get(t) ?? 0, weight));
}

function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

/** Overlapping character bigrams of each run of letters/digits/Han (a 1-character run is its own gram). */
function charGrams(text: string): string[] {
  const out: string[] = [];
  for (const run of text.match(TEXT_RUN) ?? []) {
    // Code units, not code points: the rare astral character is split the same way in entries and queries.
    if (run.length === 1) out.push(run);
    for (let i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
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

interface CanonicalEntry {
  question: string;
  answer: string;
  /** The question's sound bigrams and the characters each came from (for `matched`). */
  soundKeys: string[];
  soundChars: string[];
  /** The entry this was made from (to tell whether a re-index can reuse it). */
  source: FaqEntry;
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
    private readonly canonical: readonly CanonicalEntry[],
    private readonly weights: IndexTuning,
  ) {
    // Score buffers reused by every query: rank() is synchronous, so one set per index is enough and
    // saves 40 kB allocations per channel per query (GC pauses showed up in p99).
    this.fusedBuffer = new Float64Array(entries.length);
    this.rawBuffer = new Float64Array(entries.length);
    this.answerBuffer = new Float64Array(entries.length);
  }

  private readonly fusedBuffer: Float64Array;
  private readonly rawBuffer: Float64Array;
  private readonly answerBuffer: Float64Array;

  /** Builds synchronously (tests, CLI, benchmarks). */
  static build(
    entries: readonly FaqEntry[],
    segmenter: Segmenter,
    weights = defaultTuning,
    previous?: FaqIndex,
  ): FaqIndex {
    const steps = FaqIndex.buildSteps(entries, segmenter, weights, previous);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  /**
   * Builds in slices of at most `sliceMs` of CPU, giving the event loop back in between, so a
   * re-index while calls stream never stalls their audio or events. With `previous` (the index
   * being replaced), unchanged entries reuse its canonical text and pinyin.
   */
  static async buildAsync(
    entries: readonly FaqEntry[],
    segmenter: Segmenter,
    options: { weights?: IndexTuning; previous?: FaqIndex; sliceMs?: number } = {},
  ): Promise<FaqIndex> {
    const steps = FaqIndex.buildSteps(entries, segmenter, options.weights ?? defaultTuning, options.previous);
    const sliceMs = options.sliceMs ?? 15;
    let sliceStart = performance.now();
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      if (performance.now() - sliceStart >= sliceMs) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
  }

  private static *buildSteps(
    entries: readonly FaqEntry[],
    segmenter: Segmenter,
    weights: IndexTuning,
    previous?: FaqIndex,
  ): Generator<void, FaqIndex> {
    const reusable =
      previous && previous.weights.answerChars === weights.answerChars ? previous.canonicalById() : null;
    const canonical: CanonicalEntry[] = [];
    const terms = {
      qWords: [] as string[][],
      aWords: [] as string[][],
      qChars: [] as string[][],
      aChars: [] as string[][],
      qSounds: [] as string[][],
    };
    for (let d = 0; d < entries.length; d++) {
      if (d % BUILD_STEP === 0) yield;
      const e = entries[d] as FaqEntry;
      const c = FaqIndex.reuse(reusable, e) ?? FaqIndex.canonicalEntry(e, weights);
      canonical.push(c);
      terms.qWords.push(segmenter.cut(c.question));
      terms.aWords.push(segmenter.cut(c.answer));
      terms.qChars.push(charGrams(c.question));
      terms.aChars.push(charGrams(c.answer));
      terms.qSounds.push(c.soundKeys);
    }
    const channels = {
      words: { question: yield* buildFieldSteps(terms.qWords), answer: yield* buildFieldSteps(terms.aWords) },
      chars: { question: yield* buildFieldSteps(terms.qChars), answer: yield* buildFieldSteps(terms.aChars) },
      sounds: { question: yield* buildFieldSteps(terms.qSounds), answer: null },
    };
    return new FaqIndex(entries, segmenter, channels, canonical, weights);
  }

  private static canonicalEntry(e: FaqEntry, weights: IndexTuning): CanonicalEntry {
    const question = canonicalize(e.question);
    const sounds = soundGrams(question);
    return {
      question,
      answer: canonicalize(e.answer.slice(0, weights.answerChars)),
      soundKeys: sounds.map((g) => g.key),
      soundChars: sounds.map((g) => g.chars),
      source: e,
    };
  }

  /** The previous version's canonical form of an entry whose question and answer did not change. */
  private static reuse(reusable: Map<string, CanonicalEntry> | null, e: FaqEntry): CanonicalEntry | null {
    const before = reusable?.get(e.id);
    return before && before.source.question === e.question && before.source.answer === e.answer
      ? before
      : null;
  }

  private canonicalById(): Map<string, CanonicalEntry> {
    return new Map(this.canonical.map((c) => [c.source.id, c]));
  }

  get size(): number {
    return this.entries.length;
  }

  /** Query terms per channel, after filler removal and canonicalization. */
  private terms(parts: readonly QueryPart[]): QueryTerms {
    const out: QueryTerms = { words: new Map(), chars: new Map(), sounds: new Map(), soundChars: new Map() };
    for (const part of parts) {
      if (!(part.weight > 0)) continue;
      const text = canonicalize(stripFillers(part.text));
      const sounds = soundGrams(text);
      for (const g of sounds) if (!out.soundChars.has(g.key)) out.soundChars.set(g.key, g.chars);
      addWeighted(
        out.words,
        this.segmenter.cut(text).filter((w) => !FUNCTION_WORDS.has(w)),
        part.weight,
      );
      addWeighted(out.chars, charGrams(text), part.weight);
      addWeighted(
        out.sounds,
        sounds.map((g) => g.key),
        part.weight,
      );
    }
    return out;
  }

  /** The k best entries for a query (one text, or weighted parts such as a call's recent utterances). */
  rank(query: string | readonly QueryPart[], options: RankOptions): RankedEntry[] {
    const n = this.entries.length;
    const terms = this.terms(typeof query === 'string' ? [{ text: query, weight: 1 }] : query);
    const fused = this.fusedBuffer.fill(0);
    let totalWeight = 0;
    for (const name of ['words', 'chars', 'sounds'] as const) {
      const list = terms[name];
      const weight = this.weights[name];
      if (!list.size || weight <= 0) continue;
      const channel = this.channels[name];
      // Question and answer matches are normalized separately (each against a text matching every
      // query term once) and mixed: FAQ questions say what an entry is about, but a KB whose
      // "questions" are short titles (DRCD) must still rank by its answers.
      const raw = this.rawBuffer.fill(0);
      const rawAnswer = this.answerBuffer.fill(0);
      let ideal = 0;
      let idealAnswer = 0;
      for (const [term, termWeight] of list) {
        ideal += termWeight * channel.question.idf(term);
        accumulate(channel.question, term, termWeight, raw);
        if (channel.answer) {
          idealAnswer += termWeight * channel.answer.idf(term);
          accumulate(channel.answer, term, termWeight, rawAnswer);
        }
      }
      const a = channel.answer ? this.weights.answer : 0;
      for (let d = 0; d < n; d++) {
        const q = Math.min(1, (raw[d] as number) / ideal);
        const ans = a ? Math.min(1, (rawAnswer[d] as number) / idealAnswer) : 0;
        fused[d] = (fused[d] as number) + weight * ((1 - a) * q + a * ans);
      }
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

  private top(
    fused: Float64Array,
    totalWeight: number,
    terms: QueryTerms,
    options: RankOptions,
  ): RankedEntry[] {
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
    const { question, answer, soundKeys, soundChars } = this.canonical[d] as CanonicalEntry;
    const matched = [...terms.words.keys()].filter((w) => question.includes(w) || answer.includes(w));
    if (terms.sounds.size) {
      for (const [key, chars] of terms.soundChars) {
        const at = soundKeys.indexOf(key);
        const entryChars = at >= 0 ? soundChars[at] : undefined;
        if (entryChars && entryChars !== chars) matched.push(`${chars}≈${entryChars} (${key})`);
      }
    }
    return unique(matched);
  }
}
