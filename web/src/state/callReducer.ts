/**
 * Builds the state of one followed call (`callState.ts`) from its server events. Pure: the socket layer feeds events
 * in whatever order the network delivers them, this applies them strictly by `seq`, drops duplicates
 * (replays after a resume overlap) and reports gaps so the socket can resume from `lastSeq`.
 */
import type { AlertAction, ServerEvent } from '../../../src/protocol/index.js';
import {
  findCandidate,
  initialCallState,
  type AlertView,
  type CallState,
  type SuggestionView,
  type UtteranceView,
} from './callState.js';

export type CallAction =
  | { type: 'events'; events: readonly ServerEvent[] }
  /** Local, optimistic: the agent undid one correction (the server is told by a feedback message). */
  | { type: 'undo_correction'; utteranceId: string; editIndex: number }
  | { type: 'reset'; caseId: string };

export function callReducer(state: CallState, action: CallAction): CallState {
  switch (action.type) {
    case 'reset':
      return initialCallState(action.caseId);
    case 'undo_correction':
      return {
        ...state,
        utterances: state.utterances.map((u) =>
          u.id === action.utteranceId && !u.undoneEdits.includes(action.editIndex)
            ? { ...u, undoneEdits: [...u.undoneEdits, action.editIndex] }
            : u,
        ),
      };
    case 'events':
      return receiveEvents(state, action.events);
  }
}

/** Applies events in `seq` order; buffers the ones after a gap; ignores ones already applied. */
export function receiveEvents(state: CallState, events: readonly ServerEvent[]): CallState {
  let next = state;
  let pending: Record<number, ServerEvent> | null = null;
  for (const event of events) {
    if (event.case_id !== state.caseId) continue;
    // Errors about a message the server could not place in the call carry seq 0.
    if (event.type === 'error' && event.seq === 0) {
      const error = { seq: 0, code: event.code, message: event.message, fatal: event.fatal };
      next = { ...next, errors: [...next.errors, error] };
      continue;
    }
    // The first event of a new run of the case (server restarted): its numbering starts over.
    if (event.seq === 1 && next.runTs !== null && event.ts !== next.runTs) {
      next = { ...next, lastSeq: 0, pending: {}, gap: false, runTs: null };
      pending = null;
    }
    if (event.seq <= next.lastSeq) continue;
    if (event.seq === next.lastSeq + 1) {
      next = applyEvent(next, event);
    } else {
      pending ??= { ...next.pending };
      pending[event.seq] = event;
    }
  }
  // Drain what the new events made contiguous.
  pending ??= { ...next.pending };
  for (let seq = next.lastSeq + 1; pending[seq] !== undefined; seq++) {
    const event = pending[seq] as ServerEvent;
    delete pending[seq];
    next = applyEvent(next, event);
  }
  for (const key of Object.keys(pending)) if (Number(key) <= next.lastSeq) delete pending[Number(key)];
  const gap = Object.keys(pending).length > 0;
  if (next === state && !gap && !state.gap) return state;
  return { ...next, pending, gap };
}

function applyEvent(state: CallState, event: ServerEvent): CallState {
  const s: CallState = { ...state, lastSeq: event.seq, runTs: event.seq === 1 ? event.ts : state.runTs };
  switch (event.type) {
    case 'started':
      return {
        ...s,
        status: 'live',
        closedReason: null,
        startedAt: s.startedAt ?? event.ts,
        asr: event.asr,
        caseNo: event.case_no ?? s.caseNo,
      };
    case 'speech_start':
      return { ...s, speaking: { ...s.speaking, [event.speaker]: true } };
    case 'speech_end':
      return { ...s, speaking: { ...s.speaking, [event.speaker]: false } };
    case 'partial':
      return applyPartial(s, event);
    case 'final':
      return applyFinal(s, event);
    case 'suggestion':
      return applySuggestion(s, event);
    case 'reply_delta':
      return applyReplyDelta(s, event.utterance_id, event.delta);
    case 'tool_result':
      return {
        ...s,
        toolResults: [
          ...s.toolResults,
          { seq: event.seq, utteranceId: event.utterance_id, tool: event.tool, result: event.result },
        ],
      };
    case 'alert':
      return {
        ...s,
        alerts: [
          ...s.alerts,
          {
            seq: event.seq,
            ts: event.ts,
            utteranceId: event.utterance_id,
            level: event.level,
            category: event.category,
            protocol: event.protocol,
            script: event.script,
            reason: event.reason,
            text: event.text,
            steps: {},
          },
        ],
      };
    case 'alert_action':
      return { ...s, alerts: s.alerts.map((a) => (a.seq === event.alert_seq ? withStep(a, event) : a)) };
    case 'kb_updated': {
      const kbVersions = {
        ...s.kbVersions,
        [event.kb]: Math.max(s.kbVersions[event.kb] ?? 0, event.version),
      };
      return { ...s, kbVersions, suggestions: s.suggestions.map((x) => markStale(x, kbVersions)) };
    }
    case 'feedback':
      return {
        ...s,
        feedback: [
          ...s.feedback,
          {
            seq: event.seq,
            ts: event.ts,
            action: event.action,
            utteranceId: event.utterance_id,
            faqId: event.faq_id,
            faq: findCandidate(s, event.faq_id),
            text: event.text,
            by: event.by,
          },
        ],
      };
    case 'error':
      return {
        ...s,
        errors: [
          ...s.errors,
          { seq: event.seq, code: event.code, message: event.message, fatal: event.fatal },
        ],
      };
    case 'closed':
      return {
        ...s,
        // A server stop is not the citizen hanging up: the call resumes when the server is back.
        status:
          event.reason === 'server_shutdown' || event.reason === 'resume_elsewhere' ? 'interrupted' : 'ended',
        closedReason: event.reason,
        endedAt: event.reason === 'server_shutdown' || event.reason === 'resume_elsewhere' ? null : event.ts,
        speaking: { caller: false, agent: false },
      };
  }
}

