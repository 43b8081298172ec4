import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { errorBody } from '../protocol/index.js';
import type { Config, Logger } from '../config/index.js';
import { AudiohookConnection } from './audiohook.js';
import { verifyAudiohookSignature } from './audiohook-signature.js';
import { FreeswitchConnection } from './freeswitch.js';
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

const externalMediaBody = z.object({
  format: z.string(),
  case_id: z.string().optional(),
  agent_id: z.string().optional(),
  speaker: z.enum(['caller', 'agent']).optional(),
  channel_id: z.string().optional(),
});

/** The OpenAPI description of a telephony WebSocket (messages are the platform's own protocol). */
const upgrade = (description: string) => ({
  description,
  response: { 101: z.null().describe('switching protocols: WebSocket'), '4xx': errorBody },
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

  /** A telephony WebSocket: public to the auth plugin, admitted by `admit` in the platform's own way. */
  const leg = (
    path: string,
    description: string,
    admit: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
    open: (socket: WebSocket, request: FastifyRequest) => void,
  ) =>
    app.get(
      path,
      { websocket: true, config: { roles: 'public' }, schema: upgrade(description), preValidation: admit },
      open,
    );

  if (ingress.freeswitch) {
    leg(
      '/ingress/freeswitch',
      'FreeSWITCH mod_audio_fork leg (ingress token)',
      byToken,
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
    leg(
      '/ingress/audiohook',
      'Genesys AudioHook session (ingress token, signed request)',
      async (request, reply) => {
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
    leg(
      '/ingress/twilio',
      'Twilio Media Streams (signed request or stream token)',
      async (request, reply) => {
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
    app.post<{ Body: z.output<typeof externalMediaBody> }>(
      '/api/ingress/external-media',
      {
        config: { roles: ['ingress'] },
        schema: {
          body: externalMediaBody,
          response: {
            201: z.object({
              case_id: z.string(),
              external_host: z.string().describe('what the ARI app passes to POST /channels/externalMedia'),
              format: z.string(),
            }),
            '4xx': errorBody,
            '5xx': errorBody,
          },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await externalMedia.start(
              request.body,
              request.principal ?? peerPrincipal('external-media', request.ip),
            ),
          ),
    );
    app.delete<{ Params: { case_id: string } }>(
      '/api/ingress/external-media/:case_id',
      {
        config: { roles: ['ingress'] },
        schema: {
          params: z.object({ case_id: z.string() }),
          response: { 204: z.null().describe('stopped'), '4xx': errorBody },
        },
      },
      async (request, reply) => {
        const caseId = request.params.case_id;
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
