import { csvLine } from './csv.js';
import { indexedPhrasings } from './phrasings.js';
import { entryFields, type ImportFormat } from './import-format.js';
import type { FaqEntry } from './types.js';

/**
 * A KB version as a file `kb import` reads back: JSONL keeps every field, similar questions with their
 * source, status and what they were written for; CSV keeps the searched (approved) similar questions,
 * one per line of the `phrasings` cell.
 */
export function exportEntries(entries: readonly FaqEntry[], format: ImportFormat): string {
  if (format === 'jsonl')
    return entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : '');
  const cell = (e: FaqEntry, field: (typeof entryFields)[number]): string => {
    if (field === 'tags') return e.tags.join(',');
    if (field === 'phrasings') return indexedPhrasings(e).join('\n');
    return e[field] ?? '';
  };
  const rows = entries.map((e) => csvLine(entryFields.map((f) => cell(e, f))));
  return [csvLine(entryFields), ...rows].join('\r\n') + '\r\n';
}
