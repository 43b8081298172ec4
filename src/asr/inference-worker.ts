import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, Worker, workerData } from 'node:worker_threads';

/**
 * The inference layer's threads. Every model of the process (Silero VAD, the streaming recognizer,
 * benchmark stand-ins) runs in a worker thread so the socket loop never waits on one: loading a
 * model takes from milliseconds to seconds, and a batched run from one to tens of milliseconds.
 *
 * `SupervisedWorker` (main side) starts a worker module, waits for it to say `ready` (or why it
 * could not load), and watches it: a worker that crashes, exits, or leaves posted messages
 * unanswered for `stuckAfterMs` without a heartbeat is terminated and reported once through
 * `onLost`, so its owner can fail that worker's calls with a non-fatal error and start a
 * replacement. `serveParent` (worker side) answers messages and keeps the heartbeat the watchdog
 * reads from shared memory: a message handled, a batch run finished.
 */

/** What a worker posts besides its own messages. */
export type WorkerLifecycle = { type: 'ready' } | { type: 'load_failed'; message: string; code?: string };

/** Asks a worker to release its model and exit (native sessions must not be torn down mid-run). */
const CLOSE = { type: '__close__' } as const;
/** How long a closing worker gets before it is terminated. */
const CLOSE_GRACE_MS = 2_000;

export interface SupervisedWorkerOptions<Out> {
  /** What runs there, for messages ("VAD", "streaming recognizer"). */
  name: string;
  /** The worker module, as a URL next to the caller's file (`.ts` from sources, `.js` once compiled). */
  entry: URL;
  workerData: Record<string, unknown>;
  /** Posted messages unanswered and no heartbeat for this long: the worker is stuck. */
  stuckAfterMs: number;
  /**
   * Nice value of the worker's thread (Linux: per thread; 0 = as the server). Throughput work such
   * as recognition runs at a higher one, so that however busy it keeps the cores, the socket loop
   * and the VAD still get the CPU when they need it.
   */
  niceness?: number;
  onMessage(message: Out): void;
  /** Crashed, exited or stuck (after `ready`); already terminated. Called at most once. */
  onLost(reason: Error): void;
}

/** A worker module and data of its own (tests wrap a real worker to inject faults). */
export interface WorkerModule {
  entry: URL;
  data: Record<string, unknown>;
  /** Overrides the owner's stuck threshold (a test waits less). */
  stuckAfterMs?: number;
}

/** Thrown by `ready` when the worker could not load its model. */
export class WorkerLoadError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'WorkerLoadError';
  }
}

const HANDLED = 0;
const BEAT = 1;

export class SupervisedWorker<In, Out> {
  /** Resolves once the worker has loaded; rejects with a WorkerLoadError saying why it could not. */
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private readonly heartbeat = new Int32Array(new SharedArrayBuffer(8));
  private readonly base = Date.now();
  private posted = 0;
  /**
   * When the oldest message still unanswered was posted (ms after `base`). Silence counts from it
   * or from the last heartbeat, whichever is later: a worker idle through a stall of the server's
   * loop has an old heartbeat but was only just given work.
   */
  private outstandingSince = 0;
  private gone = false;
  private loaded = false;
  private watchdog: NodeJS.Timeout | null = null;

