import type { Config, Logger } from '../config/index.js';
import { loadTaipeiLexicon, createSegmenter, type Segmenter } from '../text/index.js';
import { agencyRouter, countAgencies, type AgencyRouter } from './agency-router.js';
import type { DenseIndex } from './dense.js';
import { dictionaryKey, PersistedDerivedCache } from './docs-cache.js';
import { FaqIndex, type PhrasingOverlay } from './faq-index.js';
import { defaultTuning } from './index-build.js';
import { loadSnapshot, saveSnapshot, snapshotKey } from './index-snapshot.js';
import { mineTerms } from './kb-terms.js';
import type { AgentLearning } from './learning.js';
import { KnowledgeError } from './errors.js';
import { synonymTerms } from './synonyms.js';
import type { FaqEntry } from './types.js';
import type { Vocabulary, VocabularyTerm } from './vocabulary.js';

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

export interface IndexHolderOptions {
  config: Config;
  logger?: Logger | undefined;
  learning: AgentLearning;
  shipped: Vocabulary;
  /** See `KnowledgeServiceOptions.indexCacheDir`. */
  indexCacheDir?: string | undefined;
  lazyIndex?: boolean | undefined;
  /** Called once a version is the active one. */
  onActivated(kb: string, version: number, entries: readonly FaqEntry[]): void;
}

/** Each KB's active version in memory, and how a version becomes active. */
export interface IndexHolder {
  readonly loaded: Map<string, LoadedKb>;
  /** Builds (or reads back) a version's index beside the current one, then swaps it in with one assignment. */
  activate(
    kb: string,
    version: { version: number; vocabulary: VocabularyTerm[] },
    entries: FaqEntry[],
  ): Promise<void>;
  /** A KB version's search index, built now if it was left for first use. */
  searchIndex(kb: string, state: LoadedKb): FaqIndex;
  /** The KB's active version, or `unknown_kb`. */
  current(kb: string): LoadedKb;
}

export function createIndexHolder(options: IndexHolderOptions): IndexHolder {
  const { config, logger, learning, shipped, indexCacheDir } = options;
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
  const segmenter: Segmenter = createSegmenter(dictionary, indexCacheDir);
  const derivedCaches = new Map<string, PersistedDerivedCache>();
  /** The KB's cache of derived fields for the dictionary as it is now (a changed dictionary starts anew). */
  function derivedCache(kb: string, key: string): PersistedDerivedCache | undefined {
    if (!indexCacheDir) return undefined;
    const known = derivedCaches.get(kb);
    if (known?.dictionary === key) return known;
    const cache = new PersistedDerivedCache(indexCacheDir, kb, key);
    derivedCaches.set(kb, cache);
    return cache;
  }
  const loaded = new Map<string, LoadedKb>();

  const activate: IndexHolder['activate'] = async (kb, version, entries) => {
    const started = performance.now();
    const previous = loaded.get(kb)?.index ?? undefined;
    const dictionaryId = dictionaryKey(dictionary);
    const cache = derivedCache(kb, dictionaryId);
    // A restart with unchanged entries and dictionary reads the whole index back instead of building it.
    const key = indexCacheDir ? snapshotKey(entries, dictionaryId, defaultTuning) : '';
    const snapshot = indexCacheDir ? loadSnapshot(indexCacheDir, kb, key, entries, defaultTuning) : null;
    const routerCounts = snapshot?.router ?? countAgencies(entries);
    // Mined terms go to the text stage and ASR only: adding them to the shared segmenter would change
    // how queries split while indexes built before still hold the old split.
    const terms = snapshot?.terms ?? mineTerms(entries, segmenter);
    const keep = (index: FaqIndex) => {
      try {
        cache?.save();
        if (indexCacheDir)
          saveSnapshot(indexCacheDir, kb, key, { parts: index.parts, router: routerCounts, terms });
      } catch (err) {
        logger?.warn({ kb, err: (err as Error).message }, 'knowledge: index cache not written');
      }
    };
    const buildIndex = () => {
      if (snapshot) return new FaqIndex(snapshot.parts, segmenter);
      const built = FaqIndex.build(entries, segmenter, undefined, previous, cache);
      keep(built);
      return built;
    };
    let index: FaqIndex | null = null;
    if (snapshot && !options.lazyIndex) index = new FaqIndex(snapshot.parts, segmenter);
    else if (!options.lazyIndex) {
      index = await FaqIndex.buildAsync(entries, segmenter, {
        ...(previous ? { previous } : {}),
        ...(cache ? { cache } : {}),
      });
      keep(index);
    }
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
      router: agencyRouter(routerCounts),
      vocabulary,
      adminVocabulary: version.vocabulary,
      overlay: index ? learning.overlay(kb, index) : null,
      dense: null,
    });
    logger?.info(
      {
        kb,
        version: version.version,
        entries: entries.length,
        from: snapshot ? 'snapshot' : 'build',
        ms: Math.round(performance.now() - started),
      },
      'knowledge: index ready',
    );
    options.onActivated(kb, version.version, entries);
  };

  return {
    loaded,
    activate,
    searchIndex(kb, state) {
      if (!state.index) {
        state.index = state.buildIndex();
        state.overlay = learning.overlay(kb, state.index);
      }
      return state.index;
    },
    current(kb) {
      const state = loaded.get(kb);
      if (!state) throw new KnowledgeError('unknown_kb', `no knowledge base "${kb}"`);
      return state;
    },
  };
}
