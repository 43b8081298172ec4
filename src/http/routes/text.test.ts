import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { requireShared, sharedPaths } from '../../../test/shared.js';
import { createTextNormalizer } from '../../text/index.js';
import { textConfig } from '../../text/testing/fixtures.js';
import { useContract } from '../contract.js';
import { textRoutes } from './text.js';

async function build() {
  const text = await createTextNormalizer({
    config: textConfig(mkdtempSync(join(tmpdir(), 'text-routes-')), {
      lexiconDir: requireShared(sharedPaths.lexiconDir),
    }),
  });
  const app = Fastify();
  await useContract(app, { openApi: false });
  const routes: { url: string; method: string | string[]; roles: unknown }[] = [];
  app.addHook('onRoute', (r) => {
    routes.push({
      url: r.url,
      method: r.method,
      roles: (r.config as { roles?: unknown } | undefined)?.roles,
    });
  });
  await app.register(textRoutes, { text });
  return { app, routes };
}

describe('text REST routes', () => {
  it('normalizes one text or many lines, with edits and redactions', async () => {
    const { app } = await build();
    const one = await app.inject({
      method: 'POST',
      url: '/api/text/normalize',
      payload: { text: '我住在新义区' },
    });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ raw: '我住在新义区', text: '我住在信義區。' });
    expect(one.json().edits).toContainEqual(
      expect.objectContaining({ kind: 'lexicon', original: '新', replacement: '信' }),
    );

    const many = await app.inject({
      method: 'POST',
      url: '/api/text/normalize',
      payload: { lines: ['手機零九一二三四五六七八'], steps: ['itn', 'redact'], redact_for: 'archive' },
    });
    expect(many.json().results[0]).toMatchObject({
      text: '手機[電話]',
      redactions: [{ type: 'phone', label: '[電話]' }],
    });
    expect(many.body).not.toContain('零九一二');
  });

  it('redacts when asked for a use without naming steps: the default steps plus redact', async () => {
    const { app } = await build();
    const res = await app.inject({
      method: 'POST',
      url: '/api/text/normalize',
      payload: {
        lines: ['我家电话是零二二三四五六七八九分机一二三', '身分證A123456789'],
        redact_for: 'archive',
      },
    });
    expect(res.statusCode).toBe(200);
    const [phone, id] = res.json().results;
    expect(phone).toEqual({
      text: '我家電話是[電話]。',
      edits: [expect.objectContaining({ kind: 'punct' })],
      redactions: [expect.objectContaining({ type: 'phone' })],
    });
    expect(id.text).toBe('身分證[身分證]。');
    // The agent's screen keeps contact details but still loses the ID.
    const display = await app.inject({
      method: 'POST',
      url: '/api/text/normalize',
      payload: { text: '手機0912-345-678，身分證A123456789', redact_for: 'display' },
    });
    expect(display.json().text).toBe('手機0912-345-678，身分證[身分證]。');
  });

  it('refuses unknown steps and bodies with neither text nor lines, with stable codes', async () => {
    const { app } = await build();
    const bad = await app.inject({
      method: 'POST',
      url: '/api/text/normalize',
      payload: { text: 'x', steps: ['magic'] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_steps');
    const empty = await app.inject({ method: 'POST', url: '/api/text/normalize', payload: {} });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.code).toBe('invalid_body');
  });

  it('lists the lexicon and lets admins add terms', async () => {
    const { app, routes } = await build();
    const added = await app.inject({
      method: 'POST',
      url: '/api/text/lexicon',
      payload: { terms: ['敬老愛心卡'] },
    });
    expect(added.statusCode).toBe(201);
    expect(added.json().terms).toEqual(['敬老愛心卡']);
    const all = (await app.inject({ method: 'GET', url: '/api/text/lexicon' })).json();
    expect(all.terms).toContain('敬老愛心卡');
    expect(all.terms).toContain('信義區');
    const bad = await app.inject({ method: 'POST', url: '/api/text/lexicon', payload: { terms: ['a\nb'] } });
    expect(bad.json().error.code).toBe('invalid_term');
    expect(routes.find((r) => r.url === '/api/text/lexicon' && r.method === 'POST')?.roles).toEqual([
      'admin',
    ]);
    expect(routes.find((r) => r.url === '/api/text/normalize')?.roles).toEqual([
      'agent',
      'supervisor',
      'admin',
      'service',
    ]);
  });
});
