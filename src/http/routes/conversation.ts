import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { auditEntry, type AuditInput } from '../../store/index.js';
import { ConversationError, type ConversationService } from '../../suggest/index.js';
import { HttpError, unauthorized } from '../errors.js';

export interface ConversationRoutesOptions {
  conversations: ConversationService;
  /** Reads of a conversation's history (and refused attempts) are audited before it is sent. */
  audit: (entry: AuditInput) => Promise<unknown>;
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
 * /api/conversation/:id/history` → `{conversation_id,turns}`. A conversation belongs to whoever
 * opened it: only they continue it; they and supervisors read its history (audited).
 */
export const conversationRoutes: FastifyPluginAsync<ConversationRoutesOptions> = async (app, options) => {
  const { conversations, audit } = options;

  const principalOf = (request: FastifyRequest) => {
    if (!request.principal) throw unauthorized();
    return request.principal;
  };
  const record = (request: FastifyRequest, action: string, id: string, detail?: Record<string, unknown>) =>
    audit(
      auditEntry(
        { principal: request.principal ?? null, source: request.ip },
        action,
        { type: 'conversation', id },
        detail,
      ),
    );
  /** The owner continues and reads; a supervisor only reads. Refusals are audited. */
  const requireAccess = async (request: FastifyRequest, id: string, use: 'continue' | 'read') => {
    const principal = principalOf(request);
    const owner = await conversations.owner(id).catch(toHttp);
    const allowed = owner?.id === principal.id || (use === 'read' && principal.role === 'supervisor');
    if (!allowed) {
      await record(request, 'conversation.denied', id, { use });
      throw new HttpError(403, 'not_your_conversation', 'this conversation belongs to someone else');
    }
  };

  app.post('/api/conversation', { config: { roles } }, async (request, reply) => {
    const body = createBody.parse(request.body ?? undefined);
    const principal = principalOf(request);
    return reply
      .code(201)
      .send(await conversations.create({ ...body, owner: { id: principal.id, role: principal.role } }));
  });

  app.post('/api/query', { config: { roles } }, async (request) => {
    const body = queryBody.parse(request.body);
    await requireAccess(request, body.conversation_id, 'continue');
    return conversations.query(body.conversation_id, body.text).catch(toHttp);
  });

  app.get('/api/conversation/:id/history', { config: { roles } }, async (request) => {
    const { id } = idParams.parse(request.params);
    await requireAccess(request, id, 'read');
    const history = await conversations.history(id).catch(toHttp);
    await record(request, 'conversation.read', id, { turns: history.turns.length });
    return history;
  });
};
