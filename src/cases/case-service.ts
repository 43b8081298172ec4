import { createHash } from 'node:crypto';
import {
  auditEntry,
  type AuditRepository,
  type BlobStore,
  type CaseRepository,
  type CaseRow,
  type CaseSearch,
  type FeedbackRow,
  type HistoryRow,
  type SegmentRow,
  type StoredBlob,
  type SuggestionRow,
  type UtteranceRow,
} from '../store/index.js';
import type { Principal } from '../protocol/index.js';
import { checkAudio } from './audio-check.js';
import { segmentBlobKey } from './blob-keys.js';
import { CaseError } from './errors.js';
import type { Redactor } from './redaction.js';
import { caseRecordBody, type CaseRecordBody } from './record-schema.js';
import type { Actor } from './auth-service.js';

/** A viewer is always a signed-in principal (the HTTP layer refused everyone else). */
export interface Viewer {
  principal: Principal;
  source: string | null;
}

export interface RecordResult {
  caseId: string;
  revision: number;
  /** False when this exact revision was already applied (idempotent replay). */
  applied: boolean;
}

export interface TranscriptView {
  utterance_id: string;
  speaker: string;
  channel: number;
  start_ms: number;
  end_ms: number;
  /** What this viewer may read: see docs/archive.md "who sees what". */
  text: string | null;
  raw_text?: string | null;
  corrected_text?: string | null;
  verified: boolean;
}

export interface CaseView {
  id: string;
  agent_id: string | null;
  status: string;
  started_at: number;
  ended_at: number | null;
  end_reason: string | null;
  category: string | null;
  agency: string | null;
  notes: string | null;
  revision: number;
  legal_hold: boolean;
  hold_reason: string | null;
  transcript: TranscriptView[];
  suggestions: Array<{
    utterance_id: string;
    kb_version: number | null;
    faq_ids: string[];
    cited_faq_ids: string[];
    reply_script: string;
    tier: string | null;
    source: string | null;
    ts: number;
  }>;
  feedback: Array<{
    id: string;
    utterance_id: string | null;
    action: string;
    faq_id: string | null;
    text: string | null;
    by: string | null;
    ts: number;
  }>;
  audio: Array<{
    segment_id: string;
    kind: string;
    speaker: string | null;
    channel: number | null;
    start_ms: number;
    end_ms: number;
    format: string;
    bytes: number;
    sha256: string;
  }>;
  /**
   * Supervisors only: what later revisions replaced (notes, fields, utterance text), oldest first,
   * until the class of the old value expires.
   */
  history?: Array<{
    revision: number;
    item: string;
    previous: unknown;
    changed_by: string | null;
    changed_at: number;
  }>;
}

export interface CaseSummary {
  id: string;
  agent_id: string | null;
  status: string;
  started_at: number;
  ended_at: number | null;
  category: string | null;
  agency: string | null;
  legal_hold: boolean;
}

export interface CaseService {
  /** Validates everything (including audio) before storing anything; one transaction for the rows. */
  record(body: unknown, viewer: Viewer): Promise<RecordResult>;
  get(caseId: string, viewer: Viewer): Promise<CaseView>;
  search(query: Omit<CaseSearch, 'ownedBy'>, viewer: Viewer): Promise<CaseSummary[]>;
  audio(
    caseId: string,
    segmentId: string,
    viewer: Viewer,
  ): Promise<{ format: 'wav' | 'opus'; data: Uint8Array; sha256: string }>;
  setHold(caseId: string, hold: boolean, reason: string | null, actor: Actor): Promise<void>;
}

export interface CaseServiceDeps {
  cases: CaseRepository;
  audit: AuditRepository;
  blobs: BlobStore;
  redact: Redactor;
  clock: () => number;
}

/** Roles that may read whole archived calls; agents only their own. */
const READ_ALL = new Set(['supervisor', 'service']);

const canonicalHash = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex');

export function mayRead(c: CaseRow, principal: Principal): boolean {
  if (READ_ALL.has(principal.role)) return true;
  return principal.role === 'agent' && (c.agentId === principal.id || c.openedBy === principal.id);
}

