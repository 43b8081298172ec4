import { describe, expect, it } from 'vitest';
import type { EventBody, ServerEvent } from '../../../src/protocol/index.js';
import { callReducer, receiveEvents } from './callReducer.js';
import {
  currentSuggestion,
  initialCallState,
  pendingAlerts,
  streamingReply,
  verifiedText,
  type CallState,
} from './callState.js';

const CASE = 'case-1';

/** Numbers event bodies from `first` the way the server's call does. */
function numbered(bodies: EventBody[], first = 1): ServerEvent[] {
  return bodies.map((body, i) => ({ ...body, seq: first + i, case_id: CASE, ts: 1_000 + i }) as ServerEvent);
}

const started: EventBody = {
  type: 'started',
  sample_rate: 16000,
  channels: 1,
  format: 'pcm_s16le',
  asr: { engine: 'test', version: '1' },
  resumed: false,
};
const partial = (id: string, rev: number, text: string): EventBody => ({
  type: 'partial',
  utterance_id: id,
  rev,
  text,
  confidence: null,
  speaker: 'caller',
  channel: 0,
});
const final = (id: string, text: string, corrected = text, edits: EventBody[] = []): EventBody => ({
  type: 'final',
  utterance_id: id,
  text,
  corrected_text: corrected,
  edits: edits as never,
  start_ms: 0,
  end_ms: 1000,
  speaker: 'caller',
  channel: 0,
});
const suggestion = (
  id: string,
  opts: { speculative?: boolean; kb?: number; script?: string; faq?: string } = {},
) =>
  ({
    type: 'suggestion',
    utterance_id: id,
    corrected_text: 'x',
    faq_candidates: [
      {
        faq_id: opts.faq ?? 'f1',
        question: '如何申請停車證？',
        answer: '請洽交通局。',
        agency: '交通局',
        score: 0.8,
        confidence: 0.8,
        tier: 'hot',
      },
    ],
    reply_script: opts.script ?? '您好，',
    tier: 'hot',
    kb_version: opts.kb ?? 1,
    speculative: opts.speculative ?? false,
    handoff: null,
    source: 'template',
    cited_faq_ids: [],
  }) satisfies EventBody;

function run(events: ServerEvent[], state = initialCallState(CASE)): CallState {
  return callReducer(state, { type: 'events', events });
}

