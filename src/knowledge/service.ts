import { existsSync } from 'node:fs';
import { resolvePaths, type Config, type Logger } from '../config/index.js';
import {
  createKbLearningRepository,
  createKbRepository,
  createKbVectorRepository,
  KbRepositoryError,
  type AuditInput,
  type KbRepository,
  type KbVersion,
  type Store,
} from '../store/index.js';
import { loadTaipeiLexicon } from '../text/lexicon.js';
import { createSegmenter, type Segmenter } from '../text/segment.js';
import { trainAgencyRouter, type AgencyRouter } from './agency-router.js';
import { cardConfidences, confidenceFeatures } from './confidence.js';
import { TAIPEI_CONFIDENCE } from './calibration.js';
import { loadAgencyDirectory } from './contacts.js';
import { createEditing, type KnowledgeEditing } from './editing.js';
import { dictionaryKey, PersistedDerivedCache } from './docs-cache.js';
import { KnowledgeError } from './errors.js';
import { buildDenseIndex, embedQuery, type DenseIndex, type DenseSettings } from './dense.js';
import { createOpenAiEmbedder } from './embeddings.js';
import { FaqIndex, type PhrasingOverlay } from './faq-index.js';
import { chooseHandoff } from './handoff.js';
import { parseEntries, type ParseOptions } from './import-format.js';
import { mineTerms } from './kb-terms.js';
import { AgentLearning, demotionsFor } from './learning.js';
import { readSeed } from './seed.js';
import { synonymTerms } from './synonyms.js';
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
import { loadVocabularyFile, Vocabulary, type VocabularyTerm } from './vocabulary.js';

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

/** One KB's active version as searched. */
export interface LoadedKb {
  version: number;
  /** Null until first needed when the service was asked for a lazy index (CLI commands that never search). */
  index: FaqIndex | null;
  buildIndex: () => FaqIndex;
  byId: Map<string, FaqEntry>;
  terms: string[];
  router: AgencyRouter;
  /** Shipped vocabulary plus this version's admin terms. */
  vocabulary: Vocabulary;
  /** This version's admin vocabulary terms. */
  adminVocabulary: VocabularyTerm[];
  /** Similar questions learned from agents, over this version's index. */
  overlay: PhrasingOverlay | null;
  /** Passage vectors of this version, once an embeddings endpoint answered for all of them. */
  dense: DenseIndex | null;
}

