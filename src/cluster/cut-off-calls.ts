import type { Logger } from '../config/index.js';
import type { CaseLeases } from './case-leases.js';

/** What the sweep asks of the archive (`ArchiveWriter.endCutOffCall`). */
export interface CutOffCalls {
  /** Ends the case as `interrupted` when it is still live; false when there was nothing to end. */
  endCutOffCall(caseId: string): Promise<boolean>;
}

/**
 * Calls whose node is gone and that nobody resumed: their claim lapsed more than `graceMs` ago.
 * The node's own journal replay ends them when it starts again under the same id; a node that
 * never comes back, or comes back under another id while its old claims still run, leaves them to
 * this sweep, which every node runs. `leases` must be the sweep's own (not the call manager's), so
 * a resume on this node and the sweep exclude each other through the database as two nodes do.
 * Returns how to stop it (waits for a sweep under way).
 */
export function sweepCutOffCalls(deps: {
  leases: CaseLeases;
  archive: CutOffCalls;
  logger: Logger;
  everyMs: number;
  graceMs: number;
}): () => Promise<void> {
  const { leases, archive, logger } = deps;
  const sweep = async (): Promise<void> => {
    for (const caseId of await leases.lapsed(deps.graceMs)) {
      if (!(await leases.claim(caseId))) continue; // another node's sweep or a resume took it
      try {
        if (await archive.endCutOffCall(caseId))
          logger.warn(
            { case_id: caseId },
            'cluster: a call cut off on a node that is gone ended as interrupted',
          );
      } finally {
        await leases.release(caseId);
      }
    }
  };
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    // One sweep at a time: a slow database skips ticks rather than piling sweeps up.
    running ??= sweep()
      .catch((err: unknown) => logger.error({ err }, 'cluster: cut-off call sweep failed'))
      .finally(() => {
        running = null;
      });
  }, deps.everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
