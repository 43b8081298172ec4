import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './index.js';
import { storeBackends } from './testing/backends.js';
import { createCaseRepository } from './case-repository.js';

const DAY = 86_400_000;

describe.each(storeBackends())('case repository on $name', (backend) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  const utterance = (caseId: string, id: string, text: string) => ({
    caseId,
    utteranceId: id,
    speaker: 'caller',
    channel: 0,
    startMs: 0,
    endMs: 1000,
    rawText: text,
    correctedText: text,
    redactedText: text.replace(/A1\d+/, '[身分證]'),
    edits: [],
    verified: true,
    updatedAt: 1,
  });
  const segment = (caseId: string, id: string) => ({
    caseId,
    segmentId: id,
    kind: 'utterance' as const,
    speaker: 'caller',
    channel: 0,
    startMs: 0,
    endMs: 1000,
    format: 'wav' as const,
    blobKey: `cases/${caseId}/${id}.wav`,
    sha256: 'x',
    bytes: 44,
    createdAt: 1,
  });

  it('upserts cases and children, searches by owner, agency, date and redacted text', async () => {
    store = await openStore(await backend.options());
    const repo = await createCaseRepository(store);
    await repo.upsertCase({
      id: 'c1',
      updatedAt: 10,
      startedAt: 10,
      agentId: 'amy',
      agency: '環保局',
      status: 'live',
    });
    await repo.upsertCase({ id: 'c1', updatedAt: 20, category: '噪音' });
    await repo.upsertCase({
      id: 'c2',
      updatedAt: 30,
      startedAt: 30,
      agentId: 'bob',
      agency: '交通局',
      status: 'live',
    });
    await repo.putUtterance(utterance('c1', 'u1', '我的身分證 A123456789 路燈不亮'));
    await repo.putUtterance({ ...utterance('c1', 'u1', '路燈不亮了'), verified: false });
    await repo.putSegment(segment('c1', 'u1'));
    await repo.putFeedback({
      caseId: 'c1',
      feedbackId: 'f1',
      utteranceId: 'u1',
      action: 'adopted',
      faqId: 'faq-1',
      text: null,
      by: 'amy',
      ts: 1,
    });
    await repo.putFeedback({
      caseId: 'c1',
      feedbackId: 'f1',
      utteranceId: 'u1',
      action: 'rejected',
      faqId: 'faq-1',
      text: null,
      by: 'amy',
      ts: 2,
    });

    expect(await repo.getCase('c1')).toMatchObject({
      agentId: 'amy',
      category: '噪音',
      startedAt: 10,
      updatedAt: 20,
      legalHold: false,
    });
    expect(await repo.listUtterances('c1')).toMatchObject([{ rawText: '路燈不亮了', verified: false }]);
    expect(await repo.listFeedback('c1')).toMatchObject([{ action: 'adopted' }]);
    expect((await repo.search({ ownedBy: 'amy' })).map((c) => c.id)).toEqual(['c1']);
    expect((await repo.search({})).map((c) => c.id)).toEqual(['c2', 'c1']);
    expect((await repo.search({ agency: '交通局' })).map((c) => c.id)).toEqual(['c2']);
    expect((await repo.search({ from: 15, to: 40 })).map((c) => c.id)).toEqual(['c2']);
    expect((await repo.search({ text: '路燈' })).map((c) => c.id)).toEqual(['c1']);
    expect((await repo.search({ text: '100%_' })).map((c) => c.id)).toEqual([]);
  });

  it('a failing transaction leaves nothing behind', async () => {
    store = await openStore(await backend.options());
    const repo = await createCaseRepository(store);
    await expect(
      repo.transaction(async (r) => {
        await r.upsertCase({ id: 'c1', updatedAt: 1 });
        await r.addRevision('c1', 1, 'h', 1);
        await r.addRevision('c1', 1, 'h', 1);
      }),
    ).rejects.toThrow();
    expect(await repo.getCase('c1')).toBeNull();
  });

  it('finds expired data per class, skips held cases, queues blob keys of purged audio', async () => {
    store = await openStore(await backend.options());
    const repo = await createCaseRepository(store);
    for (const id of ['old', 'held', 'new']) {
      const at = id === 'new' ? 100 * DAY : DAY;
      await repo.upsertCase({ id, updatedAt: at, startedAt: at, endedAt: at, status: 'ended' });
      await repo.putUtterance(utterance(id, 'u1', '路燈'));
      await repo.putSegment(segment(id, 'u1'));
    }
    await repo.setHold('held', true, 'litigation');
    expect(await repo.casesWithExpired('audio', 50 * DAY)).toEqual(['old']);
    expect(await repo.purgeClass('old', 'audio', 5)).toBe(1);
    expect(await repo.pendingBlobPurges()).toEqual(['cases/old/u1.wav']);
    expect(await repo.casesWithExpired('audio', 50 * DAY)).toEqual([]);
    expect(await repo.purgeClass('old', 'raw_transcript', 5)).toBe(1);
    expect(await repo.listUtterances('old')).toMatchObject([
      { rawText: null, correctedText: null, redactedText: '路燈' },
    ]);
    expect(await repo.casesWithExpired('raw_transcript', 50 * DAY)).toEqual([]);
    expect(await repo.casesToDelete(50 * DAY)).toEqual(['old']);
    await repo.deleteCase('old', 6);
    expect(await repo.getCase('old')).toBeNull();
    expect(await repo.listUtterances('old')).toEqual([]);
    await repo.blobPurged('cases/old/u1.wav');
    expect(await repo.pendingBlobPurges()).toEqual([]);
    expect(await repo.getCase('held')).toMatchObject({
      legalHold: true,
      holdReason: 'litigation',
      updatedAt: DAY,
    });
  });
  it('exports verified utterances with their audio and adopted replies with what they answered', async () => {
    store = await openStore(await backend.options());
    const repo = await createCaseRepository(store);
    const feedback = (
      caseId: string,
      id: string,
      utteranceId: string | null,
      action: string,
      ts: number,
    ) => ({
      caseId,
      feedbackId: id,
      utteranceId,
      action,
      faqId: 'faq-1',
      text: action === 'edited' ? '您好，路燈報修請撥 1999' : null,
      by: 'amy',
      ts,
    });
    for (const [id, at] of [
      ['before', 1],
      ['c1', 10],
      ['c2', 20],
    ] as const) {
      await repo.upsertCase({ id, updatedAt: at, startedAt: at });
      await repo.putUtterance(utterance(id, 'u1', '路燈不亮'));
      await repo.putSegment(segment(id, 'u1'));
      await repo.putFeedback(feedback(id, 'f1', 'u1', 'adopted', at));
    }
    await repo.putUtterance({ ...utterance('c1', 'u2', '沒有錄音的一句'), startMs: 2000 });
    await repo.putUtterance({ ...utterance('c1', 'u3', '沒核對'), startMs: 3000, verified: false });
    await repo.putSuggestion({
      caseId: 'c1',
      utteranceId: 'u1',
      kbVersion: 3,
      faqIds: ['faq-1'],
      citedFaqIds: ['faq-1'],
      replyScript: '路燈報修請撥 1999',
      tier: 'hot',
      source: 'template',
      ts: 11,
    });
    await repo.putFeedback(feedback('c1', 'f2', 'u2', 'edited', 12));
    await repo.putFeedback(feedback('c1', 'f3', null, 'adopted', 13));
    await repo.putFeedback(feedback('c1', 'f4', 'u1', 'rejected', 14));

    const verified = await repo.verifiedUtterances(5);
    expect(
      verified.map((v) => [v.utterance.caseId, v.utterance.utteranceId, v.segment?.blobKey ?? null]),
    ).toEqual([
      ['c1', 'u1', 'cases/c1/u1.wav'],
      ['c1', 'u2', null],
      ['c2', 'u1', 'cases/c2/u1.wav'],
    ]);
    const replies = await repo.adoptedReplies(5);
    expect(
      replies.map((r) => [
        r.feedback.caseId,
        r.feedback.feedbackId,
        r.suggestion?.replyScript ?? null,
        r.utterance?.correctedText ?? null,
      ]),
    ).toEqual([
      ['c1', 'f1', '路燈報修請撥 1999', '路燈不亮'],
      ['c1', 'f2', null, '沒有錄音的一句'],
      ['c1', 'f3', null, null],
      ['c2', 'f1', null, '路燈不亮'],
    ]);
  });
});
