import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { parseColumnMap, type Actor, type KnowledgeService } from '../../knowledge/index.js';
import { errorResponses, type ZodTypeProvider } from '../contract.js';
import { HttpError } from '../errors.js';
import { agencyContact, faqCandidate } from '../../protocol/index.js';
import { agencyGuess, faqEntry, kbChange, kbVersion, tier } from './shapes.js';

export interface KbRoutesOptions {
  knowledge: KnowledgeService;
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
  /** `exact`: only the similar questions in the file; default: entries without any keep theirs or get the shipped ones. */
  phrasings: z.enum(['keep', 'exact']).default('keep'),
});

const entryTier = tier.nullable().optional();
const entryBody = z.object({
  id: z.string().trim().min(1).max(200),
  question: z.string().trim().min(1),
  answer: z.string().default(''),
  agency: z.string().default(''),
  maintainer: z.string().optional(),
  url: z.string().optional(),
  tags: z.array(z.string()).default([]),
  tier: entryTier,
  updated: z.string().optional(),
});
const entryPatch = z.object({
  question: z.string().trim().min(1).optional(),
  answer: z.string().optional(),
  agency: z.string().optional(),
  maintainer: z.string().optional(),
  url: z.string().optional(),
  tags: z.array(z.string()).optional(),
  tier: entryTier,
  updated: z.string().optional(),
});

export const kbParam = z.object({ kb: z.string().min(1) });
export const entryParam = z.object({ kb: z.string().min(1), id: z.string().min(1) });

const searchReply = z.object({
  results: z.array(faqCandidate.extend({ matched: z.array(z.string()) })),
  took_ms: z.number(),
  kb: z.string(),
  kb_version: z.number().int(),
  tier,
  handoff: agencyContact.nullable(),
  agency: agencyGuess,
});
const importReply = z.object({
  kb: z.string(),
  version: kbVersion,
  created: z.boolean(),
  took_ms: z.number(),
});

/**
 * FAQ search for desktops and services, and knowledge-base administration: import (JSONL or CSV
 * body), versions, rollback, entry create/update/delete. Every change swaps the live index atomically.
 */
export const kbRoutes: FastifyPluginAsync<KbRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
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

  app.get(
    '/api/faq/query',
    { ...readers, schema: { querystring: queryParams, response: { 200: searchReply, ...errorResponses } } },
    async (request) => {
      const q = request.query;
      const result = await knowledge.searchAsync(q.q, {
        k: q.k,
        ...(q.kb ? { kb: q.kb } : {}),
        ...(q.agency ? { agency: q.agency } : {}),
      });
      return {
        results: result.results.map((r) => ({ ...r, matched: r.matched ?? [] })),
        took_ms: result.took_ms,
        kb: result.kb,
        kb_version: result.kb_version,
        tier: result.tier,
        handoff: result.handoff,
        agency: result.agency,
      };
    },
  );

  app.get(
    '/api/kb',
    {
      ...readers,
      schema: {
        response: {
          200: z.object({
            kbs: z.array(z.object({ kb: z.string(), version: z.number(), entries: z.number() })),
          }),
          ...errorResponses,
        },
      },
    },
    async () => ({ kbs: knowledge.kbs() }),
  );

  app.post(
    '/api/kb/:kb/import',
    {
      ...editors,
      schema: {
        params: kbParam,
        querystring: importParams,
        // Anything but text (a JSON body) reads as empty: answered below with the import's own error.
        body: z
          .string()
          .catch('')
          .describe('the JSONL or CSV file (Content-Type text/csv or application/x-ndjson)'),
        response: { 200: importReply.describe('unchanged'), 201: importReply, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { kb } = request.params;
      const params = request.query;
      const body = request.body;
      if (!body.trim()) {
        throw new HttpError(
          400,
          'invalid_import',
          'send the JSONL or CSV file as the request body (Content-Type text/csv or application/x-ndjson)',
        );
      }
      const result = await knowledge.import(
        kb,
        body,
        {
          mode: params.mode,
          ...(params.format ? { format: params.format } : {}),
          ...(params.map ? { map: parseColumnMap(params.map) } : {}),
          ...(params.agency ? { agency: params.agency } : {}),
          ...(params.note ? { note: params.note } : {}),
          keepPhrasings: params.phrasings === 'keep',
        },
        actorOf(request),
      );
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );

  app.get(
    '/api/kb/:kb/versions',
    {
      config: { roles: ['supervisor', 'admin', 'editor'] as const },
      schema: {
        params: kbParam,
        response: { 200: z.object({ kb: z.string(), versions: z.array(kbVersion) }), ...errorResponses },
      },
    },
    async (request) => {
      const { kb } = request.params;
      return { kb, versions: await knowledge.versions(kb) };
    },
  );

  app.post(
    '/api/kb/:kb/rollback',
    {
      ...admins,
      schema: {
        params: kbParam,
        body: z.object({ version: z.number().int().min(1) }),
        response: { 200: kbChange({}), ...errorResponses },
      },
    },
    async (request) => {
      const { kb } = request.params;
      return { kb, version: await knowledge.rollback(kb, request.body.version, actorOf(request)) };
    },
  );

  app.get(
    '/api/kb/:kb/entries/:id',
    { ...readers, schema: { params: entryParam, response: { 200: faqEntry, ...errorResponses } } },
    async (request) => {
      const { kb, id } = request.params;
      const entry = knowledge.entry(kb, id);
      if (!entry) throw new HttpError(404, 'unknown_entry', `no entry "${id}" in "${kb}"`);
      return entry;
    },
  );

  app.post(
    '/api/kb/:kb/entries',
    {
      ...editors,
      schema: {
        params: kbParam,
        body: entryBody,
        response: { 201: kbChange({ entry: faqEntry.nullable() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { kb } = request.params;
      const entry = request.body;
      const version = await knowledge.createEntry(kb, entry, actorOf(request));
      return reply.code(201).send({ kb, entry: knowledge.entry(kb, entry.id), version });
    },
  );

  app.put(
    '/api/kb/:kb/entries/:id',
    {
      ...editors,
      schema: {
        params: entryParam,
        body: entryPatch,
        response: { 200: kbChange({ entry: faqEntry.nullable() }), ...errorResponses },
      },
    },
    async (request) => {
      const { kb, id } = request.params;
      const version = await knowledge.updateEntry(kb, id, request.body, actorOf(request));
      return { kb, entry: knowledge.entry(kb, id), version };
    },
  );

  app.delete(
    '/api/kb/:kb/entries/:id',
    { ...editors, schema: { params: entryParam, response: { 200: kbChange({}), ...errorResponses } } },
    async (request) => {
      const { kb, id } = request.params;
      return { kb, version: await knowledge.deleteEntry(kb, id, actorOf(request)) };
    },
  );
};