  constructor(private readonly options: SupervisedWorkerOptions<Out>) {
    this.worker = new Worker(workerSource(options.entry), {
      eval: true,
      workerData: {
        ...options.workerData,
        heartbeat: this.heartbeat.buffer,
        heartbeatBase: this.base,
        niceness: options.niceness ?? 0,
      },
    });
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (message: Out | WorkerLifecycle) => {
        if (this.gone) return;
        const type = (message as { type?: unknown }).type;
        if (!this.loaded && type === 'ready') {
          this.loaded = true;
          this.startWatchdog();
          resolve();
        } else if (!this.loaded && type === 'load_failed') {
          const failure = message as Extract<WorkerLifecycle, { type: 'load_failed' }>;
          this.stop();
          reject(new WorkerLoadError(failure.message, failure.code));
        } else {
          options.onMessage(message as Out);
        }
      });
      const fail = (reason: Error) => {
        if (this.gone) return;
        if (!this.loaded) {
          this.stop();
          reject(new WorkerLoadError(`the ${options.name} worker failed while loading: ${reason.message}`));
        } else {
          this.lose(reason);
        }
      };
      this.worker.on('error', (err: Error) =>
        fail(new Error(`the ${options.name} worker failed: ${err.message}`)),
      );
      this.worker.on('exit', (code) =>
        fail(new Error(`the ${options.name} worker stopped (exit code ${code})`)),
      );
    });
    // A load failure is reported through `ready`; nobody may be listening yet.
    this.ready.catch(() => undefined);
  }

  post(message: In, transfer: readonly ArrayBuffer[] = []): void {
    if (this.gone) return;
    if (Atomics.load(this.heartbeat, HANDLED) >= this.posted) this.outstandingSince = Date.now() - this.base;
    this.posted++;
    this.worker.postMessage(message, transfer as ArrayBuffer[]);
  }

  /** Keep the process alive (work is awaited) or not (idle). */
  ref(): void {
    this.worker.ref();
  }

  unref(): void {
    this.worker.unref();
  }

  get lost(): boolean {
    return this.gone;
  }

  /** Lets the worker release its model and exit; terminates it if it has not within a grace period. */
  async close(): Promise<void> {
    const wasLoaded = this.loaded && !this.gone;
    this.stop();
    if (wasLoaded) {
      const exited = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS);
        timer.unref();
        this.worker.once('exit', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      this.worker.postMessage(CLOSE);
      if (await exited) return;
    }
    await this.worker.terminate();
  }

  private startWatchdog(): void {
    const every = Math.max(20, Math.round(this.options.stuckAfterMs / 4));
    this.watchdog = setInterval(() => {
      if (Atomics.load(this.heartbeat, HANDLED) >= this.posted) return;
      const since = Math.max(Atomics.load(this.heartbeat, BEAT), this.outstandingSince);
      const silentMs = Date.now() - this.base - since;
      if (silentMs > this.options.stuckAfterMs) {
        this.lose(
          new Error(`the ${this.options.name} worker stopped answering (no progress for ${silentMs} ms)`),
        );
      }
    }, every);
    this.watchdog.unref();
  }

  private lose(reason: Error): void {
    if (this.gone) return;
    this.stop();
    // A worker stuck in native code may never honour this; it is abandoned either way.
    void this.worker.terminate();
    this.options.onLost(reason);
  }

  private stop(): void {
    this.gone = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
  }
}

/** Worker side: the parent port with the heartbeat the supervisor watches. */
export interface ParentLink<Out> {
  send(message: Out | WorkerLifecycle, transfer?: readonly ArrayBuffer[]): void;
  /** Progress within a long piece of work (after each batched model run). */
  beat(): void;
}

/**
 * Serves the supervisor from inside a worker: each message counts as handled once `handle`
 * returns (so one that never returns leaves it outstanding), and each counts as a heartbeat. When
 * the supervisor closes the worker, `release` runs (free native sessions) before the thread exits.
 */
export function serveParent<In, Out>(
  handle: (message: In) => void,
  release: () => Promise<void> | void = () => undefined,
): ParentLink<Out> {
  const port = parentPort;
  if (!port) throw new Error('serveParent runs in a worker thread');
  const data = workerData as { heartbeat?: SharedArrayBuffer; heartbeatBase?: number; niceness?: number };
  if (data.niceness) {
    try {
      // pid 0: this thread only (Linux keeps nice values per thread).
      setPriority(0, data.niceness);
    } catch {
      // Not permitted here: run at the server's priority.
    }
  }
  const heartbeat = data.heartbeat ? new Int32Array(data.heartbeat) : null;
  const base = data.heartbeatBase ?? Date.now();
  const beat = () => {
    if (heartbeat) Atomics.store(heartbeat, BEAT, Date.now() - base);
  };
  beat();
  port.on('message', (message: In) => {
    if ((message as { type?: unknown }).type === CLOSE.type) {
      void Promise.resolve()
        .then(release)
        .finally(() => process.exit(0));
      return;
    }
    beat();
    try {
      handle(message);
    } finally {
      if (heartbeat) Atomics.add(heartbeat, HANDLED, 1);
    }
  });
  return {
    send: (message, transfer = []) => port.postMessage(message, transfer as ArrayBuffer[]),
    beat,
  };
}

/** tsx's ESM loader API (its `import` export), found from this file as Node would resolve it. */
function tsxLoader(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  const entry = exports['./esm/api']?.import.default ?? './dist/esm/api/index.mjs';
  return pathToFileURL(join(dirname(manifest), entry)).href;
}

/**
 * Source of a worker: the `.ts` module through tsx when running from TypeScript sources (as
 * `npm start` and the tests do), the module itself once compiled to JavaScript.
 */
function workerSource(entry: URL): string {
  if (!entry.href.endsWith('.ts')) return `import(${JSON.stringify(entry.href)});`;
  return `import(${JSON.stringify(tsxLoader())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
}

/** The module next to `base` named `name`, as `.ts` when `base` is TypeScript and `.js` once compiled. */
export function siblingModule(base: string, name: string): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
}
