import { afterEach, describe, expect, it } from 'vitest';
import { testConfig } from '../cases/testing/fixtures.js';
import { startApp, type RunningApp } from './app.js';

const apps: RunningApp[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function start(auth: { adminToken?: string; devSignIn?: boolean } = {}): Promise<RunningApp> {
  const app = await startApp(testConfig({ server: { port: 0, host: '127.0.0.1' }, auth }), {
    listen: false,
  });
  apps.push(app);
  return app;
}

const post = (app: RunningApp, url: string, payload: Record<string, unknown>) =>
  app.server.inject({ method: 'POST', url, payload });

describe('first run: the administrator', () => {
  it('without an admin token, a one-time setup link creates the administrator and is spent', async () => {
    const app = await start();
    expect(app.setupUrl).toMatch(/\/#\/setup\/[\w-]{20,}$/);
    const code = app.setupUrl?.split('/').pop() ?? '';
    expect((await app.server.inject({ method: 'GET', url: '/api/setup' })).json()).toEqual({ needed: true });

    const wrong = await post(app, '/api/setup/admin', {
      code: 'guessed',
      username: 'chief',
      password: 'a long enough password',
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('invalid_setup_code');

    // A refused password does not spend the link.
    const weak = await post(app, '/api/setup/admin', { code, username: 'chief', password: 'short' });
    expect(weak.json().error.code).toBe('weak_password');

    const made = await post(app, '/api/setup/admin', {
      code,
      username: 'chief',
      name: '系統管理員',
      password: 'a long enough password',
    });
    expect(made.statusCode).toBe(200);
    expect(made.json()).toMatchObject({ user: { name: '系統管理員', role: 'admin' } });
    const me = await app.server.inject({
      method: 'GET',
      url: '/api/auth/me',
      headers: { authorization: `Bearer ${made.json().token as string}` },
    });
    expect(me.json()).toMatchObject({ role: 'admin' });

    expect((await app.server.inject({ method: 'GET', url: '/api/setup' })).json()).toEqual({ needed: false });
    const again = await post(app, '/api/setup/admin', {
      code,
      username: 'second',
      password: 'a long enough password',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('setup_done');
  });

  it('offers no setup link when HOTLINE_ADMIN_TOKEN bootstraps the administrator', async () => {
    const app = await start({ adminToken: 'first-run-test-admin-token-3b7e91c5' });
    expect(app.setupUrl).toBeNull();
    expect((await app.server.inject({ method: 'GET', url: '/api/setup' })).json()).toEqual({ needed: false });
  });

  it('the dev sign-in (no password) opens agent and supervisor sessions, never an administrator', async () => {
    const app = await start({ devSignIn: true });
    for (const role of ['agent', 'supervisor']) {
      const ok = await post(app, '/api/auth/dev', { name: '王小明', role });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ dev: true, user: { role } });
    }
    const admin = await post(app, '/api/auth/dev', { name: '王小明', role: 'admin' });
    expect(admin.statusCode).toBe(400);
  });
});
