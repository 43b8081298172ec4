import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { ConversationError, type ConversationService } from '../../suggest/index.js';
import { HttpError } from '../errors.js';

export interface ConversationRoutesOptions {
  conversations: ConversationService;
}

const roles = ['service', 'agent', 'supervisor', 'admin'] as const;
const createBody = z
  .object({ kb: z.string().min(1).max(128).optional() })
  .strict()
  .optional();
const queryBody = z.object({ conversation_id: z.string().min(1).max(128), text: z.string().max(2000) });
const idParams = z.object({ id: z.string().min(1).max(128) });

function toHttp(err: unknown): never {
  if (err instanceof ConversationError) {
    throw new HttpError(err.code === 'unknown_conversation' ? 404 : 400, err.code, err.message);
  }
  throw err;
}

/**
 * The text channel: `POST /api/conversation` → `{conversation_id}`, `POST /api/query
 * {conversation_id,text}` → `{answer,faq_candidates,tier,handoff,…}`, `GET
 * /api/conversation/:id/history` → `{conversation_id,turns}`.
 */
export const conversationRoutes: FastifyPluginAsync<ConversationRoutesOptions> = async (app, options) => {
  const { conversations } = options;

  app.post('/api/conversation', { config: { roles } }, async (request, reply) => {
    const body = createBody.parse(request.body ?? undefined);
    return reply.code(201).send(await conversations.create(body ?? {}));
  });

  app.post('/api/query', { config: { roles } }, async (request) => {
    const body = queryBody.parse(request.body);
    return conversations.query(body.conversation_id, body.text).catch(toHttp);
  });

  app.get('/api/conversation/:id/history', { config: { roles } }, async (request) => {
    const { id } = idParams.parse(request.params);
    return conversations.history(id).catch(toHttp);
  });
};
