import { describe, expect, it } from 'vitest';
import { type EventBody, type ServerEvent, caseRecordBody } from '../../../src/protocol/index.js';
// Contract check only: the web app itself never imports server code.
import { callReducer } from './callReducer.js';
import { initialCallState } from './callState.js';
import { buildCaseRecord, callerQuestions, draftWrapUp, type TypedQuestion } from './wrapUp.js';

const CASE = 'call-42';
const bodies: EventBody[] = [
  { type: 'started', sample_rate: 16000, channels: 1, format: 'pcm_s16le', asr: null, resumed: false },
  {
    type: 'final',
    utterance_id: 'u1',
    text: '我想問大安取的路邊停車',
    corrected_text: '我想問大安區的路邊停車',
    edits: [{ start: 3, end: 6, original: '大安取', replacement: '大安區', kind: 'lexicon' }],
    start_ms: 200,
    end_ms: 2600,
    speaker: 'caller',
    channel: 0,
  },
  {
    type: 'suggestion',
    utterance_id: 'u1',
    corrected_text: '我想問大安區的路邊停車',
    faq_candidates: [
      {
        faq_id: 'faq-9',
        question: '路邊停車費如何繳納？',
        answer: '可至超商繳納。',
        agency: '交通局',
        score: 0.9,
        confidence: 0.9,
        tier: 'hot',
      },
    ],
    reply_script: '您好，路邊停車費可至超商繳納。',
    tier: 'hot',
    kb_version: 2,
    speculative: false,
    handoff: null,
    source: 'template',
    cited_faq_ids: ['faq-9'],
  },
  { type: 'feedback', action: 'copy', utterance_id: 'u1', faq_id: 'faq-9', text: '可至超商繳納。', by: 'a1' },
  {
    type: 'feedback',
    action: 'adopt',
    utterance_id: 'u1',
    faq_id: 'faq-9',
    text: '可至超商繳納。',
    by: 'a1',
  },
  { type: 'closed', reason: 'end' },
];
const events = bodies.map(
  (b, i) => ({ ...b, seq: i + 1, case_id: CASE, ts: 1_700_000_000_000 + i * 1000 }) as ServerEvent,
);
const state = callReducer(initialCallState(CASE), { type: 'events', events });

describe('wrap-up', () => {
  it('pre-fills the summary from what the caller said and the adopted answer, and the agency from it', () => {
    const form = draftWrapUp(state);
    expect(form.summary).toContain('我想問大安區的路邊停車');
    expect(form.summary).toContain('路邊停車費如何繳納？');
    expect(form.agency).toBe('交通局');
  });

  it('keeps an adopted card that a later suggestion for the same utterance replaced', () => {
    const adoptIndex = bodies.findIndex((b) => b.type === 'feedback' && b.action === 'adopt');
    const replacement: EventBody = {
      ...(bodies[2] as Extract<EventBody, { type: 'suggestion' }>),
      faq_candidates: [
        {
          faq_id: 'faq-3',
          question: '停車位如何申請？',
          answer: '…',
          agency: '交通局',
          score: 0.5,
          confidence: 0.5,
          tier: 'hot',
        },
      ],
    };
    const later = [...bodies.slice(0, adoptIndex + 1), replacement, ...bodies.slice(adoptIndex + 1)].map(
      (b, i) => ({ ...b, seq: i + 1, case_id: CASE, ts: 1_700_000_000_000 + i * 1000 }) as ServerEvent,
    );
    const replaced = callReducer(initialCallState(CASE), { type: 'events', events: later });
    expect(replaced.suggestions[0]?.faqCandidates[0]?.faq_id).toBe('faq-3');
    expect(draftWrapUp(replaced).summary).toContain('提供答案：\n・路邊停車費如何繳納？（交通局）');
  });

  it('builds a record the archive accepts: agent-verified text, typed questions, and no action twice', () => {
    const undone = callReducer(state, { type: 'undo_correction', utteranceId: 'u1', editIndex: 0 });
    const typed: TypedQuestion[] = [
      {
        id: 'typed-x1',
        text: '停車費繳費期限',
        at: 1_700_000_002_500,
        cards: [],
        agency: null,
        procedure: false,
      },
    ];
    const record = buildCaseRecord(
      undone,
      { ...draftWrapUp(undone, typed), category: '交通停車', notes: '' },
      'a1',
      Date.now(),
      typed,
    );
    const parsed = caseRecordBody.parse(record);
    expect(parsed.transcript[0]).toMatchObject({ corrected_text: '我想問大安取的路邊停車', verified: true });
    // The server archived the adoption when it echoed it during the call: sending it again would store it twice.
    expect(parsed.actions).toEqual([]);
    expect(parsed.annotations.map((a) => a.label)).toEqual(['summary', 'typed_query']);
    expect(parsed.annotations[1]).toMatchObject({ utterance_id: 'typed-x1', text: '停車費繳費期限' });
    expect(parsed.notes).toBeUndefined();
    expect(parsed.ended_at).toBeGreaterThan(parsed.started_at as number);
  });
});

