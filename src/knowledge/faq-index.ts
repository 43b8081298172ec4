import type { Segmenter } from '../text/index.js';
import { buildFieldSteps, type BM25Field } from './bm25.js';
import type { EntryDerivedCache } from './docs-cache.js';
import {
  buildParts,
  CHANNELS,
  defaultTuning,
  FIELDS,
  fieldIndex,
  finish,
  type ChannelName,
  type FieldIndex,
  type IndexedEntry,
  type IndexParts,
  type IndexTuning,
  type FieldScores,
  PhrasingOverlay,
  type RankedEntry,
  type RankOptions,
} from './index-build.js';
import { indexedPhrasings } from './phrasings.js';
import { indexText, queryTerms, textTerms, type QueryTerms } from './query-terms.js';
import type { FaqEntry, QueryPart } from './types.js';
import type { Vocabulary } from './vocabulary.js';

export {
  answerChunks,
  defaultTuning,
  PhrasingOverlay,
  type IndexTuning,
  type RankedEntry,
  type RankOptions,
} from './index-build.js';

/** Reciprocal rank fusion constant (Cormack et al.'s 60) and how deep each ranking is fused. */
const RRF_K = 60;
const FUSION_DEPTH = 50;

/**
 * The in-memory hybrid index of one KB version. Three fields — the official question, the similar
 * questions (相似問法) and the answer in sentence chunks — each searched in three channels: words
 * (Traditional-aware segmentation), character bigrams and accent-folded pinyin bigrams. A field's
 * score is the best of its documents (one phrasing, one answer chunk), divided by what a document
 * matching every query term once would score, so channels and fields fuse on one 0..1 scale.
 */
export class FaqIndex {
  readonly entries: readonly FaqEntry[];
  readonly tuning: IndexTuning;
  private readonly docs: readonly IndexedEntry[];
  private readonly fields: IndexParts['fields'];
  private readonly fused: Float64Array;
  private readonly fieldBuffers: Record<(typeof FIELDS)[number], Float64Array>;
  private readonly best: Int32Array;
  private readonly scratch: { own: FieldScratch; overlay: FieldScratch };
  private readonly byId: Map<string, number>;

  /** An index over built parts (from `build`, or read back from a snapshot). */
  constructor(
    readonly parts: IndexParts,
    private readonly segmenter: Segmenter,
  ) {
    ({ entries: this.entries, tuning: this.tuning, docs: this.docs, fields: this.fields } = parts);
    const n = this.entries.length;
    // Buffers reused by every query: rank() is synchronous, so one set per index is enough.
    this.fused = new Float64Array(n);
    this.fieldBuffers = {
      question: new Float64Array(n),
      phrasings: new Float64Array(n),
      answer: new Float64Array(n),
    };
    this.best = new Int32Array(n);
    this.scratch = { own: new FieldScratch(n), overlay: new FieldScratch(n) };
    this.byId = new Map(this.entries.map((e, i) => [e.id, i]));
  }

  /** Builds synchronously (tests, CLI, benchmarks). */
  static build(
    entries: readonly FaqEntry[],
    segmenter: Segmenter,
    tuning = defaultTuning,
    previous?: FaqIndex,
    cache?: EntryDerivedCache,
  ): FaqIndex {
    return new FaqIndex(finish(buildParts(entries, segmenter, tuning, previous?.parts, cache)), segmenter);
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
    const steps = buildParts(
      entries,
      segmenter,
      options.tuning ?? defaultTuning,
      options.previous?.parts,
      options.cache,
    );
    const sliceMs = options.sliceMs ?? 15;
    let sliceStart = performance.now();
    for (;;) {
      const step = steps.next();
      if (step.done) return new FaqIndex(step.value, segmenter);
      if (performance.now() - sliceStart >= sliceMs) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
      }
    }
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
        for (let k = 0; k < scores.hitCount; k++) {
          const d = scores.hits[k] as number;
          const s = scores.best[d] as number;
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
    scores: FieldScratch,
    overlay: PhrasingOverlay,
    channel: ChannelName,
    terms: ReadonlyMap<string, number>,
  ): void {
    const own = this.fields[channel].phrasings;
    const extra = this.fieldScores(overlay.field(channel), terms, this.rarity(channel), this.scratch.overlay);
    for (let k = 0; k < extra.hitCount; k++) {
      const d = extra.hits[k] as number;
      if ((extra.best[d] as number) > (scores.best[d] as number)) {
        if (scores.best[d] === 0) scores.hits[scores.hitCount++] = d;
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

  /**
   * Best normalized score per entry in one field, and which document gave it (the first one on a tie).
   * Written into `into`, valid until its next use: rank() is synchronous.
   */
  private fieldScores(
    field: FieldIndex,
    terms: ReadonlyMap<string, number>,
    idfFrom: BM25Field = field.bm25,
    into: FieldScratch = this.scratch.own,
  ): FieldScratch {
    into.clear();
    const { best, doc } = into;
    if (into.raw.length < field.owner.length) into.raw = new Float64Array(field.owner.length);
    const { raw } = into;
    const { termIds, offsets, docs, weights } = field.bm25;
    const ids: number[] = [];
    let ideal = 0;
    for (const [term, weight] of terms) {
      ideal += weight * idfFrom.idf(term);
      const id = termIds.get(term);
      if (id === undefined) continue;
      ids.push(id);
      const end = offsets[id + 1] as number;
      for (let p = offsets[id] as number; p < end; p++) {
        const i = docs[p] as number;
        raw[i] = (raw[i] as number) + weight * (weights[p] as number);
      }
    }
    // Only the documents a query term occurs in, each once: raw is zeroed behind, ready for the next query.
    for (const id of ids) {
      const end = offsets[id + 1] as number;
      for (let p = offsets[id] as number; p < end; p++) {
        const i = docs[p] as number;
        const s = raw[i] as number;
        if (s <= 0) continue;
        raw[i] = 0;
        if (ideal <= 0) continue;
        const d = field.owner[i] as number;
        const v = Math.min(1, s / ideal);
        if (v > (best[d] as number) || (v === best[d] && i < (doc[d] as number))) {
          if (best[d] === 0) into.hits[into.hitCount++] = d;
          best[d] = v;
          doc[d] = i;
        }
      }
    }
    return into;
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
    const { question, phrasings, chunks } = this.docs[d] as IndexedEntry;
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
    const { soundKeys, soundChars } = this.docs[d] as IndexedEntry;
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

/** One field's scores for one query; reused by every query of an index. */
class FieldScratch {
  /** Per entry: best normalized score (0 = no match) and the document that gave it (-1 = none). */
  readonly best: Float64Array;
  readonly doc: Int32Array;
  /** The entries with a score, `hitCount` of them, so a query touches only those. */
  readonly hits: Int32Array;
  hitCount = 0;
  /** Per document of the field; all zeros between queries. */
  raw = new Float64Array(0);

  constructor(entries: number) {
    this.best = new Float64Array(entries);
    this.doc = new Int32Array(entries).fill(-1);
    this.hits = new Int32Array(entries);
  }

  clear(): void {
    for (let k = 0; k < this.hitCount; k++) {
      const d = this.hits[k] as number;
      this.best[d] = 0;
      this.doc[d] = -1;
    }
    this.hitCount = 0;
  }
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;
