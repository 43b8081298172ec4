/** The end-of-call record: the wrap-up form's pre-filled values and the body of `POST /api/case/record`. */
import type { CaseRecordInput, FaqCandidate } from '../../../src/protocol/index.js';
import { suggestCategory } from '../labels.js';
import { findCandidate, verifiedText, type CallState, type FeedbackView } from './callState.js';

export interface WrapUpForm {
  summary: string;
  category: string;
  agency: string;
  notes: string;
}

/** A question the agent typed into the knowledge search during the call, with what it found. */
export interface TypedQuestion {
  id: string;
  text: string;
  at: number;
  cards: FaqCandidate[];
  /** The router's responsible agency for it. */
  agency: string | null;
  procedure: boolean;
}

/** Adopted (or edited-and-adopted) suggestions in the order the agent chose them. */
export function adoptedActions(state: CallState): FeedbackView[] {
  return state.feedback.filter((f) => f.action === 'adopt' || f.action === 'edit');
}

/** Greetings, thanks, yes/no and fillers: what a call says besides its questions. */
const SMALL_TALK =
  /喂|你好|您好|哈囉|好的|好|謝謝你|謝謝您|謝謝|多謝|感謝|掰掰|拜拜|再見|嗯|喔|哦|啊|欸|耶|對對|對|是的|是|沒有了|沒有|沒事了|不用了|不用|了解|知道了|麻煩你|麻煩了|那個|這樣子|這樣|請問一下|請問|小姐|先生/g;
/** Wording of a question or a request. */
const ASKING =
  /[？?]|嗎|呢|怎麼|怎樣|如何|哪|什麼|甚麼|幾|多少|可不可以|能不能|可以|要不要|是不是|有沒有|想問|我想|想要|申請|檢舉|反映|報修|投訴|要找|需要/;
/** Fewer Han characters than this, once small talk is taken out, say nothing about the call. */
const MIN_CONTENT = 4;
/** Greetings before and thanks after a question on the same line. */
const OPENING = /^(?:(?:喂|你好|您好|哈囉|嗯|欸|那個)[，,。、！!\s]*)+/;
const CLOSING =
  /(?:[，,。、\s]*(?:謝謝你|謝謝您|謝謝|多謝|感謝|掰掰|拜拜|再見|麻煩你了|麻煩了))+([？?。！!]*)$/;

/** A question line without the greeting before it and the thanks after it. */
function questionOnly(text: string): string {
  return text.replace(OPENING, '').replace(CLOSING, '$1').trim();
}

function content(text: string): string {
  return text.replace(SMALL_TALK, '').replace(/[^\p{Script=Han}\p{L}\p{N}]/gu, '');
}

/**
 * The caller's questions, in order: caller lines that ask something or that the knowledge base
 * had answers for, and questions the agent typed; without greetings, thanks and goodbyes.
 */