/** A call as the reducer sees it, from event bodies (seq and ts assigned in order). */
function call(list: EventBody[]) {
  const numbered = list.map(
    (b, i) => ({ ...b, seq: i + 1, case_id: CASE, ts: 1_700_000_000_000 + i * 1000 }) as ServerEvent,
  );
  return callReducer(initialCallState(CASE), { type: 'events', events: numbered });
}
const line = (id: string, text: string, at: number, speaker: 'caller' | 'agent' = 'caller'): EventBody => ({
  type: 'final',
  utterance_id: id,
  text,
  corrected_text: text,
  edits: [],
  start_ms: at,
  end_ms: at + 1000,
  speaker,
  channel: 0,
});
const started = bodies[0] as EventBody;

describe('wrap-up summary and pre-filled fields', () => {
  it("summarises the caller's questions and the adopted answers, never small talk", () => {
    const chat = call([
      started,
      line('u1', '喂，你好。', 0),
      line('u2', '您好，這裡是1999，請問有什麼可以幫您？', 1000, 'agent'),
      line('u3', '喂，你好，我家舊沙發要丟，要怎麼叫人來收？', 2000),
      line('u4', '好。', 3000),
      line('u5', '那大概要多少錢呢謝謝？', 4000),
      line('u6', '好。謝謝你。掰掰。', 5000),
      {
        type: 'suggestion',
        utterance_id: 'u3',
        corrected_text: '喂，你好，我家舊沙發要丟，要怎麼叫人來收？',
        faq_candidates: [
          {
            faq_id: 'tpe-bulky',
            question: '大型廢棄家具如何清運？',
            answer: '請先電話預約…',
            agency: '環境保護局',
            score: 0.8,
            confidence: 0.9,
            tier: 'hot',
          },
        ],
        reply_script: '舊沙發屬於大型廢棄物，請先預約清運。',
        tier: 'hot',
        kb_version: 1,
        speculative: false,
        handoff: null,
        source: 'template',
        cited_faq_ids: ['tpe-bulky'],
        intent: { agency: '環境保護局', question_type: 'how', confidence: 0.7 },
      },
      {
        type: 'feedback',
        action: 'adopt',
        utterance_id: 'u3',
        faq_id: 'tpe-bulky',
        text: '請先電話預約…',
        by: 'a1',
      },
      {
        type: 'feedback',
        action: 'edit',
        utterance_id: 'u3',
        text: '舊沙發請先打電話預約清運，免費。',
        by: 'a1',
      },
    ]);
    // Greetings before and thanks after a question are not part of it.
    expect(callerQuestions(chat)).toEqual(['我家舊沙發要丟，要怎麼叫人來收？', '那大概要多少錢呢？']);
    const form = draftWrapUp(chat);
    expect(form.summary).toBe(
      [
        '民眾詢問：',
        '・我家舊沙發要丟，要怎麼叫人來收？',
        '・那大概要多少錢呢？',
        '提供答案：',
        '・大型廢棄家具如何清運？（環境保護局）',
        '回覆內容：舊沙發請先打電話預約清運，免費。',
      ].join('\n'),
    );
    expect(form.summary).not.toMatch(/謝謝|掰掰|喂/);
    expect(form.agency).toBe('環境保護局');
    expect(form.category).toBe('環境清潔');
  });

  it('without speech text: the typed questions are the summary, agency and category come from the router', () => {
    const silent = call([started]);
    const typed: TypedQuestion[] = [
      {
        id: 'typed-1',
        text: '樓上每天半夜很吵可以檢舉嗎',
        at: 1_700_000_005_000,
        cards: [],
        agency: '環境保護局',
        procedure: false,
      },
    ];
    const form = draftWrapUp(silent, typed);
    expect(form.summary).toContain('・樓上每天半夜很吵可以檢舉嗎');
    expect(form.agency).toBe('環境保護局');
    // The words win over the agency: noise is its own category.
    expect(form.category).toBe('噪音與污染');
    expect(draftWrapUp(call([started])).summary).toBe('民眾詢問：（無逐字稿，也沒有輸入查詢）');
  });

  it('a case-status question is filed as 案件進度查詢', () => {
    const typed: TypedQuestion[] = [
      {
        id: 'typed-2',
        text: '我的案件A1130012345處理到哪了',
        at: 0,
        cards: [],
        agency: null,
        procedure: true,
      },
    ];
    expect(draftWrapUp(call([started]), typed).category).toBe('案件進度查詢');
  });
});
