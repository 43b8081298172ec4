import { csvLine } from './csv.js';
import { indexedPhrasings } from './phrasings.js';
import type { ImportFormat } from './import-format.js';
import type { FaqEntry } from './types.js';

/**
 * A KB version as a file `kb import` reads back: JSONL keeps every field, similar questions with their
 * source, status and what they were written for; CSV keeps the searched (approved) similar questions,
 * one per line of the `phrasings` cell.
 */
export function exportEntries(entries: readonly FaqEntry[], format: ImportFormat): string {
  if (format === 'jsonl')
    return entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : '');
  const header = [
    'id',
    'question',
    'answer',
    'agency',
    'maintainer',
    'url',
    'tags',
    'tier',
    'updated',
    'phrasings',
  ];
  const rows = entries.map((e) =>
    csvLine([
      e.id,
      e.question,
      e.answer,
      e.agency,
      e.maintainer ?? '',
      e.url ?? '',
      e.tags.join(','),
      e.tier ?? '',
      e.updated ?? '',
      indexedPhrasings(e).join('\n'),
    ]),
  );
  return [csvLine(header), ...rows].join('\r\n') + '\r\n';
}
