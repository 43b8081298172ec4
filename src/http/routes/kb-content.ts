import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { exportEntries, type Actor, type KbVersion, type KnowledgeService } from '../../knowledge/index.js';
import { learnedVerdicts } from '../../protocol/index.js';
import { errorResponses, type ZodTypeProvider } from '../contract.js';
import { HttpError } from '../errors.js';
import { entryParam, kbParam } from './kb.js';
import { kbChange, kbPhrasing, vocabularyTerm as storedTerm } from './shapes.js';

export interface KbContentRoutesOptions {
  knowledge: KnowledgeService;
}

const actorOf = (request: FastifyRequest): Actor => ({
  id: request.principal?.id ?? null,
  role: request.principal?.role ?? null,
  source: request.ip,
});

const phrasingText = z.string().trim().min(2).max(200);
const phrasings = kbChange({ id: z.string(), phrasings: z.array(kbPhrasing) });
const vocabularyTerm = z.object({
  colloquial: z.string().trim().min(2).max(40),
  official: z.array(z.string().trim().min(1).max(40)).min(1).max(10),
});
const terms = z.array(storedTerm);
const learnedPhrasing = z.object({
  id: z.string(),
  kb: z.string(),
  entry_id: z.string(),
  text: z.string(),
  adoptions: z.number().int(),
  rejections: z.number().int(),
  status: z.enum(['pending', 'learned', 'removed']),
  created_at: z.number(),
  updated_at: z.number(),
});
const feedbackBody = z.object({
  text: z.string().trim().min(2).max(500),
  faq_id: z.string().min(1),
  action: z.enum(learnedVerdicts),
  kb: z.string().min(1).optional(),
});

/**
 * What editors maintain besides entries — similar questions (相似問法), the colloquial → official
 * vocabulary, what agents taught retrieval — plus the agents' own feedback and KB export. Every change
 * is a new KB version (similar questions, vocabulary) or a learned-phrasing change, and is audited.
 */
