/**
 * The product as a newcomer runs it: the command `npm start` runs (`node bin/hotline-assist.js
 * serve`) in a child process, with no settings but an empty data directory and a port, so it runs
 * on the shipped data (Taipei FAQ, lexicons, Silero VAD) and prints what a first start prints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../crash/server.js';
import { repoRoot } from '../shared.js';

export interface ProductServer {
  url: string;
  /** Everything the process wrote on stderr (notices, setup link) and stdout (JSON log). */
  output(): string;
  /** Seconds from spawn until `/healthz` answered. */
  readySeconds: number;
  /** SIGTERM (a clean stop: calls end with `server_shutdown`) and wait for the exit. */
  stop(): Promise<void>;
}

/** The environment without any HOTLINE_* setting of the developer's shell. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('HOTLINE_')) env[key] = value;
  return { ...env, ...extra };
}

export async function startProduct(dataDir: string, port?: number): Promise<ProductServer> {
  const chosen = port ?? (await freePort());
  let log = '';
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [join(repoRoot, 'bin/hotline-assist.js'), 'serve'], {
    cwd: repoRoot,
    env: cleanEnv({
      HOTLINE_DATA_DIR: dataDir,
      HOTLINE_PORT: String(chosen),
      HOTLINE_LOG_LEVEL: 'warn',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${chosen}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${log}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start in 120 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const readySeconds = Math.round((performance.now() - started) / 100) / 10;
  // The human notices come right after listening.
  await new Promise((r) => setTimeout(r, 300));
  return {
    url,
    output: () => log,
    readySeconds,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