export function callerQuestions(state: CallState, typed: readonly TypedQuestion[] = []): string[] {
  const answered = new Set(
    state.suggestions
      .filter((s) => !s.speculative && s.tier !== 'cold' && s.faqCandidates.length > 0)
      .map((s) => s.utteranceId),
  );
  const spoken = state.utterances
    .filter((u) => u.final && u.speaker === 'caller')
    .map((u) => ({ text: verifiedText(u).trim(), at: u.startMs ?? 0, id: u.id }))
    .filter((u) => content(u.text).length >= MIN_CONTENT && (ASKING.test(u.text) || answered.has(u.id)));
  const startedAt = state.startedAt ?? 0;
  const asked = [
    ...spoken,
    ...typed.map((t) => ({ text: t.text.trim(), at: t.at - startedAt, id: t.id })),
  ].sort((a, b) => a.at - b.at);
  const seen = new Set<string>();
  return asked
    .map((q) => questionOnly(q.text))
    .filter((text) => {
      const key = content(text);
      if (!key || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/** The card an action adopted: as shown when chosen, else from the suggestions or typed results. */
function adoptedCard(state: CallState, typed: readonly TypedQuestion[], f: FeedbackView) {
  if (!f.faqId) return undefined;
  return (
    f.faq ?? findCandidate(state, f.faqId) ?? typed.flatMap((t) => t.cards).find((c) => c.faq_id === f.faqId)
  );
}

/** The responsible agency: the last adopted answer's, else the router's surest guess, else the top card's. */
function likelyAgency(state: CallState, typed: readonly TypedQuestion[], adopted: FaqCandidate[]): string {
  const fromAdopted = adopted[adopted.length - 1]?.agency;
  if (fromAdopted) return fromAdopted;
  const guesses = state.suggestions
    .filter((s) => s.intent?.agency)
    .map((s) => ({ agency: s.intent?.agency as string, confidence: s.intent?.confidence ?? 0 }));
  const best = guesses.sort((a, b) => b.confidence - a.confidence)[0]?.agency;
  return (
    best ??
    typed[typed.length - 1]?.agency ??
    state.suggestions[state.suggestions.length - 1]?.faqCandidates[0]?.agency ??
    ''
  );
}

/**
 * Pre-fills the form: the summary lists the caller's questions and the answers the agent adopted
 * (not every line of the call); agency and category come from the adopted cards and the router.
 */
export function draftWrapUp(state: CallState, typed: readonly TypedQuestion[] = []): WrapUpForm {
  const questions = callerQuestions(state, typed);
  const adopted = adoptedActions(state);
  const cards = adopted
    .map((a) => adoptedCard(state, typed, a))
    .filter((c): c is FaqCandidate => c !== undefined);
  const replies = adopted.filter((a) => !a.faqId && a.text).map((a) => a.text as string);
  const lines = [
    questions.length > 0
      ? `民眾詢問：\n${questions.map((q) => `・${clip(q, 120)}`).join('\n')}`
      : '民眾詢問：（無逐字稿，也沒有輸入查詢）',
  ];
  const answers = [...new Map(cards.map((c) => [c.faq_id, c])).values()];
  if (answers.length > 0)
    lines.push(`提供答案：\n${answers.map((c) => `・${c.question}（${c.agency}）`).join('\n')}`);
  if (replies.length > 0) lines.push(`回覆內容：${clip(replies[replies.length - 1] ?? '', 300)}`);
  const agency = likelyAgency(state, typed, cards);
  const procedure =
    typed.some((t) => t.procedure) || state.suggestions.some((s) => !s.speculative && s.tier === 'procedure');
  return {
    summary: lines.join('\n'),
    category: suggestCategory(agency || null, questions.join(' '), procedure),
    agency,
    notes: '',
  };
}

/** Every agency that came up in this call's suggestions and searches, for the form's choice list. */
export function agenciesSeen(state: CallState, typed: readonly TypedQuestion[] = []): string[] {
  return [
    ...new Set(
      [
        ...state.suggestions.flatMap((s) => s.faqCandidates.map((c) => c.agency)),
        ...typed.flatMap((t) => t.cards.map((c) => c.agency)),
      ].filter(Boolean),
    ),
  ];
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * `POST /api/case/record` as the archive accepts it (`src/protocol/record.ts`, strict). The agent's
 * actions are not in it: the server archived each one when it echoed it during the call, and sending
 * them again would store them twice. The summary and the typed questions travel as annotations
 * (`summary`, `typed_query`).
 */
export function buildCaseRecord(
  state: CallState,
  form: WrapUpForm,
  agentId: string,
  now: number,
  typed: readonly TypedQuestion[] = [],
  revision = 1,
): CaseRecordInput {
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
    actions: [],
    annotations: [
      ...(form.summary.trim() ? [{ label: 'summary', text: form.summary.trim() }] : []),
      ...typed.map((t) => ({ label: 'typed_query', text: t.text, utterance_id: t.id, at: iso(t.at) })),
    ],
  };
}
