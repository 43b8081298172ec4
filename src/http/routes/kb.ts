import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  KnowledgeError,
  parseColumnMap,
  type Actor,
  type KnowledgeErrorCode,
  type KnowledgeService,
} from '../../knowledge/index.js';
import { HttpError } from '../errors.js';

export interface KbRoutesOptions {
  knowledge: KnowledgeService;
}

const status: Record<KnowledgeErrorCode, number> = {
  invalid_import: 400,
  invalid_entry: 400,
  unknown_kb: 404,
  unknown_version: 404,
  unknown_entry: 404,
  duplicate_entry: 409,
  fetch_failed: 502,
  invalid_vocabulary: 400,
  invalid_phrasing: 400,
  unknown_phrasing: 404,
};

/** Runs a knowledge-stage call; its `KnowledgeError`s become HTTP errors with the same stable code. */
export async function asHttp<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof KnowledgeError) throw new HttpError(status[err.code], err.code, err.message);
    throw err;
  }
}

const queryParams = z.object({
  q: z.string().trim().min(1, 'q (the question) is required').max(2000),
  k: z.coerce.number().int().min(1).max(50).default(5),
  kb: z.string().optional(),
  agency: z.string().optional(),
});

const importParams = z.object({
  format: z.enum(['jsonl', 'csv']).optional(),
  /** Column mapping, e.g. `question=Question,answer=Answer`. */
  map: z.string().optional(),
  agency: z.string().optional(),
  mode: z.enum(['replace', 'merge']).default('replace'),
  note: z.string().max(500).optional(),
});

const tier = z.enum(['hot', 'cold', 'procedure']).nullable().optional();
const entryBody = z.object({
  id: z.string().trim().min(1).max(200),
  question: z.string().trim().min(1),
  answer: z.string().default(''),
  agency: z.string().default(''),
  maintainer: z.string().optional(),
  url: z.string().optional(),
  tags: z.array(z.string()).default([]),
  tier,
  updated: z.string().optional(),
});
const entryPatch = z.object({
  question: z.string().trim().min(1).optional(),
  answer: z.string().optional(),
  agency: z.string().optional(),
  maintainer: z.string().optional(),
  url: z.string().optional(),
  tags: z.array(z.string()).optional(),
  tier,
  updated: z.string().optional(),
});

const kbParam = z.object({ kb: z.string().min(1) });
const entryParam = z.object({ kb: z.string().min(1), id: z.string().min(1) });

/**
 * FAQ search for desktops and services, and knowledge-base administration: import (JSONL or CSV
 * body), versions, rollback, entry create/update/delete. Every change swaps the live index atomically.
 */
export const kbRoutes: FastifyPluginAsync<KbRoutesOptions> = async (app, options) => {
  const { knowledge } = options;
  const readers = { config: { roles: ['agent', 'supervisor', 'admin', 'editor', 'service'] as const } };
  const admins = { config: { roles: ['admin'] as const } };
  const editors = { config: { roles: ['admin', 'editor'] as const } };
  const actorOf = (request: FastifyRequest): Actor => ({
    id: request.principal?.id ?? null,
    role: request.principal?.role ?? null,
    source: request.ip,
  });

  // Import bodies are files, not JSON: take them as text whatever they are labelled.
  for (const type of ['text/csv', 'application/x-ndjson', 'application/jsonl', 'application/octet-stream']) {
    app.addContentTypeParser(type, { parseAs: 'string' }, (_request, body, done) => done(null, body));
  }

  app.get('/api/faq/query', readers, async (request) => {
    const q = queryParams.parse(request.query);
    const result = await asHttp(() =>
      knowledge.searchAsync(q.q, {
        k: q.k,
        ...(q.kb ? { kb: q.kb } : {}),
        ...(q.agency ? { agency: q.agency } : {}),
      }),
    );
    return {
      results: result.results.map((r) => ({ ...r, matched: r.matched ?? [] })),
      took_ms: result.took_ms,
      kb: result.kb,
      kb_version: result.kb_version,
      tier: result.tier,
      handoff: result.handoff,
      agency: result.agency,
    };
  });

  app.get('/api/kb', readers, async () => ({ kbs: knowledge.kbs() }));

  app.post('/api/kb/:kb/import', editors, async (request, reply) => {
    const { kb } = kbParam.parse(request.params);
    const params = importParams.parse(request.query);
    const body = typeof request.body === 'string' ? request.body : null;
    if (!body?.trim()) {
      throw new HttpError(
        400,
        'invalid_import',
        'send the JSONL or CSV file as the request body (Content-Type text/csv or application/x-ndjson)',
      );
    }
    const result = await asHttp(() =>
      knowledge.import(
        kb,
        body,
        {
          mode: params.mode,
          ...(params.format ? { format: params.format } : {}),
          ...(params.map ? { map: parseColumnMap(params.map) } : {}),
          ...(params.agency ? { agency: params.agency } : {}),
          ...(params.note ? { note: params.note } : {}),
        },
        actorOf(request),
      ),
    );
    return reply.code(result.created ? 201 : 200).send(result);
  });

  app.get(
    '/api/kb/:kb/versions',
    { config: { roles: ['supervisor', 'admin', 'editor'] as const } },
    async (request) => {
      const { kb } = kbParam.parse(request.params);
      return { kb, versions: await asHttp(() => knowledge.versions(kb)) };
    },
  );

  app.post('/api/kb/:kb/rollback', admins, async (request) => {
    const { kb } = kbParam.parse(request.params);
    const { version } = z.object({ version: z.number().int().min(1) }).parse(request.body);
    return { kb, version: await asHttp(() => knowledge.rollback(kb, version, actorOf(request))) };
  });

  app.get('/api/kb/:kb/entries/:id', readers, async (request) => {
    const { kb, id } = entryParam.parse(request.params);
    const entry = knowledge.entry(kb, id);
    if (!entry) throw new HttpError(404, 'unknown_entry', `no entry "${id}" in "${kb}"`);
    return entry;
  });

  app.post('/api/kb/:kb/entries', editors, async (request, reply) => {
    const { kb } = kbParam.parse(request.params);
    const entry = entryBody.parse(request.body);
    const version = await asHttp(() => knowledge.createEntry(kb, entry, actorOf(request)));
    return reply.code(201).send({ kb, entry: knowledge.entry(kb, entry.id), version });
  });

  app.put('/api/kb/:kb/entries/:id', editors, async (request) => {
    const { kb, id } = entryParam.parse(request.params);
    const patch = entryPatch.parse(request.body);
    const version = await asHttp(() => knowledge.updateEntry(kb, id, patch, actorOf(request)));
    return { kb, entry: knowledge.entry(kb, id), version };
  });

  app.delete('/api/kb/:kb/entries/:id', editors, async (request) => {
    const { kb, id } = entryParam.parse(request.params);
    return { kb, version: await asHttp(() => knowledge.deleteEntry(kb, id, actorOf(request))) };
  });
};
