import type { Config, Logger } from '../config/index.js';
import type { KnowledgeService } from '../knowledge/index.js';
import type { TextStage } from '../text/index.js';

export interface TextFollowsKnowledgeOptions {
  config: Config;
  text: TextStage;
  knowledge: KnowledgeService;
  logger?: Logger;
}

/**
 * Keeps the text stage in step with the knowledge base, the one way the server and every CLI command
 * do it, so both normalize and redact alike: the KB's mined terms feed the lexicon and ASR hot-words,
 * and the default KB's active answers make their phone numbers, accounts and addresses public (never
 * redacted). Runs now and after every import, edit and rollback; returns the unsubscribe function.
 */
export function textFollowsKnowledge(options: TextFollowsKnowledgeOptions): () => void {
  const { config, text, knowledge, logger } = options;
  const kb = config.knowledge.defaultKb;
  const sync = () => {
    text.setKnowledgeTerms(knowledge.terms());
    text.setPublicText(
      knowledge.kbs().some((k) => k.kb === kb) ? knowledge.entries(kb).map((e) => e.answer) : [],
    );
  };
  sync();
  return knowledge.onUpdated(() => {
    try {
      sync();
    } catch (err) {
      logger?.error({ err }, 'text: update from the KB failed');
    }
  });
}
