import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/index.js';
import { createAuditTrail } from '../../src/cases/audit-trail.js';
import { createLogger, loadConfig } from '../../src/config/index.js';
import { writeWav } from '../../src/audio/index.js';
import { api, startServer, type ServerProcess } from './server.js';

const ADMIN = 'crash-test-admin-token-0123456789abcdef';
const CASES = 200;
const DAY = 86_400_000;

/** Audio and raw text expire at once; the corrected transcript and annotations are kept. */
const env = (dataDir: string) => ({
  HOTLINE_DATA_DIR: dataDir,
  HOTLINE_ADMIN_TOKEN: ADMIN,
  HOTLINE_RETENTION_AUDIO_DAYS: '0',
  HOTLINE_RETENTION_RAW_TRANSCRIPT_DAYS: '0',
  HOTLINE_RETENTION_CORRECTED_TRANSCRIPT_DAYS: '365',
  HOTLINE_RETENTION_ANNOTATIONS_DAYS: '365',
  HOTLINE_RATE_LIMIT_PER_MINUTE: '100000',
});

interface Snapshot {
  segments: Array<{ case_id: string; blob_key: string; sha256: string }>;
  rawLeft: number;
  queued: string[];
  purgeEntries: Array<{ target_id: string; detail: string }>;
  chainOk: boolean;
}

/** Reads the state directory as it is on disk (server stopped). */
async function snapshot(dataDir: string): Promise<Snapshot> {
  const store = await openStore({ sqliteFile: join(dataDir, 'hotline.db') });
  try {
    const db = store.db;
    const segments = (
      await sql<Snapshot['segments'][number]>`select case_id, blob_key, sha256 from case_segments`.execute(db)
    ).rows;
    const rawLeft = Number(
      (
        await sql<{
          n: number;
        }>`select count(*) as n from case_utterances where raw_text is not null`.execute(db)
      ).rows[0]?.n,
    );
    const queued = (
      await sql<{ blob_key: string }>`select blob_key from blob_purge_queue`.execute(db)
    ).rows.map((r) => r.blob_key);
    const purgeEntries = (
      await sql<{
        target_id: string;
        detail: string;
      }>`select target_id, detail from audit_log where action = 'retention.purge'`.execute(db)
    ).rows;
    // The keyed chain with the key and checkpoints the server kept in its data dir.
    const config = loadConfig({ env: {}, overrides: { dataDir } });
    const chainOk = (
      await (await createAuditTrail({ store, config, logger: createLogger('silent') })).verify()
    ).ok;
    return { segments, rawLeft, queued, purgeEntries, chainOk };
  } finally {
    await store.close();
  }
}

function audioFiles(dataDir: string): string[] {
  const root = join(dataDir, 'audio', 'cases');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((c) => readdirSync(join(root, c)).map((f) => `cases/${c}/${f}`));
}

