import type { Segmenter } from '../text/segment.js';
import { accumulate, buildFieldSteps, type BM25Field } from './bm25.js';
import type { EntryDerived, EntryDerivedCache } from './docs-cache.js';
import { indexedPhrasings } from './phrasings.js';
import { indexText, queryTerms, soundGrams, textTerms, type QueryTerms } from './query-terms.js';
import type { FaqEntry, QueryPart } from './types.js';
import type { Vocabulary } from './vocabulary.js';

/** Weights of the retrieval channels and fields in the fused score, and how answers are cut. */
export interface IndexTuning {
  words: number;
  chars: number;
  sounds: number;
  /** Field weights: the official question, the similar questions (best one counts), the answer (best chunk counts). */
  question: number;
  phrasings: number;
  answer: number;
  /** Answer chunks are whole sentences packed up to this many characters. */
  answerChunkChars: number;
  /** Answer text past this length is not indexed. */
  answerChars: number;
  /** Weight of vocabulary-added official wording, and of question-frame wording, in a query. */
  expansion: number;
  frame: number;
  /** Exponent applied to each field's fused score: above 1 favours one strong field match over several weak ones. */
  sharpen: number;
  /** Similar questions scored one by one (best counts) or as one text per entry. */
  phrasingDocs: 'each' | 'joined';
}

export const defaultTuning: IndexTuning = {
  words: 0.4,
  chars: 0.4,
  sounds: 0.2,
  question: 1,
  phrasings: 0.7,
  answer: 0.5,
  answerChunkChars: 120,
  answerChars: 4000,
  expansion: 0.7,
  frame: 0.3,
  sharpen: 2,
  phrasingDocs: 'each',
};

export interface RankOptions {
  k: number;
  agency?: string;
  /**
   * Cosine similarity of the query to each entry (same order as the entries), when vectors exist:
   * the dense ranking is fused with the lexical one by reciprocal rank.
   */
  dense?: Float32Array;
  /** Extra similar questions (learned from agents), scored as part of the phrasings field. */
  overlay?: PhrasingOverlay | null;
  /** Per-entry score multipliers (demotions learned from rejections), by entry index. */
  demote?: ReadonlyMap<number, number>;
}

/** Field scores of an entry (0..1 each, before channel fusion), for explanations and calibration. */
export interface FieldScores {
  question: number;
  phrasings: number;
  answer: number;
}

export interface RankedEntry {
  entry: FaqEntry;
  /** Fused lexical score in 0..1. */
  score: number;
  /** With dense retrieval: the entry's best cosine similarity to the query. */
  dense?: number;
  matched: string[];
  fields: FieldScores;
  /** The similar question that matched best, when that field counted. */
  phrasing?: string;
  /**
   * Share (by rarity) of the caller's own content words — not frame wording, not vocabulary additions —
   * found anywhere in the entry: low when the question is about something the entry never mentions.
   */
  coverage: number;
}

/** Reciprocal rank fusion constant (Cormack et al.'s 60) and how deep each ranking is fused. */
const RRF_K = 60;
const FUSION_DEPTH = 50;

const CHANNELS = ['words', 'chars', 'sounds'] as const;
type ChannelName = (typeof CHANNELS)[number];
const FIELDS = ['question', 'phrasings', 'answer'] as const;
type FieldName = (typeof FIELDS)[number];

/** A BM25 field whose documents belong to entries (one per entry, or several: phrasings, answer chunks). */
interface FieldIndex {
  bm25: BM25Field;
  /** Entry index of each document. */
  owner: Int32Array;
}

function fieldIndex(bm25: BM25Field, owner: readonly number[]): FieldIndex {
  return { bm25, owner: Int32Array.from(owner) };
}

function finish<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * What one entry contributes to the index, kept so a re-index can reuse unchanged entries. The
 * question's sound bigrams and their characters (`soundKeys`, `soundChars`) explain `matched`.
 */
interface EntryDocs extends EntryDerived {
  source: FaqEntry;
}

const SENTENCE = /[^。！？!?；;\n]+[。！？!?；;\n]*/g;

