import type { Kysely, Transaction } from 'kysely';

/**
 * The archive's tables (one declaration each) and the rows the repository hands out, with the
 * mappers between them. Retention, export and record queries all read through these.
 */
export type CaseTables = {
  cases: {
    id: string;
    agent_id: string | null;
    opened_by: string | null;
    status: string;
    started_at: number;
    ended_at: number | null;
    end_reason: string | null;
    category: string | null;
    agency: string | null;
    notes: string | null;
    revision: number;
    legal_hold: number;
    hold_reason: string | null;
    asr_version: string | null;
    created_at: number;
    updated_at: number;
  };
  case_revisions: { case_id: string; revision: number; body_sha256: string; created_at: number };
  case_segments: {
    case_id: string;
    segment_id: string;
    kind: string;
    speaker: string | null;
    channel: number | null;
    start_ms: number;
    end_ms: number;
    format: string;
    blob_key: string;
    sha256: string;
    bytes: number;
    created_at: number;
  };
  case_utterances: {
    case_id: string;
    utterance_id: string;
    speaker: string;
    channel: number;
    start_ms: number;
    end_ms: number;
    raw_text: string | null;
    corrected_text: string | null;
    redacted_text: string | null;
    edits: string | null;
    verified: number;
    updated_at: number;
  };
  case_suggestions: {
    case_id: string;
    utterance_id: string;
    kb_version: number | null;
    faq_ids: string;
    cited_faq_ids: string;
    reply_script: string;
    tier: string | null;
    source: string | null;
    ts: number;
  };
  case_feedback: {
    case_id: string;
    feedback_id: string;
    utterance_id: string | null;
    action: string;
    faq_id: string | null;
    text: string | null;
    by: string | null;
    ts: number;
  };
  /** Blobs whose rows are already deleted; emptied after the files are gone (crash-safe purge). */
  blob_purge_queue: { blob_key: string; queued_at: number };
  /** Values a later revision replaced, so a correction never erases what was there (purged with its class). */
  case_history: {
    case_id: string;
    revision: number;
    item: string;
    previous: string;
    changed_by: string | null;
    changed_at: number;
    data_class: string;
  };
};

export type CaseStatus = 'live' | 'ended' | 'interrupted';

