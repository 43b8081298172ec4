import type { Store } from './database.js';
import { migrateDomain } from './migrations/index.js';

/** Text-channel conversations (self-service chat and testing the engine by typing). */
export type ConversationTables = {
  text_conversations: {
    id: string;
    kb: string | null;
    created_at: number;
    updated_at: number;
    /** Who opened it (user or token id) and as what role: only they read or continue it. */
    owner_id: string | null;
    owner_role: string | null;
  };
  text_conversation_turns: {
    conversation_id: string;
    seq: number;
    role: string;
    text: string;
    tier: string | null;
    /** JSON array of cited FAQ ids. */
    faq_ids: string;
    created_at: number;
  };
};

export interface ConversationOwner {
  id: string;
  role: string;
}

export interface ConversationRow {
  id: string;
  kb: string | null;
  created_at: number;
  updated_at: number;
  /** Null only for conversations stored before owners were recorded. */
  owner: ConversationOwner | null;
}

export interface TurnInput {
  role: 'user' | 'assistant';
  text: string;
  tier?: string | null;
  faq_ids?: string[];
}

export interface TurnRow {
  seq: number;
  role: 'user' | 'assistant';
  text: string;
  tier: string | null;
  faq_ids: string[];
  created_at: number;
}

export interface ConversationRepository {
  create(id: string, kb: string | null, now?: number, owner?: ConversationOwner): Promise<ConversationRow>;
  get(id: string): Promise<ConversationRow | null>;
  /** Appends turns atomically (a question and its answer land together or not at all). */
  append(id: string, turns: readonly TurnInput[], now?: number): Promise<void>;
  turns(id: string): Promise<TurnRow[]>;
  /** Deletes conversations (and their turns) with no turn since `cutoff`; returns their ids. */
  purgeBefore(cutoff: number): Promise<string[]>;
}

export async function createConversationRepository(store: Store): Promise<ConversationRepository> {
  await migrateDomain(store, 'conversations');
  const db = store.db.withTables<ConversationTables>();
  const toConversation = (row: ConversationTables['text_conversations']): ConversationRow => ({
    id: row.id,
    kb: row.kb,
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    owner: row.owner_id === null ? null : { id: row.owner_id, role: row.owner_role ?? '' },
  });
  return {
    async create(id, kb, now = Date.now(), owner) {
      await db
        .insertInto('text_conversations')
        .values({
          id,
          kb,
          created_at: now,
          updated_at: now,
          owner_id: owner?.id ?? null,
          owner_role: owner?.role ?? null,
        })
        .execute();
      return { id, kb, created_at: now, updated_at: now, owner: owner ?? null };
    },
    async get(id) {
      const row = await db
        .selectFrom('text_conversations')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toConversation(row) : null;
    },
    async append(id, turns, now = Date.now()) {
      await db.transaction().execute(async (trx) => {
        const last = await trx
          .selectFrom('text_conversation_turns')
          .select((eb) => eb.fn.max('seq').as('seq'))
          .where('conversation_id', '=', id)
          .executeTakeFirst();
        let seq = Number(last?.seq ?? 0);
        for (const turn of turns) {
          await trx
            .insertInto('text_conversation_turns')
            .values({
              conversation_id: id,
              seq: ++seq,
              role: turn.role,
              text: turn.text,
              tier: turn.tier ?? null,
              faq_ids: JSON.stringify(turn.faq_ids ?? []),
              created_at: now,
            })
            .execute();
        }
        await trx.updateTable('text_conversations').set({ updated_at: now }).where('id', '=', id).execute();
      });
    },
    async turns(id) {
      const rows = await db
        .selectFrom('text_conversation_turns')
        .selectAll()
        .where('conversation_id', '=', id)
        .orderBy('seq')
        .execute();
      return rows.map((r) => ({
        seq: Number(r.seq),
        role: r.role as TurnRow['role'],
        text: r.text,
        tier: r.tier,
        faq_ids: JSON.parse(r.faq_ids) as string[],
        created_at: Number(r.created_at),
      }));
    },
    async purgeBefore(cutoff) {
      return db.transaction().execute(async (trx) => {
        const ids = (
          await trx.selectFrom('text_conversations').select('id').where('updated_at', '<', cutoff).execute()
        ).map((r) => r.id);
        // Turns explicitly, not only by cascade: SQLite connections without foreign_keys would keep them.
        for (let i = 0; i < ids.length; i += 500) {
          const batch = ids.slice(i, i + 500);
          await trx.deleteFrom('text_conversation_turns').where('conversation_id', 'in', batch).execute();
          await trx.deleteFrom('text_conversations').where('id', 'in', batch).execute();
        }
        return ids;
      });
    },
  };
}
