import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { openStore, sha256Hex, type Store } from '../store/index.js';
import { startLocalS3, type LocalS3 } from '../store/testing/blob-drivers.js';
import { createArchive } from './archive.js';
import { createJournalWriter } from './group-commit.js';
import { countingJournalFiles } from './testing/counting-files.js';
import { principal, segmentLine, silentLogger, toneWav } from './testing/fixtures.js';
import { createRedactingTextDouble } from './testing/text-double.js';
import type { CaseClaims } from './journal-recovery.js';

const AUDIT_KEY = randomBytes(32).toString('base64');

/** The archive with its audio in an S3-compatible bucket (s3rver), as every node of a cluster has it. */
describe('archive on an S3 bucket', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startLocalS3();
  });
  afterAll(async () => {
    await s3.stop();
  });

  /** A node: its own data dir, the shared database and bucket (and case claims, in a cluster). */
  const node = (store: Store, prefix: string, claims?: CaseClaims) =>
    createArchive({
      store,
      ...(claims ? { claims } : {}),
      config: loadConfig({
        // Every node of a cluster uses the same audit key.
        env: { ...s3.env(prefix), HOTLINE_AUDIT_KEY: AUDIT_KEY },
        overrides: { dataDir: mkdtempSync(join(tmpdir(), 'hotline-s3-node-')), logLevel: 'silent' },
      }),
      text: createRedactingTextDouble(),
      logger: silentLogger(),
    });

  it('audio one node archived is served by another node with its own data dir', async () => {
    const store = await openStore({
      sqliteFile: join(mkdtempSync(join(tmpdir(), 'hotline-s3-db-')), 'h.db'),
    });
    const prefix = `archive-${process.pid}`;
    const a = await node(store, prefix);
    const wav = toneWav();
    const agent = { principal: principal('agent', 'amy'), source: '10.0.0.5' };
    await a.cases.record(
      {
        case_id: 'case-s3',
        revision: 1,
        started_at: '2026-01-01T08:00:00+08:00',
        audio: [{ segment_id: 'u1', format: 'wav', data: Buffer.from(wav).toString('base64'), start_ms: 0 }],
      },
      agent,
    );
    const b = await node(store, prefix);
    const sup = { principal: principal('supervisor'), source: '10.0.0.7' };
    const served = await b.cases.audio('case-s3', 'u1', sup);
    expect(served.sha256).toBe(sha256Hex(wav));
    expect(Buffer.from(served.data).equals(Buffer.from(wav))).toBe(true);
    // Node B's start found nothing orphaned in the shared bucket: the file has its row.
    expect(await s3.store(prefix).list('cases')).toEqual(['cases/case-s3/u1.wav']);
    await store.close();
  });

  it("a node's start-up sweep leaves the chunks of a call another node holds alone, and takes them once its claim lapsed", async () => {
    const store = await openStore({
      sqliteFile: join(mkdtempSync(join(tmpdir(), 'hotline-s3-db-')), 'h.db'),
    });
    const prefix = `sweep-${process.pid}`;
    // The case leases as the other nodes see them: node A holds the call until its claim lapses.
    const heldByA = new Set<string>();
    const claims: CaseClaims = {
      claim: (caseId) => Promise.resolve(!heldByA.has(caseId)),
      release: () => Promise.resolve(),
    };
    const a = await node(store, prefix);
    await a.recorder.callStarted({
      caseId: 'call-on-a',
      startedAt: new Date(),
      format: 'pcm_s16le',
      sampleRate: 16_000,
      channels: 1,
      asrVersion: null,
    });
    heldByA.add('call-on-a');
    // A chunk node A stored in the bucket a moment before its row (a live call does so at every utterance end).
    const chunk = 'cases/call-on-a/call-0001-a1b2c3.wav';
    await s3.store(prefix).put(chunk, toneWav(300), { exclusive: true });

    await node(store, prefix, claims); // node B starts meanwhile
    expect(await a.repository.listSegments('call-on-a')).toEqual([]);

    // Node A was killed and its claim lapsed: the next node to start adopts what it left.
    heldByA.delete('call-on-a');
    await node(store, prefix, claims);
    expect(
      (await a.repository.listSegments('call-on-a')).map((s) => [s.segmentId, s.kind, s.blobKey]),
    ).toEqual([['call-0001-a1b2c3', 'recovered', chunk]]);
    await store.close();
  });

  it('a live call item with audio is acknowledged only once the object is in the bucket; a bucket that is down fails the call', async () => {
    const server = await startLocalS3();
    const blobs = server.store('live');
    const failures: string[] = [];
    const writer = createJournalWriter({
      dir: join(mkdtempSync(join(tmpdir(), 'hotline-s3-journal-')), 'journal'),
      files: countingJournalFiles(),
      blobs,
      onFailure: (caseId) => failures.push(caseId),
    });
    const call = await writer.open('call-s3');
    const segment = (key: string) =>
      call.audio(key, toneWav(100), segmentLine('call-s3', key.slice(key.lastIndexOf('/') + 1)));
    await segment('cases/call-s3/u1.wav');
    expect(await blobs.exists('cases/call-s3/u1.wav')).toBe(true);

    await server.stop();
    await expect(segment('cases/call-s3/u2.wav')).rejects.toMatchObject({ code: 'blob_store_failed' });
    expect(failures).toEqual(['call-s3']);
    expect(call.failure).not.toBeNull();
  });
});
