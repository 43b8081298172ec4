import type { Principal, CaseRecordBody } from '../protocol/index.js';
import type {
  CaseRepository,
  CaseRow,
  FeedbackRow,
  HistoryRow,
  SegmentRow,
  StoredBlob,
  SuggestionRow,
  UtteranceRow,
} from '../store/index.js';
import type { checkAudio } from './audio-check.js';
import { caseAuditEntry, type Viewer } from './case-access.js';
import type { CaseRecordDeps } from './case-record.js';

type AudioUpload = Extract<CaseRecordBody['audio'][number], { data: string }>;

/** An uploaded audio file, decoded and checked in full. */
export interface CheckedUpload {
  item: AudioUpload;
  bytes: Buffer;
  check: ReturnType<typeof checkAudio>;
}

/** A validated record with its audio already stored (`written[i]` holds `uploads[i]`). */
export interface ValidRecord {
  body: CaseRecordBody;
  bodySha: string;
  existing: CaseRow | null;
  viewer: Viewer;
  uploads: readonly CheckedUpload[];
  written: readonly StoredBlob[];
  now: number;
}

/**
 * Writes every row of a record, what it replaces (as history) and its audit entry in one
 * transaction: either the whole revision is stored, or none of it.
 */
export async function writeRecordRows(deps: CaseRecordDeps, record: ValidRecord): Promise<void> {
  const { body, bodySha, existing, viewer, now } = record;
  const { principal } = viewer;
  await deps.cases.transaction(async (repo, trx) => {
    const replaced = existing ? await replacedValues(repo, existing, body, principal, now) : [];
    await repo.addHistory(replaced);
    await repo.upsertCase({
      id: body.case_id,
      updatedAt: now,
      revision: body.revision,
      agentId: principal.role === 'agent' ? principal.id : (body.agent_id ?? existing?.agentId ?? undefined),
      openedBy: existing ? undefined : principal.id,
      startedAt: body.started_at ?? (existing ? undefined : now),
      endedAt: body.ended_at,
      status: body.ended_at !== undefined ? 'ended' : undefined,
      category: body.category,
      agency: body.agency,
      notes: body.notes,
    });
    for (const segment of segmentRows(record)) await repo.putSegment(segment);
    for (const t of body.transcript) {
      const row: UtteranceRow = {
        caseId: body.case_id,
        utteranceId: t.utterance_id,
        speaker: t.speaker,
        channel: t.channel,
        startMs: t.start_ms,
        endMs: t.end_ms,
        rawText: t.text ?? null,
        correctedText: t.corrected_text,
        redactedText: deps.redact(t.corrected_text, 'archive').text,
        edits: null,
        verified: t.verified,
        updatedAt: now,
      };
      await repo.putUtterance(row);
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
    const feedback = feedbackRows(body, principal, now);
    for (const f of feedback) await repo.putFeedback(f);
    await repo.addRevision(body.case_id, body.revision, bodySha, now);
    await deps.audit.append(
      caseAuditEntry(viewer, 'case.record', body.case_id, {
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
}

/** The segment rows of the uploaded files, pointing at the blobs written for them. */
function segmentRows({ body, uploads, written, now }: ValidRecord): SegmentRow[] {
  return uploads.map((u, i) => {
    const blob = written[i] as StoredBlob;
    return {
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
  });
}

/**
 * The agent's verdicts on suggestions and their annotations, as one kind of stored row: an
 * annotation is feedback with the action `annotation` and its label as text. Ids not given are
 * derived from the revision, so a replayed record stores each once.
 */
function feedbackRows(body: CaseRecordBody, principal: Principal, now: number): FeedbackRow[] {
  return [
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