/** Splits an answer into chunks of whole sentences, each up to `size` characters (a longer sentence is one chunk). */
export function answerChunks(answer: string, size: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const m of answer.matchAll(SENTENCE)) {
    const sentence = m[0].trim();
    if (!sentence) continue;
    if (current && current.length + sentence.length > size) {
      chunks.push(current);
      current = '';
    }
    current += sentence;
  }
  if (current) chunks.push(current);
  return chunks;
}

function entryDocs(
  e: FaqEntry,
  segmenter: Segmenter,
  tuning: IndexTuning,
  cache: EntryDerivedCache | undefined,
): EntryDocs {
  const cached = cache?.get(e, tuning);
  if (cached) return { ...cached, source: e };
  const derived = deriveEntry(e, segmenter, tuning);
  cache?.set(e, tuning, derived);
  return { ...derived, source: e };
}

function deriveEntry(e: FaqEntry, segmenter: Segmenter, tuning: IndexTuning): EntryDerived {
  const question = indexText(e.question);
  const phrasings = indexedPhrasings(e).map(indexText);
  const chunks = answerChunks(indexText(e.answer.slice(0, tuning.answerChars)), tuning.answerChunkChars);
  const sounds = soundGrams(question);
  return {
    question,
    phrasings,
    chunks,
    terms: {
      question: [textTerms(question, segmenter)],
      phrasings: phrasings.map((p) => textTerms(p, segmenter)),
      answer: chunks.map((c) => textTerms(c, segmenter)),
    },
    soundKeys: sounds.map((g) => g.key),
    soundChars: sounds.map((g) => g.chars),
  };
}

function sameContent(a: FaqEntry, b: FaqEntry): boolean {
  return (
    a.question === b.question &&
    a.answer === b.answer &&
    JSON.stringify(indexedPhrasings(a)) === JSON.stringify(indexedPhrasings(b))
  );
}

function* fieldSteps(
  docs: readonly EntryDocs[],
  field: FieldName,
  channel: ChannelName,
  joined: boolean,
): Generator<void, FieldIndex> {
  const owner: number[] = [];
  const terms: string[][] = [];
  docs.forEach((d, i) => {
    if (joined) {
      owner.push(i);
      terms.push(d.terms[field].flatMap((t) => t[channel]));
      return;
    }
    for (const t of d.terms[field]) {
      owner.push(i);
      terms.push(t[channel]);
    }
  });
  return fieldIndex(yield* buildFieldSteps(terms), owner);
}

/**
 * Similar questions outside the KB version (learned from agents' adoptions): a small index scored
 * with the main index's term statistics, rebuilt in milliseconds whenever one is added or removed.
 */
export class PhrasingOverlay {
  constructor(
    private readonly fields: Record<ChannelName, FieldIndex>,
    /** Text of each overlay document. */
    readonly texts: readonly string[],
  ) {}

  field(channel: ChannelName): FieldIndex {
    return this.fields[channel];
  }
}

/**
 * The in-memory hybrid index of one KB version. Three fields — the official question, the similar
 * questions (相似問法) and the answer in sentence chunks — each searched in three channels: words
 * (Traditional-aware segmentation), character bigrams and accent-folded pinyin bigrams. A field's
 * score is the best of its documents (one phrasing, one answer chunk), divided by what a document
 * matching every query term once would score, so channels and fields fuse on one 0..1 scale.
 */
export class FaqIndex {
  private readonly fused: Float64Array;
  private readonly fieldBuffers: Record<FieldName, Float64Array>;
  private readonly best: Int32Array;
  private readonly byId: Map<string, number>;

  private constructor(
    readonly entries: readonly FaqEntry[],
    private readonly segmenter: Segmenter,
    private readonly docs: readonly EntryDocs[],
    private readonly fields: Record<ChannelName, Record<FieldName, FieldIndex>>,
    readonly tuning: IndexTuning,
  ) {
    // Buffers reused by every query: rank() is synchronous, so one set per index is enough.
    this.fused = new Float64Array(entries.length);
    this.fieldBuffers = {
      question: new Float64Array(entries.length),
      phrasings: new Float64Array(entries.length),
      answer: new Float64Array(entries.length),
    };
    this.best = new Int32Array(entries.length);
    this.byId = new Map(entries.map((e, i) => [e.id, i]));
  }

