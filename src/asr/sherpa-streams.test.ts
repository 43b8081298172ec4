import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AsrError } from './errors.js';
import {
  BatchedOnlineDecoder,
  OnlineDecoderClient,
  type DecoderPort,
  type FromDecoder,
  type ToDecoder,
} from './online-decoder.js';
import type { OfflineDecoder } from './offline-recognizer.js';
import type {
  OfflineRecognizerResult,
  OnlineRecognizerResult,
  SherpaOfflineRecognizer,
  SherpaOfflineStream,
  SherpaOnlineRecognizer,
  SherpaOnlineStream as NativeOnlineStream,
  SherpaWaveform,
} from './sherpa-addon.js';
import { SherpaOnlineStream, StreamingHypothesis } from './sherpa-online.js';
import { TwoPassStream } from './two-pass.js';
import { createTaiwanConverter } from './zh-tw.js';

/**
 * TEST DOUBLES of the native sherpa-onnx recognizers: they record the audio and calls they get and
 * answer with fixed Simplified-Chinese text, so these tests check our stream handling — batching,
 * tail flush, the worker protocol, segment hand-off, script conversion — not recognition. The real
 * native engines run on generated model fixtures in sherpa-fixtures.test.ts.
 */
class NativeOnlineStreamDouble implements NativeOnlineStream {
  waves: SherpaWaveform[] = [];
  finished = false;
  decodedSamples = 0;
  acceptWaveform(wave: SherpaWaveform): void {
    if (this.finished) throw new Error('input already finished');
    this.waves.push({ samples: wave.samples.slice(), sampleRate: wave.sampleRate });
  }
  inputFinished(): void {
    this.finished = true;
  }
  get received(): number {
    return this.waves.reduce((n, w) => n + w.samples.length, 0);
  }
}

/** Decodes one 1 600-sample chunk per stream per batch, like an encoder chunk. */
class OnlineRecognizerDouble implements SherpaOnlineRecognizer {
  streams: NativeOnlineStreamDouble[] = [];
  batches: number[] = [];
  failDecode = false;
  constructor(private readonly text: (decodedSamples: number) => string) {}
  createStream(): NativeOnlineStreamDouble {
    const stream = new NativeOnlineStreamDouble();
    this.streams.push(stream);
    return stream;
  }
  isReady(stream: NativeOnlineStream): boolean {
    const s = stream as NativeOnlineStreamDouble;
    return s.decodedSamples < s.received;
  }
  decodeStreams(streams: NativeOnlineStream[]): void {
    if (this.failDecode) throw new Error('onnxruntime: bad chunk');
    this.batches.push(streams.length);
    for (const stream of streams) {
      const s = stream as NativeOnlineStreamDouble;
      s.decodedSamples = Math.min(s.received, s.decodedSamples + 1600);
    }
  }
  getResult(stream: NativeOnlineStream): OnlineRecognizerResult {
    return {
      text: this.text((stream as NativeOnlineStreamDouble).decodedSamples),
      tokens: [],
      ys_probs: [-0.1, -0.3],
    };
  }
}

class OfflineRecognizerDouble implements SherpaOfflineRecognizer {
  segments: Float32Array[] = [];
  hotwords: (string | undefined)[] = [];
  fail = false;
  createStream(hotwords?: string): SherpaOfflineStream {
    this.hotwords.push(hotwords);
    return { acceptWaveform: (wave) => this.segments.push(wave.samples.slice()) };
  }
  async decodeAsync(): Promise<OfflineRecognizerResult> {
    if (this.fail) throw new Error('onnxruntime: invalid input');
    return { text: '我要查询垃圾车的时间' };
  }
}

const frame = (value: number) => new Float32Array(1600).fill(value);
const toTaiwan = createTaiwanConverter();
const tone = (rate: number, hz: number, samples: number) =>
  Float32Array.from({ length: samples }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * i) / rate));
const rms = (xs: readonly number[]) => Math.sqrt(xs.reduce((sum, x) => sum + x * x, 0) / xs.length);

/** A decoder served on one end of a message channel in this thread, as the worker serves it. */
function decoderOverChannel(recognizer: SherpaOnlineRecognizer) {
  const { port1, port2 } = new MessageChannel();
  const sent: FromDecoder[] = [];
  const decoder = new BatchedOnlineDecoder(recognizer, (m) => {
    sent.push(m);
    port2.postMessage(m);
  });
  port2.on('message', (m: ToDecoder) => decoder.handle(m));
  const client = new OnlineDecoderClient(port1 as unknown as DecoderPort, () => {
    port1.close();
    port2.close();
  });
  return { client, decoder, sent };
}

const channels: { client: OnlineDecoderClient }[] = [];
afterEach(() => channels.splice(0).forEach((c) => c.client.close()));
function open(recognizer: SherpaOnlineRecognizer) {
  const channel = decoderOverChannel(recognizer);
  channels.push(channel);
  return channel;
}

