import type { Archive } from '../cases/index.js';
import type { KnowledgeService } from '../knowledge/index.js';
import type { TextStage } from '../text/index.js';
import { openCliRuntime, withOpened, type CliRuntime } from './runtime.js';

/**
 * The text stage, the knowledge bases and the archive as the CLI reaches them: built exactly as the
 * server builds them, from the same store (queries through the text stage, KB changes audited, the
 * KB's office numbers public to redaction).
 */
export interface TextCliRuntime extends CliRuntime {
  text: TextStage;
  knowledge: KnowledgeService;
  archive: Archive;
}

export async function openTextCli(): Promise<TextCliRuntime> {
  // Loaded here, not at import: every CLI command module is imported on each invocation.
  const [{ createKnowledgeService }, { createTextNormalizer }, { createArchive }, { textFollowsKnowledge }] =
    await Promise.all([
      import('../knowledge/index.js'),
      import('../text/index.js'),
      import('../cases/index.js'),
      import('../http/text-stage.js'),
    ]);
  const runtime = await openCliRuntime();
  const { store, config, logger } = runtime;
  const text = await createTextNormalizer({ config, logger });
  // Never replays journals: a server may be running on this data dir with those calls live.
  const archive = await createArchive({ store, config, text, logger, recover: false });
  const knowledge = await createKnowledgeService({
    store,
    config,
    logger,
    text,
    audit: archive.audit,
    indexCacheDir: runtime.paths.indexCacheDir,
    // Most commands never search: the index is built only if one does (kb search).
    lazyIndex: true,
  });
  const unfollow = textFollowsKnowledge({ config, text, knowledge, logger });
  return {
    ...runtime,
    text,
    knowledge,
    archive,
    async close() {
      unfollow();
      // What this command appended to the audit log is checkpointed outside the database too.
      await archive.audit.writeCheckpoint().catch(() => undefined);
      await runtime.close();
    },
  };
}

/** Runs a command with the text stage and always closes the store. */
export function withTextCli<T>(work: (rt: TextCliRuntime) => Promise<T>): Promise<T> {
  return withOpened(openTextCli, work);
}
