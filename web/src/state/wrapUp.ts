/** The end-of-call record: the wrap-up form's pre-filled values and the body of `POST /api/case/record`. */
import type { CallState } from './callReducer.js';
import { findCandidate, verifiedText } from './callReducer.js';

export interface WrapUpForm {
  summary: string;
  category: string;
  agency: string;
  notes: string;
}

/** Adopted (or edited-and-adopted) suggestions in the order the agent chose them. */
export function adoptedActions(state: CallState) {
  return state.feedback.filter((f) => f.action === 'adopt' || f.action === 'edit');
}

/** Pre-fills the form from what the citizen said and what the agent adopted. */
export function draftWrapUp(state: CallState): WrapUpForm {
  const said = state.utterances
    .filter((u) => u.final && u.speaker === 'caller')
    .map(verifiedText)
    .join(' ')
    .trim();
  const adopted = adoptedActions(state);
  const faqs = adopted.map((a) => a.faq ?? findCandidate(state, a.faqId)).filter((f) => f !== undefined);
  const replies = adopted.filter((a) => !a.faqId && a.text).map((a) => a.text as string);
  const lines = [`民眾來電：${clip(said, 200) || '（無逐字稿）'}`];
  if (faqs.length > 0) lines.push(`參考問答：${[...new Set(faqs.map((f) => f.question))].join('；')}`);
  if (replies.length > 0) lines.push(`回覆內容：${clip(replies[replies.length - 1] ?? '', 300)}`);
  const agency =
    faqs[faqs.length - 1]?.agency ??
    state.suggestions[state.suggestions.length - 1]?.faqCandidates[0]?.agency ??
    '';
  return { summary: lines.join('\n'), category: '', agency, notes: '' };
}

/** Every agency that came up in this call's suggestions, for the form's choice list. */
export function agenciesSeen(state: CallState): string[] {
  return [...new Set(state.suggestions.flatMap((s) => s.faqCandidates.map((c) => c.agency)).filter(Boolean))];
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * `POST /api/case/record` as the archive accepts it (`src/cases/record-schema.ts`, strict). The
 * summary travels as an annotation labelled `summary`; copies and undone corrections are not
 * actions there (an undone correction shows in the transcript's corrected text instead).
 */
export interface CaseRecordBody {
  case_id: string;
  revision: number;
  agent_id: string;
  started_at: string;
  ended_at: string;
  category?: string;
  agency?: string;
  notes?: string;
  transcript: {
    utterance_id: string;
    speaker: 'caller' | 'agent';
    start_ms: number;
    end_ms: number;
    text: string;
    corrected_text: string;
    verified: boolean;
  }[];
  suggestions: {
    utterance_id: string;
    kb_version: number | null;
    faq_ids: string[];
    cited_faq_ids: string[];
    reply_script: string;
    tier: 'hot' | 'cold' | 'procedure';
    source: 'template' | 'llm';
    shown_at: string;
  }[];
  actions: {
    utterance_id?: string;
    faq_id?: string;
    action: 'adopted' | 'edited' | 'rejected';
    text?: string;
    at: string;
  }[];
  annotations: { label: string; text: string }[];
}

const archivedAction = { adopt: 'adopted', edit: 'edited', reject: 'rejected' } as const;

export function buildCaseRecord(
  state: CallState,
  form: WrapUpForm,
  agentId: string,
  now: number,
  revision = 1,
): CaseRecordBody {
  const iso = (ms: number) => new Date(ms).toISOString();
  const optional = (key: 'category' | 'agency' | 'notes') =>
    form[key].trim() ? { [key]: form[key].trim() } : {};
  return {
    case_id: state.caseId,
    revision,
    agent_id: agentId,
    started_at: iso(state.startedAt ?? now),
    ended_at: iso(state.endedAt ?? now),
    ...optional('category'),
    ...optional('agency'),
    ...optional('notes'),
    transcript: state.utterances
      .filter((u) => u.final)
      .map((u) => ({
        utterance_id: u.id,
        speaker: u.speaker,
        start_ms: u.startMs ?? 0,
        end_ms: Math.max(u.startMs ?? 0, u.endMs ?? 0),
        text: u.text,
        corrected_text: verifiedText(u),
        verified: u.undoneEdits.length > 0,
      })),
    suggestions: state.suggestions
      .filter((s) => !s.speculative)
      .map((s) => ({
        utterance_id: s.utteranceId,
        kb_version: s.kbVersion,
        faq_ids: s.faqCandidates.map((c) => c.faq_id),
        cited_faq_ids: s.citedFaqIds,
        reply_script: s.replyScript,
        tier: s.tier,
        source: s.source,
        shown_at: iso(s.ts),
      })),
    actions: state.feedback.flatMap((f) =>
      f.action === 'adopt' || f.action === 'edit' || f.action === 'reject'
        ? [
            {
              ...(f.utteranceId ? { utterance_id: f.utteranceId } : {}),
              ...(f.faqId ? { faq_id: f.faqId } : {}),
              action: archivedAction[f.action],
              ...(f.text ? { text: f.text } : {}),
              at: iso(f.ts),
            },
          ]
        : [],
    ),
    annotations: form.summary.trim() ? [{ label: 'summary', text: form.summary.trim() }] : [],
  };
}
