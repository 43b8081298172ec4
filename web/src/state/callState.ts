/**
 * What the desktop knows of one followed call (built from its server events by `callReducer.ts`),
 * and the views derived from it that the components read.
 */
import type {
  AgencyContact,
  EmergencyProtocol,
  FaqCandidate,
  FeedbackAction,
  ServerEvent,
  Speaker,
  TextEdit,
  Tier,
  UrgencyCategory,
} from '../../../src/protocol/index.js';

export interface UtteranceView {
  id: string;
  speaker: Speaker;
  /** Recognised text as the engine produced it (partial text until final). */
  text: string;
  /** Corrected text for finals; equals `text` for partials. */
  correctedText: string;
  edits: TextEdit[];
  final: boolean;
  rev: number;
  startMs: number | null;
  endMs: number | null;
  /** Indices into `edits` the agent has undone (shown and archived with the original wording). */
  undoneEdits: number[];
}

export interface SuggestionView {
  utteranceId: string;
  seq: number;
  /** When it was made (server time). */
  ts: number;
  correctedText: string;
  faqCandidates: FaqCandidate[];
  replyScript: string;
  tier: Tier;
  kbVersion: number | null;
  speculative: boolean;
  handoff: AgencyContact | null;
  source: 'template' | 'llm';
  citedFaqIds: string[];
  /** Pages and forms of the cited entry, to send rather than read out. */
  links: Array<{ label: string; url: string }>;
  /** The utterance raised an alert: the script is the alert's. */
  urgent: { category: UrgencyCategory; protocol: EmergencyProtocol } | null;
  /** Made from a knowledge-base version older than the newest one announced. */
  stale: boolean;
  /** The responsible agency by the suggestion stage's router, with its confidence (0..1), if any. */
  intent?: { agency: string | null; confidence: number | null };
}

export interface ToolResultView {
  seq: number;
  utteranceId: string;
  tool: string;
  result: Record<string, unknown>;
}

export interface AlertStepView {
  by: string | null;
  byName: string | null;
  at: number;
  note: string | null;
}

export interface AlertView {
  seq: number;
  ts: number;
  utteranceId: string;
  level: 'warning' | 'critical';
  category: UrgencyCategory;
  protocol: EmergencyProtocol;
  script: string;
  reason: string;
  text: string;
  /** What the agent and supervisors did about it, as the call's stream tells. */
  steps: Partial<Record<'agent_ack' | 'supervisor_ack' | 'take_over' | 'outcome', AlertStepView>>;
}

export interface FeedbackView {
  seq: number;
  ts: number;
  action: FeedbackAction;
  utteranceId?: string;
  faqId?: string;
  /** The FAQ entry as shown when it was chosen (a later suggestion may replace the card). */
  faq?: FaqCandidate;
  text?: string;
  by: string | null;
}

export interface CallError {
  seq: number;
  code: string;
  message: string;
  fatal: boolean;
}

export interface CallState {
  caseId: string;
  /** Highest `seq` applied; every event up to it has been applied exactly once (a call's first is 1). */
  lastSeq: number;
  /** Events that arrived ahead of a missing one, keyed by `seq`, waiting for the gap to fill. */
  pending: Readonly<Record<number, ServerEvent>>;
  /** A gap exists: the socket should resume from `lastSeq`. */
  gap: boolean;
  /**
   * Server time of the current run's first event. A case started again after a server restart is a
   * new run whose `seq` starts over; everything shown so far stays.
   */
  runTs: number | null;
  /** `interrupted`: the server stopped (`server_shutdown`); the call goes on once it is back. */
  status: 'waiting' | 'live' | 'interrupted' | 'ended';
  closedReason: 'end' | 'timeout' | 'server_shutdown' | 'resume_elsewhere' | null;
  /** Readable number of the case (`1999-20261202-000123`), from `started`. */
  caseNo: string | null;
  startedAt: number | null;
  endedAt: number | null;
  asr: { engine: string; version: string } | null;
  speaking: Record<Speaker, boolean>;
  utterances: UtteranceView[];
  /** One per utterance, in order of arrival; a later one for the same utterance replaces it in place. */
  suggestions: SuggestionView[];
  /** Reply text streaming in (`reply_delta`) ahead of its utterance's suggestion. */
  replyDrafts: Readonly<Record<string, string>>;
  toolResults: ToolResultView[];
  alerts: AlertView[];
  feedback: FeedbackView[];
  /** Newest knowledge-base version announced per KB name. */
  kbVersions: Readonly<Record<string, number>>;
  errors: CallError[];
}

export function initialCallState(caseId: string): CallState {
  return {
    caseId,
    lastSeq: 0,
    pending: {},
    gap: false,
    runTs: null,
    status: 'waiting',
    closedReason: null,
    caseNo: null,
    startedAt: null,
    endedAt: null,
    asr: null,
    speaking: { caller: false, agent: false },
    utterances: [],
    suggestions: [],
    replyDrafts: {},
    toolResults: [],
    alerts: [],
    feedback: [],
    kbVersions: {},
    errors: [],
  };
}

/** The text the agent vouches for: the corrected text with the undone corrections reverted. */
export function verifiedText(u: UtteranceView): string {
  if (u.undoneEdits.length === 0) return u.correctedText;
  let text = u.correctedText;
  // Right to left so earlier offsets stay valid.
  const undone = u.edits
    .map((edit, i) => ({ edit, i }))
    .filter(({ i }) => u.undoneEdits.includes(i))
    .sort((a, b) => b.edit.start - a.edit.start);
  for (const { edit } of undone) text = text.slice(0, edit.start) + edit.original + text.slice(edit.end);
  return text;
}

/** The suggestion the agent should look at now: the newest, where a final-based one wins. */
export function currentSuggestion(state: CallState): SuggestionView | null {
  return state.suggestions[state.suggestions.length - 1] ?? null;
}

/** The reply text streaming for the newest utterance that has no suggestion yet, if any. */
export function streamingReply(state: CallState): { utteranceId: string; text: string } | null {
  const ids = Object.keys(state.replyDrafts);
  const id = ids[ids.length - 1];
  return id === undefined ? null : { utteranceId: id, text: state.replyDrafts[id] ?? '' };
}

/** Alerts the agent has not acknowledged yet, newest first: shown above everything else. */
export function pendingAlerts(state: CallState): AlertView[] {
  return state.alerts.filter((a) => !a.steps.agent_ack).reverse();
}

/** The newest card for an FAQ entry among the suggestions on screen. */
export function findCandidate(s: CallState, faqId: string | undefined): FaqCandidate | undefined {
  if (!faqId) return undefined;
  for (let i = s.suggestions.length - 1; i >= 0; i--) {
    const hit = s.suggestions[i]?.faqCandidates.find((c) => c.faq_id === faqId);
    if (hit) return hit;
  }
  return undefined;
}
