import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { openStore, type Store } from '../store/index.js';
import { createArchive, createAuthService, type Archive, type AuthService } from '../cases/index.js';
import { createRedactingTextDouble } from '../cases/testing/text-double.js';
import { silentLogger, testConfig, toneWav } from '../cases/testing/fixtures.js';
import { createHttpServer } from './server.js';
import { authPlugin } from './auth.js';
import { authRoutes } from './routes/auth.js';
import { roles } from './principal.js';
import { caseRoutes } from './routes/cases.js';
import { auditRoutes } from './routes/audit.js';
import { retentionRoutes } from './routes/retention.js';
import {
  formatMatrix,
  matrixColumns,
  probeDeclaredRoutes,
  type MatrixCell,
  type MatrixColumn,
} from './testing/matrix.js';

const ADMIN_TOKEN = 'bootstrap-admin-token-for-tests-6b1e9d';
const PASSWORD = 'correct horse battery';

/** The archive's routes on a real server (SQLite): the auth plugin first, then the route plugins. */
describe('archive and auth routes', () => {
  let store: Store;
  let app: FastifyInstance;
  let auth: AuthService;
  let archive: Archive;
  let now = Date.now();
  const tokens = {} as Record<MatrixColumn, string | null>;
  const ids = { amy: '', bob: '', throwaway: '' };
  /** Role-scoped API tokens: signing out (which revokes sessions) does not touch them. */
  const apiTokens = {} as Record<MatrixColumn, string | null>;
  let counter = 0;

  const wavB64 = Buffer.from(toneWav()).toString('base64');
  const record = (caseId: string, extra: Record<string, unknown> = {}) => ({
    case_id: caseId,
    revision: 1,
    started_at: new Date(now).toISOString(),
    transcript: [
      {
        utterance_id: 'u1',
        speaker: 'caller',
        start_ms: 0,
        end_ms: 500,
        text: '路燈壞了',
        corrected_text: '路燈壞了。',
      },
    ],
    audio: [{ segment_id: 'u1', format: 'wav', data: wavB64 }],
    ...extra,
  });

  beforeAll(async () => {
    const config = testConfig({
      auth: { adminToken: ADMIN_TOKEN, devSignIn: true },
      server: { bodyLimitBytes: 256_000, rateLimitPerMinute: 10_000 },
    });
    store = await openStore({ sqliteFile: `${config.dataDir}/hotline.db` });
    const logger = silentLogger();
    archive = await createArchive({ store, config, text: createRedactingTextDouble(), logger });
    auth = await createAuthService({ store, config, clock: () => now, audit: archive.audit });
    app = await createHttpServer({ config, logger });
    await app.register(authPlugin, { auth, config });
    await app.register(authRoutes, { auth });
    await app.register(caseRoutes, { archive });
    await app.register(auditRoutes, { archive });
    await app.register(retentionRoutes, { archive });
    // A route that forgot its declaration: admin-only, and visible as such to the matrix.
    app.get('/api/undeclared-probe', async () => ({ ok: true }));
    app.get('/api/stream/probe', { websocket: true, config: { roles: ['ingress'] } }, (socket) =>
      socket.close(1000, 'ok'),
    );
    await app.listen({ port: 0, host: '127.0.0.1' });

    const admin = { principal: null, source: 'test' };
    const amy = await auth.createUser(
      { username: 'amy', name: '陳小美', role: 'agent', password: PASSWORD },
      admin,
    );
    const bob = await auth.createUser({ username: 'bob', role: 'agent', password: PASSWORD }, admin);
    await auth.createUser({ username: 'sue', role: 'supervisor', password: PASSWORD }, admin);
    ids.amy = amy.id;
    ids.bob = bob.id;
    tokens.agent = await login('amy');
    tokens.supervisor = await login('sue');
    tokens.admin = ADMIN_TOKEN;
    tokens.ingress = (await auth.createToken({ name: 'pbx', role: 'ingress' }, admin)).token;
    tokens.service = (await auth.createToken({ name: 'crm', role: 'service' }, admin)).token;
    tokens.editor = (await auth.createToken({ name: 'kb-editor', role: 'editor' }, admin)).token;
    tokens.none = null;
    tokens.expired = (
      await auth.createToken({ name: 'short', role: 'supervisor', expiresAt: now + 1000 }, admin)
    ).token;
    const revoked = await auth.createToken({ name: 'gone', role: 'supervisor' }, admin);
    await auth.revokeToken(revoked.info.id, admin);
    tokens.revoked = revoked.token;
    ids.throwaway = (await auth.createToken({ name: 'throwaway', role: 'service' }, admin)).info.id;
    for (const column of matrixColumns) apiTokens[column] = tokens[column];
    for (const role of ['agent', 'supervisor'] as const)
      apiTokens[role] = (await auth.createToken({ name: `probe-${role}`, role }, admin)).token;
    now += 2000;
    await archive.cases.record(record('amy-case'), {
      principal: { id: amy.id, role: 'agent', kind: 'user' },
      source: 'test',
    });
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  // Each request from its own address, so only the rate-limit test meets the sign-in limit.
  let address = 0;
  const call = (method: string, url: string, token: string | null, payload?: unknown) =>
    app.inject({
      method: method as 'GET',
      url,
      remoteAddress: `10.1.${Math.floor(++address / 250)}.${address % 250}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  const errorCode = (res: { headers: Record<string, unknown>; json: () => unknown }) =>
    String(res.headers['content-type']).startsWith('application/json')
      ? ((res.json() as { error?: { code: string } }).error?.code ?? null)
      : null;
  const login = async (username: string) =>
    (await call('POST', '/api/auth/login', null, { username, password: PASSWORD })).json<{ token: string }>()
      .token;

  /** Every route of this stage with a request that succeeds for an allowed role, and who is allowed. */
  const routes: Array<{
    route: string;
    allowed: readonly string[] | 'public';
    ok: number;
    request: () => [string, string, unknown?];
  }> = [
    {
      route: 'POST /api/auth/login',
      allowed: 'public',
      ok: 200,
      request: () => ['POST', '/api/auth/login', { username: 'amy', password: PASSWORD }],
    },
    {
      route: 'POST /api/auth/dev',
      allowed: 'public',
      ok: 200,
      request: () => ['POST', '/api/auth/dev', { name: '測試', role: 'agent' }],
    },
    {
      route: 'GET /api/auth/me',
      allowed: roles,
      ok: 200,
      request: () => ['GET', '/api/auth/me'],
    },
    { route: 'GET /api/users', allowed: ['admin'], ok: 200, request: () => ['GET', '/api/users'] },
    {
      route: 'POST /api/users',
      allowed: ['admin'],
      ok: 201,
      request: () => ['POST', '/api/users', { username: `u${counter++}`, role: 'agent', password: PASSWORD }],
    },
    {
      route: 'PATCH /api/users/:id',
      allowed: ['admin'],
      ok: 200,
      request: () => ['PATCH', `/api/users/${ids.bob}`, { name: 'Bob' }],
    },
    { route: 'GET /api/tokens', allowed: ['admin'], ok: 200, request: () => ['GET', '/api/tokens'] },
    {
      route: 'POST /api/tokens',
      allowed: ['admin'],
      ok: 201,
      request: () => ['POST', '/api/tokens', { name: 'ci', role: 'service', expires_in_days: 30 }],
    },
    {
      route: 'DELETE /api/tokens/:id',
      allowed: ['admin'],
      ok: 200,
      request: () => ['DELETE', `/api/tokens/${ids.throwaway}`],
    },
    {
      route: 'POST /api/case/record',
      allowed: ['agent', 'supervisor', 'service'],
      ok: 201,
      request: () => ['POST', '/api/case/record', record(`m-${counter++}`)],
    },
    {
      route: 'GET /api/cases',
      allowed: ['agent', 'supervisor', 'service'],
      ok: 200,
      request: () => ['GET', '/api/cases?q=路燈'],
    },
    {
      route: 'GET /api/case/:id',
      allowed: ['agent', 'supervisor', 'service'],
      ok: 200,
      request: () => ['GET', '/api/case/amy-case'],
    },
    {
      route: 'GET /api/case/:id/audio/:segment',
      allowed: ['agent', 'supervisor'],
      ok: 200,
      request: () => ['GET', '/api/case/amy-case/audio/u1'],
    },
    {
      route: 'POST /api/case/:id/hold',
      allowed: ['supervisor', 'admin'],
      ok: 200,
      request: () => ['POST', '/api/case/amy-case/hold', { hold: false }],
    },
    {
      route: 'GET /api/audit',
      allowed: ['admin'],
      ok: 200,
      request: () => ['GET', '/api/audit?target_type=case'],
    },
    {
      route: 'GET /api/audit/verify',
      allowed: ['admin'],
      ok: 200,
      request: () => ['GET', '/api/audit/verify'],
    },
    {
      route: 'GET /api/retention/policy',
      allowed: ['admin', 'supervisor'],
      ok: 200,
      request: () => ['GET', '/api/retention/policy'],
    },
    {
      route: 'POST /api/retention/run',
      allowed: ['admin'],
      ok: 200,
      request: () => ['POST', '/api/retention/run', { dry_run: true }],
    },
    {
      route: 'GET /api/undeclared-probe',
      allowed: ['admin'],
      ok: 200,
      request: () => ['GET', '/api/undeclared-probe'],
    },
    // Last: signing out revokes the session tokens used above.
    {
      route: 'POST /api/auth/logout',
      allowed: roles,
      ok: 200,
      request: () => ['POST', '/api/auth/logout', {}],
    },
  ];

  it('authorization matrix: every route × every role, no token, expired and revoked token', async () => {
    const declared = app
      .declaredRoutes()
      .filter((d) => d.url.startsWith('/api') && !d.websocket)
      .map((d) => `${d.method} ${d.url}`);
    // A new route must be added to this table (with its roles) or this fails.
    expect(declared.sort()).toEqual(routes.map((r) => r.route).sort());
    const cells: MatrixCell[] = [];
    const mismatches: string[] = [];
    for (const r of routes) {
      for (const column of matrixColumns) {
        const [method, url, payload] = r.request();
        const res = await call(method, url, tokens[column], payload);
        const isRole = !['none', 'expired', 'revoked'].includes(column);
        const expected =
          r.allowed === 'public' ? r.ok : !isRole ? 401 : r.allowed.includes(column) ? r.ok : 403;
        cells.push({ route: r.route, column, status: res.statusCode, code: errorCode(res) });
        if (res.statusCode !== expected)
          mismatches.push(
            `${r.route} as ${column}: ${res.statusCode} (expected ${expected}) ${res.body.slice(0, 120)}`,
          );
      }
    }
    console.log(`authorization matrix (archive/auth routes):\n${formatMatrix(cells)}`);
    expect(mismatches).toEqual([]);
    const codes = new Set(cells.filter((c) => c.status === 401).map((c) => `${c.column}:${c.code}`));
    expect(codes).toEqual(new Set(['none:unauthorized', 'expired:token_expired', 'revoked:token_revoked']));
  });

  it('probes every declared route generically, WebSocket upgrades included', async () => {
    const cells = await probeDeclaredRoutes(app, apiTokens);
    const undeclared = app.declaredRoutes().filter((d) => d.url.startsWith('/api') && d.roles === null);
    expect(undeclared.map((d) => d.url)).toEqual(['/api/undeclared-probe']);
    for (const cell of cells) {
      expect({ route: cell.route, column: cell.column, auth: cell.actual }).toEqual({
        route: cell.route,
        column: cell.column,
        auth: cell.expected,
      });
    }
  });

  it('WebSocket upgrades need a token (header or query) of an allowed role', async () => {
    const base = app.server.address() as { port: number };
    const open = (query: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${base.port}/api/stream/probe${query}`, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => undefined);
      });
    expect(await open('')).toBe(401);
    expect(await open(`?token=${tokens.revoked}`)).toBe(401);
    expect(await open(`?token=${apiTokens.agent ?? ''}`)).toBe(403);
    expect(await open(`?token=${apiTokens.ingress ?? ''}`)).toBe(101);
    expect(await open('', { authorization: `Bearer ${apiTokens.ingress ?? ''}` })).toBe(101);
  });

  it('an agent cannot read, download, search or overwrite another agent’s case', async () => {
    const bob = await login('bob');
    expect((await call('GET', '/api/case/amy-case', bob)).json()).toMatchObject({
      error: { code: 'not_your_case' },
    });
    expect((await call('GET', '/api/case/amy-case', bob)).statusCode).toBe(403);
    expect((await call('GET', '/api/case/amy-case/audio/u1', bob)).statusCode).toBe(403);
    expect((await call('GET', '/api/cases', bob)).json()).toEqual({ cases: [] });
    expect(
      (await call('POST', '/api/case/record', bob, record('amy-case', { revision: 9 }))).statusCode,
    ).toBe(403);
    expect((await call('GET', `/api/cases?agent=${ids.amy}`, bob)).statusCode).toBe(403);
  });

  it('status codes: 201 new, 200 replay, 409 conflict, 400 invalid with code, 404 unknown, 413 too large', async () => {
    const sup = await login('sue');
    const body = record('status-case', { ended_at: new Date(now).toISOString() });
    expect((await call('POST', '/api/case/record', sup, body)).statusCode).toBe(201);
    const replay = await call('POST', '/api/case/record', sup, body);
    expect([replay.statusCode, replay.json()]).toEqual([
      200,
      { case_id: 'status-case', revision: 1, applied: false },
    ]);
    const conflict = await call('POST', '/api/case/record', sup, { ...body, notes: 'other' });
    expect([conflict.statusCode, conflict.json<{ error: { code: string } }>().error.code]).toEqual([
      409,
      'revision_conflict',
    ]);
    const invalid = await call('POST', '/api/case/record', sup, { case_id: 'x' });
    expect([invalid.statusCode, invalid.json<{ error: { code: string } }>().error.code]).toEqual([
      400,
      'invalid_body',
    ]);
    const garbage = await app.inject({
      method: 'POST',
      url: '/api/case/record',
      headers: { authorization: `Bearer ${sup}`, 'content-type': 'application/json' },
      payload: '{"case_id":',
    });
    expect(garbage.statusCode).toBe(400);
    const notAudio = await call(
      'POST',
      '/api/case/record',
      sup,
      record('bad-audio', {
        audio: [
          { segment_id: 'u1', format: 'wav', data: Buffer.from('not audio at all').toString('base64') },
        ],
      }),
    );
    expect([notAudio.statusCode, notAudio.json<{ error: { code: string } }>().error.code]).toEqual([
      400,
      'invalid_audio',
    ]);
    expect((await call('GET', '/api/case/bad-audio', sup)).statusCode).toBe(404);
    expect((await call('GET', '/api/case/nope', sup)).json()).toMatchObject({
      error: { code: 'unknown_case' },
    });
    expect((await call('GET', '/api/case/status-case/audio/ghost', sup)).statusCode).toBe(404);
    const huge = record('huge', {
      notes: 'x'.repeat(10),
      audio: [{ segment_id: 'u1', format: 'wav', data: 'A'.repeat(300_000) }],
    });
    const tooLarge = await call('POST', '/api/case/record', sup, huge);
    expect([tooLarge.statusCode, tooLarge.json<{ error: { code: string } }>().error.code]).toEqual([
      413,
      'body_too_large',
    ]);
    expect((await call('GET', '/api/case/huge', sup)).statusCode).toBe(404);
    const audio = await call('GET', '/api/case/status-case/audio/u1', sup);
    expect([
      audio.statusCode,
      audio.headers['content-type'],
      audio.rawPayload.subarray(0, 4).toString(),
    ]).toEqual([200, 'audio/wav', 'RIFF']);
  });

  it('accounts: wrong password 401, disabled account 401, dev sign-in marked, query-parameter token', async () => {
    const wrong = await call('POST', '/api/auth/login', null, { username: 'amy', password: 'nope' });
    expect([wrong.statusCode, wrong.json<{ error: { code: string } }>().error.code]).toEqual([
      401,
      'invalid_credentials',
    ]);
    const created = await call('POST', '/api/users', ADMIN_TOKEN, {
      username: 'tmp',
      role: 'agent',
      password: PASSWORD,
    });
    const session = await login('tmp');
    expect((await call('GET', `/api/auth/me?token=${session}`, null)).json()).toMatchObject({
      role: 'agent',
      kind: 'user',
    });
    await call('PATCH', `/api/users/${created.json<{ id: string }>().id}`, ADMIN_TOKEN, { disabled: true });
    expect((await call('GET', '/api/auth/me', session)).json()).toMatchObject({
      error: { code: 'account_disabled' },
    });
    expect(
      (await call('POST', '/api/auth/login', null, { username: 'tmp', password: PASSWORD })).statusCode,
    ).toBe(401);
    const dev = (await call('POST', '/api/auth/dev', null, { name: 'Dev', role: 'supervisor' })).json<{
      dev: boolean;
      user: { role: string };
    }>();
    expect(dev).toMatchObject({ dev: true, user: { role: 'supervisor' } });
    expect(
      (
        await call('POST', '/api/users', ADMIN_TOKEN, { username: 'weak', role: 'agent', password: 'short' })
      ).json(),
    ).toMatchObject({ error: { code: 'weak_password' } });
    expect(
      (await call('POST', '/api/users', ADMIN_TOKEN, { username: 'x', role: 'root', password: PASSWORD }))
        .statusCode,
    ).toBe(400);
    const audit = (await call('GET', '/api/audit?action=user.disable', ADMIN_TOKEN)).json<{
      entries: Array<{ actorId: string }>;
    }>();
    expect(audit.entries[0]?.actorId).toBe('bootstrap-admin');
  });

  it('rate-limits sign-in attempts per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      statuses.push(
        (
          await app.inject({
            method: 'POST',
            url: '/api/auth/login',
            remoteAddress: '10.9.9.9',
            payload: { username: 'amy', password: 'guess' },
          })
        ).statusCode,
      );
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });
});
