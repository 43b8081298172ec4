/** The real Taipei FAQ and dev set as the suggestion tests and the benchmark read them. */
import { readFileSync } from 'node:fs';
import type { FaqEntry } from '../../knowledge/types.js';

/** Every line of a JSONL file, parsed. */
export function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as T);
}

/** One line of the Taipei paraphrase dev set: a caller's wording of a FAQ question. */
export interface ParaphraseQuery {
  query: string;
  gold_ids: string[];
  agency_2024: string;
}

export function readFaqJsonl(path: string): FaqEntry[] {
  return readJsonl<{ id: string; agency: string; question: string; answer: string; url?: string }>(path).map(
    (row) => ({
      id: row.id,
      agency: row.agency,
      question: row.question,
      answer: row.answer,
      url: row.url,
      tags: [],
    }),
  );
}
