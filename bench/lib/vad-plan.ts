import { decodeToPcm16, pcm16ToFloat32, StreamingResampler } from '../../src/audio/index.js';
import { VoiceActivityDetector, type VadSettings } from '../../src/asr/vad.js';
import { RATE } from './call-audio.js';

/** A speech event the server will emit, and the frame whose arrival completes its triggering audio. */
export interface PlannedEvent {
  type: 'speech_start' | 'speech_end';
  startMs: number;
  frame: number;
}

/**
 * Replays the server's per-frame path (μ-law decode → 8→16 kHz resampling → Silero VAD) over the
 * looped call audio, so the client knows which frame triggers each speech event. Both sides are
 * deterministic, so the n-th event a call receives is the n-th planned one (checked by start_ms).
 */
export function planSpeechEvents(
  frames: readonly Uint8Array[],
  totalFrames: number,
  vad: VadSettings,
): PlannedEvent[] {
  const resampler = new StreamingResampler(RATE, 16000);
  const detector = new VoiceActivityDetector(vad);
  const plan: PlannedEvent[] = [];
  for (let frame = 0; frame < totalFrames; frame++) {
    const pcm = decodeToPcm16(frames[frame % frames.length] as Uint8Array, 'mulaw', 1);
    const samples = resampler.push(pcm16ToFloat32(pcm));
    if (samples.length === 0) continue;
    for (const event of detector.accept(samples))
      plan.push({ type: event.type, startMs: event.startMs, frame });
  }
  return plan;
}
