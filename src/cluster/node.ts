import type { Config, Logger } from '../config/index.js';
import type { KnowledgeService } from '../knowledge/index.js';
import type { CallDirectory } from '../session/index.js';
import type { Store } from '../store/index.js';
import { createCallDirectory } from './call-directory.js';
import { createEventBus, leasesFor, type EventBus } from './index.js';

export interface ClusterNode {
  bus: EventBus;
  /** For the call manager: null when this node is on its own (in-process bus). */
  directory: CallDirectory | null;
  /** Gives up this node's case claims and leaves the bus (after the calls are drained). */
  close(): Promise<void>;
}

/**
 * Joins the nodes the config names. A KB version changed here is announced on the bus; one
 * changed elsewhere is loaded from the database (the versions live there) and its `kb_updated`
 * reaches this node's calls the way a local change does.
 */
export async function joinCluster(deps: {
  config: Config;
  logger: Logger;
  store: Store;
  knowledge: Pick<KnowledgeService, 'onUpdated' | 'reload'>;
}): Promise<ClusterNode> {
  const { config, logger, store, knowledge } = deps;
  const bus = await createEventBus(config, logger);
  const leases = await leasesFor(bus, store, config);
  const offUpdated = knowledge.onUpdated(({ kb, version }) =>
    bus.publishNotice({ type: 'kb_updated', kb, version }),
  );
  const offNotice = bus.onNotice((notice, from) => {
    if (from === bus.nodeId || notice.type !== 'kb_updated') return;
    void knowledge
      .reload(notice.kb)
      .then((loaded) => {
        if (loaded) logger.info({ kb: notice.kb, version: notice.version, from }, 'cluster: KB reloaded');
      })
      .catch((err: unknown) => logger.error({ err, kb: notice.kb }, 'cluster: KB reload failed'));
  });
  if (bus.shared) logger.info({ node: bus.nodeId }, 'cluster: joined the bus');
  return {
    bus,
    directory: bus.shared ? createCallDirectory(bus, leases) : null,
    async close() {
      offUpdated();
      offNotice();
      await leases.close();
      await bus.close();
    },
  };
}
