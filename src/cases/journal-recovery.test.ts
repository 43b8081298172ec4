import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFsBlobStore, openStore, type BlobStore, type Store } from '../store/index.js';
import { storeBackends } from '../store/testing/backends.js';
import type { Config } from '../config/index.js';
import { createArchive, type Archive } from './archive.js';
import type { CaseClaims } from './journal-recovery.js';
import { createRedactingTextDouble } from './testing/text-double.js';
import { callerFinal, principal, silentLogger, testConfig } from './testing/fixtures.js';

/**
 * Two nodes over one database and one blob store, each with its own journal: node A is killed
 * mid-call, the call goes on on node B, then A starts again and replays its journal.
 */
describe.each(storeBackends())('journal recovery of a call continued on another node ($name)', (backend) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  const now = Date.UTC(2026, 0, 1);
  const amy = { principal: principal('agent', 'amy'), source: '10.0.0.5' };
  const caseId = 'moved-1';
  /** The case leases: which node holds each case. */
  const holders = new Map<string, string>();
  const claimsOf = (node: string): CaseClaims => ({
    claim: (id) => {
      const holder = holders.get(id) ?? node;
      if (holder === node) holders.set(id, node);
      return Promise.resolve(holder === node);
    },
    release: (id) => Promise.resolve(void (holders.get(id) === node && holders.delete(id))),
  });

  const setUp = async () => {
    holders.clear();
    store = await openStore(await backend.options());
    const blobs = createFsBlobStore(mkdtempSync(join(tmpdir(), 'hotline-shared-audio-')));
    // The nodes of one cluster share the audit key (the audit log is in the shared database).
    const audit = { key: 'journal-recovery-test-audit-key-0123456789abcdef' };
    const nodeA = testConfig({ audit });
    const nodeB = testConfig({ audit });
    const open = (config: Config, node: string, shared: BlobStore): Promise<Archive> =>
      createArchive({
        store: store as Store,
        config,
        text: createRedactingTextDouble(),
        logger: silentLogger(),
        clock: () => now,
        blobs: shared,
        claims: claimsOf(node),
      });
    return { open: (node: 'a' | 'b') => open(node === 'a' ? nodeA : nodeB, node, blobs) };
  };

  /** A run of the call on one node: its start, an acknowledged final, received audio. */
  const runOn = async (archive: Archive, utteranceId: string, seq: number) => {
    const rec = archive.recorder;
    await rec.callStarted({
      caseId,
      agentId: 'amy',
      principal: amy.principal,
      startedAt: new Date(now),
      format: 'pcm_s16le',
      sampleRate: 16000,
      channels: 1,
      asrVersion: 'test',
    });
    await rec.event(callerFinal({ case_id: caseId, ts: now, seq }, utteranceId));
    // One second of received audio: written to the audio journal, not yet in a chunk.
    rec.callAudio(caseId, [new Int16Array(16000).fill(1000)]);
    await rec.flush();
  };

  /** An utterance end on B: the call audio so far becomes a chunk before it is acknowledged. */
  const speechEnd = (archive: Archive, seq: number) =>
    archive.recorder.event({
      case_id: caseId,
      ts: now,
      seq,
      type: 'speech_end',
      utterance_id: `b-u${seq}`,
      speaker: 'caller',
      channel: 0,
      start_ms: 0,
      end_ms: 500,
    });

  /** A drives the call and is killed: its lease lapses and B resumes the call. */
  const killedOnAResumedOnB = async () => {
    const { open } = await setUp();
    const a = await open('a');
    holders.set(caseId, 'a');
    await runOn(a, 'a-u1', 2);
    holders.delete(caseId);
    const b = await open('b');
    holders.set(caseId, 'b');
    await runOn(b, 'b-u1', 3);
    return { open, b };
  };

  it('A restarting after B ended the call leaves it ended, adding only what A alone had', async () => {
    const { open, b } = await killedOnAResumedOnB();
    // B stores a chunk and ends the call.
    await speechEnd(b, 4);
    await b.recorder.callEnded(caseId, 'end');
    holders.delete(caseId);

    await open('a');
    const view = await b.cases.get(caseId, amy);
    expect(view).toMatchObject({ status: 'ended', end_reason: 'end' });
    expect(view.transcript.map((u) => u.utterance_id).sort()).toEqual(['a-u1', 'b-u1']);
    // B's chunk and A's received audio, each under its own id.
    const chunks = view.audio.filter((s) => s.kind === 'call');
    expect(chunks).toHaveLength(2);
    expect(new Set(chunks.map((c) => c.segment_id)).size).toBe(2);
  });

  it('A restarting while B holds the call neither reopens nor ends it, and their chunks never collide', async () => {
    const { open, b } = await killedOnAResumedOnB();

    // A's replay, while B drives the call: A's audio journal becomes a chunk; the case stays live.
    await open('a');
    expect(await b.cases.get(caseId, amy)).toMatchObject({ status: 'live', end_reason: null });
    // B's next chunk is stored beside A's recovered one (one shared blob store).
    await speechEnd(b, 4);
    await b.recorder.callEnded(caseId, 'end');
    const view = await b.cases.get(caseId, amy);
    expect(view).toMatchObject({ status: 'ended', end_reason: 'end' });
    const chunks = view.audio.filter((s) => s.kind === 'call');
    expect(chunks).toHaveLength(2);
    expect(new Set(chunks.map((c) => c.segment_id)).size).toBe(2);
  });
});
