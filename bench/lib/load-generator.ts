/**
 * Load-generator process: simulated calls streaming real 8 kHz μ-law audio in 100 ms frames at
 * real-time pace to one server on 127.0.0.1, each on its own WebSocket. Calls are spread evenly
 * over the 100 ms frame period so the load is smooth, as real calls' would be, and start at one of
 * PHASES points of the looped audio, so that they do not all finish an utterance at once.
 */
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

import { callFrames, FRAME_MS } from './call-audio.js';
import { LatencyHistogram, serveRequests, type BurstReport, type GeneratorSample } from './ipc.js';
import { planPhases, type PlannedEvent, type VadPlanSettings } from './vad-plan.js';

const SLOTS = 20;
const SLOT_MS = FRAME_MS / SLOTS;
/** Send times kept per call, to match a late event to its frame. */
const RING = 256;
/** One ping per call every 5 s: enough samples, without the pongs becoming the server's load. */
const PING_EVERY_FRAMES = 50;
const MAX_HANDSHAKES_IN_FLIGHT = 100;
/**
 * Points of the looped audio calls start at, evenly spaced (0.5 s apart). With all calls at one
 * point, every call ended its utterances within the same 100 ms: each \`speech_end\` of the full app
 * archives two WAV files and a journal line (five fsyncs), so 50 calls queued 250 fsyncs at once
 * and held every call's later events for seconds — a herd real calls do not form. With 4 points,
 * 300 calls still ended utterances 75 at a time: their finals (retrieval, urgency, archive) kept
 * the main thread busy for up to a second and set the speech events' p99. 35 points leave about 9
 * calls per 100 ms burst at 300 calls, as independent calls ending an utterance every few seconds
 * give. All phases are replayed together, one batched VAD run per frame (cached under
 * bench/results).
 */
const PHASES = 35;
/** A planned event not received this long after its frame was sent counts as overdue. */
const OVERDUE_MS = 1000;
/**
 * Frames are masked with an all-zero key, which `ws` sends without copying or XOR-ing. RFC 6455's
 * random key protects proxies from cache poisoning, which loopback has none of; the server still
 * unmasks every frame as usual. This keeps the generator's CPU for the server at 5,000 calls.
 */
const zeroMask = (mask: Uint8Array) => mask.fill(0);

interface Init {
  url: string;
  /** echo: the baseline server echoes what it gets; stream: the gateway protocol. */
  protocol: 'stream' | 'echo';
  /** With VAD on the server: plan this many seconds of speech events per call. */
  vad: VadPlanSettings | null;
  planSeconds: number;
}

const frames = callFrames();
const PLAN_CACHE = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
let init: Init | null = null;
let plans: PlannedEvent[][] = [];

const sendLag = new LatencyHistogram();
const ping = new LatencyHistogram();
const echo = new LatencyHistogram();
const speech = new LatencyHistogram();
/** The speech_end share of `speech`: those wait for the archive's durable commit. */
const speechEnd = new LatencyHistogram();
const suggestion = new LatencyHistogram();
const counters = { failed: 0, closedEarly: 0, framesSent: 0, speechUnmatched: 0 };
const errors: Record<string, number> = {};

class SimCall {
  streaming = false;
  /** Where in the looped audio this call starts, and the speech events that gives. */
  readonly offset: number;
  private readonly plan: PlannedEvent[];
  stopping = false;
  frame = 0;
  startedAt = -1;
  readonly sendTimes = new Float64Array(RING);
  private echoes = 0;
  private speechSeen = 0;
  /** speech_end receipt time per utterance, until its suggestion arrives. */
  readonly awaitingSuggestion = new Map<string, number>();
  private pingAt = -1;
  private readonly pingPhase = Math.floor(Math.random() * PING_EVERY_FRAMES);
  readonly done: Promise<void>;

