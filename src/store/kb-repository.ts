import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Store } from './database.js';
import {
  KbRepositoryError,
  toInfo,
  toVersion,
  type CommitResult,
  type KbEntryRecord,
  type KbInfo,
  type KbTables,
  type KbVersion,
  type KbVersionKind,
  type KbVocabularyTerm,
} from './kb-records.js';
import { migrateDomain } from './migrations/index.js';

export interface KbRepository {
  list(): Promise<KbInfo[]>;
  get(kb: string): Promise<KbInfo | null>;
  /** Entries of a version (the active one by default), in id order. */
  entries(kb: string, version?: number): Promise<KbEntryRecord[]>;
  versions(kb: string): Promise<KbVersion[]>;
  /**
   * Records `entries` as the KB's complete new content (creating the KB if needed) when it differs
   * from the active version, with the diff summary; all or nothing.
   */
  commit(
    kb: string,
    entries: readonly KbEntryRecord[],
    meta: {
      kind: 'import' | 'edit' | 'vocabulary';
      note?: string;
      /** The version's admin vocabulary; unset = the active version's. */
      vocabulary?: readonly KbVocabularyTerm[];
    },
    now?: number,
  ): Promise<CommitResult>;
  /** Makes a new version whose content is that of `version`. */
  rollback(kb: string, version: number, now?: number): Promise<KbVersion>;
}

