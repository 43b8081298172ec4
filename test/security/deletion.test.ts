/**
 * Deletion that deletes: after the retention purge, personal text is gone from the database rows,
 * and on SQLite (secure_delete, WAL truncated) from every byte of the database files and the data
 * dir; text-channel turns are stored redacted and purged too; no empty case folders are left.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { toneWav } from '../../src/cases/testing/fixtures.js';
import { ADMIN, bootApp, storeBackends, type TestApp } from './harness.js';

/** Every file under `dir` (the SQLite database, its WAL and SHM, audio, journals, keys…). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}
function emptyFoldersUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => {
      const path = join(dir, e.name);
      return readdirSync(path).length === 0 ? [path] : emptyFoldersUnder(path);
    });
}
const containing = (files: string[], needles: string[]) =>
  files.filter((f) => {
    const bytes = readFileSync(f);
    return needles.some((n) => bytes.includes(Buffer.from(n, 'utf8')));
  });

describe.each(storeBackends())('deletion that deletes on $name', (backend) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('purged call text and conversations leave no trace in the database or the data dir', async () => {
    const dbUrl = (await backend.options()).dbUrl;
    t = await bootApp(
      backend,
      {
        retention: {
          audioDays: 0,
          rawTranscriptDays: 0,
          correctedTranscriptDays: 0,
          annotationsDays: 0,
          conversationDays: 0,
          auditDays: 1825,
        },
      },
      { dbUrl },
    );
    // Markers that only the purged data holds (plain words, so redaction leaves them in place).
    const callMarker = 'PURGEMARKCALL7731';
    const noteMarker = '甄嬛傳測試備註句';
    const chatMarker = 'PURGEMARKCHAT5521';
    const agent = await t.token('agent', 'amy');
    const service = await t.token('service', 'chatbot');
    const record = await t.api('POST', '/api/case/record', agent, {
      case_id: 'purge-me',
      revision: 1,
      started_at: Date.now() - 60_000,
      ended_at: Date.now() - 1_000,
      notes: `${noteMarker} ${callMarker}`,
      transcript: [
        {
          utterance_id: 'u1',
          speaker: 'caller',
          start_ms: 0,
          end_ms: 500,
          text: `我要報修 ${callMarker}`,
          corrected_text: `我要報修 ${callMarker}。`,
        },
      ],
      annotations: [{ label: 'note', text: `${callMarker} ${noteMarker}` }],
      audio: [{ segment_id: 'u1', format: 'wav', data: Buffer.from(toneWav()).toString('base64') }],
    });
    expect(record.status).toBe(201);
    // A second revision keeps history: the history must go with its class too.
    await t.api('POST', '/api/case/record', agent, {
      case_id: 'purge-me',
      revision: 2,
      notes: '改過的備註',
      transcript: [],
    });
    const conversation = await t.api<{ conversation_id: string }>('POST', '/api/conversation', service, {});
    const id = conversation.json.conversation_id;
    const asked = await t.api('POST', '/api/query', service, {
      conversation_id: id,
      text: `垃圾車 ${chatMarker}`,
    });
    expect(asked.status).toBe(200);
    const markers = [callMarker, noteMarker, chatMarker];

    const dbText = async () => {
      const store = await openStore({ dbUrl, sqliteFile: join(t?.dataDir ?? '', 'hotline.db') });
      try {
        const tables = [
          'cases',
          'case_utterances',
          'case_feedback',
          'case_history',
          'text_conversation_turns',
        ];
        const out: string[] = [];
        for (const table of tables)
          out.push(JSON.stringify((await sql`select * from ${sql.table(table)}`.execute(store.db)).rows));
        return out.join('\n');
      } finally {
        await store.close();
      }
    };
    // The markers are really stored before the purge (so the checks below can fail).
    const before = await dbText();
    for (const m of markers) expect(before).toContain(m);
    if (backend.name === 'sqlite')
      expect(containing(filesUnder(t.dataDir), markers).length).toBeGreaterThan(0);

    await new Promise((r) => setTimeout(r, 5));
    const run = await t.api<{ casesDeleted: string[]; conversationsDeleted: number }>(
      'POST',
      '/api/retention/run',
      ADMIN,
      {},
    );
    expect(run.status).toBe(200);
    expect(run.json.casesDeleted).toContain('purge-me');
    expect(run.json.conversationsDeleted).toBeGreaterThanOrEqual(1);
    expect((await t.api('GET', `/api/conversation/${id}/history`, service)).status).toBe(404);

    const after = await dbText();
    for (const m of markers) expect(after).not.toContain(m);
    expect(emptyFoldersUnder(join(t.dataDir, 'audio'))).toEqual([]);
    if (backend.name === 'sqlite') {
      // Every byte of the data dir while the server still runs (database, -wal, -shm included)…
      expect(containing(filesUnder(t.dataDir), markers)).toEqual([]);
      const dataDir = t.dataDir;
      await t.close();
      t = undefined;
      // …and once it has stopped and checkpointed.
      expect(containing(filesUnder(dataDir), markers)).toEqual([]);
      expect(statSync(join(dataDir, 'hotline.db')).size).toBeGreaterThan(0);
    }
  });

  it('text-channel turns are stored redacted (an ID number and a mobile number never reach the database)', async () => {
    const dbUrl = (await backend.options()).dbUrl;
    t = await bootApp(backend, {}, { dbUrl });
    const service = await t.token('service', 'chatbot');
    const { conversation_id } = (
      await t.api<{ conversation_id: string }>('POST', '/api/conversation', service, {})
    ).json;
    const asked = await t.api('POST', '/api/query', service, {
      conversation_id,
      text: '我的身分證是A123456789，手機0912345678，想問垃圾車幾點來',
    });
    expect(asked.status).toBe(200);
    const history = await t.api<{ turns: Array<{ role: string; text: string }> }>(
      'GET',
      `/api/conversation/${conversation_id}/history`,
      service,
    );
    const question = history.json.turns.find((turn) => turn.role === 'user')?.text ?? '';
    expect(question).toContain('垃圾車');
    expect(question).not.toContain('A123456789');
    expect(question).not.toContain('0912345678');
    const store = await openStore({ dbUrl, sqliteFile: join(t.dataDir, 'hotline.db') });
    try {
      const rows = JSON.stringify(
        (await sql`select text from text_conversation_turns`.execute(store.db)).rows,
      );
      expect(rows).not.toContain('A123456789');
      expect(rows).not.toContain('0912345678');
    } finally {
      await store.close();
    }
  });
});
