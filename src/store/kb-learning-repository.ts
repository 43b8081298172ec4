import { createHash } from 'node:crypto';
import type { Store } from './database.js';
import { migrateDomain } from './migrations/index.js';

/**
 * What agents taught retrieval: caller utterances paired with the FAQ entry the agent adopted (a
 * learned similar question) or rejected (a demotion of that entry for such utterances). Keyed by KB
 * and entry id, not by KB version, so it survives re-imports and rollbacks.
 */
export type KbLearningTables = {
  kb_learned_phrasings: {
    id: string;
    kb: string;
    entry_id: string;
    text: string;
    adoptions: number;
    rejections: number;
    status: string;
    created_at: number;
    updated_at: number;
  };
};

export type LearnedStatus = 'pending' | 'learned' | 'removed';

/** A learned row; `text` is the caller's utterance, already redacted by whoever records it. */
export type LearnedPhrasingRow = Omit<KbLearningTables['kb_learned_phrasings'], 'status'> & {
  status: LearnedStatus;
};

export interface KbLearningRepository {
  /** Counts one adoption (`adopted`) or rejection of `entryId` for `text`; creates the row as `status`. */
  count(
    kb: string,
    entryId: string,
    text: string,
    action: 'adopted' | 'rejected',
    status: LearnedStatus,
    now?: number,
  ): Promise<LearnedPhrasingRow>;
  setStatus(id: string, status: LearnedStatus, now?: number): Promise<LearnedPhrasingRow | null>;
  get(id: string): Promise<LearnedPhrasingRow | null>;
  list(kb: string): Promise<LearnedPhrasingRow[]>;
}

/** One row per (KB, entry, utterance wording): spacing and punctuation do not make a new one. */
export function learnedId(kb: string, entryId: string, text: string): string {
  const key = text.normalize('NFKC').replace(/[\s\p{P}\p{S}]+/gu, '');
  return createHash('sha256').update(`${kb}\n${entryId}\n${key}`).digest('hex').slice(0, 24);
}

function toRow(row: KbLearningTables['kb_learned_phrasings']): LearnedPhrasingRow {
  return {
    ...row,
    adoptions: Number(row.adoptions),
    rejections: Number(row.rejections),
    status: row.status as LearnedStatus,
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

export async function createKbLearningRepository(store: Store): Promise<KbLearningRepository> {
  await migrateDomain(store, 'kb_learning');
  const db = store.db.withTables<KbLearningTables>();
  const get = async (id: string) => {
    const row = await db
      .selectFrom('kb_learned_phrasings')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toRow(row) : null;
  };
  return {
    get,
    async count(kb, entryId, text, action, status, now = Date.now()) {
      const id = learnedId(kb, entryId, text);
      const adopted = action === 'adopted' ? 1 : 0;
      await db
        .insertInto('kb_learned_phrasings')
        .values({
          id,
          kb,
          entry_id: entryId,
          text,
          adoptions: adopted,
          rejections: 1 - adopted,
          status,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            adoptions: eb('kb_learned_phrasings.adoptions', '+', adopted),
            rejections: eb('kb_learned_phrasings.rejections', '+', 1 - adopted),
            updated_at: now,
          })),
        )
        .execute();
      return (await get(id)) as LearnedPhrasingRow;
    },
    async setStatus(id, status, now = Date.now()) {
      await db
        .updateTable('kb_learned_phrasings')
        .set({ status, updated_at: now })
        .where('id', '=', id)
        .execute();
      return get(id);
    },
    async list(kb) {
      const rows = await db
        .selectFrom('kb_learned_phrasings')
        .selectAll()
        .where('kb', '=', kb)
        .orderBy('updated_at', 'desc')
        .execute();
      return rows.map(toRow);
    },
  };
}
