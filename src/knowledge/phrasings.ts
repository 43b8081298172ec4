import { createHash } from 'node:crypto';
import type { FaqEntry, Phrasing } from './types.js';

/**
 * What a similar question was written for: the entry's question and answer. When an edit changes
 * either, the entry's phrasings no longer match this and are marked for review.
 */
export function phrasingBasis(entry: Pick<FaqEntry, 'question' | 'answer'>): string {
  return createHash('sha256').update(`${entry.question}\n${entry.answer}`).digest('hex').slice(0, 16);
}

/** Texts of the entry's phrasings that retrieval searches (approved ones), in their stored order. */
export function indexedPhrasings(entry: FaqEntry): string[] {
  return (entry.phrasings ?? []).filter((p) => p.status === 'approved').map((p) => p.text);
}

/** Phrasing texts compare by their words, not by spacing or punctuation. */
export function phrasingKey(text: string): string {
  return text.normalize('NFKC').replace(/[\s\p{P}\p{S}]+/gu, '');
}

/**
 * The entry after an edit: phrasings written for another question/answer go to `review` (they are
 * no longer searched until an editor approves them again), never silently kept as they were.
 */
export function markStalePhrasings(entry: FaqEntry): FaqEntry {
  if (!entry.phrasings?.length) return entry;
  const basis = phrasingBasis(entry);
  return {
    ...entry,
    phrasings: entry.phrasings.map((p) =>
      p.written_for === basis || p.status !== 'approved' ? p : { ...p, status: 'review' as const },
    ),
  };
}

/** A new approved phrasing of an entry, stamped with what it was written for. */
export function newPhrasing(entry: FaqEntry, text: string, source: Phrasing['source']): Phrasing {
  return { text: text.trim(), source, status: 'approved', written_for: phrasingBasis(entry) };
}

/** Adds phrasings an entry does not have yet (compared by `phrasingKey`). */
export function withPhrasings(entry: FaqEntry, added: readonly Phrasing[]): FaqEntry {
  const have = new Set((entry.phrasings ?? []).map((p) => phrasingKey(p.text)));
  const fresh = added.filter((p) => {
    const key = phrasingKey(p.text);
    if (!key || have.has(key)) return false;
    have.add(key);
    return true;
  });
  return fresh.length ? { ...entry, phrasings: [...(entry.phrasings ?? []), ...fresh] } : entry;
}
