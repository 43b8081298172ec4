import { existsSync } from 'node:fs';
import { resolvePaths, type Config, type Logger } from '../config/index.js';
import {
  createKbLearningRepository,
  createKbRepository,
  KbRepositoryError,
  type KbRepository,
  type KbVersion,
  type AuditInput,
  type Store,
} from '../store/index.js';
import { cardConfidences, confidenceFeatures } from './confidence.js';
import { TAIPEI_CONFIDENCE } from './calibration.js';
import { loadAgencyDirectory } from './contacts.js';
import { createDenseChannel } from './dense-backfill.js';
import { embedQuery } from './dense.js';
import { createEditing, type KnowledgeEditing } from './editing.js';
import { KnowledgeError } from './errors.js';
import { chooseHandoff } from './handoff.js';
import { parseEntries, type ParseOptions } from './import-format.js';
import { createIndexHolder } from './index-holder.js';
import { AgentLearning, demotionsFor } from './learning.js';
import { readSeed } from './seed.js';
import { candidateTier, queryTier } from './tiers.js';
import type {
  FaqCandidate,
  FaqEntry,
  KbUpdate,
  KnowledgeSearch,
  QueryPart,
  SearchOptions,
  SearchResult,
} from './types.js';
import { loadVocabularyFile, Vocabulary } from './vocabulary.js';

export type { KbVersion };

export interface ImportOptions extends ParseOptions {
  /** `replace` (default): the file is the KB's whole new content; `merge`: add/update only. */
  mode?: 'replace' | 'merge';
  note?: string;
  /**
   * True (default): entries without similar questions of their own keep the KB's, or get the
   * shipped ones written for them; false: exactly the file's.
   */
  keepPhrasings?: boolean;
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

/** Who asked for a change, for the audit log. */
export interface Actor {
  id: string | null;
  role: string | null;
  /** Address, `cli` or `system`. */
  source: string | null;
}

/** The audit log, as the knowledge stage writes to it (the app wires the archive's). */
export interface KnowledgeAudit {
  append(entry: AuditInput): Promise<unknown>;
}

/** The text stage as the knowledge stage uses it: queries go through it as live transcripts do. */
export interface KnowledgeText {
  normalize(
    raw: string,
    options: { steps: Array<'s2t' | 'itn' | 'redact'>; redactFor?: 'training' },
  ): { text: string };
}

export interface KnowledgeService extends KnowledgeSearch, KnowledgeEditing {
  /**
   * `search` plus the dense channel when an embeddings endpoint is configured (the query vector
   * is fetched with a short timeout; on failure the lexical + phonetic result is returned).
   */
  searchAsync(query: string | readonly QueryPart[], options?: SearchOptions): Promise<SearchResult>;
  kbs(): KbSummary[];
  /** The KB used when a request names none. */
  readonly defaultKb: string;
  /** Parses a JSONL/CSV body and imports it (all or nothing); the new index is swapped in atomically. */
  import(kb: string, body: string, options?: ImportOptions, actor?: Actor): Promise<ImportResult>;
  versions(kb: string): Promise<KbVersion[]>;
  entry(kb: string, id: string): FaqEntry | null;
  /** Every entry of a KB's active version, in id order. */
  entries(kb: string): FaqEntry[];
  /** Domain terms mined from the KB(s), for the text stage's lexicon and ASR hot-words. */
  terms(kb?: string): string[];
  /**
   * Loads the KB's active version from the store when it is not the one served (another node of a
   * cluster changed it). True when a new version was swapped in.
   */
  reload(kb: string): Promise<boolean>;
  /** Stops background work (embedding back-fill). */
  close(): void;
}

export interface KnowledgeServiceOptions {
  store: Store;
  config: Config;
  logger?: Logger;
  text?: KnowledgeText;
  audit?: KnowledgeAudit;
  /** First wait before re-trying to embed a version after the endpoint failed (default 30 s; tests shorten it). */
  backfillMs?: number;
  /**
   * Folder where each KB's derived index fields (segmentation, pinyin) are kept between starts, so a
   * restart with an unchanged KB does not recompute them. Unset: nothing is kept.
   */
  indexCacheDir?: string;
  /** Build each KB's search index only when first searched (CLI commands that mostly never search). */
  lazyIndex?: boolean;
}

/** A call must not wait long for the query vector: past this, the lexical result is used. */
const QUERY_EMBED_TIMEOUT_MS = 800;
/** Ranked deeper than the cards shown: confidence looks at the next different question. */
const RANK_DEPTH = 10;

const round = (x: number) => Math.round(x * 10_000) / 10_000;

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
  const { store, config, logger, text, audit } = options;
  const settings = config.knowledge;
  const repo: KbRepository = await createKbRepository(store);
  const learning = new AgentLearning(await createKbLearningRepository(store), settings.learnAfterAdoptions);
  const directory = loadAgencyDirectory(config.text.lexiconDir);

