import { rmSync } from 'node:fs';
import type { Logger } from '../config/index.js';
import { writeWav } from '../audio/index.js';
import type { BlobStore, CaseRepository } from '../store/index.js';
import type { ApplyEntry } from './apply-entry.js';
import { segmentBlobKey } from './blob-keys.js';
import { callChunkId, newChunkRun } from './call-audio.js';
import {
  audioJournalPath,
  leftoverJournals,
  readAudioJournal,
  strayAudioJournals,
  type JournalEntry,
} from './journal.js';

/**
 * Who may write a case now. In a cluster, the case lease: a call cut off here may have been resumed
 * on another node, which holds it or has ended it since. On its own, a node always may.
 */
export interface CaseClaims {
  /** True when no other node holds the case; this node then holds it until `release`. */
  claim(caseId: string): Promise<boolean>;
  release(caseId: string): Promise<void>;
}

export const soleNodeClaims: CaseClaims = {
  claim: () => Promise.resolve(true),
  release: () => Promise.resolve(),
};

export interface JournalRecoveryDeps {
  cases: CaseRepository;
  claims: CaseClaims;
  blobs: BlobStore;
  apply: ApplyEntry;
  logger: Logger;
  clock: () => number;
  journalDir: string;
}

/**
 * Replays the journals a killed process left: every item (idempotently), then the received audio
 * not yet in a chunk as one more chunk; a call without an `end` item becomes `interrupted`. A call
 * another node has continued since (it holds the case, or ended it) keeps its state: only what this
 * node alone had (items, audio; their ids never collide with the other node's) is added, never the
 * `start` that would reopen it nor an end over its own. Returns how many calls were recovered.
 */
export async function recoverJournals(deps: JournalRecoveryDeps): Promise<number> {
  const { apply, claims, logger, clock, journalDir } = deps;
  const journals = leftoverJournals(journalDir);
  for (const { path, entries } of journals) {
    const first = entries[0];
    const claimed = first ? await claims.claim(first.caseId) : false;
    const ours = first ? claimed && (await notEndedElsewhere(deps.cases, first.caseId, entries)) : false;
    for (const entry of entries) {
      if (!ours && (entry.t === 'start' || entry.t === 'end')) continue;
      // A segment line is written beside its audio file (group commit): one whose file never landed
      // was never acknowledged.
      if (entry.t === 'segment' && !(await deps.blobs.exists(entry.blobKey))) {
        logger.warn(
          { case_id: entry.caseId, segment_id: entry.segmentId },
          'archive: a journaled segment whose audio file was not written before the crash; skipped',
        );
        continue;
      }
      await apply(entry);
    }
    if (first?.t === 'start') await recoverAudio(deps, path, first, entries);
    if (first && ours && !entries.some((e) => e.t === 'end')) {
      await apply({ t: 'end', caseId: first.caseId, reason: 'interrupted', at: clock() });
      logger.warn(
        { case_id: first.caseId, items: entries.length },
        'archive: recovered a call cut off by a crash',
      );
    } else if (first && !claimed) {
      logger.warn(
        { case_id: first.caseId, items: entries.length },
        'archive: a call cut off by a crash is held by another node (or by this node under another id); added only what this node had, and its end is left to the holder or, once the claim lapses, to the cut-off call sweep',
      );
    } else if (first && !ours) {
      logger.warn(
        { case_id: first.caseId, items: entries.length },
        'archive: a call cut off by a crash went on on another node; added only what this node had',
      );
    }
    if (first && claimed) await claims.release(first.caseId);
    rmSync(path, { force: true });
    rmSync(audioJournalPath(path), { force: true });
  }
  for (const stray of strayAudioJournals(journalDir)) rmSync(stray, { force: true });
  return journals.length;
}

/**
 * A journal without an `end` whose case the database has ended: another node resumed the call and
 * ended it (this node's own end is journaled before it reaches the database).
 */
async function notEndedElsewhere(
  cases: CaseRepository,
  caseId: string,
  entries: readonly JournalEntry[],
): Promise<boolean> {
  if (entries.some((e) => e.t === 'end')) return true;
  const row = await cases.getCase(caseId);
  return !row || row.status === 'live';
}

/**
 * The received audio a killed process had not yet put in a chunk: the audio journal from where
 * the last chunk ended, stored as one more call chunk (`callChunkId`, a run of its own).
 */
async function recoverAudio(
  deps: JournalRecoveryDeps,
  path: string,
  start: Extract<JournalEntry, { t: 'start' }>,
  entries: readonly JournalEntry[],
): Promise<void> {
  const { cases, blobs, apply, logger, clock } = deps;
  const journal = readAudioJournal(path);
  const channels = start.channels ?? 0;
  const rate = start.sampleRate ?? 0;
  if (!journal || channels < 1 || rate < 1) return;
  const chunks = entries.filter(
    (e): e is Extract<JournalEntry, { t: 'segment' }> => e.t === 'segment' && e.kind === 'call',
  );
  const covered = Math.max(0, ...chunks.map((c) => c.endSample ?? 0));
  const frameBytes = 2 * channels;
  const skip = Math.max(0, covered - journal.startSample) * frameBytes;
  const usable = journal.pcm.subarray(
    skip,
    skip + Math.floor((journal.pcm.byteLength - skip) / frameBytes) * frameBytes,
  );
  if (usable.byteLength === 0) return;
  const samples = new Int16Array(
    usable.buffer.slice(usable.byteOffset, usable.byteOffset + usable.byteLength),
  );
  const perChannel = Array.from({ length: channels }, (_, ch) => {
    const out = new Int16Array(samples.length / channels);
    for (let i = 0; i < out.length; i++) out[i] = samples[i * channels + ch] as number;
    return out;
  });
  const from = Math.max(covered, journal.startSample);
  // After every chunk of the case (earlier runs included), never over one.
  const stored = (await cases.listSegments(start.caseId)).filter((s) => s.kind === 'call').length;
  const segmentId = callChunkId(stored, newChunkRun());
  const blob = await blobs.put(segmentBlobKey(start.caseId, segmentId, 'wav'), writeWav(perChannel, rate), {
    exclusive: true,
  });
  const length = perChannel[0]?.length ?? 0;
  await apply({
    t: 'segment',
    caseId: start.caseId,
    segmentId,
    kind: 'call',
    speaker: null,
    channel: null,
    startMs: Math.round((from / rate) * 1000),
    endMs: Math.round(((from + length) / rate) * 1000),
    blobKey: blob.key,
    sha256: blob.sha256,
    bytes: blob.bytes,
    at: clock(),
  });
  logger.warn(
    { case_id: start.caseId, ms: Math.round((length / rate) * 1000) },
    'archive: recovered received audio from the audio journal',
  );
}
