import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeToPcm16, pcm16ToFloat32, StreamingResampler } from '../../src/audio/index.js';
import type { TelephoneVad, VadSettings } from '../../src/asr/index.js';
import { SileroDetector } from '../../src/asr/silero-detector.js';
import { SileroModel } from '../../src/asr/silero-model.js';
import { RATE } from './call-audio.js';

/** A speech event the server will emit, and the frame whose arrival completes its triggering audio. */
export interface PlannedEvent {
  type: 'speech_start' | 'speech_end';
  startMs: number;
  frame: number;
}

export interface VadPlanSettings extends VadSettings {
  model: string;
  gate: boolean;
  telephone: TelephoneVad;
}

/**
 * Replays the server's per-frame path (μ-law decode → the VAD worker's detector, 8 kHz upsampled or
 * native as configured) over each call's looped audio, so the client knows which frame triggers
 * each speech event. Both sides are deterministic, so the n-th event a call receives is the n-th
 * planned one (checked by start_ms). The calls are replayed side by side, one batched model run
 * per frame for all of them, as the VAD worker runs them.
 */
async function planSpeechEvents(
  calls: readonly (readonly Uint8Array[])[],
  totalFrames: number,
  vad: VadPlanSettings,
  model: SileroModel,
): Promise<PlannedEvent[][]> {
  const upsample = vad.telephone === 'upsample';
  const lanes = calls.map((frames) => ({
    frames,
    resampler: upsample ? new StreamingResampler(RATE, 16000) : null,
    detector: new SileroDetector(vad, upsample ? 16000 : RATE, vad.gate),
    plan: [] as PlannedEvent[],
  }));
  for (let frame = 0; frame < totalFrames; frame++) {
    for (const { frames, resampler, detector } of lanes) {
      const pcm = decodeToPcm16(frames[frame % frames.length] as Uint8Array, 'mulaw', 1);
      const samples = resampler ? resampler.push(pcm16ToFloat32(pcm)) : pcm;
      if (samples.length > 0) detector.accept(samples);
    }
    await model.drain(lanes.map((lane) => lane.detector));
    for (const { detector, plan } of lanes) {
      for (const event of detector.takeSteps().flatMap((s) => s.events))
        plan.push({ type: event.type, startMs: event.startMs, frame });
    }
  }
  return lanes.map((lane) => lane.plan);
}

/**
 * The plans of calls that start `phases` evenly spaced points into the looped audio (phase i starts
 * at frame i·length/phases), so that simulated calls do not all speak and fall silent at the same
 * moment, as real calls would not. Each phase is replayed in full: the detector's state drifts
 * from one pass of the loop to the next (noise floor, recurrent state), so a pass's events cannot
 * be assumed to repeat. Plans are cached in `cacheDir` by their inputs: later scenarios and runs
 * reuse them.
 */
export async function planPhases(
  frames: readonly Uint8Array[],
  totalFrames: number,
  vad: VadPlanSettings,
  phases: number,
  cacheDir: string,
): Promise<PlannedEvent[][]> {
  const audio = createHash('sha256');
  for (const frame of frames) audio.update(frame);
  const key = createHash('sha256')
    .update(
      JSON.stringify({
        vad,
        totalFrames,
        phases,
        audio: audio.digest('hex'),
        model: statSync(vad.model).size,
      }),
    )
    .digest('hex')
    .slice(0, 16);
  const cached = join(cacheDir, `speech-plan-${key}.json`);
  if (existsSync(cached)) return JSON.parse(readFileSync(cached, 'utf8')) as PlannedEvent[][];
  const model = await SileroModel.load(vad.model);
  let plans: PlannedEvent[][];
  try {
    const rotations = Array.from({ length: phases }, (_, phase) => {
      const from = Math.floor((phase * frames.length) / phases);
      return [...frames.slice(from), ...frames.slice(0, from)];
    });
    plans = await planSpeechEvents(rotations, totalFrames, vad, model);
  } finally {
    await model.close();
  }
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cached, JSON.stringify(plans));
  return plans;
}
