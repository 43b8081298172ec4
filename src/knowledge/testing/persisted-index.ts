/**
 * What the tests of a persisted index (derived-field cache, snapshot) share: real bundled entries
 * with their similar questions (long answers of several chunks, phrasings, pinyin), the segmenter and
 * dictionary key a server builds with, and the ranking of a few caller questions to compare builds by.
 */
import { join } from 'node:path';
import { BUNDLED_DATA_DIR } from '../../config/index.js';
import { createSegmenter } from '../../text/segment.js';
import { dictionaryKey } from '../docs-cache.js';
import type { FaqIndex } from '../faq-index.js';
import { readSeed } from '../seed.js';
import { synonymTerms } from '../synonyms.js';

export const segmenter = createSegmenter(synonymTerms());
export const dictionary = dictionaryKey(synonymTerms());
export const entries = readSeed(join(BUNDLED_DATA_DIR, 'taipei-faq')).slice(0, 300);
export const queries = [
  '我家舊沙發要丟要怎麼叫人來收',
  '老人卡可以坐捷運嗎',
  '新義區公所電話幾號',
  '路燈壞了要找誰',
];

/** The top five of each question, with everything a card shows of a hit. */
export const ranked = (index: FaqIndex) =>
  queries.map((q) =>
    index.rank(q, { k: 5 }).map((r) => [r.entry.id, r.score, r.matched, r.phrasing, r.coverage]),
  );
