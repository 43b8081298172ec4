import { sql } from 'kysely';
import type { AsrModelChange } from '../asr/index.js';
import type { Store } from '../store/index.js';

export interface LoggedAsrChange {
  seq: number;
  change: AsrModelChange;
}

/**
 * The ASR model changes admins made, in order, where every node reads them: a node applies the
 * ones it has not seen when told (a bus notice), and all of them when it starts.
 */
export interface AsrModelLog {
  /** Records a change; returns its place in the order. */
  append(change: AsrModelChange): Promise<number>;
  /** Changes after `seq`, oldest first. */
  since(seq: number): Promise<LoggedAsrChange[]>;
}

/** The log in the shared database (PostgreSQL, as every cluster has it). */
export async function createAsrModelLog(store: Store): Promise<AsrModelLog> {
  await store.migrate('cluster_asr_models', {
    '001_asr_model_changes': {
      async up(db) {
        await db.schema
          .createTable('asr_model_changes')
          .addColumn('seq', 'bigserial', (c) => c.primaryKey())
          .addColumn('change', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
  });
  const { db } = store;
  return {
    async append(change) {
      const result = await sql<{ seq: string }>`
        insert into asr_model_changes (change, at) values (${JSON.stringify(change)}, ${Date.now()})
        returning seq`.execute(db);
      return Number(result.rows[0]?.seq);
    },
    async since(seq) {
      const result = await sql<{ seq: string; change: string }>`
        select seq, change from asr_model_changes where seq > ${seq} order by seq`.execute(db);
      return result.rows.map((r) => ({ seq: Number(r.seq), change: JSON.parse(r.change) as AsrModelChange }));
    },
  };
}
