import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { auditEntry, type AuditInput } from '../../store/index.js';
import type { ConversationService } from '../../suggest/index.js';
import { errorResponses, type ZodTypeProvider } from '../contract.js';
import { HttpError, unauthorized } from '../errors.js';
import { agencyContact, faqCandidate, urgentAlert } from '../../protocol/index.js';
import { agencyGuess, tier } from './shapes.js';

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

const answer = z.object({
  answer: z.string(),
  faq_candidates: z.array(faqCandidate),
  tier,
  agency: agencyGuess,
  handoff: agencyContact.nullable(),
  cited_faq_ids: z.array(z.string()),
  source: z.enum(['template', 'llm']),
  case_status: z.record(z.string(), z.unknown()).nullable(),
  alerts: z.array(urgentAlert),
  links: z.array(z.object({ label: z.string(), url: z.string() })),
});
const historyReply = z.object({
  conversation_id: z.string(),
  turns: z.array(
    z.object({
      role: z.enum(['user', 'assistant']),
      text: z.string(),
      tier: z.string().nullable(),
      faq_ids: z.array(z.string()),
      created_at: z.string(),
    }),
  ),
});

/**
 * The text channel: `POST /api/conversation` → `{conversation_id}`, `POST /api/query
 * {conversation_id,text}` → `{answer,faq_candidates,tier,handoff,…}`, `GET
 * /api/conversation/:id/history` → `{conversation_id,turns}`. A conversation belongs to whoever
 * opened it: only they continue it; they and supervisors read its history (audited).
 */
export const conversationRoutes: FastifyPluginAsync<ConversationRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
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
    const owner = await conversations.owner(id);
    const allowed = owner?.id === principal.id || (use === 'read' && principal.role === 'supervisor');
    if (!allowed) {
      await record(request, 'conversation.denied', id, { use });
      throw new HttpError(403, 'not_your_conversation', 'this conversation belongs to someone else');
    }
  };

  app.post(
    '/api/conversation',
    {
      config: { roles },
      schema: {
        body: createBody,
        response: { 201: z.object({ conversation_id: z.string() }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const principal = principalOf(request);
      return reply
        .code(201)
        .send(await conversations.create({ ...body, owner: { id: principal.id, role: principal.role } }));
    },
  );

  app.post(
    '/api/query',
    { config: { roles }, schema: { body: queryBody, response: { 200: answer, ...errorResponses } } },
    async (request) => {
      const body = request.body;
      await requireAccess(request, body.conversation_id, 'continue');
      return conversations.query(body.conversation_id, body.text);
    },
  );

  app.get(
    '/api/conversation/:id/history',
    { config: { roles }, schema: { params: idParams, response: { 200: historyReply, ...errorResponses } } },
    async (request) => {
      const { id } = request.params;
      await requireAccess(request, id, 'read');
      const history = await conversations.history(id);
      await record(request, 'conversation.read', id, { turns: history.turns.length });
      return history;
    },
  );
};
