import type { Config, Logger } from '../config/index.js';
import type { KnowledgeService } from '../knowledge/index.js';
import { createKbRepository, type KbRepository } from '../store/kb-repository.js';
import type { Store } from '../store/index.js';
import { createTextNormalizer, type TextStage } from '../text/index.js';

export interface KbTextStage {
  text: TextStage;
  /** Stops following knowledge-base updates. */
  close(): void;
}

export interface KbTextStageOptions {
  config: Config;
  store: Store;
  knowledge: KnowledgeService;
  logger?: Logger;
}

/** Entries of a KB's active version; none while it does not exist yet (no seed, no import). */
export async function activeEntries(repository: KbRepository, kb: string) {
  return (await repository.get(kb)) ? repository.entries(kb) : [];
}

/**
 * The text stage as the server and every CLI command build it, so both normalize and redact alike:
 * the lexicon from config plus what the knowledge base publishes — its mined terms (lexicon, hot-words)
 * and the default KB's active answers, whose phone numbers, accounts and addresses are public and never
 * redacted — kept in step with every import, edit and rollback.
 */
export async function createKbTextStage(options: KbTextStageOptions): Promise<KbTextStage> {
  const { config, store, knowledge, logger } = options;
  const text = await createTextNormalizer({ config, logger });
  const kbRepository = await createKbRepository(store);
  const kb = config.knowledge.defaultKb;
  const sync = async () => {
    const entries = await activeEntries(kbRepository, kb);
    text.setKnowledgeTerms(knowledge.terms());
    text.setPublicText(entries.map((e) => e.answer));
  };
  await sync();
  const close = knowledge.onUpdated(() => {
    void sync().catch((err: unknown) => logger?.error({ err }, 'text: update from the KB failed'));
  });
  return { text, close };
}
