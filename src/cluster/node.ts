import type { AsrModelVersions } from '../asr/index.js';
import type { Config, Logger } from '../config/index.js';
import type { KnowledgeService } from '../knowledge/index.js';
import type { CallDirectory } from '../session/index.js';
import type { Store } from '../store/index.js';
import { createAsrModelLog } from './asr-model-log.js';
import { createCallDirectory } from './call-directory.js';
import { createCaseLeases } from './case-leases.js';
import { sweepCutOffCalls, type CutOffCalls } from './cut-off-calls.js';
import { asrModelChanges, knowledgeChanges, shareChanges } from './shared-changes.js';
import { createEventBus, leasesFor, type EventBus } from './index.js';

export interface ClusterNode {
  bus: EventBus;
  /** For the call manager: null when this node is on its own (in-process bus). */
  directory: CallDirectory | null;
  /** Gives up this node's case claims and leaves the bus (after the calls are drained). */
  close(): Promise<void>;
}

/**
 * Joins the nodes the config names. KB versions and ASR model changes made here are announced on
 * the bus; those made elsewhere are applied from the database (where they are recorded), so a KB's
 * `kb_updated` reaches this node's calls the way a local change does and a model activated on any
 * node takes this node's new calls.
 */
export async function joinCluster(deps: {
  config: Config;
  logger: Logger;
  store: Store;
  knowledge: Pick<KnowledgeService, 'onUpdated' | 'reload'>;
  /** This node's ASR versions; null when the engine is injected (tests). */
  asrModels: AsrModelVersions | null;
  /** Ends calls cut off on nodes that are gone (the archive); null when calls are not archived. */
  archive: CutOffCalls | null;
}): Promise<ClusterNode> {
  const { config, logger, store, knowledge, asrModels, archive } = deps;
  const bus = await createEventBus(config, logger);
  const leases = await leasesFor(bus, store, config);
  const stops: Array<() => unknown> = [shareChanges(bus, logger, knowledgeChanges(knowledge))];
  if (bus.shared && archive) {
    const { leaseMs } = config.cluster;
    // Its own claims (`<node>:sweep`), so a resume here excludes it as one on another node would.
    const sweepLeases = await createCaseLeases(store, `${bus.nodeId}:sweep`, leaseMs);
    const stop = sweepCutOffCalls({
      leases: sweepLeases,
      archive,
      logger,
      everyMs: leaseMs,
      graceMs: leaseMs,
    });
    stops.push(() => stop().then(() => sweepLeases.close()));
  }
  if (bus.shared && asrModels) {
    const models = asrModelChanges(asrModels, await createAsrModelLog(store), logger);
    await models.catchUp();
    stops.push(shareChanges(bus, logger, models));
  }
  if (bus.shared) logger.info({ node: bus.nodeId }, 'cluster: joined the bus');
  return {
    bus,
    directory: bus.shared ? createCallDirectory(bus, leases) : null,
    async close() {
      await Promise.all(stops.map((stop) => stop()));
      await leases.close();
      await bus.close();
    },
  };
}
