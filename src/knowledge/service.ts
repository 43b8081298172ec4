import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Config, Logger } from '../config/index.js';
import {
  createKbRepository,
  KbRepositoryError,
  type KbRepository,
  type KbVersion,
} from '../store/kb-repository.js';
import type { Store } from '../store/index.js';
import { loadTaipeiLexicon } from '../text/lexicon.js';
import { createSegmenter, type Segmenter } from '../text/segment.js';
import { HOTLINE_1999, hotlineTransferTo, loadAgencyDirectory } from './contacts.js';
import { KnowledgeError } from './errors.js';
import { createOpenAiEmbedder, dot, type Embedder } from './embeddings.js';
import { FaqIndex, type RankedEntry } from './faq-index.js';
import { parseEntries, type ParseOptions } from './import-format.js';
import { mineTerms } from './kb-terms.js';
import { synonymTerms } from './synonyms.js';
import { candidateTier, queryTier, type TierPolicy } from './tiers.js';
import type {
  AgencyContact,
  FaqCandidate,
  FaqEntry,
  KbUpdate,
  KnowledgeSearch,
  QueryPart,
  SearchOptions,
  SearchResult,
} from './types.js';

export type { KbVersion };

export interface ImportOptions extends ParseOptions {
  /** `replace` (default): the file is the KB's whole new content; `merge`: add/update only. */
  mode?: 'replace' | 'merge';
  note?: string;
}

export interface ImportResult {
  kb: string;
  version: KbVersion;
  /** False when the file matched the active version: nothing changed, no version recorded. */
  created: boolean;
  took_ms: number;
}

export interface KbSummary {
  kb: string;
  version: number;
  entries: number;
}

export interface KnowledgeService extends KnowledgeSearch {
  /**
   * `search` plus the dense channel when an embeddings endpoint is configured (the query vector
   * is fetched with a short timeout; on failure the lexical + phonetic result is returned).
   */
  searchAsync(query: string | readonly QueryPart[], options?: SearchOptions): Promise<SearchResult>;
  kbs(): KbSummary[];
  /** Parses a JSONL/CSV body and imports it (all or nothing); the new index is swapped in atomically. */
  import(kb: string, body: string, options?: ImportOptions): Promise<ImportResult>;
  importEntries(
    kb: string,
    entries: readonly FaqEntry[],
    options?: Pick<ImportOptions, 'mode' | 'note'>,
  ): Promise<ImportResult>;
  versions(kb: string): Promise<KbVersion[]>;
  rollback(kb: string, version: number): Promise<KbVersion>;
  entry(kb: string, id: string): FaqEntry | null;
  createEntry(kb: string, entry: FaqEntry): Promise<KbVersion>;
  updateEntry(kb: string, id: string, patch: Partial<Omit<FaqEntry, 'id'>>): Promise<KbVersion>;
  deleteEntry(kb: string, id: string): Promise<KbVersion>;
  /** Domain terms mined from the KB(s), for the text stage's lexicon and ASR hot-words. */
  terms(kb?: string): string[];
}

export interface KnowledgeServiceOptions {
  store: Store;
  config: Config;
  logger?: Logger;
}

interface LoadedKb {
  version: number;
  index: FaqIndex;
  byId: Map<string, FaqEntry>;
  terms: string[];
  /** Unit vectors of the entries (index order), when an embeddings endpoint is configured and answered. */
  vectors: Float32Array[] | null;
}

/** What an entry's vector is computed from. */
const embeddingText = (e: FaqEntry) => `${e.question}\n${e.answer.slice(0, 200)}`;
/** A call must not wait long for the query vector: past this, the lexical result is used. */
const QUERY_EMBED_TIMEOUT_MS = 800;

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** Files a seed folder contributes: JSONL and CSV, in name order; a CSV's agency is its name (社會局QA.csv → 社會局). */
function seedFiles(path: string): Array<{ file: string; options: ParseOptions }> {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => /\.(jsonl|csv)$/i.test(f))
        .sort()
        .map((f) => join(path, f))
    : [path];
  return files.map((file) => {
    const csv = extname(file).toLowerCase() === '.csv';
    return {
      file,
      options: csv
        ? { format: 'csv' as const, agency: basename(file, extname(file)).replace(/QA$/i, '') }
        : { format: 'jsonl' as const },
    };
  });
}

