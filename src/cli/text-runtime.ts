import type { TextStage } from '../text/index.js';
import { openCliRuntime, withOpened, type CliRuntime } from './runtime.js';

/** The text stage as the CLI reaches it: built exactly as the server builds it, from the same store. */
export interface TextCliRuntime extends CliRuntime {
  text: TextStage;
}

export async function openTextCli(): Promise<TextCliRuntime> {
  // Loaded here, not at import: every CLI command module is imported on each invocation.
  const [{ createKnowledgeService }, { createKbTextStage }] = await Promise.all([
    import('../knowledge/index.js'),
    import('../http/text-stage.js'),
  ]);
  const runtime = await openCliRuntime();
  const { store, config, logger } = runtime;
  // The KB's answers make its office numbers public: without them the CLI would redact what the server keeps.
  const knowledge = await createKnowledgeService({ store, config, logger });
  const { text, close } = await createKbTextStage({ config, store, knowledge, logger });
  return {
    ...runtime,
    text,
    async close() {
      close();
      await runtime.close();
    },
  };
}

/** Runs a command with the text stage and always closes the store. */
export function withTextCli<T>(work: (rt: TextCliRuntime) => Promise<T>): Promise<T> {
  return withOpened(openTextCli, work);
}
