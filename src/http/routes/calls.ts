import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/index.js';
import { alertActionRequest, feedbackMessage } from '../../protocol/index.js';
import { ClientQueue } from '../../ingress/index.js';
import type { CallSession, CallSessionManager } from '../../session/index.js';
import { badRequest, forbidden, notFound } from '../errors.js';
import type { Principal } from '../principal.js';

export interface CallRoutesOptions {
  manager: CallSessionManager;
  config: Config;
}

/** An agent follows only their own calls; supervisors and admins follow all. */
function mayFollow(principal: Principal | undefined, session: CallSession): boolean {
  if (!principal || principal.role !== 'agent') return true;
  return (
    session.start.agent_id === undefined ||
    session.start.agent_id === principal.id ||
    session.start.agent_id === principal.name
  );
}

/** Live calls for the desktop and the supervisor board. */
export const callRoutes: FastifyPluginAsync<CallRoutesOptions> = async (app, { manager, config }) => {
  app.get('/api/calls', { config: { roles: ['agent', 'supervisor', 'admin'] } }, async (request) => {
    const calls = manager.list().filter((c) => {
      const session = manager.get(c.case_id);
      return session ? mayFollow(request.principal, session) : false;
    });
    return { calls };
  });

  app.get('/api/alerts', { config: { roles: ['supervisor', 'admin'] } }, async (request) => {
    const { since } = z.object({ since: z.coerce.number().int().min(0).default(0) }).parse(request.query);
    return { alerts: manager.alerts(since) };
  });

  /**
   * Acting on an alert: the agent acknowledges it (the panel stops showing it first), a supervisor
   * acknowledges it or takes the call over, either notes the outcome. Every step goes onto the
   * call's event stream, hence the case record and the audit log.
   */
  app.post(
    '/api/calls/:case_id/alerts/:seq',
    { config: { roles: ['agent', 'supervisor', 'admin'] } },
    async (request) => {
      const { case_id: caseId, seq } = z
        .object({ case_id: z.string().min(1), seq: z.coerce.number().int().min(1) })
        .parse(request.params);
      const body = alertActionRequest.parse(request.body ?? {});
      const session = manager.get(caseId);
      if (!session) throw notFound('unknown_case', `no live or recent call ${caseId}`);
      const principal = request.principal ?? null;
      if (!mayFollow(principal ?? undefined, session)) throw forbidden('this call belongs to another agent');
      if (body.action === 'take_over' && principal?.role === 'agent')
        throw forbidden('only a supervisor can take a call over');
      if (body.action === 'outcome' && !body.note)
        throw badRequest('invalid_body', 'an outcome needs a note');
      if (!session.alertAction(seq, body.action, principal, body.note ?? null))
        throw notFound('unknown_alert', `call ${caseId} has no alert with seq ${seq}`);
      return { alert: manager.alerts().find((a) => a.case_id === caseId && a.seq === seq) ?? null };
    },
  );

  app.get(
    '/api/calls/:case_id/events',
    { websocket: true, config: { roles: ['agent', 'supervisor', 'admin'] } },
    (socket, request) => {
      const { case_id: caseId } = request.params as { case_id: string };
      const query = z
        .object({
          last_seq: z.coerce.number().int().min(0).default(0),
          /** `ts` of the first event the follower saw (the run of the case it followed). */
          run: z.coerce.number().int().min(0).optional(),
        })
        .parse(request.query);
      const session = manager.get(caseId);
      const fail = (code: string, message: string) => {
        socket.send(
          JSON.stringify({
            type: 'error',
            code,
            message,
            fatal: true,
            seq: 0,
            case_id: caseId,
            ts: Date.now(),
          }),
        );
        socket.close(1008, code);
      };
      if (!session)
        return fail('unknown_case', notFound('unknown_case', `no live or recent call ${caseId}`).message);
      if (!mayFollow(request.principal, session))
        return fail('forbidden', forbidden('this call belongs to another agent').message);
      // A follower of an earlier run of this case (before a server restart) gets this run from its start.
      const earlierRun =
        (query.run !== undefined && query.run !== session.log.firstTs) ||
        query.last_seq > session.log.lastSeq;
      const lastSeq = earlierRun ? 0 : query.last_seq;
      const out = new ClientQueue(socket, { highWaterBytes: config.stream.clientHighWaterBytes });
      if (!session.log.subscribe(out, lastSeq))
        return fail('resume_expired', `events after seq ${lastSeq} are no longer kept`);
      socket.on('message', (data, isBinary) => {
        if (isBinary) return;
        let parsed: ReturnType<typeof feedbackMessage.safeParse>;
        try {
          parsed = feedbackMessage.safeParse(JSON.parse(String(data)));
        } catch {
          return out.sendRaw({
            type: 'error',
            code: 'invalid_json',
            message: 'messages must be JSON',
            fatal: false,
            seq: 0,
            case_id: caseId,
            ts: Date.now(),
          });
        }
        if (!parsed.success || parsed.data.case_id !== caseId) {
          return out.sendRaw({
            type: 'error',
            code: 'invalid_message',
            message: 'expected a feedback message for this call',
            fatal: false,
            seq: 0,
            case_id: caseId,
            ts: Date.now(),
          });
        }
        if (
          request.principal?.role === 'supervisor' &&
          session.start.agent_id &&
          session.start.agent_id !== request.principal.id
        ) {
          return out.sendRaw({
            type: 'error',
            code: 'forbidden',
            message: 'the supervisor view is read-only',
            fatal: false,
            seq: 0,
            case_id: caseId,
            ts: Date.now(),
          });
        }
        session.feedback(parsed.data, request.principal?.id ?? null);
      });
      socket.on('close', () => {
        out.close();
        session.log.unsubscribe(out);
      });
    },
  );
};