function rethrow(err: unknown): never {
  if (err instanceof KbRepositoryError) throw new KnowledgeError(err.code, err.message);
  throw err;
}

/**
 * The knowledge stage: every KB's active version lives in memory as a hybrid index; imports,
 * edits and rollbacks are written to the store first, then a new index is built beside the old
 * one and swapped in with one assignment, so searches in flight never see a half-built index.
 */
export async function createKnowledgeService(options: KnowledgeServiceOptions): Promise<KnowledgeService> {
  const { store, config, logger } = options;
  const settings = config.knowledge;
  const repo: KbRepository = await createKbRepository(store);
  const directory = loadAgencyDirectory(config.text.lexiconDir);
  const policy: TierPolicy = {
    hotThreshold: settings.hotThreshold,
    coldThreshold: settings.coldThreshold,
    hotMargin: settings.hotMargin,
  };

  const embedder: Embedder | null = settings.embeddingsUrl
    ? createOpenAiEmbedder({
        url: settings.embeddingsUrl,
        ...(settings.embeddingsModel ? { model: settings.embeddingsModel } : {}),
      })
    : null;
  if (settings.embeddingsModelPath && !embedder) {
    logger?.warn(
      { path: settings.embeddingsModelPath },
      'knowledge: local embedding model folders are not supported yet; serve the model behind an OpenAI-compatible /v1/embeddings URL (HOTLINE_EMBEDDINGS_URL)',
    );
  }
  // Vectors by embedded text, shared across versions: a re-import only embeds what changed.
  const vectorCache = new Map<string, Float32Array>();

  const lexiconTerms: string[] = [];
  if (config.text.lexiconDir) {
    try {
      lexiconTerms.push(...loadTaipeiLexicon(config.text.lexiconDir).terms.map((t) => t.text));
    } catch (err) {
      logger?.warn({ err: (err as Error).message }, 'knowledge: lexicon not usable for segmentation');
    }
  }
  const segmenter: Segmenter = createSegmenter([...synonymTerms(), ...lexiconTerms]);

  const loaded = new Map<string, LoadedKb>();
  const listeners = new Set<(update: KbUpdate) => void>();
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

  /** Entry vectors, reusing those of unchanged texts; null (lexical only) when the endpoint fails. */
  async function embedEntries(kb: string, entries: readonly FaqEntry[]): Promise<Float32Array[] | null> {
    if (!embedder) return null;
    const texts = entries.map(embeddingText);
    const missing = [...new Set(texts.filter((t) => !vectorCache.has(t)))];
    try {
      const vectors = await embedder.embed(missing);
      missing.forEach((t, i) => vectorCache.set(t, vectors[i] as Float32Array));
      return texts.map((t) => vectorCache.get(t) as Float32Array);
    } catch (err) {
      logger?.warn(
        { kb, err: (err as Error).message },
        'knowledge: embeddings unavailable, this version is lexical + phonetic only',
      );
      return null;
    }
  }

  async function activate(kb: string, version: number, entries: FaqEntry[]): Promise<void> {
    const started = performance.now();
    const previous = loaded.get(kb)?.index;
    const index = await FaqIndex.buildAsync(entries, segmenter, previous ? { previous } : {});
    logger?.debug({ kb, ms: Math.round(performance.now() - started) }, 'knowledge: index built');
    const vectors = await embedEntries(kb, entries);
    // Mined terms go to the text stage and ASR only: adding them to the shared segmenter would change
    // how queries split while indexes built before still hold the old split.
    const terms = mineTerms(entries, segmenter);
    loaded.set(kb, { version, index, byId: new Map(entries.map((e) => [e.id, e])), terms, vectors });
    if (vectors) {
      // Keep only vectors some loaded version still uses.
      const live = new Set(
        [...loaded.values()].flatMap((state) => [...state.byId.values()].map(embeddingText)),
      );
      for (const text of vectorCache.keys()) if (!live.has(text)) vectorCache.delete(text);
    }
    logger?.info(
      { kb, version, entries: entries.length, ms: Math.round(performance.now() - started) },
      'knowledge: index ready',
    );
    for (const listener of listeners) {
      try {
        listener({ kb, version });
      } catch (err) {
        logger?.error({ err }, 'knowledge: kb_updated listener failed');
      }
    }
  }

  async function commit(kb: string, entries: readonly FaqEntry[], kind: 'import' | 'edit', note?: string) {
    const result = await repo.commit(kb, entries, { kind, ...(note ? { note } : {}) }).catch(rethrow);
    // The committed content is `entries` itself (in the store's id order): no need to read it back.
    const ordered = [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (result.created || !loaded.has(kb)) await activate(kb, result.version.version, ordered);
    return result;
  }

  function current(kb: string): LoadedKb {
    const state = loaded.get(kb);
    if (!state) throw new KnowledgeError('unknown_kb', `no knowledge base "${kb}"`);
    return state;
  }

  function checkEntry(entry: FaqEntry): FaqEntry {
    if (!entry.id?.trim()) throw new KnowledgeError('invalid_entry', 'an entry needs an id');
    if (!entry.question?.trim())
      throw new KnowledgeError('invalid_entry', `entry "${entry.id}" needs a question`);
    return { ...entry, answer: entry.answer ?? '', agency: entry.agency ?? '', tags: entry.tags ?? [] };
  }

  async function editEntries(
    kb: string,
    change: (entries: Map<string, FaqEntry>) => void,
  ): Promise<KbVersion> {
    return serialize(kb, async () => {
      const entries = new Map(current(kb).byId);
      change(entries);
      return (await commit(kb, [...entries.values()], 'edit')).version;
    });
  }

  async function importEntries(
    kb: string,
    entries: readonly FaqEntry[],
    opts: Pick<ImportOptions, 'mode' | 'note'> = {},
  ): Promise<ImportResult> {
    if (!kb.trim() || !/^[\w.-]{1,64}$/.test(kb)) {
      throw new KnowledgeError(
        'invalid_import',
        `knowledge-base name "${kb}" must be 1-64 letters, digits, _ . -`,
      );
    }
    return serialize(kb, async () => {
      const started = performance.now();
      let next = entries;
      if (opts.mode === 'merge' && loaded.has(kb)) {
        const merged = new Map(current(kb).byId);
        for (const e of entries) merged.set(e.id, e);
        next = [...merged.values()];
      }
      const result = await commit(kb, next, 'import', opts.note);
      return {
        kb,
        version: result.version,
        created: result.created,
        took_ms: Math.round(performance.now() - started),
      };
    });
  }

  // Load what the store has, then seed an empty default KB.
  for (const info of await repo.list()) {
    await activate(info.name, info.active_version, await repo.entries(info.name));
  }
  // Only a default KB that never existed is seeded: one an admin emptied stays empty.
  if (settings.seed && !loaded.has(settings.defaultKb)) {
    if (!existsSync(settings.seed)) {
      logger?.warn({ seed: settings.seed }, 'knowledge: seed path does not exist; default KB stays empty');
    } else {
      const seedEntries: FaqEntry[] = [];
      for (const { file, options: parse } of seedFiles(settings.seed))
        seedEntries.push(...parseEntries(readFileSync(file, 'utf8'), parse));
      const result = await importEntries(settings.defaultKb, seedEntries, { note: `seed: ${settings.seed}` });
      logger?.info(
        { kb: settings.defaultKb, entries: seedEntries.length, version: result.version.version },
        'knowledge: seeded',
      );
    }
  }

  /**
   * Whom a cold question goes to: the requested agency, else whoever answers for a plausible (shown)
   * top candidate (its maintaining unit, see `AgencyDirectory.forEntry`), through 1999 when the
   * contact list has no record of that unit; with nothing in the KB even close, the 1999 hotline.
   */
  function handoffFor(ranked: readonly RankedEntry[], agency: string | undefined): AgencyContact {
    if (agency) return directory.find(agency) ?? hotlineTransferTo(agency);
    const top = ranked[0];
    if (!top || top.score < policy.coldThreshold) return HOTLINE_1999;
    const unit = top.entry.maintainer?.trim() || top.entry.agency;
    return directory.forEntry(top.entry) ?? (unit ? hotlineTransferTo(unit) : HOTLINE_1999);
  }

  function searchWith(
    query: string | readonly QueryPart[],
    opts: SearchOptions,
    dense: Float32Array | null,
  ): SearchResult {
    const started = performance.now();
    const kb = opts.kb ?? settings.defaultKb;
    const state = loaded.get(kb);
    if (!state) {
      if (kb !== settings.defaultKb) throw new KnowledgeError('unknown_kb', `no knowledge base "${kb}"`);
      return { kb, kb_version: 0, took_ms: 0, results: [], tier: 'cold', handoff: HOTLINE_1999 };
    }
    const k = Math.max(1, Math.min(opts.k ?? 5, 50));
    const ranked = state.index.rank(query, {
      k,
      ...(opts.agency ? { agency: opts.agency } : {}),
      ...(dense ? { dense } : {}),
    });
    const text = typeof query === 'string' ? query : (query[query.length - 1]?.text ?? '');
    const tier = queryTier(text, ranked, policy);
    const minScore = opts.minScore ?? policy.coldThreshold;
    const results: FaqCandidate[] = ranked
      .filter((r) => r.score >= minScore)
      .map((r) => ({
        faq_id: r.entry.id,
        question: r.entry.question,
        answer: r.entry.answer,
        agency: r.entry.agency,
        score: round(r.score),
        tier: candidateTier(r, policy),
        ...(r.entry.url ? { url: r.entry.url } : {}),
        matched: r.matched,
      }));
    return {
      kb,
      kb_version: state.version,
      took_ms: round(performance.now() - started),
      results,
      tier,
      handoff: tier === 'cold' ? handoffFor(ranked, opts.agency) : null,
    };
  }

  return {
    search: (query, opts = {}) => searchWith(query, opts, null),
    async searchAsync(query, opts = {}) {
      const state = loaded.get(opts.kb ?? settings.defaultKb);
      if (!embedder || !state?.vectors) return searchWith(query, opts, null);
      const text = typeof query === 'string' ? query : query.map((p) => p.text).join('\n');
      try {
        const [vector] = await embedder.embed([text], QUERY_EMBED_TIMEOUT_MS);
        const dense = Float32Array.from(state.vectors, (v) => dot(v, vector as Float32Array));
        return searchWith(query, opts, dense);
      } catch (err) {
        logger?.debug(
          { err: (err as Error).message },
          'knowledge: query embedding failed, lexical result used',
        );
        return searchWith(query, opts, null);
      }
    },
    onUpdated(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    agencyContact: (agency) => directory.find(agency),
    kbs: () => [...loaded].map(([kb, s]) => ({ kb, version: s.version, entries: s.index.size })),
    import: async (kb, body, opts = {}) => importEntries(kb, parseEntries(body, opts), opts),
    importEntries,
    versions: (kb) => repo.versions(kb).catch(rethrow),
    rollback: (kb, version) =>
      serialize(kb, async () => {
        const v = await repo.rollback(kb, version).catch(rethrow);
        await activate(kb, v.version, await repo.entries(kb));
        return v;
      }),
    entry: (kb, id) => loaded.get(kb)?.byId.get(id) ?? null,
    createEntry: (kb, entry) =>
      editEntries(kb, (entries) => {
        if (entries.has(entry.id))
          throw new KnowledgeError('duplicate_entry', `entry "${entry.id}" already exists in "${kb}"`);
        entries.set(entry.id, checkEntry(entry));
      }),
    updateEntry: (kb, id, patch) =>
      editEntries(kb, (entries) => {
        const before = entries.get(id);
        if (!before) throw new KnowledgeError('unknown_entry', `no entry "${id}" in "${kb}"`);
        entries.set(id, checkEntry({ ...before, ...patch, id }));
      }),
    deleteEntry: (kb, id) =>
      editEntries(kb, (entries) => {
        if (!entries.delete(id)) throw new KnowledgeError('unknown_entry', `no entry "${id}" in "${kb}"`);
      }),
    terms(kb) {
      const states = kb ? [current(kb)] : [...loaded.values()];
      return [...new Set(states.flatMap((s) => s.terms))];
    },
  };
}
