import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { lineNormalizer, type TextStage } from '../../text/index.js';
import { textEdit } from '../../protocol/index.js';
import { errorResponses, type ZodTypeProvider } from '../contract.js';

export interface TextRoutesOptions {
  text: TextStage;
}

const MAX_LINES = 1000;
const MAX_CHARS = 10_000;

const normalizeBody = z
  .object({
    text: z.string().max(MAX_CHARS).optional(),
    lines: z.array(z.string().max(MAX_CHARS)).max(MAX_LINES).optional(),
    steps: z.array(z.string()).optional(),
    redact_for: z.enum(['display', 'archive', 'logs', 'training']).optional(),
    /** The utterance is complete (ends with 。/？); default true, false for partials. */
    final: z.boolean().default(true),
    pauses: z
      .array(z.object({ after_char: z.number().int().min(0), ms: z.number().min(0) }))
      .max(1000)
      .optional(),
  })
  .strict()
  .refine((b) => (b.text === undefined) !== (b.lines === undefined), {
    message: 'give either text or lines',
  });

const normalized = z.object({
  raw: z.string().optional().describe('absent when the text was redacted'),
  text: z.string(),
  edits: z.array(textEdit),
  redactions: z.array(
    z.object({ start: z.number().int(), end: z.number().int(), type: z.string(), label: z.string() }),
  ),
});
const lexiconReply = z.object({ count: z.number().int(), terms: z.array(z.string()) });
const readers = { roles: ['agent', 'supervisor', 'admin', 'service'] as const };

/**
 * `POST /api/text/normalize` — the text stage on demand, answered exactly as `hotline-assist text
 * normalize` answers (`lineNormalizer`: `redact_for` adds the redact step; no `raw` when it redacts);
 * `GET/POST /api/text/lexicon` — the lexicon terms, and admin additions.
 */
export const textRoutes: FastifyPluginAsync<TextRoutesOptions> = async (fastify, { text }) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/text/normalize',
    {
      config: readers,
      schema: {
        body: normalizeBody,
        response: {
          200: z
            .union([normalized, z.object({ results: z.array(normalized) })])
            .describe('one per text, or `results` per line'),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const body = request.body;
      const normalize = lineNormalizer({
        steps: body.steps,
        redactFor: body.redact_for,
        final: body.final,
        pauses: body.pauses?.map((p) => ({ afterChar: p.after_char, ms: p.ms })),
      });
      const run = (line: string) => normalize(text, line);
      if (body.text !== undefined) return run(body.text);
      return { results: (body.lines ?? []).map(run) };
    },
  );

  app.get(
    '/api/text/lexicon',
    {
      config: readers,
      schema: {
        querystring: z.object({ source: z.enum(['all', 'admin']).default('all') }),
        response: { 200: lexiconReply, ...errorResponses },
      },
    },
    async (request) => {
      const terms = request.query.source === 'admin' ? text.adminTerms() : text.terms();
      return { count: terms.length, terms };
    },
  );

  app.post(
    '/api/text/lexicon',
    {
      config: { roles: ['admin'] },
      schema: {
        body: z.object({ terms: z.array(z.string()).min(1).max(1000) }).strict(),
        response: { 201: lexiconReply, ...errorResponses },
      },
    },
    async (request, reply) => {
      await text.addTerms(request.body.terms);
      return reply.code(201).send({ count: text.adminTerms().length, terms: text.adminTerms() });
    },
  );
};