export function createCaseService(deps: CaseServiceDeps): CaseService {
  const { cases, audit, blobs, redact, clock } = deps;

  const readable = async (caseId: string, viewer: Viewer): Promise<CaseRow> => {
    const row = await cases.getCase(caseId);
    if (!row) throw new CaseError('not_found', 'unknown_case', `no case ${caseId}`);
    if (!mayRead(row, viewer.principal))
      throw new CaseError('forbidden', 'not_your_case', 'this case belongs to another agent');
    return row;
  };
  const caseEntry = (
    viewer: Actor,
    action: string,
    caseId: string | null,
    detail?: Record<string, unknown>,
  ) => auditEntry(viewer, action, { type: 'case', id: caseId }, detail);

  /** Supervisors see everything stored; the owning agent sees display-redacted text; services archive-redacted. */
  const transcriptFor = (u: UtteranceRow, principal: Principal): TranscriptView => {
    const base = {
      utterance_id: u.utteranceId,
      speaker: u.speaker,
      channel: u.channel,
      start_ms: u.startMs,
      end_ms: u.endMs,
      verified: u.verified,
    };
    if (principal.role === 'supervisor') {
      return {
        ...base,
        text: u.correctedText ?? u.redactedText,
        raw_text: u.rawText,
        corrected_text: u.correctedText,
      };
    }
    if (principal.role === 'agent' && u.correctedText !== null)
      return { ...base, text: redact(u.correctedText, 'display').text };
    return { ...base, text: u.redactedText };
  };
  const notesFor = (notes: string | null, principal: Principal) =>
    notes === null || principal.role !== 'service' ? notes : redact(notes, 'archive').text;

  return {
    async record(input, viewer) {
      const body: CaseRecordBody = caseRecordBody.parse(input);
      const { principal } = viewer;
      const now = clock();
      const bodySha = canonicalHash(body);
      const existing = await cases.getCase(body.case_id);

      if (principal.role === 'agent') {
        if (body.agent_id !== undefined && body.agent_id !== principal.id) {
          throw new CaseError('forbidden', 'not_your_case', 'agents record their own calls only');
        }
        if (existing && !mayRead(existing, principal))
          throw new CaseError('forbidden', 'not_your_case', 'this case belongs to another agent');
      }
      // Only supervisors assign a case to an agent: an integration could otherwise hand any case
      // (and its caller's data) to whichever agent it names.
      if (
        principal.role === 'service' &&
        body.agent_id !== undefined &&
        body.agent_id !== (existing?.agentId ?? undefined)
      ) {
        throw new CaseError(
          'forbidden',
          'agent_id_not_allowed',
          'service tokens may not assign a case to an agent',
        );
      }
      const seen = await cases.getRevision(body.case_id, body.revision);
      if (seen) {
        if (seen.bodySha256 === bodySha)
          return { caseId: body.case_id, revision: body.revision, applied: false };
        throw new CaseError(
          'conflict',
          'revision_conflict',
          `revision ${body.revision} of ${body.case_id} was already recorded with other content`,
        );
      }
      if (existing && body.revision <= existing.revision) {
        throw new CaseError(
          'conflict',
          'stale_revision',
          `case ${body.case_id} is at revision ${existing.revision}`,
        );
      }

      // Audio first, checked in full before any byte is written.
      const uploads = body.audio.flatMap((a) =>
        'data' in a ? [{ item: a, bytes: Buffer.from(a.data, 'base64') }] : [],
      );
      const checked = uploads.map((u) => ({ ...u, check: checkAudio(u.bytes, u.item.format) }));
      for (const ref of body.audio.filter((a) => !('data' in a))) {
        if (!(await cases.getSegment(body.case_id, ref.segment_id))) {
          throw new CaseError(
            'invalid',
            'unknown_segment',
            `case ${body.case_id} has no stored segment ${ref.segment_id}`,
          );
        }
      }
      const written: StoredBlob[] = [];
      try {
        for (const u of checked)
          written.push(
            await blobs.put(segmentBlobKey(body.case_id, u.item.segment_id, u.item.format), u.bytes),
          );
        await cases.transaction(async (repo, trx) => {
          const replaced = existing ? await replacedValues(repo, existing, body, principal, now) : [];
          await repo.addHistory(replaced);
          await repo.upsertCase({
            id: body.case_id,
            updatedAt: now,
            revision: body.revision,
            agentId:
              principal.role === 'agent' ? principal.id : (body.agent_id ?? existing?.agentId ?? undefined),
            openedBy: existing ? undefined : principal.id,
            startedAt: body.started_at ?? (existing ? undefined : now),
            endedAt: body.ended_at,
            status: body.ended_at !== undefined ? 'ended' : undefined,
            category: body.category,
            agency: body.agency,
            notes: body.notes,
          });
          for (const [i, u] of checked.entries()) {
            const blob = written[i] as StoredBlob;
            const segment: SegmentRow = {
              caseId: body.case_id,
              segmentId: u.item.segment_id,
              kind: 'upload',
              speaker: u.item.speaker ?? null,
              channel: u.item.channel ?? null,
              startMs: u.item.start_ms,
              endMs: u.item.end_ms ?? u.item.start_ms + (u.check.durationMs ?? 0),
              format: u.check.format,
              blobKey: blob.key,
              sha256: blob.sha256,
              bytes: blob.bytes,
              createdAt: now,
            };
            await repo.putSegment(segment);
          }
          for (const t of body.transcript) {
            await repo.putUtterance({
              caseId: body.case_id,
              utteranceId: t.utterance_id,
              speaker: t.speaker,
              channel: t.channel,
              startMs: t.start_ms,
              endMs: t.end_ms,
              rawText: t.text ?? null,
              correctedText: t.corrected_text,
              redactedText: redact(t.corrected_text, 'archive').text,
              edits: null,
              verified: t.verified,
              updatedAt: now,
            });
          }
          for (const s of body.suggestions) {
            const row: SuggestionRow = {
              caseId: body.case_id,
              utteranceId: s.utterance_id,
              kbVersion: s.kb_version,
              faqIds: s.faq_ids,
              citedFaqIds: s.cited_faq_ids,
              replyScript: s.reply_script,
              tier: s.tier ?? null,
              source: s.source ?? null,
              ts: s.shown_at ?? now,
            };
            await repo.putSuggestion(row);
          }
          const feedback: FeedbackRow[] = [
            ...body.actions.map((a, i) => ({
              caseId: body.case_id,
              feedbackId: a.id ?? `r${body.revision}-a${i}`,
              utteranceId: a.utterance_id ?? null,
              action: a.action,
              faqId: a.faq_id ?? null,
              text: a.text ?? null,
              by: principal.id,
              ts: a.at ?? now,
            })),
            ...body.annotations.map((a, i) => ({
              caseId: body.case_id,
              feedbackId: a.id ?? `r${body.revision}-n${i}`,
              utteranceId: a.utterance_id ?? null,
              action: 'annotation',
              faqId: null,
              text: a.text === undefined ? a.label : `${a.label}: ${a.text}`,
              by: principal.id,
              ts: a.at ?? now,
            })),
          ];
          for (const f of feedback) await repo.putFeedback(f);
          await repo.addRevision(body.case_id, body.revision, bodySha, now);
          await audit.append(
            caseEntry(viewer, 'case.record', body.case_id, {
              revision: body.revision,
              utterances: body.transcript.length,
              audio: body.audio.length,
              feedback: feedback.length,
              replaced: replaced.map((h) => h.item),
              ...(existing && body.agent_id !== undefined && body.agent_id !== existing.agentId
                ? { reassigned: { from: existing.agentId, to: body.agent_id } }
                : {}),
            }),
            trx,
          );
        });
      } catch (err) {
        // Nothing half-stored: files written for a record whose rows did not commit go again.
        const keep = new Set((await cases.listSegments(body.case_id)).map((s) => s.blobKey));
        for (const blob of written) if (!keep.has(blob.key)) await blobs.delete(blob.key);
        throw err;
      }
      return { caseId: body.case_id, revision: body.revision, applied: true };
    },

    async get(caseId, viewer) {
      const row = await readable(caseId, viewer);
      const p = viewer.principal;
      const [utterances, suggestions, feedback, segments, history] = await Promise.all([
        cases.listUtterances(caseId),
        cases.listSuggestions(caseId),
        cases.listFeedback(caseId),
        cases.listSegments(caseId),
        p.role === 'supervisor' ? cases.listHistory(caseId) : Promise.resolve(null),
      ]);
      await audit.append(caseEntry(viewer, 'case.read', caseId));
      return {
        id: row.id,
        agent_id: row.agentId,
        status: row.status,
        started_at: row.startedAt,
        ended_at: row.endedAt,
        end_reason: row.endReason,
        category: row.category,
        agency: row.agency,
        notes: notesFor(row.notes, p),
        revision: row.revision,
        legal_hold: row.legalHold,
        hold_reason: row.holdReason,
        transcript: utterances.map((u) => transcriptFor(u, p)),
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
        audio: segments.map((s) => ({
          segment_id: s.segmentId,
          kind: s.kind,
          speaker: s.speaker,
          channel: s.channel,
          start_ms: s.startMs,
          end_ms: s.endMs,
          format: s.format,
          bytes: s.bytes,
          sha256: s.sha256,
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
    },

    async search(query, viewer) {
      const p = viewer.principal;
      if (p.role === 'agent' && query.agentId !== undefined && query.agentId !== p.id) {
        throw new CaseError('forbidden', 'not_your_case', 'agents search their own calls only');
      }
      const rows = await cases.search({ ...query, ownedBy: p.role === 'agent' ? p.id : undefined });
      await audit.append(
        caseEntry(viewer, 'case.search', null, {
          query: { ...query, text: query.text === undefined ? undefined : redact(query.text, 'logs').text },
          results: rows.length,
        }),
      );
      return rows.map((c) => ({
        id: c.id,
        agent_id: c.agentId,
        status: c.status,
        started_at: c.startedAt,
        ended_at: c.endedAt,
        category: c.category,
        agency: c.agency,
        legal_hold: c.legalHold,
      }));
    },

    async audio(caseId, segmentId, viewer) {
      await readable(caseId, viewer);
      const segment = await cases.getSegment(caseId, segmentId);
      if (!segment)
        throw new CaseError('not_found', 'unknown_segment', `case ${caseId} has no segment ${segmentId}`);
      const data = await blobs.get(segment.blobKey, segment.sha256);
      if (!data) throw new CaseError('not_found', 'audio_missing', `audio of segment ${segmentId} is gone`);
      await audit.append(caseEntry(viewer, 'case.audio', caseId, { segment: segmentId }));
      return { format: segment.format, data, sha256: segment.sha256 };
    },

    async setHold(caseId, hold, reason, actor) {
      await cases.transaction(async (repo, trx) => {
        if (!(await repo.setHold(caseId, hold, reason)))
          throw new CaseError('not_found', 'unknown_case', `no case ${caseId}`);
        await audit.append(caseEntry(actor, hold ? 'case.hold' : 'case.release', caseId, { reason }), trx);
      });
    },
  };
}

/**
 * What a new revision is about to replace: notes and case fields (annotations class) and the
 * text of utterances it rewrites (raw-transcript class, as it holds the unredacted text). Kept as
 * history so a correction never erases the record it corrects.
 */
async function replacedValues(
  repo: CaseRepository,
  existing: CaseRow,
  body: CaseRecordBody,
  principal: Principal,
  now: number,
): Promise<HistoryRow[]> {
  const out: HistoryRow[] = [];
  const add = (item: string, previous: unknown, dataClass: HistoryRow['dataClass']) =>
    out.push({
      caseId: existing.id,
      revision: body.revision,
      item,
      previous,
      changedBy: principal.id,
      changedAt: now,
      dataClass,
    });
  const fields: Array<[string, string | null, string | undefined]> = [
    ['notes', existing.notes, body.notes],
    ['category', existing.category, body.category],
    ['agency', existing.agency, body.agency],
    ['agent_id', existing.agentId, principal.role === 'agent' ? undefined : body.agent_id],
  ];
  for (const [item, before, after] of fields)
    if (after !== undefined && before !== null && before !== after) add(item, before, 'annotations');
  const stored = new Map((await repo.listUtterances(existing.id)).map((u) => [u.utteranceId, u]));
  for (const t of body.transcript) {
    const before = stored.get(t.utterance_id);
    if (!before) continue;
    const changed =
      (t.text ?? null) !== before.rawText ||
      t.corrected_text !== before.correctedText ||
      t.verified !== before.verified;
    if (changed)
      add(
        `utterance:${t.utterance_id}`,
        {
          raw_text: before.rawText,
          corrected_text: before.correctedText,
          redacted_text: before.redactedText,
          verified: before.verified,
        },
        'raw_transcript',
      );
  }
  return out;
}
