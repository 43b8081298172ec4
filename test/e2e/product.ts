/**
 * The product as a newcomer runs it: the command `npm start` runs (`node bin/hotline-assist.js
 * serve`) in a child process, with no settings but an empty data directory and a port, so it runs
 * on the shipped data (Taipei FAQ, lexicons, Silero VAD) and prints what a first start prints.
 */
import { join } from 'node:path';
import { freePort, launchServer, withoutHotlineSettings, type ServerProcess } from '../crash/server.js';
import { repoRoot } from '../shared.js';

export async function startProduct(dataDir: string, port?: number): Promise<ServerProcess> {
  const chosen = port ?? (await freePort());
  const server = await launchServer(
    [join(repoRoot, 'bin/hotline-assist.js'), 'serve'],
    withoutHotlineSettings({
      HOTLINE_DATA_DIR: dataDir,
      HOTLINE_PORT: String(chosen),
      HOTLINE_LOG_LEVEL: 'warn',
    }),
    chosen,
    120_000,
  );
  // The human notices come right after listening.
  await new Promise((r) => setTimeout(r, 300));
  return server;
}
