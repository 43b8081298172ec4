import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/index.js';
import { alertActionRequest, alertRecord, callSummary, feedbackMessage } from '../../protocol/index.js';
import { ClientQueue } from '../../ingress/index.js';
import {
  mayAnnotateCall,
  mayFollowCall,
  type CallAccessAudit,
  type CallAccessPolicy,
  type CallSessionManager,
} from '../../session/index.js';
import { HttpError, badRequest, forbidden, notFound } from '../errors.js';
import { errorResponses, webSocketUpgrade, type ZodTypeProvider } from '../contract.js';
import type { Principal } from '../principal.js';

export interface CallRoutesOptions {
  manager: CallSessionManager;
  config: Config;
  /** Every access to call content is audited before anything is sent. */
  audit: CallAccessAudit;
}

/** The board and the alert feed are polled every few seconds: one audit entry per viewer per this long. */
const LIST_AUDIT_WINDOW_MS = 10 * 60_000;

const caseParams = z.object({ case_id: z.string().min(1) });
const followQuery = z.object({
  last_seq: z.coerce.number().int().min(0).default(0),
  /** `ts` of the first event the follower saw (the run of the case it followed). */
  run: z.coerce.number().int().min(0).optional(),
  token: z.string().optional().describe('bearer token (browsers cannot set headers on a WebSocket)'),
});

/**
 * Live calls for the desktop and the supervisor board. Who sees which call is `mayFollowCall`
 * (session/access.ts): admins see none (no call content), agents their own.
 */
