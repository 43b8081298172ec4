import { createHash } from 'node:crypto';
import { type Principal, caseRecordBody, type CaseRecordBody } from '../protocol/index.js';
import type { AuditRepository, BlobStore, CaseRepository, CaseRow, StoredBlob } from '../store/index.js';
import { checkAudio } from './audio-check.js';
import { segmentBlobKey } from './blob-keys.js';
import { mayRead, type Viewer } from './case-access.js';
import { writeRecordRows, type CheckedUpload } from './case-record-rows.js';
import { CaseError } from './errors.js';
import type { Redactor } from './redaction.js';

export interface RecordResult {
  caseId: string;
  revision: number;
  /** False when this exact revision was already applied (idempotent replay). */
  applied: boolean;
}

export interface CaseRecordDeps {
  cases: CaseRepository;
  audit: AuditRepository;
  blobs: BlobStore;
  redact: Redactor;
  clock: () => number;
}

const canonicalHash = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex');

/**
 * One end-of-call record: validate (who may write it, which revision it is, every audio file in
 * full), store the uploaded audio, then write every row in one transaction with its audit entry.
 * Nothing is stored unless everything is valid; files of a record whose rows fail go again.
 */
export async function recordCase(
  deps: CaseRecordDeps,
  input: unknown,
  viewer: Viewer,
): Promise<RecordResult> {
  const { cases, blobs } = deps;
  const body: CaseRecordBody = caseRecordBody.parse(input);
  const now = deps.clock();
  const bodySha = canonicalHash(body);
  const existing = await cases.getCase(body.case_id);
  authorize(body, existing, viewer.principal);
  if (await isReplay(cases, body, bodySha, existing))
    return { caseId: body.case_id, revision: body.revision, applied: false };
  const uploads = await validateAudio(cases, body);

  const written: StoredBlob[] = [];
  try {
    for (const u of uploads)
      written.push(await blobs.put(segmentBlobKey(body.case_id, u.item.segment_id, u.item.format), u.bytes));
    await writeRecordRows(deps, { body, bodySha, existing, viewer, uploads, written, now });
  } catch (err) {
    // Nothing half-stored: files written for a record whose rows did not commit go again.
    const keep = new Set((await cases.listSegments(body.case_id)).map((s) => s.blobKey));
    for (const blob of written) if (!keep.has(blob.key)) await blobs.delete(blob.key);
    throw err;
  }
  return { caseId: body.case_id, revision: body.revision, applied: true };
}

/** Agents record their own calls; only supervisors assign a case to an agent. */
function authorize(body: CaseRecordBody, existing: CaseRow | null, principal: Principal): void {
  if (principal.role === 'agent') {
    if (body.agent_id !== undefined && body.agent_id !== principal.id) {
      throw new CaseError('forbidden', 'not_your_case', 'agents record their own calls only');
    }
    if (existing && !mayRead(existing, principal))
      throw new CaseError('forbidden', 'not_your_case', 'this case belongs to another agent');
  }
  // An integration could otherwise hand any case (and its caller's data) to whichever agent it names.
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
}

/** True when this exact revision was already applied; an older or differing one is refused. */
async function isReplay(
  cases: CaseRepository,
  body: CaseRecordBody,
  bodySha: string,
  existing: CaseRow | null,
): Promise<boolean> {
  const seen = await cases.getRevision(body.case_id, body.revision);
  if (seen) {
    if (seen.bodySha256 === bodySha) return true;
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
  return false;
}

/** Every uploaded file checked in full, and every referenced segment found, before a byte is written. */
async function validateAudio(cases: CaseRepository, body: CaseRecordBody): Promise<CheckedUpload[]> {
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
  return checked;
}
