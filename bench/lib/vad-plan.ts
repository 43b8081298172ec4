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
 * native as configured) over the looped call audio, so the client knows which frame triggers each
 * speech event. Both sides are deterministic, so the n-th event a call receives is the n-th planned
 * one (checked by start_ms).
 */
export async function planSpeechEvents(
  frames: readonly Uint8Array[],
  totalFrames: number,
  vad: VadPlanSettings,
): Promise<PlannedEvent[]> {
  const model = await SileroModel.load(vad.model);
  const upsample = vad.telephone === 'upsample';
  const resampler = upsample ? new StreamingResampler(RATE, 16000) : null;
  const detector = new SileroDetector(vad, upsample ? 16000 : RATE, vad.gate);
  const plan: PlannedEvent[] = [];
  for (let frame = 0; frame < totalFrames; frame++) {
    const pcm = decodeToPcm16(frames[frame % frames.length] as Uint8Array, 'mulaw', 1);
    const samples = resampler ? resampler.push(pcm16ToFloat32(pcm)) : pcm;
    if (samples.length === 0) continue;
    detector.accept(samples);
    await model.drain([detector]);
    for (const event of detector.takeSteps().flatMap((s) => s.events))
      plan.push({ type: event.type, startMs: event.startMs, frame });
  }
  await model.close();
  return plan;
}