export interface CaseRow {
  id: string;
  agentId: string | null;
  openedBy: string | null;
  status: CaseStatus;
  startedAt: number;
  endedAt: number | null;
  endReason: string | null;
  category: string | null;
  agency: string | null;
  notes: string | null;
  revision: number;
  legalHold: boolean;
  holdReason: string | null;
  asrVersion: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface SegmentRow {
  caseId: string;
  segmentId: string;
  /**
   * `utterance`: cut by VAD; `call`: a chunk of the whole call as received; `upload`: sent with a
   * record; `recovered`: a file found on disk with no row (a crash between file and row), adopted at start.
   */
  kind: 'utterance' | 'call' | 'upload' | 'recovered';
  speaker: string | null;
  channel: number | null;
  startMs: number;
  endMs: number;
  format: 'wav' | 'opus';
  blobKey: string;
  sha256: string;
  bytes: number;
  createdAt: number;
}

export interface UtteranceRow {
  caseId: string;
  utteranceId: string;
  speaker: string;
  channel: number;
  startMs: number;
  endMs: number;
  /** ASR output as heard: raw-transcript class. */
  rawText: string | null;
  /** Corrected text with personal data: raw-transcript class. */
  correctedText: string | null;
  /** Corrected text redacted for the archive: corrected-transcript class. */
  redactedText: string | null;
  edits: unknown[] | null;
  /** The agent checked or corrected this text (training export uses only these). */
  verified: boolean;
  updatedAt: number;
}

export interface SuggestionRow {
  caseId: string;
  utteranceId: string;
  kbVersion: number | null;
  faqIds: string[];
  citedFaqIds: string[];
  replyScript: string;
  tier: string | null;
  source: string | null;
  ts: number;
}

export interface FeedbackRow {
  caseId: string;
  feedbackId: string;
  utteranceId: string | null;
  /** adopted | edited | rejected | copied | undo_correction | annotation */
  action: string;
  faqId: string | null;
  text: string | null;
  by: string | null;
  ts: number;
}

export interface CaseSearch {
  from?: number;
  to?: number;
  agentId?: string;
  /** Cases an agent may see: their own (agent_id or opened_by). */
  ownedBy?: string;
  agency?: string;
  /** Substring of the redacted transcript, notes, category or agency. */
  text?: string;
  limit?: number;
  offset?: number;
}

export type DataClass = 'audio' | 'raw_transcript' | 'corrected_transcript' | 'annotations';

/** One replaced value: `item` names it (`notes`, `utterance:u1`, `agent_id`…), `previous` is what it held. */
export interface HistoryRow {
  caseId: string;
  /** The revision that replaced it. */
  revision: number;
  item: string;
  previous: unknown;
  changedBy: string | null;
  changedAt: number;
  /** Retention class of the old value (utterance text: raw_transcript; notes and fields: annotations). */
  dataClass: DataClass;
}

export type CaseDb = Kysely<CaseTables> | Transaction<CaseTables>;
export const json = (v: unknown): string => JSON.stringify(v);
const parse = <T>(v: string | null): T | null => (v === null ? null : (JSON.parse(v) as T));

export const toCase = (r: CaseTables['cases']): CaseRow => ({
  id: r.id,
  agentId: r.agent_id,
  openedBy: r.opened_by,
  status: r.status as CaseStatus,
  startedAt: Number(r.started_at),
  endedAt: r.ended_at === null ? null : Number(r.ended_at),
  endReason: r.end_reason,
  category: r.category,
  agency: r.agency,
  notes: r.notes,
  revision: Number(r.revision),
  legalHold: Number(r.legal_hold) === 1,
  holdReason: r.hold_reason,
  asrVersion: r.asr_version,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
});
export const toSegment = (r: CaseTables['case_segments']): SegmentRow => ({
  caseId: r.case_id,
  segmentId: r.segment_id,
  kind: r.kind as SegmentRow['kind'],
  speaker: r.speaker,
  channel: r.channel === null ? null : Number(r.channel),
  startMs: Number(r.start_ms),
  endMs: Number(r.end_ms),
  format: r.format as SegmentRow['format'],
  blobKey: r.blob_key,
  sha256: r.sha256,
  bytes: Number(r.bytes),
  createdAt: Number(r.created_at),
});
export const toUtterance = (r: CaseTables['case_utterances']): UtteranceRow => ({
  caseId: r.case_id,
  utteranceId: r.utterance_id,
  speaker: r.speaker,
  channel: Number(r.channel),
  startMs: Number(r.start_ms),
  endMs: Number(r.end_ms),
  rawText: r.raw_text,
  correctedText: r.corrected_text,
  redactedText: r.redacted_text,
  edits: parse<unknown[]>(r.edits),
  verified: Number(r.verified) === 1,
  updatedAt: Number(r.updated_at),
});
export const toSuggestion = (r: CaseTables['case_suggestions']): SuggestionRow => ({
  caseId: r.case_id,
  utteranceId: r.utterance_id,
  kbVersion: r.kb_version === null ? null : Number(r.kb_version),
  faqIds: parse<string[]>(r.faq_ids) ?? [],
  citedFaqIds: parse<string[]>(r.cited_faq_ids) ?? [],
  replyScript: r.reply_script,
  tier: r.tier,
  source: r.source,
  ts: Number(r.ts),
});
export const toFeedback = (r: CaseTables['case_feedback']): FeedbackRow => ({
  caseId: r.case_id,
  feedbackId: r.feedback_id,
  utteranceId: r.utterance_id,
  action: r.action,
  faqId: r.faq_id,
  text: r.text,
  by: r.by,
  ts: Number(r.ts),
});
export const toHistory = (r: CaseTables['case_history']): HistoryRow => ({
  caseId: r.case_id,
  revision: Number(r.revision),
  item: r.item,
  previous: parse<unknown>(r.previous),
  changedBy: r.changed_by,
  changedAt: Number(r.changed_at),
  dataClass: r.data_class as DataClass,
});