/** A worker-side decoder over a double that decodes as soon as audio arrives (no batching turn). */
function decodingAtOnce() {
  const recognizer = new OnlineRecognizerDouble(() => '好');
  const sent: FromDecoder[] = [];
  const decoder = new BatchedOnlineDecoder(
    recognizer,
    (m) => sent.push(m),
    (work) => work(),
  );
  return { recognizer, sent, decoder };
}

describe('batched streaming decoder (worker side)', () => {
  it('decodes the utterances that got audio in one turn together, one decodeStreams per chunk', () => {
    const recognizer = new OnlineRecognizerDouble((n) => (n >= 3200 ? '你好' : '你'));
    const sent: FromDecoder[] = [];
    const turns: (() => void)[] = [];
    const decoder = new BatchedOnlineDecoder(
      recognizer,
      (m) => sent.push(m),
      (work) => turns.push(work),
    );
    for (const id of [1, 2, 3]) decoder.handle({ type: 'open', id, sampleRate: 16000 });
    for (const id of [1, 2, 3]) decoder.handle({ type: 'audio', id, samples: new Float32Array(3200) });
    expect(turns).toHaveLength(1);
    turns.shift()?.();
    // Three streams, two chunks each: two batched runs of three, not six single ones.
    expect(recognizer.batches).toEqual([3, 3]);
    expect(sent).toEqual(
      [1, 2, 3].map((id) => ({ type: 'partial', id, text: '你好', ysProbs: [-0.1, -0.3] })),
    );
    // Unchanged text is not posted again.
    decoder.handle({ type: 'audio', id: 1, samples: new Float32Array(1600) });
    turns.shift()?.();
    expect(sent).toHaveLength(3);
  });

  it('flushes an utterance with 0.4 s of silence, answers with its final and forgets it', () => {
    const { recognizer, sent, decoder } = decodingAtOnce();
    decoder.handle({ type: 'open', id: 7, sampleRate: 16000 });
    decoder.handle({ type: 'audio', id: 7, samples: frame(0.1) });
    decoder.handle({ type: 'finish', id: 7 });
    const native = recognizer.streams[0] as NativeOnlineStreamDouble;
    expect(native.waves.map((w) => w.samples.length)).toEqual([1600, 6400]);
    expect(native.waves.every((w) => w.sampleRate === 16000)).toBe(true);
    expect(native.finished).toBe(true);
    expect(native.decodedSamples).toBe(native.received);
    expect(sent.at(-1)).toEqual({ type: 'final', id: 7, text: '好', ysProbs: [-0.1, -0.3] });
    expect(decoder.open).toBe(0);
  });

  it('converts a telephone call to the model rate in the worker, keeping the resampler tail before the padding', () => {
    const { recognizer, sent, decoder } = decodingAtOnce();
    decoder.handle({ type: 'open', id: 8, sampleRate: 8000 });
    const second = tone(8000, 440, 8000);
    for (let i = 0; i < second.length; i += 800) {
      decoder.handle({ type: 'audio', id: 8, samples: second.subarray(i, i + 800) });
    }
    decoder.handle({ type: 'finish', id: 8 });
    const native = recognizer.streams[0] as NativeOnlineStreamDouble;
    expect(native.waves.every((w) => w.sampleRate === 16000)).toBe(true);
    // One second of 8 kHz audio reaches the model as one second at 16 kHz, then the 0.4 s padding.
    expect(native.waves.at(-1)?.samples.length).toBe(6400);
    const speech = native.waves.slice(0, -1).flatMap((w) => [...w.samples]);
    expect(speech).toHaveLength(16000);
    // The same tone, not silence or aliasing: its level survives the conversion.
    expect(rms(speech.slice(4000, 12000))).toBeCloseTo(rms([...second]), 2);
    expect(sent.at(-1)).toMatchObject({ type: 'final', id: 8 });
  });

  it('fails only the utterances of a batch the decoder throws on', () => {
    const { recognizer, sent, decoder } = decodingAtOnce();
    decoder.handle({ type: 'open', id: 1, sampleRate: 16000 });
    recognizer.failDecode = true;
    decoder.handle({ type: 'audio', id: 1, samples: frame(0.1) });
    expect(sent).toEqual([{ type: 'stream_failed', id: 1, message: 'onnxruntime: bad chunk' }]);
    recognizer.failDecode = false;
    decoder.handle({ type: 'open', id: 2, sampleRate: 16000 });
    decoder.handle({ type: 'audio', id: 2, samples: frame(0.1) });
    expect(sent.at(-1)).toMatchObject({ type: 'partial', id: 2 });
  });
});

