import { resolvePaths, type Config, type Logger } from '../config/index.js';
import type { Store, StorageHealth } from '../store/index.js';
import { createTextNormalizer, type TextStage } from '../text/index.js';
import { createKnowledgeService, type KnowledgeService } from '../knowledge/index.js';
import {
  createArchive,
  createAuthService,
  type Archive,
  type AuthService,
  type CaseClaims,
} from '../cases/index.js';
import { textFollowsKnowledge } from './text-follows-knowledge.js';
import type { Teardown } from './teardown.js';

/**
 * The stages every entry point shares over one data directory: the store, the text stage, the
 * archive (with the audit log), the knowledge bases and the accounts.
 */
export interface DataStages {
  store: Store;
  text: TextStage;
  archive: Archive;
  knowledge: KnowledgeService;
  auth: AuthService;
}

/**
 * Builds the data stages on an open store. `owner`: this process owns the data directory (the
 * server): it replays the archive's journals, builds the search index now and schedules the audit
 * checkpoints. A CLI command is no owner: a server may be running with those calls live, and most
 * commands never search (the index is built only if one does).
 */
export async function buildDataStages(deps: {
  config: Config;
  logger: Logger;
  store: Store;
  health: StorageHealth | null;
  owner: boolean;
  teardown: Teardown;
}): Promise<DataStages> {
  const { config, logger, store, health, owner, teardown } = deps;
  // Queries go through the text stage as transcripts do; KB changes are audited.
  const text = await createTextNormalizer({ config, logger });
  // In a cluster, a call this node's crash cut off may have gone on elsewhere: the replay asks the
  // case leases before it reopens or ends one.
  const leases = owner && config.cluster.busUrl ? await recoveryLeases(config, store) : null;
  const archive = await createArchive({
    store,
    config,
    text,
    logger,
    ...(health ? { health } : {}),
    ...(leases ? { claims: leases } : {}),
    recover: owner,
  }).finally(() => leases?.close());
  // What this process appended to the audit log is checkpointed outside the database too.
  teardown.add(() =>
    archive.audit
      .writeCheckpoint()
      .then(() => undefined)
      .catch((err: unknown) => logger.error({ err }, 'audit: last checkpoint not written')),
  );
  if (owner) teardown.add(archive.audit.scheduleCheckpoints());
  const knowledge = await createKnowledgeService({
    store,
    config,
    logger,
    text,
    audit: archive.audit,
    indexCacheDir: resolvePaths(config).indexCacheDir,
    lazyIndex: !owner,
  });
  teardown.add(() => knowledge.close());
  // Knowledge → text: the KB's terms feed the lexicon; its answers mark public numbers/addresses.
  teardown.add(textFollowsKnowledge({ config, text, knowledge, logger }));
  const auth = await createAuthService({ store, config, audit: archive.audit });
  return { store, text, archive, knowledge, auth };
}

/** This node's case leases, for the journal replay alone (the cluster stage takes its own later). */
async function recoveryLeases(
  config: Config,
  store: Store,
): Promise<CaseClaims & { close(): Promise<void> }> {
  const { createCaseLeases, nodeIdFor } = await import('../cluster/index.js');
  return createCaseLeases(store, nodeIdFor(config), config.cluster.leaseMs);
}
