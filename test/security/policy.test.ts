/**
 * Policy fixes: secrets that are long and not trivially weak (the bootstrap admin token, account
 * passwords), rate limits per principal as well as per address, and X-Forwarded-For believed only
 * from configured proxies.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { repoRoot } from '../shared.js';
import { ADMIN, bootApp, storeBackends, type TestApp } from './harness.js';

// Some tests run the CLI as its own process (a few seconds each, more on a loaded machine).
vi.setConfig({ testTimeout: 120_000 });

describe('secrets', () => {
  it('refuses a short or trivial admin token in one line naming the setting', () => {
    for (const token of [
      'a',
      'change-me',
      'a'.repeat(40),
      'abcdefghijklmnopqrstuvwxyzabcdefgh',
      '1234567890'.repeat(4),
    ])
      expect(() => loadConfig({ env: { HOTLINE_ADMIN_TOKEN: token } })).toThrowError(
        /auth\.adminToken: the admin token/,
      );
    expect(loadConfig({ env: { HOTLINE_ADMIN_TOKEN: ADMIN } }).auth.adminToken).toBe(ADMIN);
  });

  it('the server does not start with HOTLINE_ADMIN_TOKEN=a, and says why in one line', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        HOTLINE_ADMIN_TOKEN: 'a',
        HOTLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'hotline-weak-')),
        HOTLINE_PORT: '0',
      },
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    const lines = `${run.stdout}${run.stderr}`.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(
        /^hotline-assist: \[invalid_config\] .*auth\.adminToken: the admin token needs at least 32 characters/,
      ),
    ]);
  });
});

describe.each(storeBackends())('accounts and rate limits on $name', (backend) => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('passwords: at least 12 characters and not trivially weak', async () => {
    t = await bootApp(backend);
    const create = (username: string, password: string) =>
      t?.api<{ error?: { code: string; message: string } }>('POST', '/api/users', ADMIN, {
        username,
        role: 'agent',
        password,
      });
    for (const weak of [
      'aaaaaaaaaa',
      'aaaaaaaaaaaa',
      'Abc-12345xy',
      '123456789012',
      'password1234',
      'qwertyuiopas',
      'amyamyamy!amy1',
    ])
      expect((await create('amy', weak))?.json.error?.code, weak).toBe('weak_password');
    expect((await create('amy', 'Lantern-7-Harbor'))?.status).toBe(201);
    const users = await t.api<{ users: Array<{ id: string }> }>('GET', '/api/users', ADMIN);
    const id = users.json.users[0]?.id;
    const change = await t.api<{ error: { code: string } }>('PATCH', `/api/users/${id}`, ADMIN, {
      password: 'short',
    });
    expect(change.json.error.code).toBe('weak_password');
  });

  it('a token has its own budget wherever it comes from; another token is not held back by it', async () => {
    t = await bootApp(backend, {
      server: { rateLimitPerPrincipalPerMinute: 5, trustedProxies: '127.0.0.1' },
    });
    const busy = await t.token('supervisor', 'busy');
    const other = await t.token('supervisor', 'other');
    const statuses: number[] = [];
    // Each request from a different client address (through the trusted proxy): the address limit never bites.
    for (let i = 0; i < 7; i++)
      statuses.push(
        (await t.api('GET', '/api/auth/me', busy, undefined, { 'x-forwarded-for': `203.0.113.${i + 1}` }))
          .status,
      );
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await t.api<{ error: { code: string } }>('GET', '/api/auth/me', busy, undefined, {
      'x-forwarded-for': '203.0.113.99',
    });
    expect(limited.json.error.code).toBe('rate_limited');
    expect((await t.api('GET', '/api/auth/me', other)).status).toBe(200);
  });

  it('X-Forwarded-For counts only from trusted proxies: people behind one proxy each get their own budget', async () => {
    // Behind the configured proxy: one budget per real client.
    t = await bootApp(backend, { server: { rateLimitPerMinute: 4, trustedProxies: '127.0.0.1/8' } });
    const ready = (ip: string) => t?.api('GET', '/api/auth/me', null, undefined, { 'x-forwarded-for': ip });
    for (let i = 0; i < 4; i++) expect((await ready('198.51.100.1'))?.status).toBe(401);
    expect((await ready('198.51.100.1'))?.status).toBe(429);
    expect((await ready('198.51.100.2'))?.status).toBe(401);
    await t.close();

    // No proxy configured: the header is ignored, a client cannot mint itself fresh budgets.
    t = await bootApp(backend, { server: { rateLimitPerMinute: 4 } });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await ready(`198.51.100.${i + 10}`))?.status ?? 0);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });
});