  /** Builds synchronously (tests, CLI, benchmarks). */
  static build(
    entries: readonly FaqEntry[],
    segmenter: Segmenter,
    tuning = defaultTuning,
    previous?: FaqIndex,
    cache?: EntryDerivedCache,
  ): FaqIndex {
    return finish(FaqIndex.buildSteps(entries, segmenter, tuning, previous, cache));
  }

  /**
   * Builds in slices of at most `sliceMs` of CPU, giving the event loop back in between, so a
   * re-index while calls stream never stalls their audio or events. With `previous` (the index
   * being replaced), unchanged entries reuse its segmentation and pinyin; with `cache`, so do
   * entries indexed before (e.g. at the previous start), and new ones are added to it.
   */
  static async buildAsync(
    entries: readonly FaqEntry[],
    segmenter: Segmenter,
    options: { tuning?: IndexTuning; previous?: FaqIndex; sliceMs?: number; cache?: EntryDerivedCache } = {},
  ): Promise<FaqIndex> {
    const steps = FaqIndex.buildSteps(
      entries,
      segmenter,
      options.tuning ?? defaultTuning,
      options.previous,
      options.cache,
    );
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
    tuning: IndexTuning,
    previous: FaqIndex | undefined,
    cache: EntryDerivedCache | undefined,
  ): Generator<void, FaqIndex> {
    const reusable =
      previous &&
      previous.tuning.answerChars === tuning.answerChars &&
      previous.tuning.answerChunkChars === tuning.answerChunkChars
        ? new Map(previous.docs.map((d) => [d.source.id, d]))
        : null;
    const docs: EntryDocs[] = [];
    for (let i = 0; i < entries.length; i++) {
      // Segmenting an entry's texts (answers up to 4,000 characters, with pinyin) costs up to tens
      // of milliseconds: offer the event loop a turn after every entry (taken when the slice is used up).
      yield;
      const e = entries[i] as FaqEntry;
      const before = reusable?.get(e.id);
      if (before && sameContent(before.source, e)) {
        cache?.set(e, tuning, before);
        docs.push({ ...before, source: e });
      } else docs.push(entryDocs(e, segmenter, tuning, cache));
    }
    const fields = {} as Record<ChannelName, Record<FieldName, FieldIndex>>;
    for (const channel of CHANNELS) {
      fields[channel] = {
        question: yield* fieldSteps(docs, 'question', channel, false),
        phrasings: yield* fieldSteps(docs, 'phrasings', channel, tuning.phrasingDocs === 'joined'),
        answer: yield* fieldSteps(docs, 'answer', channel, false),
      };
    }
    return new FaqIndex(entries, segmenter, docs, fields, tuning);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Position of an entry in `entries`, or -1. */
  indexOf(id: string): number {
    return this.byId.get(id) ?? -1;
  }

  /**
   * Extra similar questions for this version (learned from agents), scored with this index's
   * phrasing-field statistics; phrasings of entries this version lacks are left out.
   */
  overlay(phrasings: ReadonlyArray<{ entryId: string; text: string }>): PhrasingOverlay {
    const known = phrasings
      .map((p) => ({
        ...p,
        at: this.indexOf(p.entryId),
        terms: textTerms(indexText(p.text), this.segmenter),
      }))
      .filter((p) => p.at >= 0);
    const owners = known.map((p) => p.at);
    const fields = {} as Record<ChannelName, FieldIndex>;
    for (const channel of CHANNELS) {
      const bm25 = finish(
        buildFieldSteps(
          known.map((p) => p.terms[channel]),
          this.rarity(channel),
        ),
      );
      fields[channel] = fieldIndex(bm25, owners);
    }
    return new PhrasingOverlay(
      fields,
      known.map((p) => p.text),
    );
  }

  /** The terms a query asks for, per channel. */
  queryTerms(query: string | readonly QueryPart[], vocabulary: Vocabulary | null): QueryTerms {
    const parts = typeof query === 'string' ? [{ text: query, weight: 1 }] : query;
    return queryTerms(parts, this.segmenter, vocabulary, this.tuning);
  }

  /** The k best entries for a query (one text, or weighted parts such as a call's recent utterances). */
  rank(
    query: string | readonly QueryPart[],
    options: RankOptions,
    vocabulary: Vocabulary | null = null,
  ): RankedEntry[] {
    const terms = this.queryTerms(query, vocabulary);
    const n = this.entries.length;
    const t = this.tuning;
    const perField = this.fieldBuffers;
    for (const f of FIELDS) perField[f].fill(0);
    const bestPhrasing = this.best.fill(-1);
    const channelTotal = CHANNELS.reduce((sum, c) => sum + (terms[c].size ? Math.max(0, t[c]) : 0), 0);
    if (channelTotal === 0) return [];
    // Per field: the channel-weighted mean of its normalized scores (0..1).
    for (const channel of CHANNELS) {
      const list = terms[channel];
      const weight = t[channel] / channelTotal;
      if (!list.size || weight <= 0) continue;
      for (const field of FIELDS) {
        if (t[field] <= 0) continue;
        const scores = this.fieldScores(this.fields[channel][field], list);
        if (field === 'phrasings' && options.overlay)
          this.mergeOverlay(scores, options.overlay, channel, list);
        const target = perField[field];
        for (let d = 0; d < n; d++) {
          const s = scores.best[d] as number;
          if (s <= 0) continue;
          target[d] = (target[d] as number) + weight * s;
          if (field === 'phrasings' && channel === 'chars') bestPhrasing[d] = scores.doc[d] as number;
        }
      }
    }
    // Fields fuse by weight after sharpening, so one strong match can outweigh several weak ones.
    const fused = this.fused.fill(0);
    let totalWeight = 0;
    for (const field of FIELDS) {
      const w = t[field];
      if (w <= 0) continue;
      totalWeight += w;
      const scores = perField[field];
      for (let d = 0; d < n; d++) {
        const s = scores[d] as number;
        if (s > 0) fused[d] = (fused[d] as number) + w * (t.sharpen === 1 ? s : s ** t.sharpen);
      }
    }
    if (options.demote) {
      for (const [d, factor] of options.demote) fused[d] = (fused[d] as number) * factor;
    }
    const order = options.dense ? this.fuseByRank(fused, options.dense, options) : this.top(fused, options);
    return order.map((d) => {
      const phrasingDoc = bestPhrasing[d] as number;
      const fields: FieldScores = {
        question: round(perField.question[d] as number),
        phrasings: round(perField.phrasings[d] as number),
        answer: round(perField.answer[d] as number),
      };
      return {
        entry: this.entries[d] as FaqEntry,
        score: Math.min(1, (fused[d] as number) / totalWeight),
        ...(options.dense ? { dense: round(options.dense[d] ?? 0) } : {}),
        matched: this.explain(d, terms),
        coverage: this.coverage(d, terms),
        fields,
        ...(phrasingDoc >= 0 && fields.phrasings > 0
          ? { phrasing: this.phrasingText(d, phrasingDoc, options.overlay) }
          : {}),
      };
    });
  }

  /**
   * Term rarity for similar questions from outside the version: that of the KB's own similar questions,
   * or of its questions when it has none.
   */
  private rarity(channel: ChannelName): BM25Field {
    const fields = this.fields[channel];
    return fields.phrasings.bm25.docCount > 0 ? fields.phrasings.bm25 : fields.question.bm25;
  }

  /** Overlay phrasings count where they beat the entry's own; their documents are numbered after the KB's. */
  private mergeOverlay(
    scores: { best: Float64Array; doc: Int32Array },
    overlay: PhrasingOverlay,
    channel: ChannelName,
    terms: ReadonlyMap<string, number>,
  ): void {
    const own = this.fields[channel].phrasings;
    const extra = this.fieldScores(overlay.field(channel), terms, this.rarity(channel));
    for (let d = 0; d < scores.best.length; d++) {
      if ((extra.best[d] as number) > (scores.best[d] as number)) {
        scores.best[d] = extra.best[d] as number;
        scores.doc[d] = own.owner.length + (extra.doc[d] as number);
      }
    }
  }

  private phrasingText(d: number, doc: number, overlay: PhrasingOverlay | null | undefined): string {
    const own = this.fields.chars.phrasings.owner;
    if (doc >= own.length) return overlay?.texts[doc - own.length] ?? '';
    // An entry's phrasing documents are contiguous, in the order of its phrasings.
    let first = doc;
    while (first > 0 && own[first - 1] === d) first--;
    return indexedPhrasings(this.entries[d] as FaqEntry)[doc - first] ?? '';
  }

  /** Best normalized score per entry in one field, and which document gave it. */
  private fieldScores(
    field: FieldIndex,
    terms: ReadonlyMap<string, number>,
    idfFrom: BM25Field = field.bm25,
  ): { best: Float64Array; doc: Int32Array } {
    const n = this.entries.length;
    const raw = new Float64Array(field.owner.length);
    let ideal = 0;
    for (const [term, weight] of terms) {
      ideal += weight * idfFrom.idf(term);
      accumulate(field.bm25, term, weight, raw);
    }
    const best = new Float64Array(n);
    const doc = new Int32Array(n).fill(-1);
    if (ideal <= 0) return { best, doc };
    for (let i = 0; i < raw.length; i++) {
      const s = raw[i] as number;
      if (s <= 0) continue;
      const d = field.owner[i] as number;
      const v = Math.min(1, s / ideal);
      if (v > (best[d] as number)) {
        best[d] = v;
        doc[d] = i;
      }
    }
    return { best, doc };
  }

  /**
   * Reciprocal rank fusion of the lexical ranking and the dense one (each cut at `FUSION_DEPTH`): an
   * entry's place counts, not its raw score, so the two scales never need calibrating against each other.
   */
  private fuseByRank(fused: Float64Array, dense: Float32Array, options: RankOptions): number[] {
    const depth = { ...options, k: Math.max(options.k, FUSION_DEPTH) };
    const rrf = new Map<number, number>();
    for (const order of [this.top(fused, depth), this.top(dense, depth)]) {
      order.forEach((d, rank) => rrf.set(d, (rrf.get(d) ?? 0) + 1 / (RRF_K + rank + 1)));
    }
    return [...rrf]
      .sort((a, b) => b[1] - a[1])
      .slice(0, options.k)
      .map(([d]) => d);
  }

  private top(fused: Float64Array | Float32Array, options: RankOptions): number[] {
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
    return best;
  }

  private contains(d: number, word: string): boolean {
    const { question, phrasings, chunks } = this.docs[d] as EntryDocs;
    return (
      question.includes(word) ||
      phrasings.some((p) => p.includes(word)) ||
      chunks.some((c) => c.includes(word))
    );
  }

  private coverage(d: number, terms: QueryTerms): number {
    const full = Math.max(0, ...terms.words.values());
    const idf = this.fields.words.question.bm25;
    let total = 0;
    let found = 0;
    for (const [word, weight] of terms.words) {
      // Only the caller's own content words: frame wording and vocabulary additions weigh less.
      if (weight < full * 0.99) continue;
      const w = idf.idf(word);
      total += w;
      if (this.contains(d, word)) found += w;
    }
    return total > 0 ? round(found / total) : 0;
  }

  /**
   * Why an entry matched: the query words found in it, the official wording the vocabulary added,
   * then sound-alike pairs the text does not explain, written `query≈entry (pinyin)`, e.g. `新義≈信義 (xin yi)`.
   */
  private explain(d: number, terms: QueryTerms): string[] {
    const { soundKeys, soundChars } = this.docs[d] as EntryDocs;
    const has = (w: string) => this.contains(d, w);
    const matched = [...terms.words.keys()].filter(has);
    for (const expansion of terms.expansions) {
      const official = expansion.split('←')[0] ?? '';
      if (has(official)) matched.push(expansion);
    }
    for (const [key, chars] of terms.soundChars) {
      const at = soundKeys.indexOf(key);
      const entryChars = at >= 0 ? soundChars[at] : undefined;
      if (entryChars && entryChars !== chars) matched.push(`${chars}≈${entryChars} (${key})`);
    }
    return [...new Set(matched)];
  }
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
