import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { audioManifest, sharedPaths } from '../../test/shared.js';
import { pcm16ToFloat32, readWav, resample } from '../audio/index.js';
import {
  VadModelMissingError,
  VadPool,
  VoiceActivityDetector,
  type VadEvent,
  type VadSettings,
} from './vad.js';

const settings: VadSettings = {
  model: sharedPaths.vadModel,
  threshold: 0.5,
  minSilenceMs: 800,
  minSpeechMs: 250,
  maxUtteranceMs: 20_000,
};

function run(
  file: string,
  overrides: Partial<VadSettings> = {},
  chunkMs = 100,
  vad = new VoiceActivityDetector({ ...settings, ...overrides }),
): VadEvent[] {
  const wav = readWav(readFileSync(file));
  let audio = pcm16ToFloat32(wav.channels[0]!);
  if (wav.sampleRate !== 16000) audio = resample(audio, wav.sampleRate, 16000);
  const events: VadEvent[] = [];
  const step = chunkMs * 16;
  for (let i = 0; i < audio.length; i += step) events.push(...vad.accept(audio.subarray(i, i + step)));
  events.push(...vad.flush());
  return events;
}

const ends = (events: VadEvent[]) =>
  events.filter((e): e is Extract<VadEvent, { type: 'speech_end' }> => e.type === 'speech_end');

describe('Silero VAD on real recordings', () => {
  const manifest = audioManifest();
  const meetingPath = () => manifest.find((r) => r.file.includes('TEST_MEETING'))!.path;

  it('finds speech in every 16 kHz and 8 kHz recording, starts before ends, inside the audio', () => {
    for (const row of manifest.filter((r) => r.sampleRate === 16000 || r.sampleRate === 8000)) {
      const events = run(row.path);
      const segments = ends(events);
      expect(segments.length, row.file).toBeGreaterThan(0);
      let open = false;
      for (const e of events) {
        expect(e.type === 'speech_start' ? !open : open, `${row.file}: alternating start/end`).toBe(true);
        open = e.type === 'speech_start';
      }
      for (const s of segments) {
        expect(s.endMs).toBeGreaterThan(s.startMs);
        expect(s.endMs).toBeLessThanOrEqual(row.durationS * 1000 + 50);
        expect(s.samples.length).toBe(Math.round((s.endMs - s.startMs) * 16));
      }
    }
  });

  it('splits the meeting recording at its pause with 800 ms trailing silence, and not with 3 s', () => {
    const meeting = manifest.find((r) => r.file.includes('TEST_MEETING'))!;
    expect(ends(run(meeting.path)).length).toBeGreaterThanOrEqual(2);
    expect(ends(run(meeting.path, { minSilenceMs: 3000 }))).toHaveLength(1);
  });

  it('cuts an utterance at the maximum length', () => {
    const long = manifest.find((r) => r.file === 'bilingual-zh-en/4.wav')!;
    const segments = ends(run(long.path, { maxUtteranceMs: 5000, minSilenceMs: 2000 }));
    expect(segments.length).toBeGreaterThanOrEqual(3);
    // sherpa-onnx cuts at the limit and keeps its pre-roll (up to ~0.6 s) in front of the cut.
    for (const s of segments) expect(s.endMs - s.startMs).toBeLessThanOrEqual(5600);
  });

  it('finds the same utterances whatever the frame size (10 ms to 1 s)', () => {
    const row = manifest.find((r) => r.file === 'paraformer-zh-2023-03-28/8k.wav')!;
    const a = ends(run(row.path, {}, 10));
    const b = ends(run(row.path, {}, 1000));
    expect(a).toHaveLength(b.length);
    // Ends are exact; the pre-roll kept in front of a start depends on where frames fall.
    a.forEach((s, i) => {
      expect(s.endMs).toBe(b[i]!.endMs);
      expect(Math.abs(s.startMs - b[i]!.startMs)).toBeLessThanOrEqual(200);
    });
  });

  it('a pooled detector, reset for the next call, finds exactly what a new one finds', () => {
    const pool = new VadPool();
    const first = pool.acquire(settings);
    const fresh = run(meetingPath(), {}, 100, first).map((e) => [e.type, e.startMs]);
    pool.release(first);
    const reused = pool.acquire(settings);
    expect(reused).toBe(first);
    expect(run(meetingPath(), {}, 100, reused).map((e) => [e.type, e.startMs])).toEqual(fresh);
    expect(pool.acquire({ ...settings, minSilenceMs: 500 })).not.toBe(first);
  });

  it('says clearly when the model file is missing', () => {
    expect(() => new VoiceActivityDetector({ ...settings, model: '/nonexistent/vad.onnx' })).toThrow(
      VadModelMissingError,
    );
  });
});
