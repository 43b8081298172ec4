import { fork, type ChildProcess } from 'node:child_process';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** p50/p99/max in milliseconds of what a histogram recorded since its last reset. */
export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Latency histogram in nanoseconds (Node's HDR histogram), read out in milliseconds. */
export class LatencyHistogram {
  private readonly h: RecordableHistogram = createHistogram();

  recordMs(ms: number): void {
    this.h.record(Math.max(1, Math.round(ms * 1e6)));
  }

  take(): Percentiles {
    const out =
      this.h.count === 0
        ? { count: 0, p50: 0, p99: 0, max: 0 }
        : {
            count: this.h.count,
            p50: this.h.percentile(50) / 1e6,
            p99: this.h.percentile(99) / 1e6,
            max: this.h.max / 1e6,
          };
    this.h.reset();
    return out;
  }
}

export interface ServerSample {
  /** performance.now() when taken: steps are timed by the server's clock, not the plan. */
  atMs: number;
  /** process.cpuUsage() user + system, µs, cumulative. */
  cpuMicros: number;
  /**
   * The main thread's (the socket loop's) own CPU, and the time it was ready to run but waited for a
   * core, µs, cumulative; null without Linux's /proc schedstat. Says which thread limits a step (the
   * loop, or the VAD / inference workers beside it) and whether a late event waited for the machine.
   */
  mainThread: { cpuMicros: number; waitMicros: number } | null;
  /** The whole machine's busy CPU (every process, steal included), µs, cumulative; null without /proc. */
  machineMicros: number | null;
  rssBytes: number;
  liveCalls: number;
  /** onFrameProcessed: frame arrival → its events emitted (echo: the echo's send). */
  frame: Percentiles;
  /** How late the server's event loop ran timers: the wait a frame sees before it is handled. */
  loopDelay: Percentiles;
  /** The main thread's garbage-collection pauses since the last sample: whether a loop stall was one. */
  gcPauses: { count: number; totalMs: number; maxMs: number };
  /** Cumulative µs each inference stand-in worker spent working (asr scenario). */
  workerBusyMicros: number[];
}

export interface GeneratorSample {
  open: number;
  failed: number;
  closedEarly: number;
  framesSent: number;
  /** Time the counters above cover. */
  sinceMs: number;
  /** The generator's own CPU (user + system µs) over sinceMs: it shares the machine with the server. */
  cpuMicros: number;
  /** How late frames left the generator versus their real-time schedule. */
  sendLag: Percentiles;
  /** WebSocket ping sent right after a frame → pong (both servers answer in order on their loop). */
  ping: Percentiles;
  /** Echo server: frame → its echo. */
  echo: Percentiles;
  /** Gateway with VAD: the frame completing the triggering audio → speech_start/speech_end received. */
  speech: Percentiles;
  /** The speech_end events of `speech`. */
  speechEnd: Percentiles;
  speechUnmatched: number;
  /**
   * Planned speech events due (their frame sent over a second ago) but not received when sampled:
   * the latency above only counts events that arrived, so a stalled stream shows here.
   */
  speechOverdue: number;
  /** The oldest of them: how long since its frame was sent (ms). */
  speechOverdueOldestMs: number;
  /** Full app: speech_end received → the (non-speculative) suggestion for that utterance received. */
  suggestion: Percentiles;
  /** speech_end events whose suggestion had not arrived when the next sample was taken. */
  suggestionsPending: number;
  errors: Record<string, number>;
}

/** A burst of calls opened at once: when each was started (ms after the burst began). */
export interface BurstReport {
  calls: number;
  failed: number;
  startedMs: Percentiles;
}

export type Request = { id: number; type: string } & Record<string, unknown>;

/** A benchmark child process (server or load generator) run under tsx, driven by request/reply IPC. */
export class Child {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly exited: Promise<number | null>;
  readonly process: ChildProcess;

  constructor(module: string, args: string[], execArgv: string[] = [], env: NodeJS.ProcessEnv = {}) {
    const file = fileURLToPath(new URL(module, import.meta.url));
    this.process = fork(file, args, {
      execArgv: ['--import', 'tsx', ...execArgv],
      env: { ...process.env, ...env },
      stdio: 'inherit',
    });
    this.process.on('message', (message: { id: number; error?: string; reply?: unknown }) => {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.error) waiter.reject(new Error(message.error));
      else waiter.resolve(message.reply);
    });
    this.exited = new Promise((resolve) =>
      this.process.once('exit', (code) => {
        for (const w of this.waiting.values()) w.reject(new Error(`${module} exited (${code})`));
        this.waiting.clear();
        resolve(code);
      }),
    );
  }

  request<T>(type: string, body: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${type} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.process.send({ ...body, id, type });
    });
  }

  /** Asks it to stop; kills it if it has not exited in time. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (this.process.exitCode !== null) return;
    const timer = setTimeout(() => this.process.kill('SIGKILL'), timeoutMs);
    await this.request('stop', {}, timeoutMs).catch(() => undefined);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The child side: answers the parent's requests with the handler's result. */
export function serveRequests(handler: (request: Request) => Promise<unknown>): void {
  process.on('message', (request: Request) => {
    handler(request).then(
      (reply) => process.send?.({ id: request.id, reply }),
      (err: unknown) =>
        process.send?.({ id: request.id, error: err instanceof Error ? err.stack : String(err) }),
    );
  });
  // The parent died: never linger with sockets open.
  process.on('disconnect', () => process.exit(0));
}
