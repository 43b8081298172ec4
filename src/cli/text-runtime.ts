import type { KnowledgeService } from '../knowledge/index.js';
import type { TextStage } from '../text/index.js';
import { openCliRuntime, withOpened, type CliRuntime } from './runtime.js';

/** The text stage as the CLI reaches it: built exactly as the server builds it, from the same store. */
export interface TextCliRuntime extends CliRuntime {
  text: TextStage;
  knowledge: KnowledgeService;
}

export async function openTextCli(): Promise<TextCliRuntime> {
  // Loaded here, not at import: every CLI command module is imported on each invocation.
  const [{ createKnowledgeService }, { createTextNormalizer }, { textFollowsKnowledge }] = await Promise.all([
    import('../knowledge/index.js'),
    import('../text/index.js'),
    import('../http/text-stage.js'),
  ]);
  const runtime = await openCliRuntime();
  const { store, config, logger } = runtime;
  const text = await createTextNormalizer({ config, logger });
  // The KB's answers make its office numbers public: without them the CLI would redact what the server keeps.
  const knowledge = await createKnowledgeService({
    store,
    config,
    logger,
    text,
    indexCacheDir: runtime.paths.indexCacheDir,
  });
  const unfollow = textFollowsKnowledge({ config, text, knowledge, logger });
  return {
    ...runtime,
    text,
    knowledge,
    async close() {
      unfollow();
      await runtime.close();
    },
  };
}

/** Runs a command with the text stage and always closes the store. */
export function withTextCli<T>(work: (rt: TextCliRuntime) => Promise<T>): Promise<T> {
  return withOpened(openTextCli, work);
}
