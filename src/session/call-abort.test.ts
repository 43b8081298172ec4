import { describe, expect, it } from 'vitest';
import type { AsrEngine, AsrHypothesis, VadChannelListener, VadService } from '../asr/index.js';
import { createLogger, loadConfig } from '../config/index.js';
import { startMessage, type ServerEvent } from '../protocol/index.js';
import type { CallAssistantFactory } from '../suggest/index.js';
import { CallSessionManager, type CallRecorder } from './index.js';

/**
 * One caller utterance whose recognition answers only when the test says so, through the real
 * session and pipeline: the VAD and the engine are scripted, the recorder keeps what is archived.
 */
async function callWithPendingFinal() {
  const config = loadConfig({ env: {} });
  let vad: VadChannelListener | undefined;
  const vadService: Pick<VadService, 'open'> = {
    open: (_rate, _settings, listener) => {
      vad = listener;
      return { accept: () => {}, flush: async () => {}, close: () => {} };
    },
  };
  let answer: ((hypothesis: AsrHypothesis) => void) | undefined;
  const engine: AsrEngine = {
    name: 'scripted',
    version: '1',
    streamsPartials: false,
    createStream: () => ({
      acceptWaveform: () => {},
      partial: () => null,
      finish: () => new Promise<AsrHypothesis>((resolve) => (answer = resolve)),
      abort: () => {},
    }),
    close: () => {},
  };
  const archived: ServerEvent[] = [];
  const recorder: CallRecorder = {
    callStarted: async () => {},
    callAudio: () => {},
    utteranceAudio: async () => {},
    event: (event) => void archived.push(event),
    callEnded: async () => {},
  };
  // The assistant answers every final at once: a suggestion is what an agent would see.
  const assistant: CallAssistantFactory = (context) => ({
    onPartial: () => {},
    onFinal: (u) =>
      context.emit({
        type: 'suggestion',
        utterance_id: u.utteranceId,
        corrected_text: u.text,
        faq_candidates: [],
        reply_script: '請稍候',
        tier: 'cold',
        kb_version: null,
        speculative: false,
        handoff: null,
        source: 'template',
        cited_faq_ids: [],
      }),
    close: async () => {},
  });
  const manager = new CallSessionManager({
    config,
    logger: createLogger('silent'),
    asrEngineFor: () => engine,
    vad: vadService,
    text: null,
    assistant,
    recorder,
  });
  const session = await manager.open(startMessage.parse({ type: 'start', case_id: 'abort-case' }));
  const seen: ServerEvent[] = [];
  session.log.tap((event) => seen.push(event));
  session.acceptAudio(new Uint8Array(3200));
  vad?.onResult({
    steps: [{ events: [{ type: 'speech_start', startMs: 0 }], processed: 1600 }],
    keepFrom: 0,
  });
  vad?.onResult({
    steps: [
      {
        events: [{ type: 'speech_end', startMs: 0, endMs: 100, startSample: 0, sampleCount: 1600 }],
        processed: 1600,
      },
    ],
    keepFrom: 1600,
  });
  const lateResult = () => answer?.({ text: '我家門口的路燈不亮', confidence: 0.9 });
  return { manager, session, seen, archived, lateResult };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const types = (events: ServerEvent[]) => events.map((e) => e.type);

describe('aborting a call', () => {
  it('waits for the last final when the shutdown has time: final and suggestion, then closed', async () => {
    const call = await callWithPendingFinal();
    const shutdown = call.manager.shutdown();
    await settle();
    call.lateResult();
    expect(await shutdown).toBe(true);
    expect(types(call.seen)).toEqual(['speech_start', 'speech_end', 'final', 'suggestion', 'closed']);
    expect(types(call.archived).slice(-3)).toEqual(['final', 'suggestion', 'closed']);
  });

  it('past the shutdown deadline drops the late ASR result: closed is the last event, shown and archived', async () => {
    const call = await callWithPendingFinal();
    expect(await call.manager.shutdown(30)).toBe(false);
    await call.session.end('server_shutdown');
    expect(call.seen.at(-1)).toMatchObject({ type: 'closed', reason: 'server_shutdown' });
    call.lateResult();
    await settle();
    expect(types(call.seen)).toEqual(['speech_start', 'speech_end', 'closed']);
    expect(types(call.archived)).not.toContain('final');
    expect(call.archived.at(-1)?.type).toBe('closed');
  });
});
