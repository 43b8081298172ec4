import { resolvePaths, type Config, type Logger } from '../config/index.js';
import {
  createAsrModelVersions,
  createAsrRegistry,
  VadService,
  type AsrEngine,
  type AsrEngineRegistry,
  type AsrModelVersions,
} from '../asr/index.js';
import {
  createCaseNumberRepository,
  createCaseSystemRepository,
  type CaseNumberRepository,
} from '../store/index.js';
import {
  createCallAssistantFactory,
  createCaseSystem,
  createConversationService,
  type ConversationService,
} from '../suggest/index.js';
import { CallSessionManager } from '../session/index.js';
import { joinCluster, type ClusterNode } from '../cluster/index.js';
import type { DataStages } from './data-stages.js';
import type { Teardown } from './teardown.js';

/** A stage of every call a caller may leave out (the gateway benchmark measures the stream path alone). */
export type CallStage = 'recorder' | 'text' | 'assistant' | 'vad';

/** Calls and what they need beyond the data stages. */
export interface CallStages {
  calls: CallSessionManager;
  /** Versions of the configured ASR engines, kept in step across nodes (model routes); null when the engine is overridden. */
  asrModels: AsrModelVersions | null;
  vad: VadService | null;
  /** The assistant over typed text (self-service chat, testing the engine). */
  conversations: ConversationService;
  caseNumbers: CaseNumberRepository;
  /** Other nodes (docs/cluster.md): call events, case claims and KB changes. */
  cluster: ClusterNode;
}

export interface CallStageOptions {
  /**
   * Replaces the configured ASR engine. Only tests and benchmarks use this, to inject a test
   * double; configuration can never select one.
   */
  asrEngine?: AsrEngine | null;
  leaveOut?: readonly CallStage[];
}

export async function buildCallStages(
  deps: { config: Config; logger: Logger; data: DataStages; teardown: Teardown },
  options: CallStageOptions,
): Promise<CallStages> {
  const { config, logger, teardown } = deps;
  const { store, text, archive, knowledge } = deps.data;
  const leftOut = new Set(options.leaveOut ?? []);

  const caseSystem = await createCaseSystem({ config, demoCases: () => createCaseSystemRepository(store) });
  const assistant = leftOut.has('assistant')
    ? null
    : createCallAssistantFactory({
        knowledge,
        config,
        caseSystem,
        logger,
        // What an agent adopts or rejects in a call teaches retrieval (audited with the agent as actor).
        learn: ({ kb, ...input }, by) =>
          knowledge.feedback(
            { kb: kb ?? knowledge.defaultKb, ...input },
            { id: by, role: 'agent', source: 'call' },
          ),
      });
  const conversations = createConversationService({
    knowledge,
    config,
    caseSystem,
    // Stored redacted, purged by retention (the archive's).
    repository: archive.conversations,
    logger,
  });

  let asr: AsrEngineRegistry | null = null;
  if (options.asrEngine === undefined) {
    const registry = await createAsrRegistry(config, { hotwords: text.hotwords(), logger });
    teardown.add(() => registry.close());
    asr = registry;
  }
  const asrEngineFor = (caseId: string): AsrEngine | null =>
    options.asrEngine !== undefined ? options.asrEngine : (asr?.engineFor(caseId) ?? null);
  const vadModel = leftOut.has('vad') ? undefined : resolvePaths(config).vadModel;
  if (!vadModel) logger.warn('no VAD model configured (HOTLINE_VAD_MODEL): calls get no speech events');
  // Loaded once, in worker threads; a file that is not a Silero VAD stops the start here.
  const vad = vadModel ? await VadService.start({ ...config.vad, model: vadModel, logger }) : null;
  if (vad) teardown.add(() => vad.close());
  if (!asrEngineFor('startup-check'))
    logger.warn('no ASR model configured (HOTLINE_ASR_ENGINE): calls get speech events but no text');

  // Other nodes (docs/cluster.md): call events, case claims, KB and ASR model changes.
  const asrModels =
    asr && createAsrModelVersions({ registry: asr, config, logger, hotwords: () => text.hotwords() });
  const cluster = await joinCluster({
    config,
    logger,
    store,
    knowledge,
    asrModels,
    archive: leftOut.has('recorder') ? null : archive.recorder,
  });
  teardown.add(() => cluster.close());
  const caseNumbers = await createCaseNumberRepository(store);
  const calls = new CallSessionManager(
    {
      caseNumbers,
      config,
      logger,
      asrEngineFor,
      vad,
      text: leftOut.has('text') ? null : text,
      assistant,
      recorder: leftOut.has('recorder') ? null : archive.recorder,
    },
    cluster.directory,
  );
  // Desktops mark suggestions made from an older KB version.
  teardown.add(
    knowledge.onUpdated((update) => {
      for (const summary of calls.list()) {
        const session = calls.get(summary.case_id);
        if (session?.state === 'live')
          session.emit({ type: 'kb_updated', kb: update.kb, version: update.version });
      }
    }),
  );
  return { calls, asrModels, vad, conversations, caseNumbers, cluster };
}