  constructor(
    readonly socket: WebSocket,
    readonly slot: number,
    protocol: Init['protocol'],
    onReady: (ok: boolean) => void,
  ) {
    const phase = calls.length % PHASES;
    this.offset = Math.floor((phase * frames.length) / PHASES);
    this.plan = plans[phase] ?? [];
    let settled = false;
    const ready = (ok: boolean) => {
      if (settled) return;
      settled = true;
      onReady(ok);
    };
    socket.on('open', () =>
      socket.send(
        JSON.stringify({ type: 'start', format: 'mulaw', sample_rate: 8000, channels: 1, lang: 'zh-TW' }),
      ),
    );
    socket.on('message', (data, isBinary) => {
      const now = performance.now();
      if (isBinary) {
        // Echo baseline: frames come back in order.
        const i = this.echoes++;
        if (i < this.frame && this.frame - i < RING)
          echo.recordMs(now - (this.sendTimes[i % RING] as number));
        return;
      }
      if (protocol === 'echo') {
        this.streaming = true;
        return ready(true);
      }
      const event = JSON.parse(String(data)) as {
        type: string;
        code?: string;
        start_ms?: number;
        utterance_id?: string;
        speculative?: boolean;
      };
      if (event.type === 'started') {
        this.streaming = true;
        this.startedAt = now;
        ready(true);
      } else if (event.type === 'speech_start' || event.type === 'speech_end') {
        this.onSpeech(event.type, event.start_ms ?? -1, now);
        if (event.type === 'speech_end' && event.utterance_id)
          this.awaitingSuggestion.set(event.utterance_id, now);
      } else if (event.type === 'suggestion' && !event.speculative && event.utterance_id) {
        const endedAt = this.awaitingSuggestion.get(event.utterance_id);
        if (endedAt !== undefined) suggestion.recordMs(now - endedAt);
        this.awaitingSuggestion.delete(event.utterance_id);
      } else if (event.type === 'error') {
        errors[event.code ?? 'unknown'] = (errors[event.code ?? 'unknown'] ?? 0) + 1;
      }
    });
    socket.on('pong', () => {
      if (this.pingAt >= 0) ping.recordMs(performance.now() - this.pingAt);
      this.pingAt = -1;
    });
    socket.on('error', () => undefined);
    this.done = new Promise((resolve) =>
      socket.once('close', () => {
        if (!settled) counters.failed++;
        else if (!this.stopping) counters.closedEarly++;
        this.streaming = false;
        ready(false);
        resolve();
      }),
    );
  }

  sendFrame(now: number): void {
    const frame = this.frame++;
    this.sendTimes[frame % RING] = now;
    this.socket.send(frames[(this.offset + frame) % frames.length] as Uint8Array, { binary: true });
    counters.framesSent++;
    if (frame % PING_EVERY_FRAMES === this.pingPhase && this.pingAt < 0) {
      this.pingAt = now;
      this.socket.ping();
    }
  }

  private onSpeech(type: string, startMs: number, now: number): void {
    const planned = this.plan[this.speechSeen++];
    if (
      !planned ||
      planned.type !== type ||
      planned.startMs !== startMs ||
      planned.frame >= this.frame ||
      this.frame - planned.frame >= RING
    ) {
      counters.speechUnmatched++;
      return;
    }
    const latencyMs = now - (this.sendTimes[planned.frame % RING] as number);
    speech.recordMs(latencyMs);
    if (type === 'speech_end') speechEnd.recordMs(latencyMs);
  }

  /** Planned events whose frame went out more than OVERDUE_MS ago and that have not arrived. */
  overdue(now: number): { count: number; oldestMs: number } {
    let count = 0;
    let oldestMs = 0;
    for (let i = this.speechSeen; i < this.plan.length; i++) {
      const planned = this.plan[i] as PlannedEvent;
      if (planned.frame >= this.frame) break;
      // From its send time while kept, else from the frames sent since (100 ms each).
      const ageMs =
        this.frame - planned.frame < RING
          ? now - (this.sendTimes[planned.frame % RING] as number)
          : (this.frame - planned.frame) * FRAME_MS;
      if (ageMs < OVERDUE_MS) break;
      count++;
      oldestMs = Math.max(oldestMs, ageMs);
    }
    return { count, oldestMs };
  }

  async stop(protocol: Init['protocol']): Promise<void> {
    this.stopping = true;
    this.streaming = false;
    if (this.socket.readyState !== WebSocket.OPEN) return this.socket.terminate();
    // Gateway: `end` → last events → `closed` → the server closes the socket.
    if (protocol === 'stream') this.socket.send(JSON.stringify({ type: 'end' }));
    else this.socket.close();
    await this.done;
  }
}

const slots: SimCall[][] = Array.from({ length: SLOTS }, () => []);
const calls: SimCall[] = [];
let nextSlot = 0;

// Real-time clock: slot g of the frame period is due at t0 + g·SLOT_MS; late ticks catch up.
const t0 = performance.now();
let dueSlot = 0;
let ticking = true;
function tick(): void {
  if (!ticking) return;
  const now = performance.now();
  while (t0 + dueSlot * SLOT_MS <= now) {
    const due = t0 + dueSlot * SLOT_MS;
    for (const call of slots[dueSlot % SLOTS] as SimCall[]) {
      if (!call.streaming) continue;
      sendLag.recordMs(now - due);
      call.sendFrame(now);
    }
    dueSlot++;
  }
  setTimeout(tick, Math.max(0, t0 + dueSlot * SLOT_MS - performance.now()));
}
tick();