describe('callReducer', () => {
  it('replaces a partial by its final in place, keeping the transcript order', () => {
    const s = run(
      numbered([
        started,
        partial('u1', 1, '我要申'),
        partial('u1', 2, '我要申請'),
        partial('u2', 1, '停車'),
        final('u1', '我要申請路邊停車', '我要申請路邊停車。'),
      ]),
    );
    expect(s.utterances.map((u) => u.id)).toEqual(['u1', 'u2']);
    expect(s.utterances[0]).toMatchObject({ final: true, correctedText: '我要申請路邊停車。' });
    expect(s.utterances[1]).toMatchObject({ final: false, text: '停車' });
  });

  it('never lets an older partial revision or a late partial overwrite newer text', () => {
    const s = run(
      numbered([
        partial('u1', 3, '新的文字'),
        partial('u1', 2, '舊的'),
        final('u1', '最後'),
        partial('u1', 4, '遲到'),
      ]),
    );
    expect(s.utterances).toHaveLength(1);
    expect(s.utterances[0]).toMatchObject({ final: true, text: '最後' });
  });

  it('applies events by seq whatever order they arrive in, and flags a gap until it is filled', () => {
    const [e1, e2, e3, e4] = numbered([
      started,
      partial('u1', 1, '一'),
      partial('u1', 2, '一二'),
      final('u1', '一二三'),
    ]);
    let s = run([e1!, e3!, e4!]);
    expect(s.lastSeq).toBe(1);
    expect(s.gap).toBe(true);
    expect(s.utterances).toHaveLength(0);
    s = run([e2!], s);
    expect(s.gap).toBe(false);
    expect(s.lastSeq).toBe(4);
    expect(s.utterances[0]).toMatchObject({ final: true, text: '一二三' });
  });

  it('ignores the overlap replayed after a resume (no duplicate lines or feedback)', () => {
    const events = numbered([
      started,
      final('u1', '你好'),
      { type: 'feedback', action: 'adopt', utterance_id: 'u1', faq_id: 'f1', by: 'agent-1' },
    ]);
    const once = run(events);
    const twice = run(events, once);
    expect(twice).toBe(once);
    expect(twice.feedback).toHaveLength(1);
  });

  it('marks suggestions from an older knowledge-base version as stale when kb_updated arrives', () => {
    let s = run(numbered([started, final('u1', 'a'), suggestion('u1', { kb: 3 })]));
    expect(s.suggestions[0]?.stale).toBe(false);
    s = run(numbered([{ type: 'kb_updated', kb: 'default', version: 4 }], 4), s);
    expect(s.suggestions[0]?.stale).toBe(true);
    // A suggestion made after the update from the new version is current.
    s = run(numbered([final('u2', 'b'), suggestion('u2', { kb: 4 })], 5), s);
    expect(s.suggestions.map((x) => x.stale)).toEqual([true, false]);
  });

  it('replaces a speculative suggestion by the one for the final, and never the other way round', () => {
    let s = run(
      numbered([
        started,
        partial('u1', 1, '停車'),
        suggestion('u1', { speculative: true, faq: 'spec' }),
        final('u1', '停車證'),
        suggestion('u1', { faq: 'real' }),
        suggestion('u1', { speculative: true, faq: 'late-spec' }),
      ]),
    );
    expect(s.suggestions).toHaveLength(1);
    expect(s.suggestions[0]).toMatchObject({ speculative: false });
    expect(s.suggestions[0]?.faqCandidates[0]?.faq_id).toBe('real');
    s = run(numbered([final('u2', 'x'), suggestion('u2', { faq: 'second' })], 7), s);
    expect(currentSuggestion(s)?.utteranceId).toBe('u2');
  });

  it('shows streamed reply deltas until the suggestion with the full script arrives', () => {
    let s = run(
      numbered([
        started,
        final('u1', '停車'),
        { type: 'reply_delta', utterance_id: 'u1', delta: '您好，' },
        { type: 'reply_delta', utterance_id: 'u1', delta: '停車證請' },
      ]),
    );
    expect(streamingReply(s)).toEqual({ utteranceId: 'u1', text: '您好，停車證請' });
    s = run(numbered([suggestion('u1', { script: '您好，停車證請洽交通局。' })], 5), s);
    expect(streamingReply(s)).toBeNull();
    expect(s.suggestions[0]?.replyScript).toBe('您好，停車證請洽交通局。');
  });

  it('tracks speech activity, alerts, tool results and the end of the call', () => {
    let s = run(
      numbered([
        started,
        { type: 'speech_start', utterance_id: 'u1', speaker: 'caller', channel: 0, start_ms: 0 },
      ]),
    );
    expect(s.speaking.caller).toBe(true);
    s = run(
      numbered(
        [
          { type: 'speech_end', utterance_id: 'u1', speaker: 'caller', channel: 0, start_ms: 0, end_ms: 900 },
          {
            type: 'alert',
            utterance_id: 'u1',
            level: 'critical',
            category: 'suicide',
            protocol: '1925',
            script: '謝謝您願意告訴我。',
            reason: '自殺風險：不想活',
            text: '我不想活了',
          },
          { type: 'tool_result', utterance_id: 'u1', tool: 'case_status', result: { status: '處理中' } },
          { type: 'closed', reason: 'end' },
        ],
        3,
      ),
      s,
    );
    expect(s.speaking.caller).toBe(false);
    expect(s.alerts[0]).toMatchObject({ level: 'critical', category: 'suicide', protocol: '1925', seq: 4 });
    expect(pendingAlerts(s).map((a) => a.seq)).toEqual([4]);
    expect(s.toolResults[0]?.result).toEqual({ status: '處理中' });
    expect(s).toMatchObject({ status: 'ended', closedReason: 'end' });
  });

  it('an alert stays pending until the agent acknowledges it; supervisor steps are kept beside it', () => {
    const alert = {
      type: 'alert' as const,
      utterance_id: 'u1',
      level: 'critical' as const,
      category: 'fire_gas' as const,
      protocol: '119' as const,
      script: '請先離開現場。',
      reason: '火災或瓦斯：失火',
      text: '失火了',
    };
    const step = (
      action: 'acknowledge' | 'take_over' | 'outcome',
      role: 'agent' | 'supervisor',
      note: string | null = null,
    ) => ({
      type: 'alert_action' as const,
      alert_seq: 2,
      action,
      by: role,
      by_name: null,
      role,
      note,
    });
    let s = run(
      numbered([started, alert, step('acknowledge', 'supervisor'), step('take_over', 'supervisor')]),
    );
    expect(pendingAlerts(s)).toHaveLength(1);
    expect(s.alerts[0]?.steps).toMatchObject({
      supervisor_ack: { by: 'supervisor' },
      take_over: { by: 'supervisor' },
    });
    s = run(numbered([step('acknowledge', 'agent'), step('outcome', 'supervisor', '已派車')], 5), s);
    expect(pendingAlerts(s)).toEqual([]);
    expect(s.alerts[0]?.steps.outcome).toMatchObject({ note: '已派車' });
  });

  it('treats the first event of a call as seq 1: a missing start is a gap, not a baseline', () => {
    const s = run(numbered([partial('u1', 1, '晚到')], 2));
    expect(s.gap).toBe(true);
    expect(s.utterances).toHaveLength(0);
  });

  it('keeps errors the server sent outside the sequence (seq 0) without disturbing the order', () => {
    const s = run([
      ...numbered([started]),
      { type: 'error', code: 'invalid_message', message: 'bad', fatal: false, seq: 0, case_id: CASE, ts: 0 },
      ...numbered([partial('u1', 1, '好')], 2),
    ]);
    expect(s.errors.map((e) => e.code)).toEqual(['invalid_message']);
    expect(s.lastSeq).toBe(2);
  });

  it('ignores events of another call', () => {
    const other = { ...numbered([started])[0]!, case_id: 'other' } as ServerEvent;
    expect(run([other]).status).toBe('waiting');
  });

  it('reverts an undone correction in the verified text only', () => {
    const edits = [
      { start: 0, end: 3, original: '大安取', replacement: '大安區', kind: 'lexicon' },
      { start: 3, end: 5, original: '一九', replacement: '19', kind: 'itn' },
    ];
    let s = run(numbered([final('u1', '大安取一九', '大安區19', edits as never)]));
    s = callReducer(s, { type: 'undo_correction', utteranceId: 'u1', editIndex: 0 });
    expect(verifiedText(s.utterances[0]!)).toBe('大安取19');
    expect(s.utterances[0]?.correctedText).toBe('大安區19');
  });

  it('keeps state identity when nothing applies (no needless re-render)', () => {
    const s = run(numbered([started]));
    expect(receiveEvents(s, [])).toBe(s);
  });
});

