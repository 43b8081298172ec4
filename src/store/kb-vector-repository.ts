import type { Store } from './database.js';
import { migrateDomain } from './migrations/index.js';

/**
 * Embedding vectors by model and content hash: a text embedded once is never embedded again, across
 * restarts and KB versions, until the model (or the text, or its prefix) changes.
 */
export type KbVectorTables = {
  kb_vectors: { model: string; hash: string; dims: number; vector: string };
};

export interface KbVectorRepository {
  get(model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>>;
  put(model: string, vectors: ReadonlyMap<string, Float32Array>): Promise<void>;
}

/** Rows per statement: well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500;

const encode = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
function decode(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  // Copy into an aligned buffer: a Node Buffer may start at any offset of its pool.
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export async function createKbVectorRepository(store: Store): Promise<KbVectorRepository> {
  await migrateDomain(store, 'kb_vectors');
  const db = store.db.withTables<KbVectorTables>();
  return {
    async get(model, hashes) {
      const out = new Map<string, Float32Array>();
      for (let i = 0; i < hashes.length; i += CHUNK) {
        const rows = await db
          .selectFrom('kb_vectors')
          .select(['hash', 'vector'])
          .where('model', '=', model)
          .where('hash', 'in', hashes.slice(i, i + CHUNK))
          .execute();
        for (const r of rows) out.set(r.hash, decode(r.vector));
      }
      return out;
    },
    async put(model, vectors) {
      const rows = [...vectors].map(([hash, v]) => ({ model, hash, dims: v.length, vector: encode(v) }));
      for (let i = 0; i < rows.length; i += CHUNK) {
        await db
          .insertInto('kb_vectors')
          .values(rows.slice(i, i + CHUNK))
          .onConflict((oc) => oc.columns(['model', 'hash']).doNothing())
          .execute();
      }
    },
  };
}
