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
import { kbContentRoutes } from './kb-content.js';

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
  await app.register(kbContentRoutes, { knowledge });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await store.close();
});

describe('knowledge-base REST routes', () => {
  it('declares who may search and who may change a KB', () => {
    expect(routeRoles.get('GET /api/faq/query')).toEqual([
      'agent',
      'supervisor',
      'admin',
      'editor',
      'service',
    ]);
    expect(routeRoles.get('POST /api/kb/:kb/rollback')).toEqual(['admin']);
    for (const route of [
      'POST /api/kb/:kb/import',
      'POST /api/kb/:kb/entries',
      'PUT /api/kb/:kb/entries/:id',
      'DELETE /api/kb/:kb/entries/:id',
      'POST /api/kb/:kb/entries/:id/phrasings',
      'DELETE /api/kb/:kb/entries/:id/phrasings',
      'POST /api/kb/:kb/entries/:id/phrasings/approve',
      'POST /api/kb/:kb/vocabulary',
      'GET /api/kb/:kb/export',
    ]) {
      expect(routeRoles.get(route), route).toEqual(['admin', 'editor']);
    }
    expect(routeRoles.get('POST /api/feedback')).toEqual(['agent', 'supervisor', 'service']);
    expect(routeRoles.get('GET /api/kb/:kb/learned')).toEqual(['supervisor', 'admin', 'editor']);
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

describe('similar questions, vocabulary, learning and export over REST', () => {
  const json = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
  /** A new KB holding these entries (imported as JSONL). */
  const kbWith = (kb: string, entries: Array<{ id: string; question: string; answer: string }>, query = '') =>
    app.inject({
      method: 'POST',
      url: `/api/kb/${kb}/import${query}`,
      headers: { 'content-type': 'application/x-ndjson' },
      payload: entries.map((e) => JSON.stringify(e)).join('\n'),
    });

  it('adds, lists and removes similar questions; an edit of the answer marks them for review until approved', async () => {
    await kbWith('sim', [
      {
        id: 'e1',
        question: '敬老卡遺失如何補發？',
        answer: '請至區公所補發。',
      },
    ]);
    const added = await json('POST', '/api/kb/sim/entries/e1/phrasings', {
      texts: ['我阿公的老人卡掉了要去哪裡補'],
    });
    expect(added.statusCode).toBe(201);
    expect(added.json().phrasings).toEqual([
      expect.objectContaining({ source: 'editor', status: 'approved' }),
    ]);
    const found = await json('GET', `/api/faq/query?kb=sim&q=${encodeURIComponent('我阿公的老人卡掉了')}`);
    expect(found.json().results[0]).toMatchObject({ faq_id: 'e1', phrasing: '我阿公的老人卡掉了要去哪裡補' });
    expect(found.json().results[0].confidence).toBeGreaterThan(0);

    await json('PUT', '/api/kb/sim/entries/e1', { answer: '請至戶籍地區公所補發，費用50元。' });
    const review = await json('GET', '/api/kb/sim/phrasings?status=review');
    expect(review.json().entries).toEqual([expect.objectContaining({ id: 'e1' })]);
    const approved = await json('POST', '/api/kb/sim/entries/e1/phrasings/approve', {
      text: '我阿公的老人卡掉了要去哪裡補',
    });
    expect(approved.json().phrasings[0].status).toBe('approved');
    const removed = await json(
      'DELETE',
      `/api/kb/sim/entries/e1/phrasings?text=${encodeURIComponent('我阿公的老人卡掉了要去哪裡補')}`,
    );
    expect(removed.json().phrasings).toEqual([]);
    const missing = await json('POST', '/api/kb/sim/entries/e1/phrasings/approve', { text: '沒有這句' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('unknown_phrasing');
  });

  it('keeps admin vocabulary as a KB version, rolls it back with the KB, and rejects bad terms', async () => {
    await kbWith('voc', [
      {
        id: 'w1',
        question: '巨大垃圾如何清運？',
        answer: '請預約清潔隊。',
      },
    ]);
    const before = await json('GET', `/api/faq/query?kb=voc&q=${encodeURIComponent('那個大傢伙要丟')}`);
    const added = await json('POST', '/api/kb/voc/vocabulary', {
      terms: [{ colloquial: '大傢伙', official: ['巨大垃圾'] }],
    });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({
      terms: [{ colloquial: '大傢伙' }],
      version: { kind: 'vocabulary' },
    });
    const after = await json('GET', `/api/faq/query?kb=voc&q=${encodeURIComponent('那個大傢伙要丟')}`);
    expect(after.json().results[0].score).toBeGreaterThan(before.json().results[0]?.score ?? 0);
    expect(after.json().results[0].matched).toContain('巨大垃圾←大傢伙');
    const bad = await json('POST', '/api/kb/voc/vocabulary', {
      terms: [{ colloquial: '丟', official: ['丟'] }],
    });
    expect(bad.statusCode).toBe(400);
    await json('POST', '/api/kb/voc/rollback', { version: 1 });
    expect((await json('GET', '/api/kb/voc/vocabulary')).json().terms).toEqual([]);
  });

  it('learns from POST /api/feedback, lists what it learned and lets a reviewer remove it', async () => {
    await kbWith('fb', [
      { id: 'f1', question: '國民年金保費如何繳納？', answer: '超商或銀行。' },
      { id: 'f2', question: '勞保費怎麼繳？', answer: '由雇主繳納。' },
    ]);
    const fed = await json('POST', '/api/feedback', {
      kb: 'fb',
      text: '我沒工作了那個每個月寄來的單子要去哪裡繳',
      faq_id: 'f1',
      action: 'adopted',
    });
    expect(fed.statusCode).toBe(201);
    expect(fed.json().learned).toMatchObject({ entry_id: 'f1', status: 'learned' });
    const learned = (await json('GET', '/api/kb/fb/learned')).json().learned;
    expect(learned).toHaveLength(1);
    const removed = await json('POST', `/api/kb/fb/learned/${learned[0].id}/remove`);
    expect(removed.json().learned.status).toBe('removed');
    const unknown = await json('POST', '/api/feedback', {
      kb: 'fb',
      text: '隨便說說',
      faq_id: 'nope',
      action: 'adopted',
    });
    expect(unknown.statusCode).toBe(404);
    const invalid = await json('POST', '/api/feedback', {
      kb: 'fb',
      text: '隨便說說',
      faq_id: 'f1',
      action: 'maybe',
    });
    expect(invalid.statusCode).toBe(400);
  });

  it('keeps the similar questions of an entry when a file without them is imported again, unless asked for exactly the file', async () => {
    const lamp = { id: 'l1', question: '路燈不亮要找誰？', answer: '請通報工務局公燈處。' };
    await kbWith('again', [lamp]);
    await json('POST', '/api/kb/again/entries/l1/phrasings', { texts: ['巷口那支燈晚上都黑黑的'] });
    const texts = async () =>
      ((await json('GET', '/api/kb/again/entries/l1')).json().phrasings ?? []).map(
        (p: { text: string }) => p.text,
      );
    const second = { ...lamp, answer: '請通報工務局公燈處（02-27208889）。' };
    expect((await kbWith('again', [lamp, { ...second, id: 'l2' }])).statusCode).toBe(201);
    expect(await texts()).toEqual(['巷口那支燈晚上都黑黑的']);
    expect((await kbWith('again', [lamp], '?phrasings=exact')).statusCode).toBe(201);
    expect(await texts()).toEqual([]);
  });

  it('exports a KB with its similar questions in a form kb import reads back', async () => {
    await kbWith('exp', [
      {
        id: 'x1',
        question: '路燈壞了找誰？',
        answer: '請通報1999。',
      },
    ]);
    await json('POST', '/api/kb/exp/entries/x1/phrasings', { texts: ['我家門口那盞燈都不會亮'] });
    for (const format of ['jsonl', 'csv'] as const) {
      const exported = await json('GET', `/api/kb/exp/export?format=${format}`);
      expect(exported.statusCode).toBe(200);
      const reimported = await app.inject({
        method: 'POST',
        url: `/api/kb/exp-${format}/import?format=${format}`,
        headers: { 'content-type': format === 'csv' ? 'text/csv' : 'application/x-ndjson' },
        payload: exported.body,
      });
      expect(reimported.statusCode).toBe(201);
      const entry = (await json('GET', `/api/kb/exp-${format}/entries/x1`)).json();
      expect(entry.phrasings.map((p: { text: string }) => p.text)).toEqual(['我家門口那盞燈都不會亮']);
    }
  });
});
