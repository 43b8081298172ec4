import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Jieba } from '@node-rs/jieba';
import { warmUpLater } from '../config/index.js';
import * as OpenCC from 'opencc-js';

/**
 * Word segmentation for Traditional Chinese. `@node-rs/jieba`'s bundled dictionary is Simplified, so
 * on zh-TW text it falls back to single characters (垃圾車時間 → 垃/圾/車/時/間). We convert the
 * dictionary to Taiwan Traditional once per process with OpenCC (cn → tw) and load it together with
 * the original entries (callers still type Simplified now and then), plus caller-supplied domain terms.
 */
export interface Segmenter {
  /** Words in order; punctuation and whitespace dropped, Latin/digits lower-cased. */
  cut(text: string): string[];
  /** Adds domain terms (district, road, agency, KB terms) to this segmenter's dictionary. */
  addTerms(terms: readonly string[]): void;
}

const require = createRequire(import.meta.url);
let baseDict: Buffer | undefined;

/**
 * The bilingual (Traditional + Simplified) jieba dictionary, converted once and shared. Converting
 * takes about a second, so with `cacheDir` the result is kept on disk under the versions of the
 * package that ships the dictionary and of the converter (a new version of either converts again;
 * a published version never changes).
 */
function traditionalDictionary(cacheDir: string | undefined): Buffer {
  if (baseDict) return baseDict;
  const file = cacheDir && join(cacheDir, `jieba-zh-tw-${converterKey()}.dict`);
  if (file && existsSync(file)) {
    try {
      return (baseDict = readFileSync(file));
    } catch {
      // unreadable: converted again below
    }
  }
  const { dict } = require('@node-rs/jieba/dict.js') as { dict: Buffer };
  const simplified = dict.toString('utf8');
  const toTaiwan = OpenCC.Converter({ from: 'cn', to: 'tw' });
  baseDict = Buffer.from(`${toTaiwan(simplified)}\n${simplified}`, 'utf8');
  if (file) {
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(`${file}.${process.pid}.tmp`, baseDict);
      renameSync(`${file}.${process.pid}.tmp`, file);
    } catch {
      // not kept: the next start converts again
    }
  }
  return baseDict;
}

const converterKey = () =>
  createHash('sha256')
    .update(readFileSync(require.resolve('@node-rs/jieba/package.json')))
    // opencc-js does not export its package.json; its package folder holds it.
    .update(readFileSync(join(require.resolve('opencc-js').replace(/dist[\\/].*$/, ''), 'package.json')))
    .digest('base64url')
    .slice(0, 20);

/** Frequency given to domain terms: high enough to beat the split into common words. */
const DOMAIN_TERM_FREQ = 50_000;

function termLines(terms: readonly string[]): string {
  const lines: string[] = [];
  for (const raw of terms) {
    const term = raw.trim();
    // jieba's dictionary format is whitespace-separated; a term with spaces cannot be one entry.
    if (term.length >= 2 && !/\s/.test(term)) lines.push(`${term} ${DOMAIN_TERM_FREQ} n`);
  }
  return lines.join('\n');
}

const SKIP = /^[\s\p{P}\p{S}]+$/u;

/**
 * `cacheDir`: where the converted dictionary is kept between starts (unset: converted in every
 * process). Loading the dictionary is a noticeable part of a start, so it happens on first use or
 * once a server is up, whichever comes first; terms added before then are loaded with it.
 */
export function createSegmenter(extraTerms: readonly string[] = [], cacheDir?: string): Segmenter {
  let jieba: Jieba | null = null;
  let pending = termLines(extraTerms);
  const loaded = (): Jieba => {
    if (!jieba) {
      jieba = Jieba.withDict(traditionalDictionary(cacheDir));
      if (pending) jieba.loadDict(Buffer.from(pending, 'utf8'));
      pending = '';
    }
    return jieba;
  };
  warmUpLater(loaded);
  return {
    cut(text) {
      if (!text) return [];
      const out: string[] = [];
      // HMM on: unknown Chinese words (names, new terms) stay together instead of splitting to characters.
      for (const word of loaded().cut(text, true)) {
        if (!SKIP.test(word)) out.push(word.toLowerCase());
      }
      return out;
    },
    addTerms(terms) {
      const lines = termLines(terms);
      if (!lines) return;
      if (jieba) jieba.loadDict(Buffer.from(lines, 'utf8'));
      else pending = pending ? `${pending}\n${lines}` : lines;
    },
  };
}
