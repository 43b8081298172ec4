import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedPaths } from '../../../test/shared.js';
import { createLogger, loadConfig } from '../../config/index.js';
import { createKnowledgeService } from '../../knowledge/index.js';
import { openStore, type Store } from '../../store/index.js';
import { createHttpServer } from '../server.js';
import { kbRoutes } from './kb.js';

const csv = [
  'Time,Url,Question,Answer,點閱數',
  '2024-01-11,https://example.gov.taipei/a,"悠遊卡遺失該怎麼辦？","請向悠遊卡公司掛失，並補發新卡。",10',
  '2024-01-11,https://example.gov.taipei/b,信義區垃圾車幾點來？,"晚上七點到八點，路線請上網查詢。",5',
].join('\n');

let app: FastifyInstance;
let store: Store;
const routeRoles = new Map<string, unknown>();

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-kb-http-'));
  const config = loadConfig({
    env: {},
    overrides: { dataDir: dir, text: { lexiconDir: sharedPaths.lexiconDir } },
  });
  store = await openStore({ sqliteFile: join(dir, 'kb.db') });
  const knowledge = await createKnowledgeService({ store, config });
  app = await createHttpServer({ config, logger: createLogger('silent') });
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routeRoles.set(`${method} ${route.url}`, route.config?.roles);
  });
  await app.register(kbRoutes, { knowledge });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('knowledge-base REST routes', () => {
  it('declares who may search and who may change a KB', () => {
    expect(routeRoles.get('GET /api/faq/query')).toEqual(['agent', 'supervisor', 'admin', 'service']);
    for (const route of [
      'POST /api/kb/:kb/import',
      'POST /api/kb/:kb/rollback',
      'POST /api/kb/:kb/entries',
      'PUT /api/kb/:kb/entries/:id',
      'DELETE /api/kb/:kb/entries/:id',
    ]) {
      expect(routeRoles.get(route)).toEqual(['admin']);
    }
  });

  it('imports a CSV with a column mapping, then answers queries with score, tier and what matched', async () => {
    const imported = await app.inject({
      method: 'POST',
      url: '/api/kb/taipei/import?format=csv&map=question=Question,answer=Answer,url=Url&agency=交通局',
      headers: { 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(imported.statusCode).toBe(201);
    expect(imported.json()).toMatchObject({ kb: 'taipei', created: true, version: { version: 1, added: 2 } });

    const res = await app.inject({
      method: 'GET',
      url: `/api/faq/query?kb=taipei&k=3&q=${encodeURIComponent('我的悠遊卡掉了')}`,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.kb_version).toBe(1);
    expect(typeof body.took_ms).toBe('number');
    expect(body.results[0]).toMatchObject({
      question: '悠遊卡遺失該怎麼辦？',
      agency: '交通局',
      url: 'https://example.gov.taipei/a',
    });
    expect(Object.keys(body.results[0]).sort()).toEqual([
      'agency',
      'answer',
      'confidence',
      'faq_id',
      'matched',
      'question',
      'score',
      'tier',
      'url',
    ]);
    expect(body.results[0].matched).toEqual(expect.arrayContaining(['悠遊卡', '遺失']));
  });

  it('explains bad requests with stable codes and stores nothing', async () => {
    const noQ = await app.inject({ method: 'GET', url: '/api/faq/query?kb=taipei' });
    expect(noQ.statusCode).toBe(400);
    expect(noQ.json().error.code).toBe('invalid_body');
    const unknownKb = await app.inject({ method: 'GET', url: '/api/faq/query?kb=nope&q=test' });
    expect(unknownKb.statusCode).toBe(404);
    expect(unknownKb.json().error.code).toBe('unknown_kb');
    const badMap = await app.inject({
      method: 'POST',
      url: '/api/kb/taipei/import?format=csv&map=question=Frage',
      headers: { 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(badMap.statusCode).toBe(400);
    expect(badMap.json().error).toMatchObject({
      code: 'invalid_import',
      message: expect.stringContaining('Frage'),
    });
    const versions = await app.inject({ method: 'GET', url: '/api/kb/taipei/versions' });
    expect(versions.json().versions).toHaveLength(1);
  });

  it('edits entries and rolls back over REST', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/kb/taipei/entries',
      payload: { id: 'lamp', question: '路燈不亮要找誰？', answer: '請撥1999報修。', agency: '工務局' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().version.version).toBe(2);
    const updated = await app.inject({
      method: 'PUT',
      url: '/api/kb/taipei/entries/lamp',
      payload: { answer: '請撥1999。' },
    });
    expect(updated.json().entry).toMatchObject({ question: '路燈不亮要找誰？', answer: '請撥1999。' });
    const dup = await app.inject({
      method: 'POST',
      url: '/api/kb/taipei/entries',
      payload: { id: 'lamp', question: 'x' },
    });
    expect(dup.statusCode).toBe(409);
    const removed = await app.inject({ method: 'DELETE', url: '/api/kb/taipei/entries/lamp' });
    expect(removed.json().version.removed).toBe(1);
    expect((await app.inject({ method: 'GET', url: '/api/kb/taipei/entries/lamp' })).statusCode).toBe(404);

    const back = await app.inject({
      method: 'POST',
      url: '/api/kb/taipei/rollback',
      payload: { version: 2 },
    });
    expect(back.json().version).toMatchObject({ kind: 'rollback', restored_from: 2 });
    const entry = await app.inject({ method: 'GET', url: '/api/kb/taipei/entries/lamp' });
    expect(entry.json().answer).toBe('請撥1999報修。');
    const missing = await app.inject({
      method: 'POST',
      url: '/api/kb/taipei/rollback',
      payload: { version: 42 },
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('unknown_version');
  });
});