  const shipped = new Vocabulary(loadVocabularyFile(resolvePaths(config).vocabularyFile));
  const listeners = new Set<(update: KbUpdate) => void>();
  const dense = await createDenseChannel({
    store,
    config,
    logger,
    backfillMs: options.backfillMs,
    isActive: (kb, version) => loaded.get(kb)?.version === version,
    attach(kb, _version, index) {
      const state = loaded.get(kb);
      if (state) state.dense = index;
    },
  });
  const { loaded, activate, searchIndex, current } = createIndexHolder({
    config,
    logger,
    learning,
    shipped,
    indexCacheDir: options.indexCacheDir,
    lazyIndex: options.lazyIndex,
    onActivated(kb, version, entries) {
      // The lexical index serves at once; the dense side joins when its passages are embedded.
      void dense.embed(kb, version, entries);
      for (const listener of listeners) {
        try {
          listener({ kb, version });
        } catch (err) {
          logger?.error({ err }, 'knowledge: kb_updated listener failed');
        }
      }
    },
  });

  const editing = createEditing({
    repo,
    learning,
    current,
    has: (kb) => loaded.has(kb),
    activate,
    refreshOverlay(kb) {
      const state = loaded.get(kb);
      if (state?.index) state.overlay = learning.overlay(kb, state.index);
    },
    redact: (t) => (text ? text.normalize(t, { steps: ['redact'], redactFor: 'training' }).text : t),
    audit,
    logger,
  });

  /** Serves the store's active version of a KB. */
  async function load(info: { name: string; active_version: number }): Promise<void> {
    const [active] = (await repo.versions(info.name)).filter((v) => v.version === info.active_version);
    await activate(
      info.name,
      active ?? { version: info.active_version, vocabulary: [] },
      await repo.entries(info.name),
    );
  }

  // Load what the store has, then seed an empty default KB.
  for (const info of await repo.list()) await load(info);
  // Only a default KB that never existed is seeded: one an admin emptied stays empty.
  if (settings.seed && !loaded.has(settings.defaultKb)) {
    if (!existsSync(settings.seed)) {
      logger?.warn({ seed: settings.seed }, 'knowledge: seed path does not exist; default KB stays empty');
    } else {
      const seedEntries = readSeed(settings.seed);
      const result = await editing.importEntries(settings.defaultKb, seedEntries, {
        note: `seed: ${settings.seed}`,
      });
      logger?.info(
        { kb: settings.defaultKb, entries: seedEntries.length, version: result.version.version },
        'knowledge: seeded',
      );
    }
  }

