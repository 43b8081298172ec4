import type { Config, Logger } from '../config/index.js';
import { createKbVectorRepository, type Store } from '../store/index.js';
import { buildDenseIndex, type DenseIndex, type DenseSettings } from './dense.js';
import { createOpenAiEmbedder } from './embeddings.js';
import type { FaqEntry } from './types.js';

/** First retry of an embedding back-fill after the endpoint failed; doubles up to the maximum. */
const BACKFILL_FIRST_MS = 30_000;
const BACKFILL_MAX_MS = 15 * 60_000;

/** The dense side of retrieval: passage vectors per KB version, from an embeddings endpoint when one is configured. */
export interface DenseChannel {
  /** Null when no embeddings endpoint is configured. */
  readonly settings: DenseSettings | null;
  /**
   * Embeds a version's passages (stored vectors reused) and hands the dense index to `attach`. When
   * the endpoint fails the version stays lexical + phonetic and a back-fill retries with backoff until
   * it answers — unless a newer version took over meanwhile (`isActive` false: that one embeds itself).
   */
  embed(kb: string, version: number, entries: readonly FaqEntry[]): Promise<void>;
  /** Stops the back-fills. */
  close(): void;
}

export interface DenseChannelOptions {
  store: Store;
  config: Config;
  logger?: Logger | undefined;
  /** Whether `version` is still the KB's active one. */
  isActive(kb: string, version: number): boolean;
  attach(kb: string, version: number, index: DenseIndex): void;
  /** First wait before re-trying (default 30 s; tests shorten it). */
  backfillMs?: number | undefined;
}

export async function createDenseChannel(options: DenseChannelOptions): Promise<DenseChannel> {
  const { logger, isActive, attach } = options;
  const knowledge = options.config.knowledge;
  const settings: DenseSettings | null = knowledge.embeddingsUrl
    ? {
        embedder: createOpenAiEmbedder({
          url: knowledge.embeddingsUrl,
          ...(knowledge.embeddingsModel ? { model: knowledge.embeddingsModel } : {}),
          ...(knowledge.embeddingsApiKey ? { apiKey: knowledge.embeddingsApiKey } : {}),
        }),
        vectors: await createKbVectorRepository(options.store),
        queryPrefix: knowledge.embeddingsQueryPrefix,
        passagePrefix: knowledge.embeddingsPassagePrefix,
      }
    : null;
  const backfills = new Map<string, NodeJS.Timeout>();

  function embed(
    kb: string,
    version: number,
    entries: readonly FaqEntry[],
    waitMs = options.backfillMs ?? BACKFILL_FIRST_MS,
  ): Promise<void> {
    if (!settings) return Promise.resolve();
    clearTimeout(backfills.get(kb));
    backfills.delete(kb);
    return buildDenseIndex(entries, settings).then(
      (index) => {
        if (isActive(kb, version)) attach(kb, version, index);
      },
      (err: unknown) => {
        logger?.warn(
          { kb, version, err: (err as Error).message, retry_ms: waitMs },
          'knowledge: embeddings unavailable, lexical + phonetic only until the back-fill succeeds',
        );
        const timer = setTimeout(() => {
          if (isActive(kb, version)) void embed(kb, version, entries, Math.min(waitMs * 2, BACKFILL_MAX_MS));
        }, waitMs);
        timer.unref();
        backfills.set(kb, timer);
      },
    );
  }

  return {
    settings,
    embed: (kb, version, entries) => embed(kb, version, entries),
    close() {
      for (const timer of backfills.values()) clearTimeout(timer);
      backfills.clear();
    },
  };
}