describe('sherpa-online stream (main side, over a message channel)', () => {
  it('gives the latest partial the decoder posted, in zh-TW characters, and the final at finish', async () => {
    const recognizer = new OnlineRecognizerDouble((n) => (n === 0 ? '' : n < 4800 ? '我要' : '我要申请软件'));
    const { client } = open(recognizer);
    const stream = new SherpaOnlineStream(client.open(16000), toTaiwan);
    expect(stream.partial()).toBeNull();
    stream.acceptWaveform(frame(0.1));
    stream.acceptWaveform(frame(0.2));
    await vi.waitFor(() => expect(stream.partial()?.text).toBe('我要'));
    expect(stream.partial()?.confidence).toBeCloseTo(Math.exp(-0.2), 6);
    stream.acceptWaveform(frame(0.3));
    // Characters only: 软件 is written 軟件, not replaced by the Taiwan word 軟體.
    expect(await stream.finish()).toEqual({
      text: '我要申請軟件',
      confidence: expect.closeTo(Math.exp(-0.2), 6),
    });
    const native = recognizer.streams[0] as NativeOnlineStreamDouble;
    expect(native.waves.map((w) => w.samples.length)).toEqual([1600, 1600, 1600, 6400]);
    expect([native.waves[0]?.samples[0], native.waves[2]?.samples[0]]).toEqual([
      Math.fround(0.1),
      Math.fround(0.3),
    ]);
  });

  it('takes no audio after finish or abort and refuses a second finish', async () => {
    const recognizer = new OnlineRecognizerDouble(() => '好');
    const { client, decoder } = open(recognizer);
    const stream = new SherpaOnlineStream(client.open(16000), toTaiwan);
    stream.acceptWaveform(frame(0.1));
    await stream.finish();
    stream.acceptWaveform(frame(0.1));
    expect(stream.partial()).toBeNull();
    await expect(stream.finish()).rejects.toMatchObject({ code: 'asr_failed' });
    const aborted = new SherpaOnlineStream(client.open(16000), toTaiwan);
    aborted.abort();
    await expect(aborted.finish()).rejects.toBeInstanceOf(AsrError);
    await vi.waitFor(() => expect(decoder.open).toBe(0));
  });

  it('fails an utterance whose decode failed, and every open one when the decoder is gone', async () => {
    const recognizer = new OnlineRecognizerDouble(() => '好');
    const { client } = open(recognizer);
    recognizer.failDecode = true;
    const failing = new SherpaOnlineStream(client.open(16000), toTaiwan);
    failing.acceptWaveform(frame(0.1));
    await expect(failing.finish()).rejects.toMatchObject({ code: 'asr_failed', message: /bad chunk/ });
    recognizer.failDecode = false;
    const open1 = new SherpaOnlineStream(client.open(16000), toTaiwan);
    const finishing = open1.finish();
    client.fail(new AsrError('asr_failed', 'the recognizer worker stopped (code 1)'));
    await expect(finishing).rejects.toMatchObject({ code: 'asr_failed', message: /worker stopped/ });
    expect(() => client.open(16000)).toThrow(/worker stopped/);
  });
});

describe('two-pass stream', () => {
  it('gives partials from the streaming model and the final from the offline model over the whole segment', async () => {
    const { client } = open(new OnlineRecognizerDouble(() => '我要查'));
    const offline = new OfflineRecognizerDouble();
    const stream = new TwoPassStream(
      new StreamingHypothesis(client.open(16000), toTaiwan),
      { recognizer: offline, hotwords: '大安区/信义路' },
      toTaiwan,
      16000,
    );
    const frames = [frame(0.1), frame(0.2), frame(0.3)];
    for (const f of frames) stream.acceptWaveform(f);
    await vi.waitFor(() => expect(stream.partial()?.text).toBe('我要查'));
    expect(await stream.finish()).toEqual({ text: '我要查詢垃圾車的時間', confidence: null });
    expect(offline.hotwords).toEqual(['大安区/信义路']);
    expect(offline.segments).toHaveLength(1);
    const segment = offline.segments[0] as Float32Array;
    expect(segment.length).toBe(4800);
    expect([segment[0], segment[1600], segment[3200]]).toEqual([
      frames[0]?.[0],
      frames[1]?.[0],
      frames[2]?.[0],
    ]);
  });

  it('hands the offline model the segment of a telephone call at 16 kHz', async () => {
    const offline = new OfflineRecognizerDouble();
    const stream = new TwoPassStream(null, { recognizer: offline }, toTaiwan, 8000);
    const half = tone(8000, 440, 4000);
    stream.acceptWaveform(half.subarray(0, 2000));
    stream.acceptWaveform(half.subarray(2000));
    await stream.finish();
    const segment = [...(offline.segments[0] as Float32Array)];
    expect(segment).toHaveLength(8000);
    expect(rms(segment.slice(2000, 6000))).toBeCloseTo(rms([...half]), 2);
  });

  it('runs without a streaming model (finals only) and reports a decoder failure as asr_failed', async () => {
    const offline = new OfflineRecognizerDouble();
    const decoder: OfflineDecoder = { recognizer: offline };
    const stream = new TwoPassStream(null, decoder, toTaiwan, 16000);
    stream.acceptWaveform(frame(0.1));
    expect(stream.partial()).toBeNull();
    offline.fail = true;
    await expect(stream.finish()).rejects.toMatchObject({ code: 'asr_failed', message: /invalid input/ });
    expect(await new TwoPassStream(null, decoder, toTaiwan, 16000).finish()).toEqual({
      text: '',
      confidence: null,
    });
    expect(offline.hotwords).toEqual([undefined]);
  });
});