describe('crash safety: SIGKILL during a purge', () => {
  let server: ServerProcess | undefined;
  afterEach(async () => {
    await server?.stop();
  });

  it('leaves nothing half-deleted, and the rerun finishes the purge', async (ctx) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hotline-crash-purge-'));
    server = await startServer(env(dataDir));
    const probe = await fetch(`${server.url}/api/case/record`, { method: 'POST' });
    if (probe.status === 404) {
      console.warn(
        '[crash] skipped: the archive routes are not wired into startApp yet (POST /api/case/record is 404)',
      );
      return ctx.skip();
    }
    const created = await api<{ token: string }>(`${server.url}/api/tokens`, ADMIN, 'POST', {
      name: 'crm',
      role: 'service',
    });
    const service = created.json.token;
    const wav = Buffer.from(writeWav([new Int16Array(1600).fill(1000)], 16_000)).toString('base64');
    const endedAt = Date.now() - DAY;
    for (let i = 0; i < CASES; i++) {
      const res = await api(`${server.url}/api/case/record`, service, 'POST', {
        case_id: `case-${String(i).padStart(4, '0')}`,
        revision: 1,
        started_at: endedAt - 60_000,
        ended_at: endedAt,
        transcript: [
          {
            utterance_id: 'u1',
            speaker: 'caller',
            start_ms: 0,
            end_ms: 100,
            text: '路燈壞了',
            corrected_text: '路燈壞了。',
          },
        ],
        audio: [{ segment_id: 'u1', format: 'wav', data: wav }],
      });
      expect(res.status).toBe(201);
    }
    expect(
      (
        await api(`${server.url}/api/case/case-0007/hold`, ADMIN, 'POST', {
          hold: true,
          reason: 'court order',
        })
      ).status,
    ).toBe(200);

    // Start the purge, and kill the server once it is visibly under way.
    void fetch(`${server.url}/api/retention/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: '{}',
    }).catch(() => undefined);
    // Watch the database file itself (WAL allows a reader beside the server), not the busy server.
    const watcher = new Database(join(dataDir, 'hotline.db'), { readonly: true });
    const purges = watcher.prepare("select count(*) as n from audit_log where action = 'retention.purge'");
    for (let tries = 0; tries < 20_000; tries++) {
      if ((purges.get() as { n: number }).n >= 20) break;
      await new Promise((r) => setTimeout(r, 1));
    }
    await server.kill9();
    watcher.close();

    const cut = await snapshot(dataDir);
    console.log(
      `[crash] purge killed after ${cut.purgeEntries.length} (case, class) purges; ${cut.segments.length} segments left, ${cut.queued.length} files queued`,
    );
    expect(cut.chainOk).toBe(true);
    // Killed mid-way: audio rows still to purge, or files still queued for deletion.
    expect(cut.segments.length > 1 || cut.queued.length > 0).toBe(true);
    expect(cut.purgeEntries.length).toBeLessThan((CASES - 1) * 2);
    // Every row still there has its file, intact: nothing half-deleted.
    for (const s of cut.segments) {
      const file = join(dataDir, 'audio', s.blob_key);
      expect(existsSync(file), s.blob_key).toBe(true);
      expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(s.sha256);
    }
    // Every purge that committed has exactly one audit entry.
    const keys = cut.purgeEntries.map(
      (e) => `${e.target_id}:${(JSON.parse(e.detail) as { class: string }).class}`,
    );
    expect(new Set(keys).size).toBe(keys.length);

    server = await startServer(env(dataDir));
    const rerun = await api<{ blobsDeleted: number }>(`${server.url}/api/retention/run`, ADMIN, 'POST', {});
    expect(rerun.status).toBe(200);
    const kept = await api<{ audio: unknown[]; legal_hold: boolean }>(
      `${server.url}/api/case/case-0007`,
      service,
    );
    expect(kept.json).toMatchObject({ legal_hold: true });
    expect(kept.json.audio).toHaveLength(1);
    const purged = await api<{ audio: unknown[]; transcript: Array<{ text: string }> }>(
      `${server.url}/api/case/case-0100`,
      service,
    );
    expect(purged.json.audio).toEqual([]);
    expect(purged.json.transcript[0]?.text).toBe('路燈壞了。');
    await server.stop();

    const done = await snapshot(dataDir);
    expect(done.chainOk).toBe(true);
    expect(done.segments.map((s) => s.case_id)).toEqual(['case-0007']);
    expect(done.queued).toEqual([]);
    expect(done.rawLeft).toBe(1);
    expect(audioFiles(dataDir)).toEqual(['cases/case-0007/u1.wav']);
    const all = done.purgeEntries.map(
      (e) => `${e.target_id}:${(JSON.parse(e.detail) as { class: string }).class}`,
    );
    expect(all.length).toBe((CASES - 1) * 2);
    expect(new Set(all).size).toBe(all.length);
    console.log(
      `[crash] after restart and rerun: ${all.length} (case, class) purges, each audited once; held case intact; no orphan files`,
    );
  });
});