export const callRoutes: FastifyPluginAsync<CallRoutesOptions> = async (
  fastify,
  { manager, config, audit },
) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const policy: CallAccessPolicy = { agentsSeeUnassignedCalls: config.auth.agentsSeeUnassignedCalls };
  const lastListed = new Map<string, number>();
  /** Audits a polled list of call content once per viewer per window; refuses when it cannot be recorded. */
  const auditList = async (
    action: string,
    principal: Principal | undefined,
    source: string,
    count: number,
  ) => {
    if (!principal || count === 0) return;
    const key = `${action}\u0000${principal.id}`;
    const now = Date.now();
    if (now - (lastListed.get(key) ?? 0) < LIST_AUDIT_WINDOW_MS) return;
    await audit({ action, caseId: null, principal, source, detail: { calls: count } }).catch(() => {
      throw new HttpError(503, 'storage_unavailable', 'the access could not be recorded; try again shortly');
    });
    lastListed.set(key, now);
  };

  app.get(
    '/api/calls',
    {
      config: { roles: ['agent', 'supervisor'] },
      schema: { response: { 200: z.object({ calls: z.array(callSummary) }), ...errorResponses } },
    },
    async (request) => {
      const calls = manager.list().filter((c) => {
        const session = manager.followed(c.case_id);
        return session ? mayFollowCall(session.ownership, request.principal ?? null, policy) : false;
      });
      await auditList('call.list', request.principal, request.ip, calls.length);
      return { calls };
    },
  );

  app.get(
    '/api/alerts',
    {
      config: { roles: ['supervisor'] },
      schema: {
        querystring: z.object({ since: z.coerce.number().int().min(0).default(0) }),
        response: { 200: z.object({ alerts: z.array(alertRecord) }), ...errorResponses },
      },
    },
    async (request) => {
      const alerts = manager.alerts(request.query.since);
      await auditList('call.alerts', request.principal, request.ip, alerts.length);
      return { alerts };
    },
  );

  /**
   * Acting on an alert: the agent acknowledges it (the panel stops showing it first), a supervisor
   * acknowledges it or takes the call over, either notes the outcome. Every step goes onto the
   * call's event stream, hence the case record and the audit log.
   */
  app.post(
    '/api/calls/:case_id/alerts/:seq',
    {
      config: { roles: ['agent', 'supervisor', 'admin'] },
      schema: {
        params: caseParams.extend({ seq: z.coerce.number().int().min(1) }),
        // No body parses as {}: the answer then names the missing action.
        body: alertActionRequest.prefault({} as z.input<typeof alertActionRequest>),
        response: { 200: z.object({ alert: alertRecord.nullable() }), ...errorResponses },
      },
    },
    async (request) => {
      const { case_id: caseId, seq } = request.params;
      const body = request.body;
      const session = manager.followed(caseId);
      if (!session) throw notFound('unknown_case', `no live or recent call ${caseId}`);
      const principal = request.principal ?? null;
      if (!mayFollowCall(session.ownership, principal, policy))
        throw forbidden('this call belongs to another agent');
      if (body.action === 'take_over' && principal?.role === 'agent')
        throw forbidden('only a supervisor can take a call over');
      if (body.action === 'outcome' && !body.note)
        throw badRequest('invalid_body', 'an outcome needs a note');
      if (
        !(await session.alertAction({
          alertSeq: seq,
          action: body.action,
          actor: principal,
          note: body.note ?? null,
        }))
      )
        throw notFound('unknown_alert', `call ${caseId} has no alert with seq ${seq}`);
      return { alert: manager.alerts().find((a) => a.case_id === caseId && a.seq === seq) ?? null };
    },
  );

  app.get<{ Params: z.output<typeof caseParams>; Querystring: z.output<typeof followQuery> }>(
    '/api/calls/:case_id/events',
    {
      websocket: true,
      config: { roles: ['agent', 'supervisor', 'admin'] },
      schema: webSocketUpgrade({
        params: caseParams,
        querystring: followQuery,
        description:
          "the call's events (`ServerEvent`s) from `last_seq` on; the agent sends `feedback` messages",
      }),
      attachValidation: true,
    },
    (socket, request) => {
      if (request.validationError) throw request.validationError;
      const { case_id: caseId } = request.params;
      const query = request.query;
      const session = manager.followed(caseId);
      const principal = request.principal ?? null;
      const error = (code: string, text: string, fatal: boolean) => ({
        type: 'error',
        code,
        message: text,
        fatal,
        seq: 0,
        case_id: caseId,
        ts: Date.now(),
      });
      const fail = (code: string, text: string) => {
        socket.send(JSON.stringify(error(code, text, true)));
        socket.close(1008, code);
        return null;
      };
      const entry = (action: string, detail?: Record<string, unknown>) => ({
        action,
        caseId,
        principal,
        source: request.ip,
        detail,
      });

      /** Checks and audits the access; the follower's queue once it is granted. */
      const admit = async (): Promise<ClientQueue | null> => {
        if (!session)
          return fail('unknown_case', notFound('unknown_case', `no live or recent call ${caseId}`).message);
        if (!mayFollowCall(session.ownership, principal, policy)) {
          await audit(entry('call.denied', { via: 'follow' })).catch(() => undefined);
          return fail('forbidden', forbidden('this call belongs to someone else').message);
        }
        // A follower of an earlier run of this case (before a server restart) gets this run from its start.
        const earlierRun =
          (query.run !== undefined && query.run !== session.log.firstTs) ||
          query.last_seq > session.log.lastSeq;
        const lastSeq = earlierRun ? 0 : query.last_seq;
        try {
          await audit(entry('call.follow', { last_seq: lastSeq }));
        } catch {
          return fail('storage_unavailable', 'the access could not be recorded; try again shortly');
        }
        if (socket.readyState !== socket.OPEN) return null;
        const out = new ClientQueue(socket, { highWaterBytes: config.stream.clientHighWaterBytes });
        if (!session.log.subscribe(out, lastSeq))
          return fail('resume_expired', `events after seq ${lastSeq} are no longer kept`);
        return out;
      };
      // Listeners go on at once (messages may arrive while the access is being audited), in order.
      const ready = admit();

      const onFeedback = (out: ClientQueue, data: unknown) => {
        if (!session) return;
        let parsed: ReturnType<typeof feedbackMessage.safeParse>;
        try {
          parsed = feedbackMessage.safeParse(JSON.parse(String(data)));
        } catch {
          return out.sendRaw(error('invalid_json', 'messages must be JSON', false));
        }
        if (!parsed.success || parsed.data.case_id !== caseId)
          return out.sendRaw(error('invalid_message', 'expected a feedback message for this call', false));
        if (!mayAnnotateCall(session.ownership, principal, policy)) {
          const why =
            principal?.role === 'supervisor'
              ? 'the supervisor view is read-only'
              : `role ${principal?.role ?? 'none'} may not annotate this call`;
          return out.sendRaw(error('forbidden', why, false));
        }
        session.feedback(parsed.data, principal?.id ?? null);
      };
      socket.on('message', (data, isBinary) => {
        if (isBinary) return;
        void ready.then((out) => (out ? onFeedback(out, data) : undefined));
      });
      socket.on('close', () => {
        void ready.then((out) => {
          if (!out) return;
          out.close();
          session?.log.unsubscribe(out);
        });
      });
    },
  );
};
