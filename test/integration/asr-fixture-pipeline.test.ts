/**
 * The whole call path with the real sherpa-onnx engines: real speech (8 kHz PCM) → Silero VAD →
 * two-pass ASR (streaming transducer partials, SenseVoice-shaped finals) → zh-TW text stage →
 * events. No Mandarin model exists here, so the models are generated MODEL FIXTURES
 * (src/asr/testing/model-fixtures.ts) that read a loud low band as 软 and a loud high band as 件; a
 * 300 Hz tone runs under the first recording and a 3 kHz tone under the second, so what each
 * utterance must come out as is known from the fixture's design, not from a run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioManifest, sharedPaths } from '../shared.js';
import { encodeFromPcm16, readWav } from '../../src/audio/index.js';
import { loadConfig } from '../../src/config/index.js';
import { startApp, type RunningApp } from '../../src/http/app.js';
import {
  writeSenseVoiceFixture,
  writeStreamingTransducerFixture,
} from '../../src/asr/testing/model-fixtures.js';
import { StreamClient } from '../../src/ingress/testing/stream-client.js';

const TOKEN = 'asr-fixture-admin-token-9a4c1e7b3d52';
const RATE = 8000;
const GAP_MS = 1500;

/** Recording A + 1.5 s of silence + recording B, with a tone under each recording (PCM16, 8 kHz). */
function callAudio(): { pcm: Int16Array; aEndsMs: number; bStartsMs: number } {
  const recording = (file: string) => {
    const row = audioManifest().find((r) => r.file === file);
    if (!row) throw new Error(`shared recording ${file} missing`);
    const wav = readWav(readFileSync(row.path));
    if (wav.sampleRate !== RATE) throw new Error(`${file} is not 8 kHz`);
    return wav.channels[0] as Int16Array;
  };
  const a = recording('paraformer-zh-2023-03-28/8k.wav');
  const b = recording('zipformer-zh-14M/8k.wav');
  const gap = (GAP_MS * RATE) / 1000;
  const pcm = new Int16Array(a.length + gap + b.length);
  // Each tone at the recording's own loudness: louder, it would hide the speech from the VAD.
  const mix = (speech: Int16Array, offset: number, hz: number) => {
    const rms = Math.sqrt(speech.reduce((sum, v) => sum + v * v, 0) / speech.length);
    const amplitude = 1.5 * rms;
    for (let i = 0; i < speech.length; i++) {
      const tone = amplitude * Math.sin((2 * Math.PI * hz * i) / RATE);
      pcm[offset + i] = Math.max(-32768, Math.min(32767, Math.round((speech[i] ?? 0) + tone)));
    }
  };
  mix(a, 0, 300);
  mix(b, a.length + gap, 3000);
  return { pcm, aEndsMs: (a.length * 1000) / RATE, bStartsMs: ((a.length + gap) * 1000) / RATE };
}

describe('call pipeline with the sherpa-onnx engines on model fixtures', () => {
  let app: RunningApp;
  let root: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'hotline-asr-fixture-'));
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: join(root, 'data'),
        logLevel: 'silent',
        server: { port: 0, host: '127.0.0.1' },
        vad: { model: sharedPaths.vadModel },
        text: { lexiconDir: sharedPaths.lexiconDir },
        auth: { adminToken: TOKEN },
        asr: {
          engine: 'two-pass',
          offlineModelDir: writeSenseVoiceFixture(join(root, 'fixture-sense-voice-tones')),
          modelDir: writeStreamingTransducerFixture(join(root, 'fixture-streaming-zipformer2-tones')),
        },
      },
    });
    app = await startApp(config);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function call(caseId: string) {
    const client = await StreamClient.connect(
      `${app.url.replace('http', 'ws')}/api/stream/asr?token=${TOKEN}`,
    );
    client.send({
      type: 'start',
      case_id: caseId,
      format: 'pcm_s16le',
      sample_rate: RATE,
      agent_id: 'admin',
    });
    const started = await client.nextOfType('started');
    const { pcm, aEndsMs, bStartsMs } = callAudio();
    // PCM, not μ-law: μ-law's quantisation noise is white and fills the band the fixture compares
    // against (the fixture tells bands apart; it is not a speech model). 100 ms frames at five
    // times real time: the recognizer worker keeps up, partials flow.
    await client.streamAudio(encodeFromPcm16(pcm, 'pcm_s16le'), (2 * RATE) / 1000, 100, 20);
    client.send({ type: 'end' });
    await client.nextOfType('closed', 60_000);
    await client.close();
    return { client, started, aEndsMs, bStartsMs };
  }

  it('turns speech over a low tone into 軟 and over a high tone into 件, partials first', async () => {
    const { client, started, aEndsMs, bStartsMs } = await call('fixture-call-1');
    expect(started.asr).toEqual({
      engine: 'two-pass',
      version: 'fixture-sense-voice-tones+fixture-streaming-zipformer2-tones',
    });
    const finals = client.ofType('final');
    const underA = finals.filter((f) => f.end_ms <= aEndsMs + 1000);
    const underB = finals.filter((f) => f.start_ms >= bStartsMs - 500);
    expect(underA.length).toBeGreaterThan(0);
    expect(underB.length).toBeGreaterThan(0);
    expect(underA.length + underB.length).toBe(finals.length);
    for (const f of underA) expect(f.text).toMatch(/^軟+$/);
    for (const f of underB) expect(f.text).toMatch(/^件+$/);
    for (const f of finals) expect(f.corrected_text.startsWith(f.text)).toBe(true);
    const partials = client.ofType('partial');
    expect(partials.length).toBeGreaterThan(0);
    for (const p of partials) {
      expect(p.text).toMatch(/^(軟+|件+)$/);
      const final = finals.find((f) => f.utterance_id === p.utterance_id);
      expect(final && p.seq < final.seq).toBe(true);
    }
    expect(client.ofType('error')).toEqual([]);
  }, 90_000);

  it('refuses a bad model folder over REST with one clear line and keeps serving calls', async () => {
    const bad = writeSenseVoiceFixture(join(root, 'fixture-sense-voice-broken'), {
      omitMetadata: ['neg_mean'],
    });
    const res = await fetch(`${app.url}/api/models/asr`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ engine: 'two-pass', offline_model_dir: bad }),
    });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('asr_model_invalid');
    expect(error.message).toMatch(/model\.onnx: metadata 'neg_mean' is missing/);
    expect(error.message).not.toContain('\n');

    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    const { client } = await call('fixture-call-2');
    expect(
      client
        .ofType('final')
        .map((f) => f.text)
        .join(''),
    ).toMatch(/^軟+件+$/);
  }, 90_000);
});