/** Hash of everything but the id: two entries saying the same thing share one stored content. */
export function contentHash(entry: KbEntryRecord): string {
  const { question, answer, agency, maintainer, url, tags, tier, updated, phrasings } = entry;
  // Later fields are appended only when present, so entries stored before they existed keep their hash.
  const canonical = JSON.stringify([
    question,
    answer,
    agency,
    url ?? null,
    tags,
    tier ?? null,
    updated ?? null,
    ...(maintainer || phrasings?.length ? [maintainer ?? null] : []),
    ...(phrasings?.length ? [phrasings] : []),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

const DIFF_IDS_KEPT = 50;
const vocabularyJson = (terms: readonly KbVocabularyTerm[]) => JSON.stringify(terms);
/** Rows per multi-row insert: well under SQLite's and PostgreSQL's bound-parameter limits. */
const CHUNK = 500;

type Db = Kysely<KbTables>;

async function findKb(db: Db | Transaction<KbTables>, kb: string): Promise<KbInfo | null> {
  const row = await db
    .selectFrom('kb_bases')
    .select(['name', 'active_version'])
    .where('name', '=', kb)
    .executeTakeFirst();
  return row ? toInfo(row) : null;
}

async function requireKb(db: Db | Transaction<KbTables>, kb: string): Promise<KbInfo> {
  const info = await findKb(db, kb);
  if (!info) throw new KbRepositoryError('unknown_kb', `no knowledge base "${kb}"`);
  return info;
}

async function requireVersion(db: Db | Transaction<KbTables>, kb: string, version: number): Promise<void> {
  const exists = await db
    .selectFrom('kb_versions')
    .select('version')
    .where('kb', '=', kb)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!exists)
    throw new KbRepositoryError('unknown_version', `knowledge base "${kb}" has no version ${version}`);
}

async function membership(
  db: Db | Transaction<KbTables>,
  kb: string,
  version: number,
): Promise<Map<string, string>> {
  const rows = await db
    .selectFrom('kb_version_entries')
    .select(['entry_id', 'hash'])
    .where('kb', '=', kb)
    .where('version', '=', version)
    .execute();
  return new Map(rows.map((r) => [r.entry_id, r.hash]));
}

async function insertChunked<T extends keyof KbTables>(
  trx: Transaction<KbTables>,
  table: T,
  rows: KbTables[T][],
  ignoreConflicts = false,
): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    // Kysely's generic insert typing cannot follow a table-name type parameter; rows match KbTables[T].
    const query = trx
      .insertInto(table as 'kb_contents')
      .values(chunk as unknown as KbTables['kb_contents'][]);
    await (ignoreConflicts ? query.onConflict((oc) => oc.doNothing()) : query).execute();
    // SQLite runs synchronously: let the event loop (live calls) breathe between chunks.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

export async function createKbRepository(store: Store): Promise<KbRepository> {
  await migrateDomain(store, 'kb');
  const db: Db = store.db.withTables<KbTables>();

  /** Writes a version row and its membership, and makes it active. */
  async function record(
    trx: Transaction<KbTables>,
    kb: string,
    previous: Map<string, string>,
    next: Map<string, string>,
    meta: { kind: KbVersionKind; note?: string; restoredFrom?: number; vocabulary: string | null },
    now: number,
  ): Promise<KbVersion> {
    const added: string[] = [];
    const changed: string[] = [];
    const removed: string[] = [];
    for (const [id, hash] of next) {
      const before = previous.get(id);
      if (before === undefined) added.push(id);
      else if (before !== hash) changed.push(id);
    }
    for (const id of previous.keys()) if (!next.has(id)) removed.push(id);
    const last = await trx
      .selectFrom('kb_versions')
      .select((eb) => eb.fn.max('version').as('max'))
      .where('kb', '=', kb)
      .executeTakeFirst();
    const version = Number(last?.max ?? 0) + 1;
    const row: KbTables['kb_versions'] = {
      kb,
      version,
      kind: meta.kind,
      restored_from: meta.restoredFrom ?? null,
      note: meta.note ?? null,
      entry_count: next.size,
      added: added.length,
      changed: changed.length,
      removed: removed.length,
      diff_ids: JSON.stringify({
        added: added.slice(0, DIFF_IDS_KEPT),
        changed: changed.slice(0, DIFF_IDS_KEPT),
        removed: removed.slice(0, DIFF_IDS_KEPT),
      }),
      created_at: now,
      vocabulary: meta.vocabulary,
    };
    await trx.insertInto('kb_versions').values(row).execute();
    await insertChunked(
      trx,
      'kb_version_entries',
      [...next].map(([entry_id, hash]) => ({ kb, version, entry_id, hash })),
    );
    await trx.updateTable('kb_bases').set({ active_version: version }).where('name', '=', kb).execute();
    return toVersion(row);
  }

  return {
    async list() {
      const rows = await db
        .selectFrom('kb_bases')
        .select(['name', 'active_version'])
        .orderBy('name')
        .execute();
      return rows.map(toInfo);
    },
    get: (kb) => findKb(db, kb),
    async entries(kb, version) {
      const info = await requireKb(db, kb);
      const v = version ?? info.active_version;
      if (v === 0) return [];
      const rows = await db
        .selectFrom('kb_version_entries as m')
        .innerJoin('kb_contents as c', 'c.hash', 'm.hash')
        .select(['m.entry_id', 'c.data'])
        .where('m.kb', '=', kb)
        .where('m.version', '=', v)
        .orderBy('m.entry_id')
        .execute();
      if (!rows.length && version !== undefined) await requireVersion(db, kb, v);
      return rows.map((r) => ({ ...(JSON.parse(r.data) as Omit<KbEntryRecord, 'id'>), id: r.entry_id }));
    },
    async versions(kb) {
      await requireKb(db, kb);
      const rows = await db
        .selectFrom('kb_versions')
        .selectAll()
        .where('kb', '=', kb)
        .orderBy('version', 'desc')
        .execute();
      return rows.map(toVersion);
    },
    async commit(kb, entries, meta, now = Date.now()) {
      const contents = new Map<string, string>();
      const next = new Map<string, string>();
      for (const entry of entries) {
        const hash = contentHash(entry);
        const { id, ...data } = entry;
        contents.set(hash, JSON.stringify(data));
        next.set(id, hash);
      }
      return db.transaction().execute(async (trx) => {
        const info = await findKb(trx, kb);
        if (!info)
          await trx.insertInto('kb_bases').values({ name: kb, active_version: 0, created_at: now }).execute();
        const active = info?.active_version ?? 0;
        const previous = active ? await membership(trx, kb, active) : new Map<string, string>();
        const activeRow = active
          ? await trx
              .selectFrom('kb_versions')
              .selectAll()
              .where('kb', '=', kb)
              .where('version', '=', active)
              .executeTakeFirstOrThrow()
          : null;
        const vocabulary = meta.vocabulary
          ? vocabularyJson(meta.vocabulary)
          : (activeRow?.vocabulary ?? null);
        const same =
          previous.size === next.size &&
          [...next].every(([id, hash]) => previous.get(id) === hash) &&
          (vocabulary ?? '[]') === (activeRow?.vocabulary ?? '[]');
        if (same && activeRow) return { version: toVersion(activeRow), created: false };
        await insertChunked(
          trx,
          'kb_contents',
          [...contents].map(([hash, data]) => ({ hash, data })),
          true,
        );
        return {
          version: await record(trx, kb, previous, next, { ...meta, vocabulary }, now),
          created: true,
        };
      });
    },
    async rollback(kb, version, now = Date.now()) {
      return db.transaction().execute(async (trx) => {
        const info = await requireKb(trx, kb);
        await requireVersion(trx, kb, version);
        const previous = await membership(trx, kb, info.active_version);
        const next = await membership(trx, kb, version);
        const restored = await trx
          .selectFrom('kb_versions')
          .select('vocabulary')
          .where('kb', '=', kb)
          .where('version', '=', version)
          .executeTakeFirstOrThrow();
        return record(
          trx,
          kb,
          previous,
          next,
          { kind: 'rollback', restoredFrom: version, vocabulary: restored.vocabulary },
          now,
        );
      });
    },
  };
}
