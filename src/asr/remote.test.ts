import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioManifest } from '../../test/shared.js';
import { float32ToPcm16, pcm16ToFloat32, readWav, resample } from '../audio/index.js';
import type { AsrStreamOptions } from './engine.js';
import { AsrError } from './errors.js';
import { createRemoteEngine, type RemoteSettings } from './remote.js';
import { rejection } from './testing/error-code.js';

/**
 * TEST SERVER standing in for an OpenAI-compatible transcription endpoint (vLLM, whisper.cpp):
 * it records what it received and answers as each test tells it to. It transcribes nothing.
 */
interface Received {
  path: string;
  authorization: string | undefined;
  fields: Record<string, string>;
  wav: Uint8Array;
}
type Answer = (res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
const received: Received[] = [];
let answer: Answer = (res) => res.end('{}');

async function parse(req: IncomingMessage): Promise<Received> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const form = await new Request('http://test-server', {
    method: 'POST',
    headers: { 'content-type': req.headers['content-type'] ?? '' },
    body: Buffer.concat(chunks),
  }).formData();
  const fields: Record<string, string> = {};
  let wav = new Uint8Array();
  for (const [key, value] of form) {
    if (typeof value === 'string') fields[key] = value;
    else wav = new Uint8Array(await value.arrayBuffer());
  }
  return { path: req.url ?? '', authorization: req.headers.authorization, fields, wav };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    parse(req).then(
      (r) => {
        received.push(r);
        answer(res);
      },
      () => res.writeHead(400).end(),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

/** A port nothing listens on: taken from the OS, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as AddressInfo;
  await new Promise((done) => probe.close(done));
  return port;
}

const json =
  (status: number, body: unknown): Answer =>
  (res) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

const streamOptions: AsrStreamOptions = { sampleRate: 16000, caseId: 'case-1', startMs: 0, channel: 0 };

function engine(overrides: Partial<RemoteSettings> = {}) {
  return createRemoteEngine({ url: baseUrl, model: 'breeze-asr-25', timeoutMs: 2000, ...overrides });
}

/** A real 16 kHz recording from the shared set. */
function recording(): Float32Array {
  const row = audioManifest().find((r) => r.sampleRate === 16000 && r.file.endsWith('.wav'));
  if (!row) throw new Error('no 16 kHz recording in the shared manifest');
  const wav = readWav(readFileSync(row.path));
  return pcm16ToFloat32(wav.channels[0] as Int16Array);
}

const failure = (promise: Promise<unknown>): Promise<AsrError> => rejection(promise, AsrError);

describe('remote engine (OpenAI-compatible /audio/transcriptions)', () => {
  it('posts each utterance as a 16 kHz mono WAV with model, language and bearer key', async () => {
    received.length = 0;
    answer = json(200, { text: '我要申请软件补助' });
    const samples = recording();
    const stream = engine({ apiKey: 'sk-test' }).createStream({
      ...streamOptions,
      hotwords: ['大安區', '信義路'],
    });
    // Frames as the session sends them: 100 ms each.
    for (let i = 0; i < samples.length; i += 1600) stream.acceptWaveform(samples.subarray(i, i + 1600));
    expect(stream.partial()).toBeNull();
    const final = await stream.finish();

    // The server's Simplified text leaves the engine as Taiwanese Traditional.
    expect(final).toEqual({ text: '我要申請軟件補助', confidence: null });
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.path).toBe('/v1/audio/transcriptions');
    expect(request?.authorization).toBe('Bearer sk-test');
    expect(request?.fields).toMatchObject({
      model: 'breeze-asr-25',
      language: 'zh',
      response_format: 'json',
    });
    expect(request?.fields.prompt).toBe('大安區、信義路');
    const wav = readWav(request?.wav ?? new Uint8Array());
    expect(wav.sampleRate).toBe(16000);
    expect(wav.channels).toHaveLength(1);
    expect(wav.channels[0]).toEqual(float32ToPcm16(samples));
  });

  it("sends a telephone call's utterance as 16 kHz, converted once per utterance", async () => {
    received.length = 0;
    answer = json(200, { text: '好' });
    const phone = resample(recording(), 16000, 8000);
    const stream = engine().createStream({ ...streamOptions, sampleRate: 8000 });
    for (let i = 0; i < phone.length; i += 800) stream.acceptWaveform(phone.subarray(i, i + 800));
    await stream.finish();
    const wav = readWav(received[0]?.wav ?? new Uint8Array());
    expect(wav.sampleRate).toBe(16000);
    expect(wav.channels[0]).toEqual(float32ToPcm16(resample(phone, 8000, 16000)));
  });

  it('sends per-call hot-words as the prompt only when the whole list fits', async () => {
    answer = json(200, { text: '好' });
    const lexicon = Array.from({ length: 300 }, (_, i) => `第${i}里`);
    for (const hotwords of [['大安區'], lexicon]) {
      received.length = 0;
      const stream = engine().createStream({ ...streamOptions, hotwords });
      stream.acceptWaveform(new Float32Array(1600));
      await stream.finish();
      expect(received[0]?.fields.prompt).toBe(hotwords === lexicon ? undefined : '大安區');
    }
  });

  it('sends nothing for an empty utterance', async () => {
    received.length = 0;
    expect(await engine().createStream(streamOptions).finish()).toEqual({ text: '', confidence: null });
    expect(received).toHaveLength(0);
  });

  it('reports a server error as asr_failed with the status and body', async () => {
    answer = json(500, { error: { message: 'CUDA out of memory' } });
    const stream = engine().createStream(streamOptions);
    stream.acceptWaveform(new Float32Array(1600));
    const err = await failure(stream.finish());
    expect(err.code).toBe('asr_failed');
    expect(err.message).toMatch(/answered 500: .*CUDA out of memory/);
  });

  it('reports an answer without text as asr_failed', async () => {
    answer = (res) => res.writeHead(200).end('<html>proxy login</html>');
    const stream = engine().createStream(streamOptions);
    stream.acceptWaveform(new Float32Array(1600));
    expect((await failure(stream.finish())).message).toMatch(/without a JSON "text"/);
  });

  it('gives up after remoteTimeoutMs with asr_failed', async () => {
    answer = (res) => setTimeout(() => json(200, { text: 'late' })(res), 1500);
    const stream = engine({ timeoutMs: 200 }).createStream(streamOptions);
    stream.acceptWaveform(new Float32Array(1600));
    const started = Date.now();
    const err = await failure(stream.finish());
    expect(err.message).toMatch(/timed out after 200 ms/);
    expect(Date.now() - started).toBeLessThan(1200);
  });

  it('reports an unreachable server as asr_failed', async () => {
    const stream = engine({ url: `http://127.0.0.1:${await closedPort()}/v1` }).createStream(streamOptions);
    stream.acceptWaveform(new Float32Array(1600));
    const err = await failure(stream.finish());
    expect(err.code).toBe('asr_failed');
    expect(err.message).toMatch(/unreachable: ECONNREFUSED/);
  });

  it('cancels the request when the call hangs up', async () => {
    answer = (res) => setTimeout(() => json(200, { text: 'late' })(res), 1000);
    const stream = engine().createStream(streamOptions);
    stream.acceptWaveform(new Float32Array(1600));
    const pending = stream.finish();
    setTimeout(() => stream.abort(), 50);
    expect((await failure(pending)).message).toMatch(/aborted/);
  });
});
