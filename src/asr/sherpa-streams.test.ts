import { describe, expect, it } from 'vitest';
import { AsrError } from './errors.js';
import type {
  OfflineRecognizerResult,
  OnlineRecognizerResult,
  SherpaOfflineRecognizer,
  SherpaOfflineStream,
  SherpaOnlineRecognizer,
  SherpaOnlineStream as NativeOnlineStream,
  SherpaWaveform,
} from './sherpa-addon.js';
import { SherpaOnlineStream } from './sherpa-online.js';
import { TwoPassStream } from './two-pass.js';

/**
 * TEST DOUBLES of the native sherpa-onnx recognizers (no model weights exist here): they record
 * the audio and calls they get and answer with fixed Simplified-Chinese text, so these tests check
 * our stream handling — decode scheduling, tail flush, segment hand-off, script conversion — not
 * recognition. Real recognition is covered by sherpa-engines.test.ts when a model is configured.
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

class OnlineRecognizerDouble implements SherpaOnlineRecognizer {
  streams: NativeOnlineStreamDouble[] = [];
  decodeCalls = 0;
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
  decode(stream: NativeOnlineStream): void {
    const s = stream as NativeOnlineStreamDouble;
    this.decodeCalls++;
    s.decodedSamples = Math.min(s.received, s.decodedSamples + 1600);
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
  fail = false;
  createStream(): SherpaOfflineStream {
    return { acceptWaveform: (wave) => this.segments.push(wave.samples.slice()) };
  }
  async decodeAsync(): Promise<OfflineRecognizerResult> {
    if (this.fail) throw new Error('onnxruntime: invalid input');
    return { text: '我要查询垃圾车的时间' };
  }
}

const frame = (value: number) => new Float32Array(1600).fill(value);

describe('sherpa-online stream', () => {
  it('decodes pending frames when a partial is asked for, and flushes the tail at finish', async () => {
    const recognizer = new OnlineRecognizerDouble((n) => (n === 0 ? '' : n < 4800 ? '我要' : '我要申请软件'));
    const stream = new SherpaOnlineStream(recognizer);
    expect(stream.partial()).toBeNull();
    stream.acceptWaveform(frame(0.1));
    stream.acceptWaveform(frame(0.2));
    expect(stream.partial()).toEqual({ text: '我要', confidence: expect.closeTo(Math.exp(-0.2), 6) });
    stream.acceptWaveform(frame(0.3));
    const final = await stream.finish();
    expect(final.text).toBe('我要申請軟體');
    const native = recognizer.streams[0] as NativeOnlineStreamDouble;
    expect(native.finished).toBe(true);
    // Three frames, then 0.4 s of silence so the last frames leave the streaming encoder.
    expect(native.waves.map((w) => w.samples.length)).toEqual([1600, 1600, 1600, 6400]);
    expect(native.waves.every((w) => w.sampleRate === 16000)).toBe(true);
    expect(native.decodedSamples).toBe(native.received);
  });

  it('takes no audio after finish or abort and refuses a second finish', async () => {
    const recognizer = new OnlineRecognizerDouble(() => '好');
    const stream = new SherpaOnlineStream(recognizer);
    stream.acceptWaveform(frame(0.1));
    await stream.finish();
    stream.acceptWaveform(frame(0.1));
    expect(stream.partial()).toBeNull();
    await expect(stream.finish()).rejects.toMatchObject({ code: 'asr_failed' });
    const aborted = new SherpaOnlineStream(recognizer);
    aborted.abort();
    await expect(aborted.finish()).rejects.toBeInstanceOf(AsrError);
  });
});

describe('two-pass stream', () => {
  it('gives partials from the streaming model and the final from the offline model over the whole segment', async () => {
    const online = new OnlineRecognizerDouble(() => '我要查');
    const offline = new OfflineRecognizerDouble();
    const stream = new TwoPassStream(online, offline);
    const frames = [frame(0.1), frame(0.2), frame(0.3)];
    for (const f of frames) stream.acceptWaveform(f);
    expect(stream.partial()?.text).toBe('我要查');
    expect(await stream.finish()).toEqual({ text: '我要查詢垃圾車的時間', confidence: null });
    expect(offline.segments).toHaveLength(1);
    const segment = offline.segments[0] as Float32Array;
    expect(segment.length).toBe(4800);
    expect([segment[0], segment[1600], segment[3200]]).toEqual([
      frames[0]?.[0],
      frames[1]?.[0],
      frames[2]?.[0],
    ]);
  });

  it('runs without a streaming model (finals only) and reports a decoder failure as asr_failed', async () => {
    const offline = new OfflineRecognizerDouble();
    const stream = new TwoPassStream(null, offline);
    stream.acceptWaveform(frame(0.1));
    expect(stream.partial()).toBeNull();
    offline.fail = true;
    await expect(stream.finish()).rejects.toMatchObject({ code: 'asr_failed', message: /invalid input/ });
    expect(await new TwoPassStream(null, offline).finish()).toEqual({ text: '', confidence: null });
  });
});
