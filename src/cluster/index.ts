import { hostname } from 'node:os';
import type { Config, Logger } from '../config/index.js';
import type { CallCommand, CallEnvelope } from '../session/index.js';
import type { Store } from '../store/index.js';
import { InProcessBus } from './in-process-bus.js';
import { createCaseLeases, type CaseLeases } from './case-leases.js';

/** A change one node made that every node applies (versions live in the database; this says "reload"). */
export type ClusterNotice =
  | { type: 'kb_updated'; kb: string; version: number }
  /** `seq`: the change's place in the ASR model log (`asr_model_changes`). */
  | { type: 'asr_model'; seq: number };

/**
 * What nodes say to each other. Call events are kept per case for replay (a resume on another
 * node); commands and notices are fire-and-forget. Every listener also hears this node's own
 * messages: filter on `node` where that matters.
 */
export interface EventBus {
  readonly nodeId: string;
  /** True when other processes can be on this bus (NATS); false for the in-process one. */
  readonly shared: boolean;
  publishCall(envelope: CallEnvelope): void;
  onCall(listener: (envelope: CallEnvelope) => void): () => void;
  /** The case's events still kept, oldest first. */
  callHistory(caseId: string): Promise<CallEnvelope[]>;
  publishCommand(command: CallCommand): void;
  onCommand(listener: (command: CallCommand) => void): () => void;
  publishNotice(notice: ClusterNotice): void;
  onNotice(listener: (notice: ClusterNotice, from: string) => void): () => void;
  /** Waits until what was published is stored on the bus, then disconnects. */
  close(): Promise<void>;
}

export { InProcessBus, createCaseLeases, type CaseLeases };
export { createCallDirectory } from './call-directory.js';
export { joinCluster, type ClusterNode } from './node.js';

export function nodeIdFor(config: Config): string {
  return config.cluster.nodeId ?? `${hostname()}-${process.pid}`;
}

/** The bus the config names: NATS (JetStream) with `cluster.busUrl`, else the in-process one. */
export async function createEventBus(config: Config, logger: Logger): Promise<EventBus> {
  const nodeId = nodeIdFor(config);
  const { busUrl, busPrefix, historyMs } = config.cluster;
  if (!busUrl) return new InProcessBus(nodeId, historyMs);
  // The NATS client is loaded only when a bus is configured (a single node starts without it).
  const { connectNatsBus } = await import('./nats-bus.js');
  return connectNatsBus({ url: busUrl, prefix: busPrefix, historyMs, nodeId, logger });
}

/** Leases in the database when the bus is shared, in memory otherwise (one node decides alone). */
export function leasesFor(bus: EventBus, store: Store, config: Config): Promise<CaseLeases> {
  return createCaseLeases(bus.shared ? store : null, bus.nodeId, config.cluster.leaseMs);
}
