import type { AsrEngine, AsrHypothesis, AsrStream, AsrStreamOptions } from '../engine.js';

export interface ReferenceRecording {
  /** Known transcript of the whole recording. */
  text: string;
  durationMs: number;
  /** What the double reports as each partial's confidence (null: an engine that gives none). */
  partialConfidence?: number | null;
}

/**
 * TEST DOUBLE — not a recognizer. For a call streaming a recording whose transcript is known (the
 * shared manifest's reference text), it returns the slice of that reference that falls inside each
 * real VAD segment, so the whole event path (partials, finals, correction, retrieval, desktop) can be
 * exercised without model weights. It is never selectable through configuration: tests and the
 * e2e harness inject it with `startApp(config, { asrEngine })`.
 */
export class ReferenceTextEngineDouble implements AsrEngine {
  readonly name = 'reference-text-double';
  readonly version = 'test-double';
  readonly streamsPartials = true;

  constructor(private readonly recordingFor: (caseId: string) => ReferenceRecording | undefined) {}

  /** Per call: how far into the reference the finals so far have consumed. */
  private readonly consumed = new Map<string, number>();

  createStream(options: AsrStreamOptions): AsrStream {
    const recording = this.recordingFor(options.caseId);
    const chars = [...(recording?.text ?? '')];
    const key = `${options.caseId}#${options.channel}`;
    let receivedMs = 0;
    // Characters are spread over the recording's duration; the last second's speech closes it.
    const endIndex = (endMs: number): number => {
      if (!recording || recording.durationMs <= 0) return 0;
      if (endMs >= recording.durationMs - 1000) return chars.length;
      return Math.min(chars.length, Math.ceil((endMs / recording.durationMs) * chars.length));
    };
    const from = () => this.consumed.get(key) ?? 0;
    let aborted = false;
    return {
      acceptWaveform(samples: Float32Array) {
        receivedMs += (samples.length * 1000) / options.sampleRate;
      },
      partial: (): AsrHypothesis | null => {
        const text = chars.slice(from(), endIndex(options.startMs + receivedMs)).join('');
        return text ? { text, confidence: recording?.partialConfidence ?? null } : null;
      },
      finish: async (): Promise<AsrHypothesis> => {
        if (aborted) throw new Error('stream aborted');
        const start = from();
        const end = Math.max(start, endIndex(options.startMs + receivedMs));
        this.consumed.set(key, end);
        return { text: chars.slice(start, end).join(''), confidence: null };
      },
      abort() {
        aborted = true;
      },
    };
  }

  close(): void {}
}