  /** Query parts as the index sees them: through the text stage's script conversion and numbers. */
  function prepare(query: string | readonly QueryPart[]): QueryPart[] {
    const parts = typeof query === 'string' ? [{ text: query, weight: 1 }] : query;
    return text
      ? parts.map((p) => ({ ...p, text: text.normalize(p.text, { steps: ['s2t', 'itn'] }).text }))
      : [...parts];
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
      return { kb, kb_version: 0, took_ms: 0, results: [], tier: 'cold', handoff: null, agency: null };
    }
    const k = Math.max(1, Math.min(opts.k ?? 5, 50));
    const parts = prepare(query);
    const words = parts.map((p) => p.text).join(' ');
    const index = searchIndex(kb, state);
    const demote = demotionsFor(learning.rejections(kb), index, words);
    const ranked = index.rank(
      parts,
      {
        k: Math.max(k, RANK_DEPTH),
        ...(opts.agency ? { agency: opts.agency } : {}),
        ...(dense ? { dense } : {}),
        overlay: state.overlay,
        ...(demote ? { demote } : {}),
      },
      state.vocabulary,
    );
    const latest = parts[parts.length - 1]?.text ?? '';
    const confidences = cardConfidences(TAIPEI_CONFIDENCE, ranked, words);
    const tier = queryTier(latest, ranked, confidences, settings.hotConfidence);
    const guesses = state.router.route(words, 3);
    const minScore = opts.minScore ?? 0;
    const results: FaqCandidate[] = ranked.slice(0, k).flatMap((r, i) =>
      r.score < minScore
        ? []
        : [
            {
              faq_id: r.entry.id,
              question: r.entry.question,
              answer: r.entry.answer,
              agency: r.entry.agency,
              score: round(r.score),
              confidence: round(confidences[i] ?? 0),
              tier: candidateTier(r, confidences[i] ?? 0, settings.hotConfidence),
              ...(r.entry.url ? { url: r.entry.url } : {}),
              matched: r.matched,
              ...(r.phrasing ? { phrasing: r.phrasing } : {}),
            },
          ],
    );
    const cards = ranked.slice(0, k).map((r, i) => ({ entry: r.entry, confidence: confidences[i] ?? 0 }));
    return {
      kb,
      kb_version: state.version,
      took_ms: round(performance.now() - started),
      results,
      tier,
      handoff: tier === 'cold' ? chooseHandoff(directory, { requested: opts.agency, cards, guesses }) : null,
      agency: guesses[0] ? { agency: guesses[0].agency, confidence: round(guesses[0].confidence) } : null,
      ...(opts.features
        ? { features: ranked.slice(0, k).map((_, i) => confidenceFeatures(ranked, i, words)) }
        : {}),
    };
  }

  return {
    ...editing,
    search: (query, opts = {}) => searchWith(query, opts, null),
    async searchAsync(query, opts = {}) {
      const side = loaded.get(opts.kb ?? settings.defaultKb)?.dense;
      if (!dense.settings || !side) return searchWith(query, opts, null);
      const joined = prepare(query)
        .map((p) => p.text)
        .join('\n');
      try {
        const vector = await embedQuery(joined, dense.settings, QUERY_EMBED_TIMEOUT_MS);
        return searchWith(query, opts, side.scores(vector));
      } catch (err) {
        logger?.debug(
          { err: (err as Error).message },
          'knowledge: query embedding failed, lexical result used',
        );
        return searchWith(query, opts, null);
      }
    },
    async reload(kb) {
      const info = (await repo.list().catch(rethrow)).find((i) => i.name === kb);
      if (!info || loaded.get(kb)?.version === info.active_version) return false;
      await load(info);
      return true;
    },
    onUpdated(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    agencyContact: (agency) => directory.find(agency),
    defaultKb: settings.defaultKb,
    kbs: () => [...loaded].map(([kb, s]) => ({ kb, version: s.version, entries: s.byId.size })),
    import: async (kb, body, opts = {}, actor) =>
      editing.importEntries(kb, parseEntries(body, opts), opts, actor),
    versions: (kb) => repo.versions(kb).catch(rethrow),
    entry: (kb, id) => loaded.get(kb)?.byId.get(id) ?? null,
    entries: (kb) => [...current(kb).byId.values()],
    terms(kb) {
      const states = kb ? [current(kb)] : [...loaded.values()];
      return [...new Set(states.flatMap((s) => s.terms))];
    },
    close: () => dense.close(),
  };
}
