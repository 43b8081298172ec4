import type { FastifyPluginAsync } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import { errorBody, type ServerEvent } from '../protocol/index.js';
import './principal.js';

export interface MetricsOptions {
  /** Node process metrics (CPU, RSS, heap, event-loop lag, GC); on unless false (tests). */
  processMetrics?: boolean;
  /** Every series carries `node="<id>"`, so one Prometheus tells the processes of a cluster apart. */
  node?: string;
}

/** Whatever knows how many calls are live (the CallSessionManager). */
export interface LiveCallSource {
  readonly liveCount: number;
}

export interface Metrics {
  /** Own registry (not prom-client's global one), so several apps or tests never collide. */
  readonly registry: Registry;
  /** The live-calls gauge reads this at scrape time. */
  watchCalls(source: LiveCallSource): void;
  /** `streamRoutes`' `onFrameProcessed`: one audio frame accepted, `seconds` to emit its events. */
  onFrameProcessed(seconds: number): void;
  /** Every event of every call (a `CallEventLog.tap`): counts by type, ASR final latency. */
  observeEvent(event: ServerEvent): void;
  /** Partials replaced by a newer one in a congested client's queue. */
  onPartialsCoalesced(count?: number): void;
  /** Serves `GET /metrics` in the Prometheus text format to admin and service tokens. */
  readonly plugin: FastifyPluginAsync;
}

/** Speech-ends still waiting for their final, per call; without ASR no final ever comes. */
const MAX_PENDING_PER_CALL = 32;

/** Prometheus metrics of the stream pipeline, all prefixed `hotline_`. */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.node) registry.setDefaultLabels({ node: options.node });
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'hotline_' });

  let calls: LiveCallSource | null = null;
  new Gauge({
    name: 'hotline_live_calls',
    help: 'Calls currently live or ending on this node',
    registers: [registry],
    collect() {
      this.set(calls?.liveCount ?? 0);
    },
  });
  const frames = new Counter({
    name: 'hotline_audio_frames_received_total',
    help: 'Binary audio frames received and processed',
    registers: [registry],
  });
  const frameSeconds = new Histogram({
    name: 'hotline_frame_processing_seconds',
    help: 'Time from an audio frame arriving to its events being emitted (decode, resample, VAD)',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [registry],
  });
  const events = new Counter({
    name: 'hotline_events_emitted_total',
    help: 'Call events emitted, by type',
    labelNames: ['type'],
    registers: [registry],
  });
  const coalesced = new Counter({
    name: 'hotline_partials_coalesced_total',
    help: 'Partials replaced by a newer partial of the same utterance before a slow client got them',
    registers: [registry],
  });
  const finalLatency = new Histogram({
    name: 'hotline_asr_final_latency_seconds',
    help: "Time from an utterance's speech_end to its final (the recognizer's end-of-utterance delay)",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });

  // case id → utterance id → ts of its speech_end
  const pending = new Map<string, Map<string, number>>();
  const observeEvent = (event: ServerEvent): void => {
    events.inc({ type: event.type });
    if (event.type === 'speech_end') {
      let open = pending.get(event.case_id);
      if (!open) pending.set(event.case_id, (open = new Map()));
      open.set(event.utterance_id, event.ts);
      // Map iteration is insertion order: the first key is the oldest utterance.
      if (open.size > MAX_PENDING_PER_CALL) open.delete(open.keys().next().value as string);
    } else if (event.type === 'final') {
      const open = pending.get(event.case_id);
      const endedAt = open?.get(event.utterance_id);
      if (open && endedAt !== undefined) {
        open.delete(event.utterance_id);
        finalLatency.observe(Math.max(0, event.ts - endedAt) / 1000);
      }
    } else if (event.type === 'closed') {
      pending.delete(event.case_id);
    }
  };

  const plugin: FastifyPluginAsync = async (app) => {
    const schema = {
      response: { 200: z.string().describe('Prometheus text format'), '4xx': errorBody },
    };
    app.get('/metrics', { config: { roles: ['admin', 'service'] }, schema }, async (_request, reply) => {
      const body = await registry.metrics();
      return reply.header('content-type', registry.contentType).send(body);
    });
  };

  return {
    registry,
    watchCalls(source) {
      calls = source;
    },
    onFrameProcessed(seconds) {
      frames.inc();
      frameSeconds.observe(seconds);
    },
    observeEvent,
    onPartialsCoalesced(count = 1) {
      coalesced.inc(count);
    },
    plugin,
  };
}
