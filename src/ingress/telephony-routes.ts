import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config, Logger } from '../config/index.js';
import { AudiohookConnection } from './audiohook.js';
import { verifyAudiohookSignature } from './audiohook-signature.js';
import { FreeswitchConnection } from './freeswitch.js';
import { IngressError, type IngressErrorCode } from './ingress-error.js';
import { peerPrincipal } from './peer-access.js';
import type { Telephony } from './telephony.js';
import { twilioSignatureValid, TwilioConnection } from './twilio.js';
import { ingressPrincipal, refuseUpgrade, upgradeToken, type TokenCheck } from './ws-leg.js';

export interface TelephonyRoutesOptions {
  telephony: Telephony;
  config: Config;
  logger: Logger;
  checkToken: TokenCheck;
}

const HTTP_STATUS: Record<IngressErrorCode, number> = {
  ingress_busy: 503,
  unsupported_codec: 400,
  invalid_case_id: 400,
  case_in_use: 409,
  unauthorized: 401,
  forbidden_peer: 403,
  malformed_frame: 400,
  protocol_error: 400,
};

const externalMediaBody = z.object({
  format: z.string(),
  case_id: z.string().optional(),
  agent_id: z.string().optional(),
  speaker: z.enum(['caller', 'agent']).optional(),
  channel_id: z.string().optional(),
});

/**
 * The telephony endpoints on the main port, each registered only when its setting is on:
 * `WS /ingress/freeswitch`, `WS /ingress/twilio`, `WS /ingress/audiohook` (authenticated here, in
 * each protocol's own way, as the `ingress` role) and `POST|DELETE /api/ingress/external-media`.
 */
export const telephonyRoutes: FastifyPluginAsync<TelephonyRoutesOptions> = async (
  app,
  { telephony, config, logger, checkToken },
) => {
  const { ingress } = config;
  const { legs } = telephony;
  const log = logger.child({ stage: 'ingress' });

  /** Bearer, Basic, X-API-KEY or ?token=: an ingress token, or 401 before the upgrade. */
  const byToken = async (request: FastifyRequest, reply: FastifyReply) => {
    const principal = await ingressPrincipal(checkToken, upgradeToken(request));
    if (!principal) {
      log.warn(
        { code: 'unauthorized', path: request.url.split('?')[0], peer: request.ip },
        'telephony upgrade refused',
      );
      return refuseUpgrade(
        reply,
        'an ingress token is required (Bearer, Basic password, X-API-KEY or ?token=)',
      );
    }
    request.principal = principal;
  };

  if (ingress.freeswitch) {
    app.get(
      '/ingress/freeswitch',
      { websocket: true, config: { roles: 'public' }, preValidation: byToken },
      (socket, request) => {
        new FreeswitchConnection(socket, {
          legs,
          config,
          logger: log,
          principal: request.principal ?? peerPrincipal('freeswitch', request.ip),
          query: request.query as Record<string, unknown>,
        });
      },
    );
  }

  if (ingress.audiohook) {
    const secret = ingress.audiohookClientSecret;
    app.get(
      '/ingress/audiohook',
      {
        websocket: true,
        config: { roles: 'public' },
        preValidation: async (request, reply) => {
          await byToken(request, reply);
          if (reply.sent || !secret) return;
          const problem = verifyAudiohookSignature(
            { target: request.url, headers: request.headers },
            secret,
            Date.now() / 1000,
          );
          if (problem) {
            log.warn(
              { code: 'unauthorized', peer: request.ip, reason: problem },
              'audiohook signature refused',
            );
            return refuseUpgrade(reply, `signature: ${problem}`);
          }
        },
      },
      (socket, request) => {
        new AudiohookConnection(socket, {
          legs,
          config,
          logger: log,
          principal: request.principal ?? peerPrincipal('audiohook', request.ip),
        });
      },
    );
  }

  if (ingress.twilio) {
    app.get(
      '/ingress/twilio',
      {
        websocket: true,
        config: { roles: 'public' },
        preValidation: async (request, reply) => {
          // Without an auth token configured, the stream's `token` parameter is checked at `start`.
          if (!ingress.twilioAuthToken) return;
          const url = ingress.twilioStreamUrl ?? `wss://${request.headers.host ?? ''}${request.url}`;
          const signature = request.headers['x-twilio-signature'];
          if (
            !twilioSignatureValid(
              ingress.twilioAuthToken,
              url,
              typeof signature === 'string' ? signature : undefined,
            )
          ) {
            log.warn({ code: 'unauthorized', peer: request.ip }, 'twilio signature refused');
            return refuseUpgrade(reply, 'X-Twilio-Signature does not match HOTLINE_TWILIO_STREAM_URL');
          }
          request.principal = peerPrincipal('twilio', request.ip);
        },
      },
      (socket, request) => {
        new TwilioConnection(socket, {
          legs,
          config,
          logger: log,
          signed: request.principal ?? null,
          checkToken,
        });
      },
    );
  }

  const externalMedia = telephony.externalMedia;
  if (externalMedia) {
    const fail = (reply: FastifyReply, err: unknown) => {
      if (!(err instanceof IngressError)) throw err;
      return reply.code(HTTP_STATUS[err.code]).send({ error: { code: err.code, message: err.message } });
    };
    app.post('/api/ingress/external-media', { config: { roles: ['ingress'] } }, async (request, reply) => {
      const body = externalMediaBody.parse(request.body);
      try {
        return reply
          .code(201)
          .send(
            await externalMedia.start(body, request.principal ?? peerPrincipal('external-media', request.ip)),
          );
      } catch (err) {
        return fail(reply, err);
      }
    });
    app.delete(
      '/api/ingress/external-media/:case_id',
      { config: { roles: ['ingress'] } },
      async (request, reply) => {
        const { case_id: caseId } = request.params as { case_id: string };
        if (!(await externalMedia.stop(caseId))) {
          return reply
            .code(404)
            .send({ error: { code: 'unknown_case', message: `no ExternalMedia call ${caseId}` } });
        }
        return reply.code(204).send();
      },
    );
  }
};