type EventOf<T extends ServerEvent['type']> = Extract<ServerEvent, { type: T }>;

function withStep(alert: AlertView, event: EventOf<'alert_action'>): AlertView {
  const step = { by: event.by, byName: event.by_name, at: event.ts, note: event.note };
  const key: Record<AlertAction, keyof AlertView['steps']> = {
    acknowledge: event.role === 'agent' ? 'agent_ack' : 'supervisor_ack',
    take_over: 'take_over',
    outcome: 'outcome',
  };
  return { ...alert, steps: { ...alert.steps, [key[event.action]]: step } };
}

function applyPartial(s: CallState, event: EventOf<'partial'>): CallState {
  const index = s.utterances.findIndex((u) => u.id === event.utterance_id);
  const existing = s.utterances[index];
  // A final is never downgraded; an older revision never replaces a newer one.
  if (existing && (existing.final || existing.rev > event.rev)) return s;
  const view: UtteranceView = {
    id: event.utterance_id,
    speaker: event.speaker,
    text: event.text,
    correctedText: event.text,
    edits: [],
    final: false,
    rev: event.rev,
    startMs: existing?.startMs ?? null,
    endMs: null,
    undoneEdits: [],
  };
  return { ...s, utterances: replaceAt(s.utterances, index, view) };
}

function applyFinal(s: CallState, event: EventOf<'final'>): CallState {
  const index = s.utterances.findIndex((u) => u.id === event.utterance_id);
  const existing = s.utterances[index];
  const view: UtteranceView = {
    id: event.utterance_id,
    speaker: event.speaker,
    text: event.text,
    correctedText: event.corrected_text,
    edits: event.edits,
    final: true,
    rev: existing?.rev ?? 0,
    startMs: event.start_ms,
    endMs: event.end_ms,
    undoneEdits: existing?.final ? existing.undoneEdits : [],
  };
  return { ...s, utterances: replaceAt(s.utterances, index, view) };
}

function applySuggestion(s: CallState, event: EventOf<'suggestion'>): CallState {
  const index = s.suggestions.findIndex((x) => x.utteranceId === event.utterance_id);
  const existing = s.suggestions[index];
  // A speculative one never replaces the suggestion already made from the final.
  if (existing && !existing.speculative && event.speculative) return s;
  const draft = s.replyDrafts[event.utterance_id];
  const view = markStale(
    {
      utteranceId: event.utterance_id,
      seq: event.seq,
      ts: event.ts,
      correctedText: event.corrected_text,
      faqCandidates: event.faq_candidates,
      replyScript: event.reply_script || draft || '',
      tier: event.tier,
      kbVersion: event.kb_version,
      speculative: event.speculative,
      handoff: event.handoff,
      source: event.source,
      citedFaqIds: event.cited_faq_ids,
      links: event.links ?? [],
      urgent: event.urgent ?? null,
      stale: false,
      ...(event.intent
        ? { intent: { agency: event.intent.agency, confidence: event.intent.confidence } }
        : {}),
    },
    s.kbVersions,
  );
  const replyDrafts = { ...s.replyDrafts };
  delete replyDrafts[event.utterance_id];
  return { ...s, suggestions: replaceAt(s.suggestions, index, view), replyDrafts };
}

function applyReplyDelta(s: CallState, utteranceId: string, delta: string): CallState {
  return {
    ...s,
    replyDrafts: { ...s.replyDrafts, [utteranceId]: (s.replyDrafts[utteranceId] ?? '') + delta },
  };
}

function markStale(x: SuggestionView, kbVersions: Readonly<Record<string, number>>): SuggestionView {
  const newest = Math.max(0, ...Object.values(kbVersions));
  const stale = x.kbVersion !== null && x.kbVersion < newest;
  return stale === x.stale ? x : { ...x, stale };
}

function replaceAt<T>(items: readonly T[], index: number, item: T): T[] {
  return index < 0 ? [...items, item] : items.map((x, i) => (i === index ? item : x));
}