export const kbContentRoutes: FastifyPluginAsync<KbContentRoutesOptions> = async (fastify, { knowledge }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const editors = { config: { roles: ['admin', 'editor'] as const } };
  const reviewers = { config: { roles: ['supervisor', 'admin', 'editor'] as const } };
  const readers = { config: { roles: ['agent', 'supervisor', 'admin', 'editor', 'service'] as const } };

  app.get(
    '/api/kb/:kb/export',
    {
      ...editors,
      schema: {
        params: kbParam,
        querystring: z.object({ format: z.enum(['jsonl', 'csv']).default('jsonl') }),
        response: { 200: z.string().describe('the entries as a JSONL or CSV file'), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { kb } = request.params;
      const { format } = request.query;
      const body = exportEntries(knowledge.entries(kb), format);
      return reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="${kb}.${format}"`)
        .send(body);
    },
  );

  app.get(
    '/api/kb/:kb/entries/:id/phrasings',
    {
      ...readers,
      schema: {
        params: entryParam,
        response: {
          200: z.object({
            kb: z.string(),
            id: z.string(),
            question: z.string(),
            phrasings: z.array(kbPhrasing),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { kb, id } = request.params;
      const entry = knowledge.entry(kb, id);
      if (!entry) throw new HttpError(404, 'unknown_entry', `no entry "${id}" in "${kb}"`);
      return { kb, id, question: entry.question, phrasings: entry.phrasings ?? [] };
    },
  );

  /** Applies a change to an entry's similar questions; answers them as they now stand, and the new version. */
  const changePhrasings = async (
    request: FastifyRequest<{ Params: z.output<typeof entryParam> }>,
    change: (kb: string, id: string, actor: Actor) => Promise<KbVersion>,
  ) => {
    const { kb, id } = request.params;
    const version = await change(kb, id, actorOf(request));
    return { kb, id, phrasings: knowledge.entry(kb, id)?.phrasings ?? [], version };
  };
  const phrasingChange = { params: entryParam, response: { 200: phrasings, ...errorResponses } };

  app.post(
    '/api/kb/:kb/entries/:id/phrasings',
    {
      ...editors,
      schema: {
        params: entryParam,
        body: z.object({ texts: z.array(phrasingText).min(1).max(50) }),
        response: { 201: phrasings, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          await changePhrasings(request, (kb, id, actor) =>
            knowledge.addPhrasings(kb, id, request.body.texts, actor),
          ),
        ),
  );

  app.delete(
    '/api/kb/:kb/entries/:id/phrasings',
    { ...editors, schema: { ...phrasingChange, querystring: z.object({ text: phrasingText }) } },
    async (request) =>
      changePhrasings(request, (kb, id, actor) =>
        knowledge.removePhrasing(kb, id, request.query.text, actor),
      ),
  );

  app.post(
    '/api/kb/:kb/entries/:id/phrasings/approve',
    { ...editors, schema: { ...phrasingChange, body: z.object({ text: phrasingText }) } },
    async (request) =>
      changePhrasings(request, (kb, id, actor) =>
        knowledge.approvePhrasing(kb, id, request.body.text, actor),
      ),
  );

  /** Similar questions waiting for an editor: marked for review after an edit, or pending. */
  app.get(
    '/api/kb/:kb/phrasings',
    {
      ...reviewers,
      schema: {
        params: kbParam,
        querystring: z.object({ status: z.enum(['review', 'pending', 'approved']).default('review') }),
        response: {
          200: z.object({
            kb: z.string(),
            status: z.string(),
            entries: z.array(
              z.object({ id: z.string(), question: z.string(), phrasings: z.array(kbPhrasing) }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { kb } = request.params;
      const { status } = request.query;
      const entries = knowledge.entries(kb);
      return {
        kb,
        status,
        entries: entries
          .map((e) => ({
            id: e.id,
            question: e.question,
            phrasings: (e.phrasings ?? []).filter((p) => p.status === status),
          }))
          .filter((e) => e.phrasings.length),
      };
    },
  );

  app.get(
    '/api/kb/:kb/vocabulary',
    {
      ...readers,
      schema: { params: kbParam, response: { 200: z.object({ kb: z.string(), terms }), ...errorResponses } },
    },
    async (request) => {
      const { kb } = request.params;
      return { kb, terms: knowledge.vocabulary(kb) };
    },
  );

  app.post(
    '/api/kb/:kb/vocabulary',
    {
      ...editors,
      schema: {
        params: kbParam,
        body: z.object({ terms: z.array(vocabularyTerm).min(1).max(200) }),
        response: { 201: kbChange({ terms }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { kb } = request.params;
      const version = await knowledge.addVocabulary(kb, request.body.terms, actorOf(request));
      return reply.code(201).send({ kb, terms: knowledge.vocabulary(kb), version });
    },
  );

  app.delete(
    '/api/kb/:kb/vocabulary/:term',
    {
      ...editors,
      schema: {
        params: kbParam.extend({ term: z.string().min(1) }),
        response: { 200: kbChange({ terms }), ...errorResponses },
      },
    },
    async (request) => {
      const { kb, term } = request.params;
      const version = await knowledge.removeVocabulary(kb, term, actorOf(request));
      return { kb, terms: knowledge.vocabulary(kb), version };
    },
  );

  const learnedReply = z.object({ kb: z.string(), learned: z.array(learnedPhrasing) });
  app.get(
    '/api/kb/:kb/learned',
    { ...reviewers, schema: { params: kbParam, response: { 200: learnedReply, ...errorResponses } } },
    async (request) => {
      const { kb } = request.params;
      return { kb, learned: await knowledge.learned(kb) };
    },
  );

  for (const [path, status] of [
    ['approve', 'learned'],
    ['remove', 'removed'],
  ] as const) {
    app.post(
      `/api/kb/:kb/learned/:id/${path}`,
      {
        ...reviewers,
        schema: {
          params: entryParam,
          response: { 200: z.object({ kb: z.string(), learned: learnedPhrasing }), ...errorResponses },
        },
      },
      async (request) => {
        const { kb, id } = request.params;
        return { kb, learned: await knowledge.setLearnedStatus(kb, id, status, actorOf(request)) };
      },
    );
  }

  /**
   * An agent's (or an integration's) verdict on a card for what the caller said: adopted utterances
   * become similar questions of the entry, rejections demote it for such utterances.
   */
  app.post(
    '/api/feedback',
    {
      config: { roles: ['agent', 'supervisor', 'service'] as const },
      schema: {
        body: feedbackBody,
        response: {
          201: z.object({
            kb: z.string(),
            faq_id: z.string(),
            action: z.enum(learnedVerdicts),
            learned: learnedPhrasing,
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const kb = body.kb ?? knowledge.defaultKb;
      const learned = await knowledge.feedback(
        { kb, entryId: body.faq_id, text: body.text, action: body.action },
        actorOf(request),
      );
      return reply.code(201).send({ kb, faq_id: body.faq_id, action: body.action, learned });
    },
  );
};
