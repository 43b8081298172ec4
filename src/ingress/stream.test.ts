import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioManifest, sharedPaths } from '../../test/shared.js';
import {
  encodeFromPcm16,
  interleave,
  readWav,
  resample,
  pcm16ToFloat32,
  float32ToPcm16,
} from '../audio/index.js';
import { loadConfig, type ConfigInput } from '../config/index.js';
import { startApp, type RunningApp } from '../http/app.js';
import type { ServerEvent } from '../protocol/index.js';
import { ReferenceTextEngineDouble } from '../asr/testing/reference-text-engine.js';
import { StreamClient } from './testing/stream-client.js';

const manifest = audioManifest();
const byFile = (file: string) => manifest.find((r) => r.file === file)!;
const meeting = byFile('fireredasr/TEST_MEETING_T0000000001_S00000.wav');
const phone8k = byFile('paraformer-zh-2023-03-28/8k.wav');

function pcmBytes(file: string): { bytes: Uint8Array; rate: number } {
  const wav = readWav(readFileSync(file));
  return { bytes: encodeFromPcm16(wav.channels[0]!, 'pcm_s16le'), rate: wav.sampleRate };
}

async function boot(stream: ConfigInput['stream'] = {}, withDouble = true): Promise<RunningApp> {
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir: mkdtempSync(join(tmpdir(), 'hotline-stream-')),
      logLevel: 'silent',
      server: { port: 0, host: '127.0.0.1' },
      vad: { model: sharedPaths.vadModel },
      stream,
      auth: { adminToken: ADMIN_TOKEN },
    },
  });
  const double = new ReferenceTextEngineDouble((caseId) => {
    const row = manifest.find((r) => caseId.startsWith(caseIdFor(r.file)));
    return row && { text: row.reference, durationMs: row.durationS * 1000 };
  });
  return startApp(config, { asrEngine: withDouble ? double : null });
}

/** Case ids allow no slashes: the recording's path with / → . */
const caseIdFor = (file: string) => `rec.${file.replaceAll('/', '.')}`;

const ADMIN_TOKEN = 'stream-test-admin-token-8a2f5c7d13e9';
const wsUrl = (app: RunningApp, path = '/api/stream/asr', token = ADMIN_TOKEN) =>
  `${app.url.replace('http', 'ws')}${path}${path.includes('?') ? '&' : '?'}token=${token}`;