async function openCalls(target: number, perSecond: number): Promise<void> {
  const config = init as Init;
  let inFlight = 0;
  const started = performance.now();
  const opened: Promise<void>[] = [];
  let lastReport = started;
  while (calls.length < target) {
    // Pace the ramp, and keep handshakes in flight below the server's accept backlog.
    const allowed = Math.floor(((performance.now() - started) / 1000) * perSecond) + 1;
    if (opened.length >= allowed || inFlight >= MAX_HANDSHAKES_IN_FLIGHT) {
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    if (performance.now() - lastReport > 5000) {
      lastReport = performance.now();
      const streaming = calls.filter((c) => c.streaming).length;
      console.error(
        `  generator: ${calls.length} opened, ${streaming} streaming, ${inFlight} in handshake, ${counters.failed} failed`,
      );
    }
    inFlight++;
    const slot = nextSlot++ % SLOTS;
    opened.push(
      new Promise<void>((resolve) => {
        const socket = new WebSocket(config.url, {
          perMessageDeflate: false,
          handshakeTimeout: 15_000,
          generateMask: zeroMask,
        });
        const call = new SimCall(socket, slot, config.protocol, () => {
          inFlight--;
          resolve();
        });
        calls.push(call);
        (slots[slot] as SimCall[]).push(call);
      }),
    );
  }
  await Promise.all(opened);
}

/** Opens `count` calls at once (no pacing, no limit on handshakes in flight); when was each started. */
async function burst(count: number): Promise<BurstReport> {
  const config = init as Init;
  const began = performance.now();
  const opened: Array<Promise<SimCall>> = [];
  for (let i = 0; i < count; i++) {
    const slot = nextSlot++ % SLOTS;
    opened.push(
      new Promise<SimCall>((resolve) => {
        const socket = new WebSocket(config.url, {
          perMessageDeflate: false,
          handshakeTimeout: 15_000,
          generateMask: zeroMask,
        });
        const call: SimCall = new SimCall(socket, slot, config.protocol, () => resolve(call));
        calls.push(call);
        (slots[slot] as SimCall[]).push(call);
      }),
    );
  }
  const done = await Promise.all(opened);
  const times = new LatencyHistogram();
  let failed = 0;
  for (const call of done) {
    if (call.startedAt < 0) failed++;
    else times.recordMs(call.startedAt - began);
  }
  return { calls: count, failed, startedMs: times.take() };
}

let lastSampleAt = performance.now();
let lastCpu = process.cpuUsage();
function sample(): GeneratorSample {
  const cpu = process.cpuUsage(lastCpu);
  const now = performance.now();
  const overdue = { count: 0, oldestMs: 0 };
  for (const call of calls) {
    if (!call.streaming) continue;
    const o = call.overdue(now);
    overdue.count += o.count;
    overdue.oldestMs = Math.max(overdue.oldestMs, o.oldestMs);
  }
  const out: GeneratorSample = {
    open: calls.filter((c) => c.streaming).length,
    failed: counters.failed,
    closedEarly: counters.closedEarly,
    framesSent: counters.framesSent,
    sinceMs: performance.now() - lastSampleAt,
    cpuMicros: cpu.user + cpu.system,
    sendLag: sendLag.take(),
    ping: ping.take(),
    echo: echo.take(),
    speech: speech.take(),
    speechEnd: speechEnd.take(),
    speechUnmatched: counters.speechUnmatched,
    speechOverdue: overdue.count,
    speechOverdueOldestMs: overdue.oldestMs,
    suggestion: suggestion.take(),
    suggestionsPending: calls.reduce((n, c) => n + c.awaitingSuggestion.size, 0),
    errors: { ...errors },
  };
  counters.framesSent = 0;
  lastSampleAt = performance.now();
  lastCpu = process.cpuUsage();
  counters.speechUnmatched = 0;
  return out;
}

serveRequests(async (request) => {
  switch (request.type) {
    case 'init': {
      init = request as unknown as Init;
      if (init.vad) {
        const totalFrames = Math.ceil((init.planSeconds * 1000) / FRAME_MS);
        plans = await planPhases(frames, totalFrames, init.vad, PHASES, PLAN_CACHE);
      }
      return {
        frames: frames.length,
        plannedSpeechEvents: plans.length > 0 ? Math.min(...plans.map((p) => p.length)) : 0,
      };
    }
    case 'target':
      await openCalls(request.calls as number, request.perSecond as number);
      return sample();
    case 'sample':
      return sample();
    case 'burst':
      return burst(request.calls as number);
    case 'stop': {
      ticking = false;
      const protocol = init?.protocol ?? 'stream';
      const timeout = new Promise((r) => setTimeout(r, 15_000));
      await Promise.race([Promise.all(calls.map((c) => c.stop(protocol))), timeout]);
      for (const call of calls) call.socket.terminate();
      setImmediate(() => process.exit(0));
      return null;
    }
    default:
      throw new Error(`unknown request ${request.type}`);
  }
});
