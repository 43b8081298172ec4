import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AsrEngine, AsrHypothesis, AsrStream } from '../../src/asr/index.js';
import { sharedPaths } from '../../test/shared.js';

/**
 * BENCHMARK STAND-IN — not a recognizer. No Mandarin model exists here, so each utterance the VAD
 * finds in a simulated call is given, as its final, one of the hand-written spoken 1999 questions of
 * the shared development set (`taipei_spoken.dev.jsonl`, the way callers talk): the text stage,
 * retrieval over the Taipei FAQ, suggestions and the archive then do the work they do for a real
 * caller, at the rate the VAD produces utterances. The audio's own words are not these. No partials
 * (every final is answered by a fresh suggestion, which is what the benchmark times).
 */
export class SpokenQueriesStandIn implements AsrEngine {
  readonly name = 'spoken-queries-stand-in';
  readonly version = 'taipei_spoken.dev';
  readonly streamsPartials = false;
  private readonly queries: string[];
  private next = 0;

  constructor() {
    this.queries = readFileSync(join(sharedPaths.devDir, 'taipei_spoken.dev.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { query: string }).query);
  }

  createStream(): AsrStream {
    const text = this.queries[this.next++ % this.queries.length] as string;
    return {
      acceptWaveform: () => undefined,
      partial: () => null,
      // In a later turn of the event loop, as a recognizer's final arrives (a message from its worker,
      // a response): not inside the VAD's delivery of every call's speech_end, ahead of their commits.
      finish: () =>
        new Promise<AsrHypothesis>((resolve) => setImmediate(() => resolve({ text, confidence: null }))),
      abort: () => undefined,
    };
  }

  close(): void {}
}
