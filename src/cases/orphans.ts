import { readWav } from '../audio/index.js';
import type { Logger } from '../config/index.js';
import {
  auditEntry,
  sha256Hex,
  type AuditRepository,
  type BlobStore,
  type CaseRepository,
} from '../store/index.js';
import { blobKeyPart } from './blob-keys.js';
import type { CaseClaims } from './journal-recovery.js';

/** Audio files found with no row at start: adopted into their case, or deleted with a case that is gone. */
export interface OrphanReport {
  adopted: number;
  deleted: number;
}

const SYSTEM = { principal: null, source: 'system' };

interface OrphanDeps {
  cases: CaseRepository;
  blobs: BlobStore;
  audit: AuditRepository;
  logger: Logger;
  clock: () => number;
  /**
   * Which cases this node may write (a cluster's case leases). With a shared bucket the sweep also
   * sees other nodes' files: a live call's chunk is stored just before its row, and a killed node's
   * last chunks wait for its journal replay. Those belong to the node holding the case.
   */
  claims: CaseClaims;
}

/** The case a `cases/<folder>` belongs to: the folder is the case id, or its hash for unsafe ids. */
async function caseOfFolder(cases: CaseRepository, folder: string, hashed: Map<string, string> | null) {
  if (!folder.startsWith('h-')) return (await cases.getCase(folder)) ? folder : null;
  return hashed?.get(folder) ?? null;
}

async function hashedFolders(cases: CaseRepository): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  for (let after: string | null = null; ;) {
    const ids = await cases.caseIds(after, 1000);
    for (const id of ids) map.set(blobKeyPart(id), id);
    if (ids.length < 1000) return map;
    after = ids[ids.length - 1] as string;
  }
}

/**
 * Files under `cases/` that no segment row (nor the purge queue) refers to: written by a process
 * killed between the file and its row, or left after the database lost rows. Retention only ever
 * sees rows, so such files would live forever. A file of a case that still exists becomes a
 * `recovered` segment of it (kept and purged like its audio); a file of a case that is gone is
 * deleted. Both are audited.
 */
export async function sweepOrphans(deps: OrphanDeps): Promise<OrphanReport> {
  const { cases, blobs, audit, logger } = deps;
  const report: OrphanReport = { adopted: 0, deleted: 0 };
  const byFolder = new Map<string, string[]>();
  for (const key of await blobs.list('cases')) {
    const folder = key.split('/')[1];
    if (folder) byFolder.set(folder, [...(byFolder.get(folder) ?? []), key]);
  }
  let hashed: Map<string, string> | null = null;
  for (const [folder, keys] of byFolder) {
    const known = new Set(await cases.blobKeysUnder(`cases/${folder}/`));
    const orphans = keys.filter((k) => !known.has(k));
    if (orphans.length === 0) continue;
    if (folder.startsWith('h-')) hashed ??= await hashedFolders(cases);
    const caseId = await caseOfFolder(cases, folder, hashed);
    if (caseId === null) {
      for (const key of orphans) await blobs.delete(key);
      report.deleted += orphans.length;
      await audit.append(
        auditEntry(
          SYSTEM,
          'storage.orphans_deleted',
          { type: 'case_folder', id: folder },
          {
            files: orphans.length,
            why: 'no such case',
          },
        ),
      );
      continue;
    }
    // A case another node holds is its to write: its files may be rows about to be written.
    if (!(await deps.claims.claim(caseId))) {
      logger.info(
        { case_id: caseId, files: orphans.length },
        'archive: files of a case held by another node left alone',
      );
      continue;
    }
    let adopted: number;
    try {
      adopted = await adopt(deps, caseId, folder, keys);
    } finally {
      await deps.claims.release(caseId);
    }
    if (adopted === 0) continue;
    report.adopted += adopted;
    await audit.append(
      auditEntry(SYSTEM, 'storage.orphans_adopted', { type: 'case', id: caseId }, { files: adopted }),
    );
  }
  if (report.adopted + report.deleted > 0)
    logger.warn(
      report,
      'archive: audio files with no row found at start (adopted into their case or deleted)',
    );
  return report;
}

/**
 * The files of `caseId`'s folder that still have no row (read again now that this node holds the
 * case) become `recovered` segments of it; returns how many.
 */
async function adopt(deps: OrphanDeps, caseId: string, folder: string, keys: string[]): Promise<number> {
  const { cases, blobs, clock } = deps;
  const known = new Set(await cases.blobKeysUnder(`cases/${folder}/`));
  const orphans = keys.filter((k) => !known.has(k));
  for (const key of orphans) {
    const data = await blobs.get(key);
    if (!data) continue;
    const file = key.slice(key.lastIndexOf('/') + 1);
    const format = file.endsWith('.opus') ? 'opus' : 'wav';
    let durationMs = 0;
    try {
      if (format === 'wav') durationMs = Math.round(readWav(data).durationMs);
    } catch {
      // Not a readable WAV (cut short by the crash): kept as it is, with no duration.
    }
    await cases.putSegment({
      caseId,
      segmentId: file.replace(/\.(wav|opus)$/, ''),
      kind: 'recovered',
      speaker: null,
      channel: null,
      startMs: 0,
      endMs: durationMs,
      format,
      blobKey: key,
      sha256: sha256Hex(data),
      bytes: data.byteLength,
      createdAt: clock(),
    });
  }
  return orphans.length;
}