/** An API token of one role, made by the bootstrap admin. */
async function roleToken(app: RunningApp, role: 'agent' | 'supervisor'): Promise<string> {
  const res = await fetch(`${app.url}/api/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `stream-test-${role}`, role }),
  });
  return ((await res.json()) as { token: string }).token;
}

function expectGapFree(events: ServerEvent[], from = 1): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => from + i));
}

describe('WS /api/stream/asr with real recordings', () => {
  let app: RunningApp;
  let noAsr: RunningApp;
  beforeAll(async () => {
    app = await boot();
    noAsr = await boot({}, false);
  });
  afterAll(async () => {
    await app.close();
    await noAsr.close();
  });

  it('audio sent in the same breath as start waits for the start, none of it refused', async () => {
    const client = await StreamClient.connect(wsUrl(noAsr));
    const { bytes } = pcmBytes(meeting.path);
    client.send({
      type: 'start',
      case_id: 'same-tick-1',
      format: 'pcm_s16le',
      sample_rate: 16000,
      channels: 1,
    });
    for (let i = 0; i < bytes.length; i += 3200) client.sendAudio(bytes.subarray(i, i + 3200));
    client.send({ type: 'end' });
    await client.nextOfType('closed');
    expect(client.ofType('error').map((e) => e.code)).toEqual(['asr_unavailable']);
    expect(client.ofType('speech_start').length).toBeGreaterThan(0);
    expectGapFree(client.events);
    await client.close();
  });

  it('without an ASR model: warns asr_unavailable, still sends VAD speech events, closes after end', async () => {
    const client = await StreamClient.connect(wsUrl(noAsr));
    client.send({ type: 'start', case_id: 'no-asr-1', format: 'pcm_s16le', sample_rate: 16000, channels: 1 });
    const warning = await client.nextOfType('error');
    expect(warning).toMatchObject({ code: 'asr_unavailable', fatal: false });
    const { bytes } = pcmBytes(meeting.path);
    await client.streamAudio(bytes, 32, 100);
    client.send({ type: 'end' });
    await client.nextOfType('closed');
    await client.closed();
    const starts = client.ofType('speech_start');
    const ends = client.ofType('speech_end');
    expect(starts.length).toBeGreaterThanOrEqual(2);
    expect(ends.map((e) => e.utterance_id)).toEqual(starts.map((s) => s.utterance_id));
    for (const e of ends) expect(e.end_ms).toBeGreaterThan(e.start_ms);
    expect(client.ofType('partial')).toHaveLength(0);
    expect(client.ofType('final')).toHaveLength(0);
    expectGapFree(client.events);
    expect(client.events.at(-1)).toMatchObject({ type: 'closed', reason: 'end' });
  });

  it('8 kHz μ-law telephone audio: partials with growing rev, then finals, ordered and gap-free', async () => {
    const wav = readWav(readFileSync(phone8k.path));
    const mulaw = encodeFromPcm16(wav.channels[0]!, 'mulaw');
    const client = await StreamClient.connect(wsUrl(app));
    client.send({
      type: 'start',
      case_id: caseIdFor(phone8k.file),
      format: 'mulaw',
      sample_rate: 8000,
      channels: 1,
    });
    await client.streamAudio(mulaw, 8, 100);
    client.send({ type: 'end' });
    await client.nextOfType('closed');
    const finals = client.ofType('final');
    expect(finals.length).toBeGreaterThanOrEqual(1);
    expect(finals.map((f) => f.text).join('')).toBe(phone8k.reference);
    const partials = client.ofType('partial');
    expect(partials.length).toBeGreaterThan(1);
    for (const f of finals) {
      const mine = partials.filter((p) => p.utterance_id === f.utterance_id);
      expect(mine.map((p) => p.rev)).toEqual(mine.map((_, i) => i + 1));
      // Partials of an utterance come before its final.
      for (const p of mine) expect(p.seq).toBeLessThan(f.seq);
      expect(f.speaker).toBe('caller');
    }
    expectGapFree(client.events);
  });

  it('stereo: caller on the left, agent on the right, each with its own utterances', async () => {
    const left = readWav(readFileSync(meeting.path)).channels[0]!;
    const rightSource = readWav(readFileSync(byFile('paraformer-zh-2023-03-28/1.wav').path)).channels[0]!;
    // Agent speaks after a 6 s pause so both legs have clear turns.
    const right = new Int16Array(left.length);
    right.set(rightSource.subarray(0, Math.min(rightSource.length, left.length - 96000)), 96000);
    const stereo = encodeFromPcm16(interleave([left, right]), 'pcm_s16le');
    const client = await StreamClient.connect(wsUrl(app));
    client.send({ type: 'start', case_id: 'stereo-1', format: 'pcm_s16le', sample_rate: 16000, channels: 2 });
    await client.streamAudio(stereo, 64, 200);
    client.send({ type: 'end' });
    await client.nextOfType('closed');
    const ends = client.ofType('speech_end');
    expect(ends.some((e) => e.speaker === 'caller' && e.channel === 0)).toBe(true);
    expect(ends.some((e) => e.speaker === 'agent' && e.channel === 1 && e.start_ms >= 5500)).toBe(true);
    expectGapFree(client.events);
  });

  it('resume: a dropped connection continues the same call without losing or repeating events', async () => {
    const { bytes } = pcmBytes(meeting.path);
    // Cut after the first utterance's trailing silence (speech ends ≈ 5.6 s, + 0.8 s).
    const half = 8 * 32000;
    const first = await StreamClient.connect(wsUrl(app));
    first.send({ type: 'start', case_id: caseIdFor(meeting.file), format: 'pcm_s16le', sample_rate: 16000 });
    await first.streamAudio(bytes.subarray(0, half), 32, 100);
    await first.next((e) => e.type === 'speech_end');
    const seenBeforeDrop = first.events.length;
    // Keep only part of what arrived: the client "missed" the rest.
    const lastSeq = first.events[Math.max(0, seenBeforeDrop - 2)]!.seq;
    await first.close();

    const second = await StreamClient.connect(wsUrl(app));
    second.send({ type: 'resume', case_id: caseIdFor(meeting.file), last_seq: lastSeq });
    await second.streamAudio(bytes.subarray(half), 32, 100);
    second.send({ type: 'end' });
    await second.nextOfType('closed');
    expect(second.events[0]!.seq).toBe(lastSeq + 1);
    const combined = [...first.events.filter((e) => e.seq <= lastSeq), ...second.events];
    expectGapFree(combined);
    expect(combined.filter((e) => e.type === 'started')).toHaveLength(1);
    expect(combined.filter((e) => e.type === 'final').length).toBeGreaterThanOrEqual(2);
  });

  it('a client that disappears without end has its call closed after the resume window', async () => {
    const quick = await boot({ resumeWindowMs: 400 });
    try {
      const client = await StreamClient.connect(wsUrl(quick));
      client.send({ type: 'start', case_id: 'vanishing', sample_rate: 16000 });
      await client.nextOfType('started');
      client.sendAudio(pcmBytes(meeting.path).bytes.subarray(0, 32000));
      await client.close();
      await new Promise((r) => setTimeout(r, 600));
      expect(quick.calls.get('vanishing')?.summary().status).toBe('ended');
      const late = await StreamClient.connect(wsUrl(quick));
      late.send({ type: 'resume', case_id: 'vanishing', last_seq: 0 });
      const closed = await late.nextOfType('closed');
      expect(closed.reason).toBe('timeout');
      await late.close();
    } finally {
      await quick.close();
    }
  });

  it('the desktop follows a live call from any seq and its feedback joins the stream', async () => {
    // The agent's desktop streams its own call and follows it; a supervisor lists it on the board.
    const agent = await roleToken(app, 'agent');
    const supervisor = await roleToken(app, 'supervisor');
    const caller = await StreamClient.connect(wsUrl(app, '/api/stream/asr', agent));
    caller.send({ type: 'start', case_id: `${caseIdFor(phone8k.file)}-desk`, sample_rate: 16000 });
    await caller.nextOfType('started');
    const desk = await StreamClient.connect(
      wsUrl(
        app,
        `/api/calls/${encodeURIComponent(`${caseIdFor(phone8k.file)}-desk`)}/events?last_seq=0`,
        agent,
      ),
    );
    await desk.nextOfType('started');
    desk.send({
      type: 'feedback',
      case_id: `${caseIdFor(phone8k.file)}-desk`,
      action: 'adopt',
      faq_id: 'tpe2024-00001',
    });
    const echoed = await caller.nextOfType('feedback');
    expect(echoed).toMatchObject({ action: 'adopt', faq_id: 'tpe2024-00001' });
    const list = await fetch(`${app.url}/api/calls`, {
      headers: { authorization: `Bearer ${supervisor}` },
    }).then((r) => r.json() as Promise<{ calls: Array<{ case_id: string; status: string }> }>);
    expect(list.calls.find((c) => c.case_id === `${caseIdFor(phone8k.file)}-desk`)?.status).toBe('live');
    caller.send({ type: 'end' });
    await desk.nextOfType('closed');
    await desk.close();
    await caller.closed();
  });
});

describe('WS /api/stream/asr bad input', () => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await boot({ maxFrameBytes: 4000 });
  });
  afterAll(async () => app.close());

  it('answers each mistake with a stable code and keeps the connection usable', async () => {
    const client = await StreamClient.connect(wsUrl(app));
    const expectError = async (code: string, action: () => void) => {
      const got = client.nextNew((e) => e.type === 'error' && (e as { code: string }).code === code, 3000);
      action();
      await got;
    };
    await expectError('not_started', () => client.sendAudio(new Uint8Array(320)));
    await expectError('invalid_json', () => client.socket.send('this is not json'));
    await expectError('unknown_type', () => client.send({ type: 'dance' }));
    await expectError('not_started', () => client.send({ type: 'end' }));
    await expectError('unsupported_format', () => client.send({ type: 'start', format: 'mp3' }));
    await expectError('unsupported_sample_rate', () => client.send({ type: 'start', sample_rate: 44100 }));
    await expectError('invalid_message', () => client.send({ type: 'start', channels: 3 }));
    // Still usable: a proper start works after all of that.
    client.send({ type: 'start', case_id: 'bad-input', sample_rate: 16000 });
    await client.nextOfType('started');
    await expectError('already_started', () => client.send({ type: 'start', sample_rate: 16000 }));
    await expectError('misaligned_audio', () => client.sendAudio(new Uint8Array(321)));
    await expectError('frame_too_large', () => client.sendAudio(new Uint8Array(8000)));
    client.sendAudio(new Uint8Array(3200));
    client.send({ type: 'end' });
    await client.nextOfType('closed');
    const seqs = client.events.filter((e) => e.seq > 0);
    expectGapFree(seqs);
    await client.closed();
  });

  it('refuses a second live call with the same case id', async () => {
    const a = await StreamClient.connect(wsUrl(app));
    a.send({ type: 'start', case_id: 'dup', sample_rate: 16000 });
    await a.nextOfType('started');
    const b = await StreamClient.connect(wsUrl(app));
    b.send({ type: 'start', case_id: 'dup', sample_rate: 16000 });
    expect(await b.nextOfType('error')).toMatchObject({ code: 'case_in_use' });
    await b.close();
    a.send({ type: 'end' });
    await a.nextOfType('closed');
    a.send({ type: 'end' });
    await a.closed();
  });

  it('says already_ended for end twice on the same connection', async () => {
    const client = await StreamClient.connect(wsUrl(app));
    client.send({ type: 'start', case_id: 'twice', sample_rate: 16000 });
    await client.nextOfType('started');
    client.send({ type: 'end' });
    client.send({ type: 'end' });
    const err = await client.next(
      (e) => e.type === 'error' && (e as { code: string }).code === 'already_ended',
    );
    expect(err).toBeDefined();
    await client.closed();
  });

  it('says resume_expired / unknown_case for a resume it cannot honour', async () => {
    const client = await StreamClient.connect(wsUrl(app));
    client.send({ type: 'resume', case_id: 'never-existed', last_seq: 3 });
    expect(await client.nextOfType('error')).toMatchObject({ code: 'unknown_case' });
    await client.close();
  });
});

// Keeps resample imports honest: 16 kHz → 8 kHz → 16 kHz survives as speech for the VAD.
describe('rate conversion on the way in', () => {
  it('the same speech at 8 kHz and 16 kHz gives the same number of utterances', async () => {
    const app = await boot({}, false);
    try {
      const wav = readWav(readFileSync(meeting.path));
      const down = float32ToPcm16(resample(pcm16ToFloat32(wav.channels[0]!), 16000, 8000));
      const counts: number[] = [];
      for (const [rate, pcm] of [
        [16000, wav.channels[0]!],
        [8000, down],
      ] as const) {
        const client = await StreamClient.connect(wsUrl(app));
        client.send({ type: 'start', case_id: `rate-${rate}`, sample_rate: rate, format: 'alaw' });
        await client.streamAudio(encodeFromPcm16(pcm, 'alaw'), rate / 1000, 100);
        client.send({ type: 'end' });
        await client.nextOfType('closed');
        counts.push(client.ofType('speech_end').length);
      }
      expect(counts[0]).toBeGreaterThan(0);
      expect(counts[1]).toBe(counts[0]);
    } finally {
      await app.close();
    }
  });
});
