import { createHash } from 'node:crypto';

const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** A path-safe name for any id: kept when already safe, else a hash (stream case ids are free text). */
export function blobKeyPart(id: string): string {
  return SAFE.test(id) && !id.includes('..')
    ? id
    : `h-${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
}

/** The folder of a case's audio files. */
export const caseBlobFolder = (caseId: string): string => `cases/${blobKeyPart(caseId)}`;

export const segmentBlobKey = (caseId: string, segmentId: string, format: 'wav' | 'opus'): string =>
  `${caseBlobFolder(caseId)}/${blobKeyPart(segmentId)}.${format === 'wav' ? 'wav' : 'opus'}`;
