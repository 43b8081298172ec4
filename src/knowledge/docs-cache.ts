import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexedPhrasings } from './phrasings.js';
import { charGrams, type TextTerms } from './query-terms.js';
import type { FaqEntry } from './types.js';

/**
 * What indexing makes of one entry before BM25: its canonical texts, their words (segmentation) and
 * sounds (pinyin). Computing these is most of an index build (pinyin alone is two thirds), and they
 * depend only on the entry's content, how answers are cut and the segmenter's dictionary.
 */
export interface EntryDerived {
  question: string;
  phrasings: string[];
  chunks: string[];
  terms: Record<'question' | 'phrasings' | 'answer', TextTerms[]>;
  soundKeys: string[];
  soundChars: string[];
}

/** Derived fields by content, for one segmenter dictionary; `FaqIndex.buildAsync` reads and fills it. */
export interface EntryDerivedCache {
  get(entry: FaqEntry, cut: AnswerCut): EntryDerived | undefined;
  set(entry: FaqEntry, cut: AnswerCut, derived: EntryDerived): void;
}

export interface AnswerCut {
  answerChars: number;
  answerChunkChars: number;
}

const FORMAT = 1;
/** Joins the terms of one text on disk (no term contains it: segmentation drops control characters). */
const SEP = '\u0001';

/** Stored form: texts and joined words/sounds; character bigrams are recomputed (cheap). */
type Stored = [
  question: string,
  phrasings: string[],
  chunks: string[],
  words: string[],
  sounds: string[],
  soundKeys: string,
  soundChars: string,
];

const split = (s: string) => (s === '' ? [] : s.split(SEP));

function encode(d: EntryDerived): Stored {
  const texts = [...d.terms.question, ...d.terms.phrasings, ...d.terms.answer];
  return [
    d.question,
    d.phrasings,
    d.chunks,
    texts.map((t) => t.words.join(SEP)),
    texts.map((t) => t.sounds.join(SEP)),
    d.soundKeys.join(SEP),
    d.soundChars.join(SEP),
  ];
}

function decode([question, phrasings, chunks, words, sounds, soundKeys, soundChars]: Stored): EntryDerived {
  const texts = [question, ...phrasings, ...chunks].map((text, i) => ({
    words: split(words[i] ?? ''),
    chars: charGrams(text),
    sounds: split(sounds[i] ?? ''),
  }));
  return {
    question,
    phrasings,
    chunks,
    terms: {
      question: texts.slice(0, 1),
      phrasings: texts.slice(1, 1 + phrasings.length),
      answer: texts.slice(1 + phrasings.length),
    },
    soundKeys: split(soundKeys),
    soundChars: split(soundChars),
  };
}

const contentKey = (e: FaqEntry, cut: AnswerCut) =>
  createHash('sha256')
    .update(
      JSON.stringify([e.question, e.answer, indexedPhrasings(e), cut.answerChars, cut.answerChunkChars]),
    )
    .digest('base64url');

/** A fingerprint of a segmenter's dictionary: the extra terms it was given, in any order. */
export function dictionaryKey(terms: Iterable<string>): string {
  return createHash('sha256')
    .update([...new Set(terms)].sort().join('\n'))
    .digest('base64url');
}

/**
 * The derived fields of one KB's entries, kept in `<dir>/<kb>.json` between starts, so a restart
 * indexes an unchanged KB without segmenting or converting to pinyin again. Entries are found by a
 * hash of their content; a different dictionary starts an empty cache. A cache file that cannot be
 * read is ignored (it is rebuilt), never an error.
 */
export class PersistedDerivedCache implements EntryDerivedCache {
  /** Read on first use: a restart served from the index snapshot never needs it. */
  private storedEntries: Map<string, Stored> | null = null;
  private readonly used = new Map<string, Stored>();
  private computed = 0;
  private readonly file: string;

  constructor(
    private readonly dir: string,
    kb: string,
    /** `dictionaryKey` of the segmenter the cached words come from. */
    readonly dictionary: string,
  ) {
    this.file = join(dir, `${encodeURIComponent(kb)}.json`);
  }

  private get stored(): Map<string, Stored> {
    this.storedEntries ??= this.read();
    return this.storedEntries;
  }

  private read(): Map<string, Stored> {
    if (!existsSync(this.file)) return new Map();
    try {
      const body = JSON.parse(readFileSync(this.file, 'utf8')) as {
        format?: number;
        dictionary?: string;
        entries?: Record<string, Stored>;
      };
      if (body.format === FORMAT && body.dictionary === this.dictionary && body.entries)
        return new Map(Object.entries(body.entries));
    } catch {
      // unreadable: rebuilt
    }
    return new Map();
  }

  get(entry: FaqEntry, cut: AnswerCut): EntryDerived | undefined {
    const key = contentKey(entry, cut);
    const hit = this.stored.get(key);
    if (!hit) return undefined;
    this.used.set(key, hit);
    return decode(hit);
  }

  set(entry: FaqEntry, cut: AnswerCut, derived: EntryDerived): void {
    this.used.set(contentKey(entry, cut), encode(derived));
    this.computed++;
  }

  /** Writes what the last build used (entries no longer in the KB drop out), if anything was computed. */
  save(): void {
    if (this.computed === 0 && this.used.size === this.stored.size) return;
    mkdirSync(this.dir, { recursive: true });
    const body = { format: FORMAT, dictionary: this.dictionary, entries: Object.fromEntries(this.used) };
    // Written aside and renamed: a crash mid-write leaves the previous cache, not half a file.
    writeFileSync(`${this.file}.tmp`, JSON.stringify(body));
    renameSync(`${this.file}.tmp`, this.file);
    this.storedEntries = new Map(this.used);
    this.used.clear();
    this.computed = 0;
  }
}
