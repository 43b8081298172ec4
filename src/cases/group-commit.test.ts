import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFsBlobStore } from '../store/index.js';
import { createJournalWriter } from './group-commit.js';
import {
  audioJournalHeader,
  audioJournalPath,
  journalPath,
  leftoverJournals,
  type JournalEntry,
} from './journal.js';
import { countingJournalFiles } from './testing/counting-files.js';
import { segmentLine } from './testing/fixtures.js';

const feedback = (caseId: string, n: number): JournalEntry => ({
  t: 'feedback',
  caseId,
  feedbackId: `ws-${n}`,
  utteranceId: null,
  action: 'copied',
  faqId: null,
  text: null,
  by: 'amy',
  at: n,
});

function setUp() {
  const root = mkdtempSync(join(tmpdir(), 'hotline-group-commit-'));
  const files = countingJournalFiles();
  const failures: string[] = [];
  const dir = join(root, 'journal');
  const writer = createJournalWriter({
    dir,
    files,
    blobs: createFsBlobStore(join(root, 'audio')),
    onFailure: (caseId) => failures.push(caseId),
  });
  const lines = (caseId: string) =>
    leftoverJournals(dir).find((j) => j.path === journalPath(dir, caseId))?.entries ?? [];
  return { root, dir, files, failures, writer, lines };
}

describe('group commit of the call journals', () => {
  it('writes every item of a batch with one fsync per call journal, in order', async () => {
    const { dir, files, writer, lines } = setUp();
    const a = await writer.open('call-a');
    const b = await writer.open('call-b');
    const acked: string[] = [];
    // 200 items from two calls in one turn of the event loop, as a busy server queues them.
    const all = Array.from({ length: 100 }, (_, n) => [
      a.entry(feedback('call-a', n)).then(() => acked.push(`a${n}`)),
      b.entry(feedback('call-b', n)).then(() => acked.push(`b${n}`)),
    ]).flat();
    expect(acked).toEqual([]);
    await Promise.all(all);
    expect(files.syncs.get(journalPath(dir, 'call-a'))).toBe(1);
    expect(files.syncs.get(journalPath(dir, 'call-b'))).toBe(1);
    expect(lines('call-a').map((e) => (e.t === 'feedback' ? e.feedbackId : e.t))).toEqual(
      Array.from({ length: 100 }, (_, n) => `ws-${n}`),
    );
    expect(lines('call-b')).toHaveLength(100);
    await Promise.all([a.close(), b.close()]);
  });

  it('puts what arrives during a commit into the next batch, an audio file with its line', async () => {
    const { root, dir, files, writer, lines } = setUp();
    const call = await writer.open('call-c');
    const first = call.entry(feedback('call-c', 0));
    // The first batch is being written: these wait for the next one, together.
    await new Promise((r) => setImmediate(r));
    const wav = new Uint8Array([82, 73, 70, 70]);
    const segment = call.audio('cases/call-c/u1.wav', wav, segmentLine('call-c', 'u1'));
    const rest = Array.from({ length: 20 }, (_, n) => call.entry(feedback('call-c', n + 1)));
    await Promise.all([first, segment, ...rest]);
    expect(files.syncs.get(journalPath(dir, 'call-c'))).toBe(2);
    expect(lines('call-c').map((e) => e.t)).toEqual(['feedback', 'segment', ...rest.map(() => 'feedback')]);
    expect(readFileSync(join(root, 'audio', 'cases', 'call-c', 'u1.wav'))).toEqual(Buffer.from(wav));
    await call.remove();
    expect(lines('call-c')).toEqual([]);
  });

  it('refuses the item whose fsync failed and every later one of that call', async () => {
    const { files, failures, writer } = setUp();
    const bad = await writer.open('call-d');
    const good = await writer.open('call-e');
    files.failSyncs = true;
    const refused = bad.entry(feedback('call-d', 0));
    await expect(refused).rejects.toThrow(/EIO/);
    files.failSyncs = false;
    await expect(bad.entry(feedback('call-d', 1))).rejects.toThrow(/EIO/);
    await expect(bad.written()).rejects.toThrow(/EIO/);
    expect(failures).toEqual(['call-d']);
    // Another call's journal is not affected.
    await expect(good.entry(feedback('call-e', 0))).resolves.toBeUndefined();
    await Promise.all([bad.close(), good.close()]);
  });
  it('closes a call only after the audio journal writes that follow its last acknowledgement', async () => {
    const { dir, failures, writer } = setUp();
    const call = await writer.open('call-f');
    // A call's end as the recorder queues it: the last received audio, the journal reset after its
    // chunk, then the closing line — acknowledged before the audio journal's writes of its batch.
    void call.receivedAudio(new Uint8Array(1600).fill(7));
    void call.resetReceivedAudio(800);
    void call.entry(feedback('call-f', 0));
    await call.close();
    expect(failures).toEqual([]);
    expect(call.failure).toBeNull();
    expect(readFileSync(audioJournalPath(journalPath(dir, 'call-f')))).toEqual(
      Buffer.from(audioJournalHeader(800)),
    );
  });
});
