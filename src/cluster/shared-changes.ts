import type { Logger } from '../config/index.js';
import type { AsrModelVersions } from '../asr/index.js';
import type { KnowledgeService } from '../knowledge/index.js';
import type { AsrModelLog } from './asr-model-log.js';
import type { ClusterNotice, EventBus } from './index.js';

type NoticeOf<T extends ClusterNotice['type']> = Extract<ClusterNotice, { type: T }>;

/**
 * State every node keeps alike, recorded in the database: a change made on this node is announced
 * on the bus once recorded; one another node announced is applied here from the database.
 */
export interface SharedChanges<T extends ClusterNotice['type']> {
  type: T;
  /** Calls `announce` for each change made on this node, once other nodes can read it. */
  watch(announce: (notice: NoticeOf<T>) => void): () => void;
  /** Applies a change another node announced; what to log, or null when nothing changed here. */
  apply(notice: NoticeOf<T>): Promise<Record<string, unknown> | null>;
}

/** Announces this node's changes of `shared` and applies the other nodes'; returns how to stop. */
export function shareChanges<T extends ClusterNotice['type']>(
  bus: EventBus,
  logger: Logger,
  shared: SharedChanges<T>,
): () => void {
  const offLocal = shared.watch((notice) => bus.publishNotice(notice));
  const offRemote = bus.onNotice((notice, from) => {
    if (from === bus.nodeId || notice.type !== shared.type) return;
    void shared
      .apply(notice as NoticeOf<T>)
      .then((applied) => {
        if (applied) logger.info({ ...applied, from }, `cluster: ${shared.type} applied`);
      })
      .catch((err: unknown) => logger.error({ err, notice, from }, `cluster: ${shared.type} not applied`));
  });
  return () => {
    offLocal();
    offRemote();
  };
}

/** KB versions: the active version of each KB is in the database; a notice says which KB to reload. */
export function knowledgeChanges(
  knowledge: Pick<KnowledgeService, 'onUpdated' | 'reload'>,
): SharedChanges<'kb_updated'> {
  return {
    type: 'kb_updated',
    watch: (announce) =>
      knowledge.onUpdated(({ kb, version }) => announce({ type: 'kb_updated', kb, version })),
    apply: async ({ kb, version }) => ((await knowledge.reload(kb)) ? { kb, version } : null),
  };
}

/**
 * ASR model versions: each change (load, activate, candidate, rollback) is appended to the log in
 * the database before the admin's request is answered; other nodes replay what they have not seen,
 * in the log's order. `catchUp` at start replays the whole log, this node's earlier runs included.
 */
export function asrModelChanges(
  models: AsrModelVersions,
  log: AsrModelLog,
  logger: Logger,
): SharedChanges<'asr_model'> & { catchUp(): Promise<void> } {
  let applied = 0;
  const mine = new Set<number>();
  // Appends and catch-ups run one at a time, so a catch-up never sees this node's change before it is marked as such.
  let running: Promise<unknown> = Promise.resolve();
  const inTurn = <R>(step: () => Promise<R>): Promise<R> => {
    const next = running.then(step);
    running = next.catch(() => undefined);
    return next;
  };
  const catchUp = (): Promise<void> =>
    inTurn(async () => {
      for (const { seq, change } of await log.since(applied)) {
        applied = seq;
        if (mine.delete(seq)) continue;
        // A change that fails here (a model folder missing on this node) leaves this node behind, loudly.
        await models
          .apply(change)
          .catch((err: unknown) =>
            logger.error({ err, seq, change }, 'cluster: ASR model change not applied'),
          );
      }
    });
  return {
    type: 'asr_model',
    catchUp,
    watch: (announce) =>
      models.onChanged(async (change) => {
        const seq = await inTurn(async () => {
          const at = await log.append(change);
          mine.add(at);
          return at;
        });
        announce({ type: 'asr_model', seq });
      }),
    apply: async ({ seq }) => {
      await catchUp();
      return { seq };
    },
  };
}
