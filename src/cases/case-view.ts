import type { CaseSummary, CaseView, Principal, TranscriptView } from '../protocol/index.js';
import type {
  CaseRow,
  FeedbackRow,
  HistoryRow,
  SegmentRow,
  SuggestionRow,
  UtteranceRow,
} from '../store/index.js';
import type { Redactor } from './redaction.js';

/** What is stored of one case, as the repository returns it (history only for supervisors). */
export interface StoredCase {
  row: CaseRow;
  utterances: UtteranceRow[];
  suggestions: SuggestionRow[];
  feedback: FeedbackRow[];
  segments: SegmentRow[];
  history: HistoryRow[] | null;
}

/**
 * A stored case as `principal` may see it (docs/archive.md "who sees what"): supervisors see
 * everything stored; the owning agent sees display-redacted text; services archive-redacted.
 */
export function caseView(stored: StoredCase, principal: Principal, redact: Redactor): CaseView {
  const { row, utterances, suggestions, feedback, segments, history } = stored;
  const p = principal;
  const transcriptFor = (u: UtteranceRow): TranscriptView => {
    const base = {
      utterance_id: u.utteranceId,
      speaker: u.speaker,
      channel: u.channel,
      start_ms: u.startMs,
      end_ms: u.endMs,
      verified: u.verified,
    };
    if (p.role === 'supervisor') {
      return {
        ...base,
        text: u.correctedText ?? u.redactedText,
        raw_text: u.rawText,
        corrected_text: u.correctedText,
      };
    }
    if (p.role === 'agent' && u.correctedText !== null)
      return { ...base, text: redact(u.correctedText, 'display').text };
    return { ...base, text: u.redactedText };
  };
  const notesFor = (notes: string | null) =>
    notes === null || p.role !== 'service' ? notes : redact(notes, 'archive').text;
  return {
    id: row.id,
    agent_id: row.agentId,
    status: row.status,
    started_at: row.startedAt,
    ended_at: row.endedAt,
    end_reason: row.endReason,
    category: row.category,
    agency: row.agency,
    notes: notesFor(row.notes),
    revision: row.revision,
    legal_hold: row.legalHold,
    hold_reason: row.holdReason,
    transcript: utterances.map((u) => transcriptFor(u)),
    suggestions: suggestions.map((s) => ({
      utterance_id: s.utteranceId,
      kb_version: s.kbVersion,
      faq_ids: s.faqIds,
      cited_faq_ids: s.citedFaqIds,
      reply_script: s.replyScript,
      tier: s.tier,
      source: s.source,
      ts: s.ts,
    })),
    feedback: feedback.map((f) => ({
      id: f.feedbackId,
      utterance_id: f.utteranceId,
      action: f.action,
      faq_id: f.faqId,
      text: f.text === null || p.role !== 'service' ? f.text : redact(f.text, 'archive').text,
      by: f.by,
      ts: f.ts,
    })),
    // What a viewer may know of each stored segment: not where its blob is kept.
    audio: segments.map(({ segmentId, kind, speaker, channel, startMs, endMs, format, bytes, sha256 }) => ({
      segment_id: segmentId,
      kind,
      speaker,
      channel,
      start_ms: startMs,
      end_ms: endMs,
      format,
      bytes,
      sha256,
    })),
    ...(history
      ? {
          history: history.map((h) => ({
            revision: h.revision,
            item: h.item,
            previous: h.previous,
            changed_by: h.changedBy,
            changed_at: h.changedAt,
          })),
        }
      : {}),
  };
}

export const caseSummary = (c: CaseRow): CaseSummary => ({
  id: c.id,
  agent_id: c.agentId,
  status: c.status,
  started_at: c.startedAt,
  ended_at: c.endedAt,
  category: c.category,
  agency: c.agency,
  legal_hold: c.legalHold,
});
