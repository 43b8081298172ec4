import { existsSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFsBlobStore, openStore, type BlobStore, type Store } from '../store/index.js';
import { storeBackends } from '../store/testing/backends.js';
import { createArchive } from './archive.js';
import { leftoverJournals } from './journal.js';
import { createRedactingTextDouble } from './testing/text-double.js';
import { callerFinal, principal, silentLogger, testConfig, toneWav } from './testing/fixtures.js';
import type { Config } from '../config/index.js';

const DAY = 86_400_000;
/** The id of a run's nth call chunk (`call-NNNN-<run>`). */
const chunk = (n: number) =>
  expect.stringMatching(new RegExp(`^call-${String(n).padStart(4, '0')}-[0-9a-f]{6}$`));

describe.each(storeBackends())('archive on $name', (backend) => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  let now = 0;
  const open = async (config: Config, options = {}) => {
    store ??= await openStore(options);
    return createArchive({
      store,
      config,
      text: createRedactingTextDouble(),
      logger: silentLogger(),
      clock: () => now,
    });
  };
  const start = async (overrides = {}) => {
    now = Date.UTC(2026, 0, 1);
    const config = testConfig(overrides);
    const options = await backend.options();
    store = await openStore(options);
    return { config, options, archive: await open(config) };
  };
  const amy = { principal: principal('agent', 'amy'), source: '10.0.0.5' };
  const bob = { principal: principal('agent', 'bob'), source: '10.0.0.6' };
  const sup = { principal: principal('supervisor'), source: '10.0.0.7' };
  const svc = { principal: principal('service'), source: '10.0.0.8' };

  const record = (overrides: Record<string, unknown> = {}) => ({
    case_id: 'case-1',
    revision: 1,
    started_at: '2026-01-01T08:00:00+08:00',
    category: '路燈',
    agency: '工務局',
    notes: '民眾回報路燈故障',
    transcript: [
      {
        utterance_id: 'u1',
        speaker: 'caller',
        start_ms: 0,
        end_ms: 1500,
        text: '我身分證是A123456789電話0912345678',
        corrected_text: '我身分證是A123456789，電話0912345678。',
        verified: true,
      },
    ],
    suggestions: [
      {
        utterance_id: 'u1',
        kb_version: 7,
        faq_ids: ['faq-12', 'faq-40'],
        reply_script: '您好，路燈報修請…',
        tier: 'hot',
      },
    ],
    actions: [{ utterance_id: 'u1', faq_id: 'faq-12', action: 'adopted' }],
    annotations: [{ label: '需回電' }],
    audio: [
      {
        segment_id: 'u1',
        format: 'wav',
        data: Buffer.from(toneWav()).toString('base64'),
        speaker: 'caller',
        start_ms: 0,
      },
    ],
    ...overrides,
  });

  it('records a call, replays the same revision idempotently, completes it with a later one', async () => {
    const { archive } = await start();
    expect(await archive.cases.record(record(), amy)).toEqual({
      caseId: 'case-1',
      revision: 1,
      applied: true,
    });
    expect(await archive.cases.record(record(), amy)).toEqual({
      caseId: 'case-1',
      revision: 1,
      applied: false,
    });
    await expect(archive.cases.record(record({ notes: 'changed' }), amy)).rejects.toMatchObject({
      code: 'revision_conflict',
      kind: 'conflict',
    });
    await archive.cases.record(
      {
        case_id: 'case-1',
        revision: 2,
        ended_at: '2026-01-01T08:05:00+08:00',
        audio: [{ segment_id: 'u1' }],
      },
      amy,
    );
    await expect(
      archive.cases.record({ case_id: 'case-1', revision: 1, notes: 'x' }, amy),
    ).rejects.toMatchObject({ code: 'revision_conflict' });

    const view = await archive.cases.get('case-1', sup);
    expect(view).toMatchObject({
      status: 'ended',
      agent_id: 'amy',
      revision: 2,
      category: '路燈',
      notes: '民眾回報路燈故障',
    });
    expect(view.suggestions).toMatchObject([{ kb_version: 7, faq_ids: ['faq-12', 'faq-40'] }]);
    expect(view.feedback.map((f) => f.action)).toEqual(['adopted', 'annotation']);
    expect(view.audio).toMatchObject([{ segment_id: 'u1', format: 'wav', end_ms: 500 }]);
    const audio = await archive.cases.audio('case-1', 'u1', amy);
    expect(Buffer.from(audio.data).subarray(0, 4).toString()).toBe('RIFF');
  });

  it('shows each role what the policy allows and keeps agents out of other agents’ calls', async () => {
    const { archive } = await start();
    await archive.cases.record(record(), amy);
    const bySup = await archive.cases.get('case-1', sup);
    expect(bySup.transcript[0]).toMatchObject({
      raw_text: '我身分證是A123456789電話0912345678',
      text: '我身分證是A123456789，電話0912345678。',
    });
    const byAgent = await archive.cases.get('case-1', amy);
    expect(byAgent.transcript[0]?.text).toBe('我身分證是[身分證]，電話0912345678。');
    expect(byAgent.transcript[0]).not.toHaveProperty('raw_text');
    const byService = await archive.cases.get('case-1', svc);
    expect(byService.transcript[0]?.text).toBe('我身分證是[身分證]，電話[電話]。');

    await expect(archive.cases.get('case-1', bob)).rejects.toMatchObject({
      kind: 'forbidden',
      code: 'not_your_case',
    });
    await expect(archive.cases.audio('case-1', 'u1', bob)).rejects.toMatchObject({ kind: 'forbidden' });
    await expect(archive.cases.record(record({ revision: 2 }), bob)).rejects.toMatchObject({
      kind: 'forbidden',
    });
    expect(await archive.cases.search({}, bob)).toEqual([]);
    expect((await archive.cases.search({ text: '身分證' }, amy)).map((c) => c.id)).toEqual(['case-1']);
    // The stored redacted text has no id number, so search cannot probe for it.
    expect(await archive.cases.search({ text: 'A123456789' }, sup)).toEqual([]);
    await expect(archive.cases.get('nope', sup)).rejects.toMatchObject({
      kind: 'not_found',
      code: 'unknown_case',
    });

    const reads = await archive.audit.query({ targetId: 'case-1', action: 'case.read' });
    expect(reads.map((e) => e.actorId).sort()).toEqual(['amy', 'service-1', 'supervisor-1']);
    expect(reads[0]?.source).toMatch(/^10\.0\.0\./);
  });

  it('bad input stores nothing: not-audio, unknown segment, malformed record', async () => {
    const { archive, config } = await start();
    const notAudio = record({
      audio: [
        { segment_id: 'u1', format: 'wav', data: Buffer.from('hello, not a wav file').toString('base64') },
      ],
    });
    await expect(archive.cases.record(notAudio, amy)).rejects.toMatchObject({ code: 'invalid_audio' });
    const notOpus = record({
      audio: [{ segment_id: 'u1', format: 'opus', data: Buffer.from(toneWav()).toString('base64') }],
    });
    await expect(archive.cases.record(notOpus, amy)).rejects.toMatchObject({ code: 'invalid_audio' });
    await expect(
      archive.cases.record(record({ audio: [{ segment_id: 'ghost' }] }), amy),
    ).rejects.toMatchObject({ code: 'unknown_segment' });
    await expect(archive.cases.record(record({ revision: 0 }), amy)).rejects.toThrow(/revision/);
    await expect(archive.cases.record(record({ case_id: '../etc' }), amy)).rejects.toThrow(/case_id/);
    await expect(archive.cases.record(record({ surprise: 1 }), amy)).rejects.toThrow();
    await expect(archive.cases.get('case-1', sup)).rejects.toMatchObject({ code: 'unknown_case' });
    expect(existsSync(join(config.dataDir, 'audio', 'cases'))).toBe(false);
  });

  it('archives a live call as it happens and recovers one cut off by a crash', async () => {
    const { archive, config } = await start();
    const rec = archive.recorder;
    const base = { case_id: 'live-1', ts: now };
    await rec.callStarted({
      caseId: 'live-1',
      agentId: 'amy',
      openedBy: 'ingress-1',
      startedAt: new Date(now),
      format: 'pcm_s16le',
      sampleRate: 16000,
      channels: 1,
      asrVersion: 'test',
    });
    rec.utteranceAudio({
      caseId: 'live-1',
      utteranceId: 'u1',
      speaker: 'caller',
      channel: 0,
      startMs: 0,
      endMs: 500,
      pcm: new Int16Array(8000),
      sampleRate: 16000,
    });
    const final = callerFinal({ ...base, seq: 2 });
    rec.event(final);
    rec.event({
      ...base,
      seq: 3,
      type: 'suggestion',
      utterance_id: 'u1',
      corrected_text: '路燈壞了。',
      faq_candidates: [
        {
          faq_id: 'faq-12',
          question: 'q',
          answer: 'a',
          agency: '工務局',
          score: 0.9,
          confidence: 0.9,
          tier: 'hot',
        },
      ],
      reply_script: '請稍候',
      tier: 'hot',
      kb_version: 3,
      speculative: false,
      handoff: null,
      source: 'template',
      cited_faq_ids: ['faq-12'],
    });
    rec.event({
      ...base,
      seq: 4,
      type: 'feedback',
      action: 'adopt',
      faq_id: 'faq-12',
      utterance_id: 'u1',
      by: 'amy',
    });
    // One second of received audio: a full batch, written to the audio journal at once.
    rec.callAudio('live-1', [new Int16Array(16000).fill(1000)]);
    // The "crash": the process is gone before the database writes or callEnded; only the journals and files remain.
    const journalDir = join(config.dataDir, 'journal');
    expect(
      readdirSync(journalDir)
        .map((f) => extname(f))
        .sort(),
    ).toEqual(['.jsonl', '.pcm']);
    await rec.flush();
    await store?.close();
    store = await openStore(await backend.options());
    const fresh = await open(config);
    // A brand-new database proves the journal alone carries everything acknowledged.
    const view = await fresh.cases.get('live-1', amy);
    expect(view).toMatchObject({ status: 'interrupted', end_reason: 'interrupted', agent_id: 'amy' });
    expect(view.transcript).toMatchObject([{ utterance_id: 'u1', text: '路燈壞了。' }]);
    expect(view.suggestions).toMatchObject([{ kb_version: 3, faq_ids: ['faq-12'] }]);
    expect(view.feedback).toMatchObject([{ action: 'adopted', faq_id: 'faq-12' }]);
    // The received audio never put in a chunk comes back from the audio journal.
    expect(view.audio).toMatchObject([
      { segment_id: chunk(0), kind: 'call', start_ms: 0, end_ms: 1000 },
      { segment_id: 'u1', kind: 'utterance' },
    ]);
    expect(readdirSync(journalDir)).toHaveLength(0);

    // A call cut off by a crash may go on as a new run, but only for its owner: not for another agent.
    await expect(
      fresh.recorder.callStarted({
        caseId: 'live-1',
        agentId: 'bob',
        principal: bob.principal,
        startedAt: new Date(now),
        format: 'pcm_s16le',
        sampleRate: 16000,
        channels: 1,
        asrVersion: null,
      }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(fresh.cases.get('live-1', bob)).rejects.toMatchObject({ code: 'not_your_case' });
    // A call that ends normally leaves no journal, and the whole-call audio is written at the end.
    await fresh.recorder.callStarted({
      caseId: 'live-2',
      agentId: 'amy',
      startedAt: new Date(now),
      format: 'pcm_s16le',
      sampleRate: 16000,
      channels: 1,
      asrVersion: null,
    });
    fresh.recorder.callAudio('live-2', [new Int16Array(16000)]);
    // An utterance end writes the call audio so far; what it returns resolves once that is on disk,
    // and the event reaches no one before.
    await fresh.recorder.event({
      case_id: 'live-2',
      ts: now,
      seq: 2,
      type: 'speech_end',
      utterance_id: 'u1',
      speaker: 'caller',
      channel: 0,
      start_ms: 100,
      end_ms: 900,
    });
    expect(readdirSync(join(config.dataDir, 'audio', 'cases', 'live-2'))).toEqual([
      expect.stringMatching(/^call-0000-[0-9a-f]{6}\.wav$/),
    ]);
    fresh.recorder.callAudio('live-2', [new Int16Array(8000)]);
    await fresh.recorder.callEnded('live-2', 'end');
    expect(readdirSync(journalDir)).toHaveLength(0);
    expect((await fresh.cases.get('live-2', sup)).audio).toMatchObject([
      { segment_id: chunk(0), kind: 'call', start_ms: 0, end_ms: 1000 },
      { segment_id: chunk(1), kind: 'call', start_ms: 1000, end_ms: 1500 },
    ]);
    // A call its client ended is archived evidence: a new stream under its id is refused, whoever asks.
    await expect(
      fresh.recorder.callStarted({
        caseId: 'live-2',
        agentId: 'amy',
        principal: amy.principal,
        startedAt: new Date(now),
        format: 'pcm_s16le',
        sampleRate: 16000,
        channels: 1,
        asrVersion: null,
      }),
    ).rejects.toMatchObject({ code: 'case_archived' });
  });

  it('a crash after a segment line but before its audio file: the replay skips that segment only', async () => {
    const { config } = await start();
    const files = createFsBlobStore(join(config.dataDir, 'audio'));
    // The second utterance's file is still being written when the process dies: its put never ends.
    const dying: BlobStore = {
      ...files,
      put: (key, data, options) =>
        key.includes('/u2.') ? new Promise(() => {}) : files.put(key, data, options),
    };
    const archive = await createArchive({
      store: store as Store,
      config,
      text: createRedactingTextDouble(),
      logger: silentLogger(),
      clock: () => now,
      blobs: dying,
    });
    const rec = archive.recorder;
    await rec.callStarted({
      caseId: 'live-3',
      agentId: 'amy',
      startedAt: new Date(now),
      format: 'pcm_s16le',
      sampleRate: 16000,
      channels: 1,
      asrVersion: 'test',
    });
    const utterance = (utteranceId: string, startMs: number) =>
      rec.utteranceAudio({
        caseId: 'live-3',
        utteranceId,
        speaker: 'caller',
        channel: 0,
        startMs,
        endMs: startMs + 500,
        pcm: new Int16Array(8000).fill(500),
        sampleRate: 16000,
      });
    await utterance('u1', 0);
    let acknowledged = false;
    void utterance('u2', 1000).then(() => (acknowledged = true));
    // Its line is written beside the file: wait until it is in the journal, then "crash".
    const journalDir = join(config.dataDir, 'journal');
    const journaled = () =>
      leftoverJournals(journalDir).some((j) =>
        j.entries.some((e) => e.t === 'segment' && e.segmentId === 'u2'),
      );
    while (!journaled()) await new Promise((r) => setTimeout(r, 5));
    expect(acknowledged).toBe(false);
    await store?.close();
    store = await openStore(await backend.options());
    const fresh = await open(config);
    const view = await fresh.cases.get('live-3', amy);
    expect(view.status).toBe('interrupted');
    expect(view.audio.filter((a) => a.kind === 'utterance').map((a) => a.segment_id)).toEqual(['u1']);
  });

  it('retention purges by class on a fake clock, keeps held cases, finishes a killed run', async () => {
    const { archive, config } = await start({
      retention: {
        audioDays: 30,
        rawTranscriptDays: 30,
        correctedTranscriptDays: 90,
        annotationsDays: 90,
        auditDays: 365,
      },
    });
    for (const id of ['old', 'held']) {
      await archive.cases.record(record({ case_id: id, ended_at: now }), amy);
    }
    await archive.cases.setHold('held', true, 'court order', {
      principal: principal('supervisor'),
      source: 'cli',
    });
    now += 40 * DAY;
    const dry = await archive.retention.run({ dryRun: true });
    expect(dry.classes).toEqual({
      audio: ['old'],
      raw_transcript: ['old'],
      corrected_transcript: [],
      annotations: [],
    });
    expect((await archive.cases.get('old', sup)).audio).toHaveLength(1);

    const report = await archive.retention.run({});
    expect(report.blobsDeleted).toBe(1);
    const old = await archive.cases.get('old', sup);
    expect(old.audio).toEqual([]);
    expect(old.transcript[0]).toMatchObject({
      raw_text: null,
      corrected_text: null,
      text: '我身分證是[身分證]，電話[電話]。',
    });
    // No empty folder is left behind.
    expect(existsSync(join(config.dataDir, 'audio', 'cases', 'old'))).toBe(false);
    expect((await archive.cases.get('held', sup)).audio).toHaveLength(1);

    now += 60 * DAY;
    await archive.retention.run({});
    await expect(archive.cases.get('old', sup)).rejects.toMatchObject({ code: 'unknown_case' });
    expect((await archive.cases.get('held', sup)).transcript).toHaveLength(1);
    const purges = await archive.audit.query({ targetId: 'old' });
    expect(
      purges.filter((e) => e.action.startsWith('retention.')).map((e) => [e.action, e.detail.class ?? null]),
    ).toEqual([
      ['retention.delete_case', null],
      ['retention.purge', 'annotations'],
      ['retention.purge', 'corrected_transcript'],
      ['retention.purge', 'raw_transcript'],
      ['retention.purge', 'audio'],
    ]);
    expect(await archive.audit.verify()).toMatchObject({ ok: true });

    // A run killed after its database commit but before the file deletion: the next run finishes it.
    await archive.cases.setHold('held', false, null, { principal: principal('supervisor'), source: 'cli' });
    await archive.repository.transaction((repo) => repo.purgeClass('held', 'audio', now));
    expect(await archive.repository.pendingBlobPurges()).toHaveLength(1);
    expect(readdirSync(join(config.dataDir, 'audio', 'cases', 'held'))).toHaveLength(1);
    const rerun = await archive.retention.run({});
    expect(rerun.blobsDeleted).toBe(1);
    expect(existsSync(join(config.dataDir, 'audio', 'cases', 'held'))).toBe(false);
    expect(await archive.repository.pendingBlobPurges()).toEqual([]);
  });

  it('exports verified ASR utterances without personal data, and adopted replies redacted', async () => {
    const { archive, config } = await start();
    const clean = {
      utterance_id: 'u2',
      speaker: 'caller',
      start_ms: 2000,
      end_ms: 2500,
      text: '路燈不亮',
      corrected_text: '路燈不亮。',
      verified: true,
    };
    await archive.cases.record(
      record({
        transcript: [...(record().transcript as object[]), clean],
        audio: [
          ...(record().audio as object[]),
          {
            segment_id: 'u2',
            format: 'wav',
            data: Buffer.from(toneWav()).toString('base64'),
            start_ms: 2000,
          },
        ],
        actions: [
          {
            utterance_id: 'u1',
            faq_id: 'faq-12',
            action: 'edited',
            text: '您好，請提供電話0912345678以便回覆',
          },
        ],
      }),
      amy,
    );
    const out = join(config.dataDir, 'export');
    const actor = { principal: null, source: 'cli' };
    const asr = await archive.exports.asr({ since: 0, out, actor });
    expect(asr).toMatchObject({ written: 1, skipped: { personal_data: 1 } });
    const { readFileSync } = await import('node:fs');
    const line = JSON.parse(readFileSync(asr.manifest, 'utf8').trim()) as {
      audio_filepath: string;
      text: string;
      duration: number;
    };
    expect(line).toMatchObject({ text: '路燈不亮。', duration: 0.5 });
    expect(existsSync(join(out, line.audio_filepath))).toBe(true);
    const replies = await archive.exports.replies({ since: 0, out, actor });
    const chat = JSON.parse(readFileSync(replies.manifest, 'utf8').trim()) as {
      messages: Array<{ content: string }>;
      faq_ids: string[];
      kb_version: number;
    };
    expect(chat.messages[1]?.content).toBe('我身分證是[身分證]，電話[電話]。');
    expect(chat.messages[2]?.content).toBe('您好，請提供電話[電話]以便回覆');
    expect(chat).toMatchObject({ faq_ids: ['faq-12', 'faq-40'], kb_version: 7 });
    expect((await archive.audit.query({ action: 'export.asr' })).length).toBe(1);
  });
});
