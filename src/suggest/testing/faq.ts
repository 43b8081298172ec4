/** The real Taipei FAQ as `FaqEntry`s, for suggestion tests and the benchmark. */
import { readFileSync } from 'node:fs';
import type { FaqEntry } from '../../knowledge/types.js';

export function readFaqJsonl(path: string): FaqEntry[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const row = JSON.parse(line) as {
        id: string;
        agency: string;
        question: string;
        answer: string;
        url?: string;
      };
      return {
        id: row.id,
        agency: row.agency,
        question: row.question,
        answer: row.answer,
        url: row.url,
        tags: [],
      };
    });
}
