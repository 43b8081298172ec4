import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { TextError, lineNormalizer, type TextStage } from '../../text/index.js';
import { HttpError } from '../errors.js';

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

/** Text-stage errors are the client's: 400 with their stable code. */
const asHttp = (err: unknown): unknown =>
  err instanceof TextError ? new HttpError(400, err.code, err.message) : err;

/**
 * `POST /api/text/normalize` — the text stage on demand, answered exactly as `hotline-assist text
 * normalize` answers (`lineNormalizer`: `redact_for` adds the redact step; no `raw` when it redacts);
 * `GET/POST /api/text/lexicon` — the lexicon terms, and admin additions.
 */
export const textRoutes: FastifyPluginAsync<TextRoutesOptions> = async (app, { text }) => {
  app.post(
    '/api/text/normalize',
    { config: { roles: ['agent', 'supervisor', 'admin', 'service'] } },
    async (request) => {
      const body = normalizeBody.parse(request.body);
      let normalize;
      try {
        normalize = lineNormalizer({
          steps: body.steps,
          redactFor: body.redact_for,
          final: body.final,
          pauses: body.pauses?.map((p) => ({ afterChar: p.after_char, ms: p.ms })),
        });
      } catch (err) {
        throw asHttp(err);
      }
      const run = (line: string) => normalize(text, line);
      if (body.text !== undefined) return run(body.text);
      return { results: (body.lines ?? []).map(run) };
    },
  );

  app.get(
    '/api/text/lexicon',
    { config: { roles: ['agent', 'supervisor', 'admin', 'service'] } },
    async (request) => {
      const q = z.object({ source: z.enum(['all', 'admin']).default('all') }).parse(request.query);
      const terms = q.source === 'admin' ? text.adminTerms() : text.terms();
      return { count: terms.length, terms };
    },
  );

  app.post('/api/text/lexicon', { config: { roles: ['admin'] } }, async (request, reply) => {
    const body = z
      .object({ terms: z.array(z.string()).min(1).max(1000) })
      .strict()
      .parse(request.body);
    try {
      await text.addTerms(body.terms);
    } catch (err) {
      throw asHttp(err);
    }
    return reply.code(201).send({ count: text.adminTerms().length, terms: text.adminTerms() });
  });
};
