/**
 * Runs the real server (`src/cli/main.ts serve`) as a child process for crash tests: one node
 * process (tsx loaded in-process), so SIGKILL hits the server itself and nothing else.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from '../shared.js';
import { seedUrgencyCache } from '../urgency-cache.js';

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Seconds from spawn until `/healthz` answered. */
  readySeconds: number;
  output: () => string;
  /** SIGKILL and wait until the process is gone. */
  kill9(): Promise<void>;
  /**
   * SIGTERM (unless one was already sent) and wait for the drain to finish; SIGKILL only if the
   * server outlives its own shutdown deadline.
   */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The environment without any HOTLINE_* setting of the developer's shell, plus `extra`. */
export function withoutHotlineSettings(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('HOTLINE_')) env[key] = value;
  return { ...env, ...extra };
}

/** Longer than the server's own shutdown deadline (drain timeout plus its margin). */
const STOP_GRACE_MS = 40_000;

/** Spawns `node <args>` (a server command) and waits until `/healthz` on `port` answers. */
export async function launchServer(
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  timeoutMs = 60_000,
): Promise<ServerProcess> {
  let log = '';
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${log}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start in ${timeoutMs / 1000} s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    child,
    readySeconds: Math.round((performance.now() - started) / 10) / 100,
    output: () => log,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // A second SIGTERM is ignored by the server, and killing a slow drain early (a loaded CI
      // machine) would turn a clean exit into a crash.
      if (!child.killed) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, STOP_GRACE_MS))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export async function startServer(
  env: Record<string, string>,
  port?: number,
  timeoutMs?: number,
): Promise<ServerProcess> {
  const chosen = port ?? (await freePort());
  // Not in launchServer: the end-to-end first run starts as a fresh install does, training included.
  if (env.HOTLINE_DATA_DIR) seedUrgencyCache(env.HOTLINE_DATA_DIR);
  return launchServer(
    ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'serve'],
    {
      ...process.env,
      HOTLINE_LOG_LEVEL: 'warn',
      // No shipped Taipei FAQ to index: these tests are about the archive, not retrieval.
      HOTLINE_KB_SEED: '',
      ...env,
      HOTLINE_PORT: String(chosen),
      HOTLINE_HOST: '127.0.0.1',
    },
    chosen,
    timeoutMs,
  );
}

/** JSON request with a bearer token. */
export async function api<T>(
  url: string,
  token: string,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
}
