import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from './app.js';
import { testConfig } from '../cases/testing/fixtures.js';
import { roles } from './principal.js';
import { formatMatrix, probeDeclaredRoutes, type MatrixColumn } from './testing/matrix.js';

const ADMIN = 'full-app-matrix-admin-token-2c9f4e71ab';

/**
 * The authorization matrix of the whole app as `startApp` wires it: every route the running app
 * declares (REST and WebSocket, whoever owns it) × every role, no token, expired and revoked.
 * A route without a role declaration fails here.
 */
describe('authorization matrix of the full app', () => {
  let app: RunningApp | undefined;
  let wired = false;
  const tokens = {} as Record<MatrixColumn, string | null>;

  beforeAll(async () => {
    app = await startApp(
      testConfig({
        server: { port: 0, host: '127.0.0.1', rateLimitPerMinute: 100_000 },
        auth: { adminToken: ADMIN },
      }),
    );
    wired = typeof app.server.declaredRoutes === 'function';
    if (!wired) {
      console.warn(
        '[auth matrix] skipped: startApp does not register the auth plugin (src/http/auth.ts) yet',
      );
      return;
    }
    const create = async (role: string, extra: Record<string, unknown> = {}) => {
      const res = await app?.server.inject({
        method: 'POST',
        url: '/api/tokens',
        headers: { authorization: `Bearer ${ADMIN}` },
        payload: { name: `matrix-${role}`, role, ...extra },
      });
      return res?.json<{ token: string; id: string }>() ?? { token: '', id: '' };
    };
    for (const role of roles) tokens[role] = role === 'admin' ? ADMIN : (await create(role)).token;
    tokens.none = null;
    tokens.expired = (await create('supervisor', { expires_in_days: 1 / 86_400 })).token;
    const revoked = await create('supervisor');
    await app.server.inject({
      method: 'DELETE',
      url: `/api/tokens/${revoked.id}`,
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    tokens.revoked = revoked.token;
    await new Promise((r) => setTimeout(r, 1100));
  });
  afterAll(async () => {
    await app?.close();
  });

  it('every /api route declares its roles', (ctx) => {
    if (!wired) return ctx.skip();
    const undeclared =
      app?.server.declaredRoutes().filter((d) => d.url.startsWith('/api') && d.roles === null) ?? [];
    expect(undeclared.map((d) => `${d.method} ${d.url}`)).toEqual([]);
  });

  it('every route × every role, no token, expired and revoked token: enforced as declared', async (ctx) => {
    if (!wired || !app) return ctx.skip();
    const cells = await probeDeclaredRoutes(app.server, tokens);
    console.log(
      `authorization matrix (full app, ${new Set(cells.map((c) => c.route)).size} routes):\n${formatMatrix(cells)}`,
    );
    const wrong = cells
      .filter((c) => c.actual !== c.expected)
      .map((c) => `${c.route} as ${c.column}: ${c.status} ${c.code ?? ''} (expected ${c.expected})`);
    expect(wrong).toEqual([]);
    expect(cells.length).toBeGreaterThan(0);
  });
});
