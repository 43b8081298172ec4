import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { exportEntries, type Actor, type KnowledgeService } from '../../knowledge/index.js';
import { HttpError } from '../errors.js';
import { asHttp } from './kb.js';

export interface KbContentRoutesOptions {
  knowledge: KnowledgeService;
}

const actorOf = (request: FastifyRequest): Actor => ({
  id: request.principal?.id ?? null,
  role: request.principal?.role ?? null,
  source: request.ip,
});

const kbParam = z.object({ kb: z.string().min(1) });
const entryParam = z.object({ kb: z.string().min(1), id: z.string().min(1) });
const phrasingText = z.string().trim().min(2).max(200);

/**
 * What editors maintain besides entries — similar questions (相似問法), the colloquial → official
 * vocabulary, what agents taught retrieval — plus the agents' own feedback and KB export. Every change
 * is a new KB version (similar questions, vocabulary) or a learned-phrasing change, and is audited.
 */
export const kbContentRoutes: FastifyPluginAsync<KbContentRoutesOptions> = async (app, { knowledge }) => {
  const editors = { config: { roles: ['admin', 'editor'] as const } };
  const reviewers = { config: { roles: ['supervisor', 'admin', 'editor'] as const } };
  const readers = { config: { roles: ['agent', 'supervisor', 'admin', 'editor', 'service'] as const } };

  app.get('/api/kb/:kb/export', editors, async (request, reply) => {
    const { kb } = kbParam.parse(request.params);
    const { format } = z.object({ format: z.enum(['jsonl', 'csv']).default('jsonl') }).parse(request.query);
    const body = exportEntries(await asHttp(() => knowledge.entries(kb)), format);
    return reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="${kb}.${format}"`)
      .send(body);
  });

  app.get('/api/kb/:kb/entries/:id/phrasings', readers, async (request) => {
    const { kb, id } = entryParam.parse(request.params);
    const entry = knowledge.entry(kb, id);
    if (!entry) throw new HttpError(404, 'unknown_entry', `no entry "${id}" in "${kb}"`);
    return { kb, id, question: entry.question, phrasings: entry.phrasings ?? [] };
  });

  app.post('/api/kb/:kb/entries/:id/phrasings', editors, async (request, reply) => {
    const { kb, id } = entryParam.parse(request.params);
    const { texts } = z.object({ texts: z.array(phrasingText).min(1).max(50) }).parse(request.body);
    const version = await asHttp(() => knowledge.addPhrasings(kb, id, texts, actorOf(request)));
    return reply.code(201).send({ kb, id, phrasings: knowledge.entry(kb, id)?.phrasings ?? [], version });
  });

  app.delete('/api/kb/:kb/entries/:id/phrasings', editors, async (request) => {
    const { kb, id } = entryParam.parse(request.params);
    const { text } = z.object({ text: phrasingText }).parse(request.query);
    const version = await asHttp(() => knowledge.removePhrasing(kb, id, text, actorOf(request)));
    return { kb, id, phrasings: knowledge.entry(kb, id)?.phrasings ?? [], version };
  });

  app.post('/api/kb/:kb/entries/:id/phrasings/approve', editors, async (request) => {
    const { kb, id } = entryParam.parse(request.params);
    const { text } = z.object({ text: phrasingText }).parse(request.body);
    const version = await asHttp(() => knowledge.approvePhrasing(kb, id, text, actorOf(request)));
    return { kb, id, phrasings: knowledge.entry(kb, id)?.phrasings ?? [], version };
  });

  /** Similar questions waiting for an editor: marked for review after an edit, or pending. */
  app.get('/api/kb/:kb/phrasings', reviewers, async (request) => {
    const { kb } = kbParam.parse(request.params);
    const { status } = z
      .object({ status: z.enum(['review', 'pending', 'approved']).default('review') })
      .parse(request.query);
    const entries = await asHttp(() => knowledge.entries(kb));
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
  });

  app.get('/api/kb/:kb/vocabulary', readers, async (request) => {
    const { kb } = kbParam.parse(request.params);
    return { kb, terms: await asHttp(() => knowledge.vocabulary(kb)) };
  });

  app.post('/api/kb/:kb/vocabulary', editors, async (request, reply) => {
    const { kb } = kbParam.parse(request.params);
    const { terms } = z
      .object({
        terms: z
          .array(
            z.object({
              colloquial: z.string().trim().min(2).max(40),
              official: z.array(z.string().trim().min(1).max(40)).min(1).max(10),
            }),
          )
          .min(1)
          .max(200),
      })
      .parse(request.body);
    const version = await asHttp(() => knowledge.addVocabulary(kb, terms, actorOf(request)));
    return reply.code(201).send({ kb, terms: knowledge.vocabulary(kb), version });
  });

  app.delete('/api/kb/:kb/vocabulary/:term', editors, async (request) => {
    const { kb, term } = z.object({ kb: z.string().min(1), term: z.string().min(1) }).parse(request.params);
    const version = await asHttp(() => knowledge.removeVocabulary(kb, term, actorOf(request)));
    return { kb, terms: knowledge.vocabulary(kb), version };
  });

  app.get('/api/kb/:kb/learned', reviewers, async (request) => {
    const { kb } = kbParam.parse(request.params);
    return { kb, learned: await asHttp(() => knowledge.learned(kb)) };
  });

  for (const [path, status] of [
    ['approve', 'learned'],
    ['remove', 'removed'],
  ] as const) {
    app.post(`/api/kb/:kb/learned/:id/${path}`, reviewers, async (request) => {
      const { kb, id } = entryParam.parse(request.params);
      return {
        kb,
        learned: await asHttp(() => knowledge.setLearnedStatus(kb, id, status, actorOf(request))),
      };
    });
  }

  /**
   * An agent's (or an integration's) verdict on a card for what the caller said: adopted utterances
   * become similar questions of the entry, rejections demote it for such utterances.
   */
  app.post(
    '/api/feedback',
    { config: { roles: ['agent', 'supervisor', 'service'] as const } },
    async (request, reply) => {
      const body = z
        .object({
          text: z.string().trim().min(2).max(500),
          faq_id: z.string().min(1),
          action: z.enum(['adopted', 'rejected']),
          kb: z.string().min(1).optional(),
        })
        .parse(request.body);
      const kb = body.kb ?? knowledge.defaultKb;
      const learned = await asHttp(() =>
        knowledge.feedback(
          { kb, entryId: body.faq_id, text: body.text, action: body.action },
          actorOf(request),
        ),
      );
      return reply.code(201).send({ kb, faq_id: body.faq_id, action: body.action, learned });
    },
  );
};
