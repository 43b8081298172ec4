import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { errorBody } from '../protocol/index.js';
import type { Config, Logger } from '../config/index.js';
import type { CallAccessAudit, CallSessionManager } from '../session/index.js';
import { StreamSocket } from './stream-socket.js';

export interface StreamRoutesOptions {
  manager: CallSessionManager;
  config: Config;
  logger: Logger;
  onFrameProcessed?: (seconds: number) => void;
  onPartialsCoalesced?: () => void;
  /** Where resumes and refused attempts are audited. */
  audit?: CallAccessAudit;
}

/** `WS /api/stream/asr`: live call audio in, the call's ordered events out. */
export const streamRoutes: FastifyPluginAsync<StreamRoutesOptions> = async (
  app,
  { manager, config, logger, onFrameProcessed, onPartialsCoalesced, audit },
) => {
  app.get(
    '/api/stream/asr',
    {
      websocket: true,
      config: { roles: ['ingress', 'agent', 'supervisor', 'admin', 'service'] },
      schema: {
        description:
          "live call audio in (binary frames after a `start` message), the call's ordered events out (src/protocol)",
        response: { 101: z.null().describe('switching protocols: WebSocket'), '4xx': errorBody },
      },
    },
    (socket, request) => {
      new StreamSocket(socket, {
        manager,
        maxFrameBytes: config.stream.maxFrameBytes,
        highWaterBytes: config.stream.clientHighWaterBytes,
        logger,
        principal: request.principal ?? null,
        source: request.ip,
        policy: { agentsSeeUnassignedCalls: config.auth.agentsSeeUnassignedCalls },
        audit,
        onFrameProcessed,
        onPartialsCoalesced,
      });
    },
  );
};