describe('server restarts', () => {
  const CASE_R = 'call-restart';
  const at = (runTs: number) => (b: EventBody, i: number) =>
    ({ ...b, seq: i + 1, case_id: CASE_R, ts: runTs + i * 10 }) as ServerEvent;
  const started: EventBody = {
    type: 'started',
    sample_rate: 16000,
    channels: 1,
    format: 'pcm_s16le',
    asr: null,
    resumed: false,
    case_no: '1999-20261202-000007',
  };
  const final = (id: string, text: string): EventBody => ({
    type: 'final',
    utterance_id: id,
    text,
    corrected_text: text,
    edits: [],
    start_ms: 0,
    end_ms: 500,
    speaker: 'caller',
    channel: 0,
  });

  it('a server stop pauses the call (not a hang-up); the next run continues it with everything kept', () => {
    const first = [
      started,
      final('a-u1', '我想問垃圾車'),
      { type: 'closed', reason: 'server_shutdown' } as EventBody,
    ].map(at(1_000));
    let s = callReducer(initialCallState(CASE_R), { type: 'events', events: first });
    expect(s.status).toBe('interrupted');
    expect(s.endedAt).toBeNull();
    expect(s.caseNo).toBe('1999-20261202-000007');

    // The restarted server's run of the same case numbers its events from 1 again.
    const second = [started, final('b-u1', '幾點會來')].map(at(9_000));
    s = callReducer(s, { type: 'events', events: second });
    expect(s.status).toBe('live');
    expect(s.utterances.map((u) => u.text)).toEqual(['我想問垃圾車', '幾點會來']);
    expect(s.lastSeq).toBe(2);
    expect(s.runTs).toBe(9_000);
    // A replay of the new run (reconnect) changes nothing.
    expect(callReducer(s, { type: 'events', events: second })).toBe(s);
  });
});
