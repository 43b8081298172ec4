import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventBody, ServerEvent } from '../protocol/index.js';
import { createMetrics, type Metrics } from './metrics.js';
import { useContract } from './contract.js';

let seq = 0;
function event(caseId: string, ts: number, body: EventBody): ServerEvent {
  return { ...body, seq: ++seq, case_id: caseId, ts } as ServerEvent;
}
const speechEnd = (caseId: string, id: string, ts: number) =>
  event(caseId, ts, {
    type: 'speech_end',
    utterance_id: id,
    speaker: 'caller',
    channel: 0,
    start_ms: 0,
    end_ms: 1000,
  });
const final = (caseId: string, id: string, ts: number) =>
  event(caseId, ts, {
    type: 'final',
    utterance_id: id,
    text: '垃圾車',
    corrected_text: '垃圾車',
    edits: [],
    start_ms: 0,
    end_ms: 1000,
    speaker: 'caller',
    channel: 0,
  });

/** Parses the Prometheus text format into `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

/** A bare server with the route contract (zod schemas) installed, as the app has it. */
async function contractApp() {
  const bare = Fastify();
  await useContract(bare, { openApi: false });
  return bare;
}

async function scrape(
  metrics: Metrics,
): Promise<{ status: number; type: string; values: Map<string, number> }> {
  app ??= await contractApp();
  if (!app.hasRoute({ method: 'GET', url: '/metrics' })) await app.register(metrics.plugin);
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  return { status: res.statusCode, type: String(res.headers['content-type']), values: samples(res.body) };
}

describe('metrics', () => {
  it('serves GET /metrics in the Prometheus text format, declared for admin and service only', async () => {
    app = await contractApp();
    const declared: unknown[] = [];
    app.addHook('onRoute', (route) => {
      if (route.url === '/metrics' && route.method === 'GET') declared.push(route.config?.roles);
    });
    const metrics = createMetrics();
    const { status, type, values } = await scrape(metrics);
    expect(status).toBe(200);
    expect(type).toContain('text/plain');
    expect(type).toContain('version=0.0.4');
    expect(declared).toEqual([['admin', 'service']]);
    // Default process metrics carry the prefix too.
    expect(values.get('hotline_process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(values.get('hotline_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('reads live calls from the call manager at scrape time', async () => {
    const metrics = createMetrics({ processMetrics: false });
    expect((await scrape(metrics)).values.get('hotline_live_calls')).toBe(0);
    const manager = { liveCount: 3 };
    metrics.watchCalls(manager);
    expect((await scrape(metrics)).values.get('hotline_live_calls')).toBe(3);
    manager.liveCount = 1;
    expect((await scrape(metrics)).values.get('hotline_live_calls')).toBe(1);
  });

  it('counts frames and buckets their processing time', async () => {
    const metrics = createMetrics({ processMetrics: false });
    for (const s of [0.00005, 0.0002, 0.0002, 0.003, 0.2]) metrics.onFrameProcessed(s);
    const { values } = await scrape(metrics);
    expect(values.get('hotline_audio_frames_received_total')).toBe(5);
    expect(values.get('hotline_frame_processing_seconds_count')).toBe(5);
    expect(values.get('hotline_frame_processing_seconds_sum')).toBeCloseTo(0.20345, 6);
    expect(values.get('hotline_frame_processing_seconds_bucket{le="0.0001"}')).toBe(1);
    expect(values.get('hotline_frame_processing_seconds_bucket{le="0.00025"}')).toBe(3);
    expect(values.get('hotline_frame_processing_seconds_bucket{le="0.005"}')).toBe(4);
    expect(values.get('hotline_frame_processing_seconds_bucket{le="0.1"}')).toBe(4);
    expect(values.get('hotline_frame_processing_seconds_bucket{le="+Inf"}')).toBe(5);
  });

  it('counts events by type and partials coalesced', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.observeEvent(
      event('c1', 1, {
        type: 'speech_start',
        utterance_id: 'u1',
        speaker: 'caller',
        channel: 0,
        start_ms: 0,
      }),
    );
    metrics.observeEvent(speechEnd('c1', 'u1', 2));
    metrics.observeEvent(speechEnd('c2', 'u1', 3));
    metrics.observeEvent(event('c1', 4, { type: 'closed', reason: 'end' }));
    metrics.onPartialsCoalesced();
    metrics.onPartialsCoalesced(2);
    const { values } = await scrape(metrics);
    expect(values.get('hotline_events_emitted_total{type="speech_start"}')).toBe(1);
    expect(values.get('hotline_events_emitted_total{type="speech_end"}')).toBe(2);
    expect(values.get('hotline_events_emitted_total{type="closed"}')).toBe(1);
    expect(values.has('hotline_events_emitted_total{type="final"}')).toBe(false);
    expect(values.get('hotline_partials_coalesced_total')).toBe(3);
  });

  it("measures ASR final latency from an utterance's speech_end to its final, per call", async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.observeEvent(speechEnd('c1', 'u1', 10_000));
    metrics.observeEvent(speechEnd('c2', 'u1', 10_100));
    metrics.observeEvent(final('c2', 'u1', 10_400)); // 0.3 s, matched on its own call
    metrics.observeEvent(final('c1', 'u1', 11_500)); // 1.5 s
    metrics.observeEvent(final('c1', 'u1', 12_000)); // a repeated final is not counted twice
    metrics.observeEvent(final('c3', 'u9', 12_000)); // a final without speech_end is not a latency
    const { values } = await scrape(metrics);
    expect(values.get('hotline_asr_final_latency_seconds_count')).toBe(2);
    expect(values.get('hotline_asr_final_latency_seconds_sum')).toBeCloseTo(1.8, 6);
    expect(values.get('hotline_asr_final_latency_seconds_bucket{le="0.5"}')).toBe(1);
    expect(values.get('hotline_asr_final_latency_seconds_bucket{le="2"}')).toBe(2);
  });

  it('forgets speech_ends that never get a final (no ASR) when the call closes', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.observeEvent(speechEnd('c1', 'u1', 1_000));
    metrics.observeEvent(event('c1', 2_000, { type: 'closed', reason: 'end' }));
    // Same case id reused for a new call: the old utterance must not match.
    metrics.observeEvent(final('c1', 'u1', 3_000));
    for (let i = 0; i < 100; i++) metrics.observeEvent(speechEnd('c2', `u${i}`, i));
    metrics.observeEvent(final('c2', 'u0', 500)); // evicted: only the newest 32 are kept
    metrics.observeEvent(final('c2', 'u99', 599));
    const { values } = await scrape(metrics);
    expect(values.get('hotline_asr_final_latency_seconds_count')).toBe(1);
    expect(values.get('hotline_asr_final_latency_seconds_sum')).toBeCloseTo(0.5, 6);
  });

  it('keeps separate registries apart', async () => {
    const a = createMetrics({ processMetrics: false });
    const b = createMetrics({ processMetrics: false });
    a.onFrameProcessed(0.001);
    expect(
      (await a.registry.getSingleMetricAsString('hotline_audio_frames_received_total')).endsWith(' 1'),
    ).toBe(true);
    expect(
      (await b.registry.getSingleMetricAsString('hotline_audio_frames_received_total')).endsWith(' 0'),
    ).toBe(true);
  });
});