/** A call must not wait long for the query vector: past this, the lexical result is used. */
const QUERY_EMBED_TIMEOUT_MS = 800;
/** First retry of an embedding back-fill after the endpoint failed; doubles up to the maximum. */
const BACKFILL_FIRST_MS = 30_000;
const BACKFILL_MAX_MS = 15 * 60_000;
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

  const dense: DenseSettings | null = settings.embeddingsUrl
    ? {
        embedder: createOpenAiEmbedder({
          url: settings.embeddingsUrl,
          ...(settings.embeddingsModel ? { model: settings.embeddingsModel } : {}),
          ...(settings.embeddingsApiKey ? { apiKey: settings.embeddingsApiKey } : {}),
        }),
        vectors: await createKbVectorRepository(store),
        queryPrefix: settings.embeddingsQueryPrefix,
        passagePrefix: settings.embeddingsPassagePrefix,
      }
    : null;
  const backfills = new Map<string, NodeJS.Timeout>();

  const shipped = new Vocabulary(loadVocabularyFile(resolvePaths(config).vocabularyFile));
  const lexiconTerms: string[] = [];
  if (config.text.lexiconDir) {
    try {
      lexiconTerms.push(...loadTaipeiLexicon(config.text.lexiconDir).terms.map((t) => t.text));
    } catch (err) {
      logger?.warn({ err: (err as Error).message }, 'knowledge: lexicon not usable for segmentation');
    }
  }
  // Colloquial words stay whole in segmentation, so 老人卡 is one query word and not 老人 + 卡.
  const dictionary = [
    ...synonymTerms(),
    ...lexiconTerms,
    ...shipped.terms().flatMap((t) => [t.colloquial, ...t.official]),
  ];
  const segmenter: Segmenter = createSegmenter(dictionary);
  const derivedCaches = new Map<string, PersistedDerivedCache>();
  /** The KB's cache of derived fields for the dictionary as it is now (a changed dictionary starts anew). */
  function derivedCache(kb: string): PersistedDerivedCache | undefined {
    if (!options.indexCacheDir) return undefined;
    const key = dictionaryKey(dictionary);
    const known = derivedCaches.get(kb);
    if (known?.dictionary === key) return known;
    const cache = new PersistedDerivedCache(options.indexCacheDir, kb, key);
    derivedCaches.set(kb, cache);
    return cache;
  }

  const loaded = new Map<string, LoadedKb>();
  const listeners = new Set<(update: KbUpdate) => void>();

  /**
   * Embeds a version's passages (stored vectors reused). When the endpoint fails the version stays
   * lexical + phonetic and a back-fill retries with backoff until it answers, then swaps the dense
   * side in — unless a newer version took over meanwhile (that one embeds itself).
   */
  function embedVersion(
    kb: string,
    version: number,
    entries: readonly FaqEntry[],
    waitMs = options.backfillMs ?? BACKFILL_FIRST_MS,
  ): Promise<void> {
    if (!dense) return Promise.resolve();
    clearTimeout(backfills.get(kb));
    backfills.delete(kb);
    return buildDenseIndex(entries, dense).then(
      (index) => {
        const state = loaded.get(kb);
        if (state?.version === version) state.dense = index;
      },
      (err: unknown) => {
        logger?.warn(
          { kb, version, err: (err as Error).message, retry_ms: waitMs },
          'knowledge: embeddings unavailable, lexical + phonetic only until the back-fill succeeds',
        );
        const timer = setTimeout(() => {
          if (loaded.get(kb)?.version === version)
            void embedVersion(kb, version, entries, Math.min(waitMs * 2, BACKFILL_MAX_MS));
        }, waitMs);
        timer.unref();
        backfills.set(kb, timer);
      },
    );
  }

  async function activate(
    kb: string,
    version: KbVersion | { version: number; vocabulary: KbVersion['vocabulary'] },
    entries: FaqEntry[],
  ): Promise<void> {
    const started = performance.now();
    const previous = loaded.get(kb)?.index ?? undefined;
    const cache = derivedCache(kb);
    const saveCache = () => {
      try {
        cache?.save();
      } catch (err) {
        logger?.warn({ kb, err: (err as Error).message }, 'knowledge: index cache not written');
      }
    };
    const buildIndex = () => {
      const built = FaqIndex.build(entries, segmenter, undefined, previous, cache);
      saveCache();
      return built;
    };
    let index: FaqIndex | null = null;
    if (!options.lazyIndex) {
      index = await FaqIndex.buildAsync(entries, segmenter, {
        ...(previous ? { previous } : {}),
        ...(cache ? { cache } : {}),
      });
      saveCache();
    }
    // Mined terms go to the text stage and ASR only: adding them to the shared segmenter would change
    // how queries split while indexes built before still hold the old split.
    const terms = mineTerms(entries, segmenter);
    if (!loaded.has(kb)) await learning.load(kb);
    const vocabulary = version.vocabulary.length ? shipped.with(version.vocabulary) : shipped;
    if (version.vocabulary.length) {
      const added = version.vocabulary.flatMap((t) => [t.colloquial, ...t.official]);
      segmenter.addTerms(added);
      dictionary.push(...added);
    }
    loaded.set(kb, {
      version: version.version,
      index,
      buildIndex,
      byId: new Map(entries.map((e) => [e.id, e])),
      terms,
      router: trainAgencyRouter(entries),
      vocabulary,
      adminVocabulary: version.vocabulary,
      overlay: index ? learning.overlay(kb, index) : null,
      dense: null,
    });
    // The lexical index serves at once; the dense side joins when its passages are embedded.
    void embedVersion(kb, version.version, entries);
    logger?.info(
      { kb, version: version.version, entries: entries.length, ms: Math.round(performance.now() - started) },
      'knowledge: index ready',
    );
    for (const listener of listeners) {
      try {
        listener({ kb, version: version.version });
      } catch (err) {
        logger?.error({ err }, 'knowledge: kb_updated listener failed');
      }
    }
  }

  /** A KB version's search index, built now if it was left for first use. */
  function searchIndex(kb: string, state: LoadedKb): FaqIndex {
    if (!state.index) {
      state.index = state.buildIndex();
      state.overlay = learning.overlay(kb, state.index);
    }
    return state.index;
  }

  function current(kb: string): LoadedKb {
    const state = loaded.get(kb);
    if (!state) throw new KnowledgeError('unknown_kb', `no knowledge base "${kb}"`);
    return state;
  }

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

  // Load what the store has, then seed an empty default KB.
  for (const info of await repo.list()) {
    const [active] = (await repo.versions(info.name)).filter((v) => v.version === info.active_version);
    await activate(
      info.name,
      active ?? { version: info.active_version, vocabulary: [] },
      await repo.entries(info.name),
    );
  }
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
      if (!dense || !side) return searchWith(query, opts, null);
      const joined = prepare(query)
        .map((p) => p.text)
        .join('\n');
      try {
        const vector = await embedQuery(joined, dense, QUERY_EMBED_TIMEOUT_MS);
        return searchWith(query, opts, side.scores(vector));
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
    close() {
      for (const timer of backfills.values()) clearTimeout(timer);
      backfills.clear();
    },
  };
}
