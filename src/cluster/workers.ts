import cluster from 'node:cluster';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Config, Logger } from '../config/index.js';

/**
 * `serve --workers N`: this process becomes a supervisor of N server processes on one machine.
 * They share the listening port (node:cluster hands connections out in turn) and the bus, and each
 * has its own data dir (journals, lock) under `<dataDir>/workers/<n>`, so the machine's cores serve
 * as N nodes of the cluster. True when this process is that supervisor; the caller then starts no app.
 */
export function superviseWorkers(count: number, config: Config, logger: Logger): boolean {
  if (cluster.isWorker || count <= 1) return false;
  if (!config.cluster.busUrl)
    throw new Error(
      '--workers above 1 needs the cluster bus: set HOTLINE_BUS_URL=nats://… and HOTLINE_DB_URL',
    );
  const base = config.cluster.nodeId ?? hostname();
  const fork = (n: number) =>
    cluster
      .fork({
        HOTLINE_NODE_ID: `${base}-w${n}`,
        HOTLINE_DATA_DIR: join(config.dataDir, 'workers', String(n)),
      })
      .on('exit', (code, signal) => {
        if (stopping) return;
        logger.error({ worker: n, code, signal }, 'worker exited; starting it again');
        setTimeout(() => fork(n), 1000).unref();
      });
  let stopping = false;
  for (let n = 1; n <= count; n++) fork(n);
  logger.info({ workers: count }, 'serving with worker processes');
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Each worker drains as a node does (its calls resume on the others, then it exits).
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  cluster.on('exit', () => {
    if (stopping && Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
  return true;
}
