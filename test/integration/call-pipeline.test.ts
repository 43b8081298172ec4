/**
 * The whole call path on real data: real speech (8 kHz μ-law) → Silero VAD → the reference-text
 * ASR test double (no Mandarin model exists here) → zh-TW correction → retrieval over the real
 * Taipei FAQ → suggestion, archived as it happens.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioManifest, sharedPaths } from '../shared.js';
import { encodeFromPcm16, readWav } from '../../src/audio/index.js';
import { loadConfig } from '../../src/config/index.js';
import { startApp, type RunningApp } from '../../src/http/app.js';
import { ReferenceTextEngineDouble } from '../../src/asr/testing/reference-text-engine.js';
import { StreamClient } from '../../src/ingress/testing/stream-client.js';

const TOKEN = 'pipeline-test-admin-token-4d8e1b7c92af';
/** What the test double "hears" over the recording's real speech segments (Simplified, as a mainland-trained recognizer writes). */
const SPOKEN = '我想问一下信义区的垃圾车几点会来';
/** A call whose recognizer is unsure of every partial (confidence 0.2). */
const UNSURE_CASE = 'pipeline-unsure';

describe('call pipeline on the real Taipei knowledge base', () => {
  let app: RunningApp;
  const recording = audioManifest().find((r) => r.file === 'paraformer-zh-2023-03-28/8k.wav')!;

  /** Streams the recording as one call and returns everything the desktop received. */
  const streamCall = async (caseId: string) => {
    const client = await StreamClient.connect(
      `${app.url.replace('http', 'ws')}/api/stream/asr?token=${TOKEN}`,
    );
    client.send({ type: 'start', case_id: caseId, format: 'mulaw', sample_rate: 8000, agent_id: 'admin' });
    const pcm = readWav(readFileSync(recording.path)).channels[0]!;
    await client.streamAudio(encodeFromPcm16(pcm, 'mulaw'), 8, 100);
    client.send({ type: 'end' });
    await client.nextOfType('closed', 30_000);
    return client;
  };

  beforeAll(async () => {
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir: mkdtempSync(join(tmpdir(), 'hotline-pipeline-')),
        logLevel: 'silent',
        server: { port: 0, host: '127.0.0.1' },
        vad: { model: sharedPaths.vadModel },
        text: { lexiconDir: sharedPaths.lexiconDir },
        knowledge: { seed: sharedPaths.faq },
        auth: { adminToken: TOKEN, devSignIn: true },
      },
    });
    const double = new ReferenceTextEngineDouble((caseId) => ({
      text: SPOKEN,
      durationMs: recording.durationS * 1000,
      partialConfidence: caseId === UNSURE_CASE ? 0.2 : null,
    }));
    app = await startApp(config, { asrEngine: double });
  }, 120_000);
  afterAll(async () => app?.close());

  it('turns a caller utterance into a corrected final and grounded FAQ suggestions, and archives the call', async () => {
    const client = await streamCall('pipeline-1');

    const final = client.ofType('final')[0]!;
    expect(final.text).toBe(SPOKEN);
    expect(final.corrected_text).toMatch(/^我想問一下信義區的垃圾車幾點會來[？?]$/);
    const suggestion = client
      .ofType('suggestion')
      .find((s) => !s.speculative && s.utterance_id === final.utterance_id);
    expect(suggestion).toBeDefined();
    expect(suggestion!.seq).toBeGreaterThan(final.seq);
    expect(suggestion!.faq_candidates.length).toBeGreaterThan(0);
    expect(suggestion!.faq_candidates[0]!.question).toMatch(/垃圾/);
    expect(suggestion!.kb_version).toBeGreaterThanOrEqual(1);
    expect(suggestion!.reply_script.length).toBeGreaterThan(0);
    // Partials refreshed the cards before the caller finished.
    expect(client.ofType('suggestion').some((s) => s.speculative)).toBe(true);

    // Reading archived calls is a supervisor's right, not an admin's.
    const signIn = await fetch(`${app.url}/api/auth/dev`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sup', role: 'supervisor' }),
    });
    const { token } = (await signIn.json()) as { token: string };
    const res = await fetch(`${app.url}/api/case/pipeline-1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain('垃圾車');
  }, 60_000);

  it('refreshes cards from partials only when the recognizer is sure of them; the final still answers', async () => {
    const client = await streamCall(UNSURE_CASE);
    expect(client.ofType('partial').length).toBeGreaterThan(0);
    expect(client.ofType('partial').every((p) => p.confidence === 0.2)).toBe(true);
    const suggestions = client.ofType('suggestion');
    expect(suggestions.filter((s) => s.speculative)).toEqual([]);
    expect(suggestions.some((s) => !s.speculative && s.faq_candidates.length > 0)).toBe(true);
  }, 60_000);
});
