import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, createLogger, type Config, type ConfigInput } from '../../config/index.js';
import { writeWav } from '../../audio/index.js';
import type { Principal, ServerEvent } from '../../protocol/index.js';
import type { StoredBlob } from '../../store/index.js';
import type { JournalEntry } from '../journal.js';

/** A config under a fresh temp state directory, ignoring the developer's environment. */
export function testConfig(overrides: ConfigInput = {}): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'hotline-cases-'));
  return loadConfig({ env: {}, overrides: { dataDir, logLevel: 'silent', ...overrides } });
}

export const silentLogger = () => createLogger('silent');

/** 0.5 s of a 440 Hz tone as a WAV file. */
export function toneWav(ms = 500): Uint8Array {
  const n = (16_000 * ms) / 1000;
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16_000));
  return writeWav([pcm], 16_000);
}

export const principal = (role: Principal['role'], id = `${role}-1`): Principal => ({
  id,
  role,
  kind: 'user',
  name: id,
});

/** The journal line of a caller utterance's audio stored as `blob` (what the live writer journals). */
export const segmentLine =
  (caseId: string, segmentId: string) =>
  (blob: StoredBlob): JournalEntry => ({
    t: 'segment',
    caseId,
    segmentId,
    kind: 'utterance',
    speaker: 'caller',
    channel: 0,
    startMs: 0,
    endMs: 100,
    blobKey: blob.key,
    sha256: blob.sha256,
    bytes: blob.bytes,
    at: 1,
  });

/** The caller's final 「路燈壞了」 (0–500 ms) of a call, as the stream emits it. */
export const callerFinal = (
  at: { case_id: string; seq: number; ts: number },
  utteranceId = 'u1',
): ServerEvent => ({
  ...at,
  type: 'final',
  utterance_id: utteranceId,
  text: '路燈壞了',
  corrected_text: '路燈壞了。',
  edits: [],
  start_ms: 0,
  end_ms: 500,
  speaker: 'caller',
  channel: 0,
});
