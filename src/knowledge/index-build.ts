import type { Segmenter } from '../text/index.js';
import { buildFieldSteps, type BM25Field } from './bm25.js';
import type { EntryDerived, EntryDerivedCache } from './docs-cache.js';
import { indexedPhrasings } from './phrasings.js';
import { indexText, soundGrams, textTerms } from './query-terms.js';
import type { FaqEntry } from './types.js';

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

export const CHANNELS = ['words', 'chars', 'sounds'] as const;
export type ChannelName = (typeof CHANNELS)[number];
export const FIELDS = ['question', 'phrasings', 'answer'] as const;
export type FieldName = (typeof FIELDS)[number];

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

/** A BM25 field whose documents belong to entries (one per entry, or several: phrasings, answer chunks). */
export interface FieldIndex {
  bm25: BM25Field;
  /** Entry index of each document. */
  owner: Int32Array;
}

export function fieldIndex(bm25: BM25Field, owner: readonly number[] | Int32Array): FieldIndex {
  return { bm25, owner: Int32Array.from(owner) };
}

/**
 * What one entry contributes to the index. The texts answer "does the entry mention this word"; the
 * question's sound bigrams and their characters (`soundKeys`, `soundChars`) explain `matched`. The
 * terms are kept so a re-index can reuse unchanged entries (absent when read back from a snapshot).
 */
export interface IndexedEntry extends Omit<EntryDerived, 'terms'> {
  source: FaqEntry;
  terms?: EntryDerived['terms'];
}

/** Everything a built index holds. */
export interface IndexParts {
  entries: readonly FaqEntry[];
  docs: readonly IndexedEntry[];
  fields: Record<ChannelName, Record<FieldName, FieldIndex>>;
  tuning: IndexTuning;
}

export function finish<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
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

function entryDerived(
  e: FaqEntry,
  segmenter: Segmenter,
  tuning: IndexTuning,
  cache: EntryDerivedCache | undefined,
): EntryDerived {
  const cached = cache?.get(e, tuning);
  if (cached) return cached;
  const derived = deriveEntry(e, segmenter, tuning);
  cache?.set(e, tuning, derived);
  return derived;
}

function sameContent(a: FaqEntry, b: FaqEntry): boolean {
  return (
    a.question === b.question &&
    a.answer === b.answer &&
    JSON.stringify(indexedPhrasings(a)) === JSON.stringify(indexedPhrasings(b))
  );
}

function* fieldSteps(
  docs: readonly EntryDerived[],
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
 * Builds an index's parts step by step (see `FaqIndex.buildAsync`). With `previous` (the index being
 * replaced), unchanged entries reuse its segmentation and pinyin; with `cache`, so do entries indexed
 * before (e.g. at the previous start), and new ones are added to it.
 */
export function* buildParts(
  entries: readonly FaqEntry[],
  segmenter: Segmenter,
  tuning: IndexTuning,
  previous: IndexParts | undefined,
  cache: EntryDerivedCache | undefined,
): Generator<void, IndexParts> {
  const reusable =
    previous &&
    previous.tuning.answerChars === tuning.answerChars &&
    previous.tuning.answerChunkChars === tuning.answerChunkChars
      ? new Map(previous.docs.map((d) => [d.source.id, d]))
      : null;
  const derived: EntryDerived[] = [];
  for (let i = 0; i < entries.length; i++) {
    // Segmenting an entry's texts (answers up to 4,000 characters, with pinyin) costs up to tens
    // of milliseconds: offer the event loop a turn after every entry (taken when the slice is used up).
    yield;
    const e = entries[i] as FaqEntry;
    const before = reusable?.get(e.id);
    if (before?.terms && sameContent(before.source, e)) {
      const { source: _source, ...kept } = before as IndexedEntry & Pick<EntryDerived, 'terms'>;
      cache?.set(e, tuning, kept);
      derived.push(kept);
    } else derived.push(entryDerived(e, segmenter, tuning, cache));
  }
  const fields = {} as IndexParts['fields'];
  for (const channel of CHANNELS) {
    fields[channel] = {
      question: yield* fieldSteps(derived, 'question', channel, false),
      phrasings: yield* fieldSteps(derived, 'phrasings', channel, tuning.phrasingDocs === 'joined'),
      answer: yield* fieldSteps(derived, 'answer', channel, false),
    };
  }
  const docs = derived.map((d, i) => ({ ...d, source: entries[i] as FaqEntry }));
  return { entries, docs, fields, tuning };
}
