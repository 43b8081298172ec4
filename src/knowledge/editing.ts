import type { Logger } from '../config/index.js';
import { KbRepositoryError, type KbRepository, type KbVersion } from '../store/index.js';
import { KnowledgeError } from './errors.js';
import type { AgentLearning, FeedbackAction, LearnedPhrasing } from './learning.js';
import { markStalePhrasings, newPhrasing, phrasingBasis, phrasingKey, withPhrasings } from './phrasings.js';
import { withShippedPhrasings } from './seed.js';
import type { LoadedKb } from './index-holder.js';
import type { Actor, ImportOptions, ImportResult, KnowledgeAudit } from './service.js';
import type { FaqEntry, Phrasing } from './types.js';
import type { VocabularyTerm } from './vocabulary.js';

/** Changes to a KB: imports, entries, similar questions, vocabulary, and what agents teach it. */
export interface KnowledgeEditing {
  importEntries(
    kb: string,
    entries: readonly FaqEntry[],
    options?: Pick<ImportOptions, 'mode' | 'note' | 'keepPhrasings'>,
    actor?: Actor,
  ): Promise<ImportResult>;
  rollback(kb: string, version: number, actor?: Actor): Promise<KbVersion>;
  createEntry(kb: string, entry: FaqEntry, actor?: Actor): Promise<KbVersion>;
  /** An edit that changes the question or answer marks the entry's similar questions for review. */
  updateEntry(
    kb: string,
    id: string,
    patch: Partial<Omit<FaqEntry, 'id'>>,
    actor?: Actor,
  ): Promise<KbVersion>;
  deleteEntry(kb: string, id: string, actor?: Actor): Promise<KbVersion>;
  /** Adds similar questions written by an editor (approved, stamped with the entry's current wording). */
  addPhrasings(kb: string, id: string, texts: readonly string[], actor?: Actor): Promise<KbVersion>;
  removePhrasing(kb: string, id: string, text: string, actor?: Actor): Promise<KbVersion>;
  /** Approves a similar question (pending, or marked for review after an edit) for the entry as it is now. */
  approvePhrasing(kb: string, id: string, text: string, actor?: Actor): Promise<KbVersion>;
  /** Admin vocabulary of a KB's active version (the shipped file comes on top of it). */
  vocabulary(kb: string): VocabularyTerm[];
  addVocabulary(kb: string, terms: readonly VocabularyTerm[], actor?: Actor): Promise<KbVersion>;
  removeVocabulary(kb: string, colloquial: string, actor?: Actor): Promise<KbVersion>;
  /**
   * An agent adopted or rejected a card for what the caller said: an adoption makes the (redacted)
   * utterance a similar question of the entry — searched after `learnAfterAdoptions` adoptions or an
   * editor's approval — and a rejection demotes the entry for utterances like it.
   */
  feedback(
    input: { kb: string; entryId: string; text: string; action: FeedbackAction },
    actor?: Actor,
  ): Promise<LearnedPhrasing>;
  learned(kb: string): LearnedPhrasing[];
  setLearnedStatus(
    kb: string,
    id: string,
    status: 'learned' | 'removed',
    actor?: Actor,
  ): Promise<LearnedPhrasing>;
}

export interface EditingContext {
  repo: KbRepository;
  learning: AgentLearning;
  current(kb: string): LoadedKb;
  has(kb: string): boolean;
  activate(kb: string, version: KbVersion, entries: FaqEntry[]): Promise<void>;
  refreshOverlay(kb: string): void;
  /** Removes personal data from a caller's utterance before it is kept. */
  redact(text: string): string;
  audit?: KnowledgeAudit | undefined;
  logger?: Logger | undefined;
}

const SYSTEM: Actor = { id: null, role: 'system', source: 'system' };

function rethrow(err: unknown): never {
  if (err instanceof KbRepositoryError) throw new KnowledgeError(err.code, err.message);
  throw err;
}

function checkEntry(entry: FaqEntry): FaqEntry {
  if (!entry.id?.trim()) throw new KnowledgeError('invalid_entry', 'an entry needs an id');
  if (!entry.question?.trim())
    throw new KnowledgeError('invalid_entry', `entry "${entry.id}" needs a question`);
  return { ...entry, answer: entry.answer ?? '', agency: entry.agency ?? '', tags: entry.tags ?? [] };
}

/**
 * An imported entry that brings no similar questions keeps those the KB has for it (marked for review
 * where its question or answer changed), or else gets the shipped ones written for it: re-importing
 * the city's updated FAQ file must not wipe them.
 */
function importedPhrasings(entry: FaqEntry, before: FaqEntry | undefined): FaqEntry {
  if (entry.phrasings?.length) return entry;
  if (before?.phrasings?.length) return markStalePhrasings({ ...entry, phrasings: before.phrasings });
  return withShippedPhrasings(entry);
}

function checkPhrasingText(text: string): string {
  const clean = text.trim();
  if (clean.length < 2 || clean.length > 200) {
    throw new KnowledgeError('invalid_phrasing', 'a similar question needs 2–200 characters');
  }
  return clean;
}

