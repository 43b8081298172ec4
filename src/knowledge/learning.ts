import type { KbLearningRepository, LearnedPhrasingRow, LearnedStatus } from '../store/index.js';
import type { FaqIndex, PhrasingOverlay } from './faq-index.js';
import { charGrams, indexText } from './query-terms.js';

export type LearnedPhrasing = LearnedPhrasingRow;
export type FeedbackAction = 'adopted' | 'rejected';

/** A rejected pairing demotes its entry for queries this similar to the rejected utterance or more. */
const DEMOTE_FROM = 0.4;
/** The strongest demotion (a query identical to a rejected utterance keeps this share of its score). */
const DEMOTE_FLOOR = 0.2;

const gramSet = (text: string) => new Set(charGrams(indexText(text)));

/** Dice coefficient of two character-bigram sets. */
function dice(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (!a.size || !b.size) return 0;
  let shared = 0;
  for (const g of a) if (b.has(g)) shared++;
  return (2 * shared) / (a.size + b.size);
}

interface Rejection {
  entryId: string;
  grams: Set<string>;
}

/**
 * What agents' choices teach retrieval, per KB: an adopted card turns the caller's utterance into a
 * similar question of that entry (searched once it is `learned`: at once, or after N adoptions, or
 * when an editor approves it); a rejected card demotes its entry for utterances like that one.
 */
export class AgentLearning {
  private readonly rows = new Map<string, LearnedPhrasing[]>();

  constructor(
    private readonly repo: KbLearningRepository,
    /** Adoptions after which an utterance is searched without an editor's approval (0 = never automatically). */
    private readonly autoApproveAfter: number,
  ) {}

  async load(kb: string): Promise<void> {
    this.rows.set(kb, await this.repo.list(kb));
  }

  list(kb: string): LearnedPhrasing[] {
    return [...(this.rows.get(kb) ?? [])];
  }

  /** Records an adoption or rejection; returns the row as it now stands. */
  async record(kb: string, entryId: string, text: string, action: FeedbackAction): Promise<LearnedPhrasing> {
    const initial: LearnedStatus =
      action === 'adopted' && this.autoApproveAfter === 1 ? 'learned' : 'pending';
    let row = await this.repo.count(kb, entryId, text, action, initial);
    const promote =
      row.status === 'pending' &&
      this.autoApproveAfter > 0 &&
      row.adoptions >= this.autoApproveAfter &&
      row.adoptions > row.rejections;
    if (promote) row = (await this.repo.setStatus(row.id, 'learned')) ?? row;
    await this.load(kb);
    return row;
  }

  async setStatus(kb: string, id: string, status: LearnedStatus): Promise<LearnedPhrasing | null> {
    const row = await this.repo.get(id);
    if (!row || row.kb !== kb) return null;
    const updated = await this.repo.setStatus(id, status);
    await this.load(kb);
    return updated;
  }

  /** The learned similar questions as an overlay on a KB version's index. */
  overlay(kb: string, index: FaqIndex): PhrasingOverlay | null {
    const learned = (this.rows.get(kb) ?? []).filter(
      (r) => r.status === 'learned' && r.adoptions > r.rejections,
    );
    return learned.length ? index.overlay(learned.map((r) => ({ entryId: r.entry_id, text: r.text }))) : null;
  }

  /** Rejections that outweigh adoptions, ready to compare with queries. */
  rejections(kb: string): Rejection[] {
    return (this.rows.get(kb) ?? [])
      .filter((r) => r.status !== 'removed' && r.rejections > r.adoptions)
      .map((r) => ({ entryId: r.entry_id, grams: gramSet(r.text) }));
  }
}

/** Score multipliers (entry index → factor) for entries agents rejected for utterances like this query. */
export function demotionsFor(
  rejections: readonly Rejection[],
  index: FaqIndex,
  query: string,
): Map<number, number> | undefined {
  if (!rejections.length) return undefined;
  const grams = gramSet(query);
  const out = new Map<number, number>();
  for (const r of rejections) {
    const similarity = dice(grams, r.grams);
    if (similarity < DEMOTE_FROM) continue;
    const at = index.indexOf(r.entryId);
    if (at < 0) continue;
    const factor = Math.max(DEMOTE_FLOOR, 1 - similarity);
    out.set(at, Math.min(out.get(at) ?? 1, factor));
  }
  return out.size ? out : undefined;
}
