import { describe, expect, it } from 'vitest';
import type { EventBody, ServerEvent } from '../../../src/protocol/index.js';
// Contract check only: the web app itself never imports server code.
import { caseRecordBody } from '../../../src/cases/record-schema.js';
import { callReducer, initialCallState } from './callReducer.js';
import { buildCaseRecord, draftWrapUp } from './wrapUp.js';

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
    expect(draftWrapUp(replaced).summary).toContain('參考問答：路邊停車費如何繳納？');
  });

  it('builds a record the archive accepts, with the agent-verified text and archived actions only', () => {
    const undone = callReducer(state, { type: 'undo_correction', utteranceId: 'u1', editIndex: 0 });
    const record = buildCaseRecord(
      undone,
      { ...draftWrapUp(undone), category: '交通停車', notes: '' },
      'a1',
      Date.now(),
    );
    const parsed = caseRecordBody.parse(record);
    expect(parsed.transcript[0]).toMatchObject({ corrected_text: '我想問大安取的路邊停車', verified: true });
    expect(parsed.actions).toEqual([expect.objectContaining({ action: 'adopted', faq_id: 'faq-9' })]);
    expect(parsed.annotations[0]?.label).toBe('summary');
    expect(parsed.notes).toBeUndefined();
    expect(parsed.ended_at).toBeGreaterThan(parsed.started_at as number);
  });
});