export function createEditing(ctx: EditingContext): KnowledgeEditing {
  const { repo, learning } = ctx;
  // One write at a time per KB: versions are recorded and swapped in the order they were asked for.
  const queues = new Map<string, Promise<unknown>>();

  function serialize<T>(kb: string, work: () => Promise<T>): Promise<T> {
    const run = (queues.get(kb) ?? Promise.resolve()).then(work, work);
    queues.set(
      kb,
      run.catch(() => undefined),
    );
    return run;
  }

  async function audited(
    actor: Actor | undefined,
    action: string,
    targetId: string | null,
    detail: Record<string, unknown>,
  ): Promise<void> {
    const who = actor ?? SYSTEM;
    await ctx.audit?.append({
      actorId: who.id,
      actorRole: who.role,
      action,
      targetType: 'kb',
      targetId,
      source: who.source,
      detail,
    });
  }

  async function commit(
    kb: string,
    entries: readonly FaqEntry[],
    meta: { kind: 'import' | 'edit' | 'vocabulary'; note?: string; vocabulary?: readonly VocabularyTerm[] },
  ) {
    const result = await repo.commit(kb, entries, meta).catch(rethrow);
    // The committed content is `entries` itself (in the store's id order): no need to read it back.
    const ordered = [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (result.created || !ctx.has(kb)) await ctx.activate(kb, result.version, ordered);
    return result;
  }

  async function editEntries(
    kb: string,
    change: (entries: Map<string, FaqEntry>) => void,
    audit: { actor: Actor | undefined; action: string; target: string; detail?: Record<string, unknown> },
  ): Promise<KbVersion> {
    const version = await serialize(kb, async () => {
      const entries = new Map(ctx.current(kb).byId);
      change(entries);
      return (await commit(kb, [...entries.values()], { kind: 'edit' })).version;
    });
    await audited(audit.actor, audit.action, `${kb}/${audit.target}`, {
      version: version.version,
      ...audit.detail,
    });
    return version;
  }

  function requireEntry(entries: Map<string, FaqEntry>, kb: string, id: string): FaqEntry {
    const entry = entries.get(id);
    if (!entry) throw new KnowledgeError('unknown_entry', `no entry "${id}" in "${kb}"`);
    return entry;
  }

  function requirePhrasing(entry: FaqEntry, text: string): number {
    const key = phrasingKey(text);
    const at = (entry.phrasings ?? []).findIndex((p) => phrasingKey(p.text) === key);
    if (at < 0)
      throw new KnowledgeError('unknown_phrasing', `entry "${entry.id}" has no similar question "${text}"`);
    return at;
  }

  async function changeVocabulary(
    kb: string,
    change: (terms: VocabularyTerm[]) => VocabularyTerm[],
    audit: { actor: Actor | undefined; action: string; detail: Record<string, unknown> },
  ): Promise<KbVersion> {
    const version = await serialize(kb, async () => {
      const state = ctx.current(kb);
      const vocabulary = change([...state.adminVocabulary]);
      return (await commit(kb, [...state.byId.values()], { kind: 'vocabulary', vocabulary })).version;
    });
    await audited(audit.actor, audit.action, kb, { version: version.version, ...audit.detail });
    return version;
  }

  return {
    async importEntries(kb, entries, opts = {}, actor) {
      if (!kb.trim() || !/^[\w.-]{1,64}$/.test(kb)) {
        throw new KnowledgeError(
          'invalid_import',
          `knowledge-base name "${kb}" must be 1-64 letters, digits, _ . -`,
        );
      }
      const result = await serialize(kb, async () => {
        const started = performance.now();
        const before = ctx.has(kb) ? ctx.current(kb).byId : undefined;
        let next =
          opts.keepPhrasings === false
            ? entries
            : entries.map((e) => importedPhrasings(e, before?.get(e.id)));
        if (opts.mode === 'merge' && before) {
          const merged = new Map(before);
          for (const e of next) merged.set(e.id, e);
          next = [...merged.values()];
        }
        const committed = await commit(kb, next, {
          kind: 'import',
          ...(opts.note ? { note: opts.note } : {}),
        });
        return {
          kb,
          version: committed.version,
          created: committed.created,
          took_ms: Math.round(performance.now() - started),
        };
      });
      if (result.created) {
        const { added, changed, removed } = result.version;
        await audited(actor, 'kb.import', kb, { version: result.version.version, added, changed, removed });
      }
      return result;
    },
    async rollback(kb, version, actor) {
      const restored = await serialize(kb, async () => {
        const v = await repo.rollback(kb, version).catch(rethrow);
        await ctx.activate(kb, v, await repo.entries(kb));
        return v;
      });
      await audited(actor, 'kb.rollback', kb, { version: restored.version, restored_from: version });
      return restored;
    },
    createEntry: (kb, entry, actor) =>
      editEntries(
        kb,
        (entries) => {
          if (entries.has(entry.id))
            throw new KnowledgeError('duplicate_entry', `entry "${entry.id}" already exists in "${kb}"`);
          entries.set(entry.id, markStalePhrasings(checkEntry(entry)));
        },
        { actor, action: 'kb.entry.create', target: entry.id },
      ),
    updateEntry: (kb, id, patch, actor) =>
      editEntries(
        kb,
        (entries) => {
          const before = requireEntry(entries, kb, id);
          entries.set(id, markStalePhrasings(checkEntry({ ...before, ...patch, id })));
        },
        { actor, action: 'kb.entry.update', target: id, detail: { fields: Object.keys(patch) } },
      ),
    deleteEntry: (kb, id, actor) =>
      editEntries(
        kb,
        (entries) => {
          if (!entries.delete(id)) throw new KnowledgeError('unknown_entry', `no entry "${id}" in "${kb}"`);
        },
        { actor, action: 'kb.entry.delete', target: id },
      ),
    addPhrasings: (kb, id, texts, actor) =>
      editEntries(
        kb,
        (entries) => {
          const entry = requireEntry(entries, kb, id);
          entries.set(
            id,
            withPhrasings(
              entry,
              texts.map((t) => newPhrasing(entry, checkPhrasingText(t), 'editor')),
            ),
          );
        },
        { actor, action: 'kb.phrasing.add', target: id, detail: { count: texts.length } },
      ),
    removePhrasing: (kb, id, text, actor) =>
      editEntries(
        kb,
        (entries) => {
          const entry = requireEntry(entries, kb, id);
          const at = requirePhrasing(entry, text);
          entries.set(id, { ...entry, phrasings: (entry.phrasings ?? []).filter((_, i) => i !== at) });
        },
        { actor, action: 'kb.phrasing.remove', target: id, detail: { text } },
      ),
    approvePhrasing: (kb, id, text, actor) =>
      editEntries(
        kb,
        (entries) => {
          const entry = requireEntry(entries, kb, id);
          const at = requirePhrasing(entry, text);
          const basis = phrasingBasis(entry);
          const phrasings = (entry.phrasings ?? []).map((p, i): Phrasing =>
            i === at ? { ...p, status: 'approved', written_for: basis } : p,
          );
          entries.set(id, { ...entry, phrasings });
        },
        { actor, action: 'kb.phrasing.approve', target: id, detail: { text } },
      ),
    vocabulary: (kb) => [...ctx.current(kb).adminVocabulary],
    addVocabulary: (kb, terms, actor) =>
      changeVocabulary(
        kb,
        (existing) => {
          for (const t of terms) {
            const colloquial = t.colloquial.trim();
            const official = t.official.map((o) => o.trim()).filter(Boolean);
            if (colloquial.length < 2 || official.length === 0 || official.includes(colloquial)) {
              throw new KnowledgeError(
                'invalid_vocabulary',
                `"${t.colloquial}": a term needs 2+ characters and at least one different official wording`,
              );
            }
            const same = existing.findIndex((e) => e.colloquial === colloquial);
            if (same >= 0) existing.splice(same, 1);
            existing.push({ colloquial, official });
          }
          return existing;
        },
        { actor, action: 'kb.vocabulary.add', detail: { terms: terms.map((t) => t.colloquial) } },
      ),
    removeVocabulary: (kb, colloquial, actor) =>
      changeVocabulary(
        kb,
        (existing) => {
          const kept = existing.filter((e) => e.colloquial !== colloquial.trim());
          if (kept.length === existing.length)
            throw new KnowledgeError(
              'invalid_vocabulary',
              `"${colloquial}" is not an admin vocabulary term of "${kb}"`,
            );
          return kept;
        },
        { actor, action: 'kb.vocabulary.remove', detail: { term: colloquial } },
      ),
    async feedback({ kb, entryId, text, action }, actor) {
      const state = ctx.current(kb);
      if (!state.byId.has(entryId))
        throw new KnowledgeError('unknown_entry', `no entry "${entryId}" in "${kb}"`);
      const utterance = ctx.redact(text).trim();
      if (utterance.length < 2)
        throw new KnowledgeError('invalid_phrasing', 'feedback needs what the caller said');
      const row = await learning.record(kb, entryId, utterance, action);
      ctx.refreshOverlay(kb);
      await audited(actor, `kb.feedback.${action}`, `${kb}/${entryId}`, {
        learned_id: row.id,
        status: row.status,
      });
      return row;
    },
    learned: (kb) => learning.list(kb),
    async setLearnedStatus(kb, id, status, actor) {
      const row = await learning.setStatus(kb, id, status);
      if (!row)
        throw new KnowledgeError('unknown_phrasing', `no learned similar question "${id}" in "${kb}"`);
      ctx.refreshOverlay(kb);
      await audited(
        actor,
        status === 'removed' ? 'kb.learned.remove' : 'kb.learned.approve',
        `${kb}/${row.entry_id}`,
        {
          learned_id: id,
          text: row.text,
        },
      );
      return row;
    },
  };
}
