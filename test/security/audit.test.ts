/**
 * A tamper-evident audit log: entries keyed with an HMAC whose key lives outside the database,
 * a signed head and retention anchor, and signed checkpoints exported outside it. The three
 * attacks the probe got through (a recomputed chain, a cut tail with the head reset, the oldest
 * entries deleted with the anchor moved) and a rollback to an earlier state are each detected by
 * `GET /api/audit/verify` and `hotline-assist audit verify`; every admin change is audited.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuditTrail, loadAuditKey, readCheckpoints } from '../../src/cases/audit-trail.js';
import { createAuditRepository, openStore, type Store } from '../../src/store/index.js';
import { createLogger, loadConfig } from '../../src/config/index.js';
import { repoRoot } from '../shared.js';
import { ADMIN, bootApp, storeBackends, type TestApp } from './harness.js';

// Some tests run the CLI as its own process (a few seconds each, more on a loaded machine).
vi.setConfig({ testTimeout: 120_000 });

describe.each(storeBackends())('tamper-evident audit on $name', (backend) => {
  let t: TestApp | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await store?.close();
    store = undefined;
  });

  const current = (): Store => {
    if (!store) throw new Error('no store open');
    return store;
  };

  /** A data dir and database with `n` audit entries (admin token changes), the server stopped. */
  async function history(n: number): Promise<{ dataDir: string; dbUrl: string | undefined }> {
    const dbUrl = (await backend.options()).dbUrl;
    const app = await bootApp(backend, {}, { dbUrl });
    for (let i = 0; app && i < n / 2; i++) await app.token('service', `svc-${i}`); // token.create + admin.change
    await app.close();
    return { dataDir: app.dataDir, dbUrl };
  }
  const open = async (h: { dataDir: string; dbUrl: string | undefined }) => {
    store = await openStore({ dbUrl: h.dbUrl, sqliteFile: join(h.dataDir, 'hotline.db') });
    const config = loadConfig({ env: {}, overrides: { dataDir: h.dataDir } });
    return createAuditTrail({ store, config, logger: createLogger('silent') });
  };
  /** What an attacker with database access but no key can compute: the old plain-sha256 chain. */
  const plainHash = (row: Record<string, unknown>, prev: string) =>
    createHash('sha256')
      .update(
        JSON.stringify([
          Number(row.seq),
          Number(row.ts),
          row.actor_id,
          row.actor_role,
          row.action,
          row.target_type,
          row.target_id,
          row.source,
          JSON.parse(String(row.detail)),
          prev,
        ]),
      )
      .digest('hex');
  const rows = async (db: Store['db']) =>
    (await sql<Record<string, unknown>>`select * from audit_log order by seq`.execute(db)).rows;
  /** The CLI's verdict, as a separate process on the same data dir and database. */
  const cli = (h: { dataDir: string; dbUrl: string | undefined }) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', 'verify'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        HOTLINE_DATA_DIR: h.dataDir,
        HOTLINE_LOG_LEVEL: 'silent',
        ...(h.dbUrl ? { HOTLINE_DB_URL: h.dbUrl } : {}),
      },
      encoding: 'utf8',
    });
    return { code: run.status, out: run.stdout.trim() };
  };

  it('keeps the key outside the database and exports signed checkpoints; an intact log verifies', async () => {
    const h = await history(20);
    const keyFile = join(h.dataDir, 'audit.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
    expect(key.byteLength).toBe(32);
    if (backend.name === 'sqlite') {
      const db = readFileSync(join(h.dataDir, 'hotline.db'));
      expect(db.includes(key)).toBe(false);
      expect(db.includes(Buffer.from(key.toString('base64')))).toBe(false);
    }
    const checkpoints = readCheckpoints(join(h.dataDir, 'audit-checkpoints.jsonl'));
    expect(checkpoints.length).toBeGreaterThan(0);
    const trail = await open(h);
    expect(checkpoints.every((c) => trail.checkpointSigned(c))).toBe(true);
    expect(await trail.verify()).toMatchObject({ ok: true, reason: null, unkeyedEntries: 0 });
    expect(cli(h)).toMatchObject({ code: 0, out: expect.stringMatching(/^audit log intact: \d+ entries/) });
  });

  it('detects a chain recomputed without the key (an edited entry)', async () => {
    const h = await history(20);
    const trail = await open(h);
    const db = current().db;
    await sql`update audit_log set detail = ${JSON.stringify({ name: 'nothing to see' })} where seq = 5`.execute(
      db,
    );
    let prev = '0'.repeat(64);
    for (const row of await rows(db)) {
      const hash = plainHash(row, prev);
      await sql`update audit_log set prev_hash = ${prev}, hash = ${hash} where seq = ${row.seq}`.execute(db);
      prev = hash;
    }
    await sql`update audit_head set hash = ${prev} where id = 1`.execute(db);
    expect(await trail.verify()).toMatchObject({ ok: false, reason: 'entry_altered', brokenAt: 1 });
    await store?.close();
    store = undefined;
    expect(cli(h)).toMatchObject({
      code: 1,
      out: expect.stringMatching(/^audit log BROKEN: entry_altered at seq 1/),
    });
  });

  it('detects a cut tail with the head reset onto the last remaining entry', async () => {
    const h = await history(20);
    const trail = await open(h);
    const db = current().db;
    const all = await rows(db);
    const keep = all[all.length - 6] as Record<string, unknown>;
    await sql`delete from audit_log where seq > ${keep.seq}`.execute(db);
    await sql`update audit_head set seq = ${keep.seq}, hash = ${keep.hash} where id = 1`.execute(db);
    // The last checkpoint (written at shutdown) is past the new head; without it the unsigned head still shows.
    expect(await trail.verify()).toMatchObject({
      ok: false,
      reason: 'truncated',
      brokenAt: Number(keep.seq) + 1,
    });
    const chainOnly = await createAuditRepository(store as Store, {
      key: loadAuditKey(loadConfig({ env: {}, overrides: { dataDir: h.dataDir } })),
    });
    expect(await chainOnly.verify([])).toMatchObject({ ok: false, reason: 'head_forged' });
  });

  it('detects the oldest entries deleted with the anchor moved past them', async () => {
    const h = await history(60);
    const trail = await open(h);
    const db = current().db;
    const fiftieth = (await rows(db))[49] as Record<string, unknown>;
    await sql`delete from audit_log where seq <= 50`.execute(db);
    await sql`update audit_head set anchor_seq = 50, anchor_hash = ${fiftieth.hash} where id = 1`.execute(db);
    expect(await trail.verify()).toMatchObject({ ok: false, reason: 'anchor_forged', brokenAt: 50 });

    // The server answers the same, to an admin.
    await store?.close();
    store = undefined;
    t = await bootApp(backend, {}, h);
    const verdict = await t.api<{ ok: boolean; reason: string }>('GET', '/api/audit/verify', ADMIN);
    expect(verdict.json).toMatchObject({ ok: false, reason: 'anchor_forged' });
  });

  it('detects a rollback to an earlier, validly signed state, from the exported checkpoints', async () => {
    const dbUrl = (await backend.options()).dbUrl;
    const first = await bootApp(backend, {}, { dbUrl });
    for (let i = 0; i < 5; i++) await first.token('service', `early-${i}`);
    await first.close();
    const h = { dataDir: first.dataDir, dbUrl };
    // The attacker saves the head row as it is now (signed), lets the log grow, then cuts it back.
    await open(h);
    const saved = (await sql<Record<string, unknown>>`select * from audit_head`.execute(current().db))
      .rows[0];
    await store?.close();
    store = undefined;
    t = await bootApp(backend, {}, h);
    for (let i = 0; i < 5; i++) await t.token('service', `late-${i}`);
    await t.close();
    t = undefined;
    const trail = await open(h);
    const db = current().db;
    await sql`delete from audit_log where seq > ${saved?.seq}`.execute(db);
    await sql`update audit_head set seq = ${saved?.seq}, hash = ${saved?.hash}, head_mac = ${saved?.head_mac} where id = 1`.execute(
      db,
    );
    const verdict = await trail.verify();
    expect(verdict).toMatchObject({ ok: false, reason: 'truncated' });
    expect(verdict.checkpoints.latestSeq).toBeGreaterThan(Number(saved?.seq));
  });

  it('refuses to start with a different key than the one the log was keyed with', async () => {
    const h = await history(4);
    await expect(
      bootApp(backend, { audit: { key: Buffer.alloc(32, 9).toString('base64') } }, h),
    ).rejects.toThrow(/keyed with audit key [0-9a-f]+, but the configured key is [0-9a-f]+/);
  });

  it('audits every admin change, whichever route made it', async () => {
    t = await bootApp(backend);
    const changes: Array<[string, string, unknown]> = [
      ['POST', '/api/text/lexicon', { terms: ['臺北市政府環境保護局'] }],
      ['POST', '/api/users', { username: 'amy', role: 'agent', password: 'Xq7!mR2#vL9p' }],
      ['POST', '/api/retention/run', { dry_run: true }],
    ];
    for (const [method, path, body] of changes)
      expect((await t.api(method, path, ADMIN, body)).status).toBeLessThan(300);
    const users = await t.api<{ users: Array<{ id: string }> }>('GET', '/api/users', ADMIN);
    const amy = users.json.users[0]?.id as string;
    expect((await t.api('PATCH', `/api/users/${amy}`, ADMIN, { password: 'N3w-pass!word-77' })).status).toBe(
      200,
    );
    const kb = await fetch(`${t.app.url}/api/kb/default/import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/x-ndjson' },
      body: `${JSON.stringify({ id: 'sec-1', question: '垃圾車幾點來', answer: '晚上七點', agency: '環境保護局' })}\n`,
    });
    expect(kb.status).toBeLessThan(300);
    const entries = await t.audit({ action: 'admin.change' });
    expect(entries.map((e) => e.targetId).sort()).toEqual(
      [
        'PATCH /api/users/:id',
        'POST /api/kb/:kb/import',
        'POST /api/retention/run',
        'POST /api/text/lexicon',
        'POST /api/users',
      ].sort(),
    );
    // Bodies are summarised, never stored: no password in the log.
    const patch = entries.find((e) => e.targetId === 'PATCH /api/users/:id');
    expect(patch?.detail).toMatchObject({ body_keys: ['password'], status: 200 });
    expect(JSON.stringify(entries)).not.toContain('N3w-pass');
    // The richer entries of the routes that write their own stay, in the same keyed chain.
    const actions = (await t.audit()).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.create', 'user.update', 'kb.import']));
    expect((await t.api<{ ok: boolean }>('GET', '/api/audit/verify', ADMIN)).json.ok).toBe(true);
    expect(existsSync(join(t.dataDir, 'audit.key'))).toBe(true);
  });
});
