import { networkInterfaces } from 'node:os';
import type { Config, Logger } from '../config/index.js';
import type { CallSessionManager } from '../session/index.js';
import { AudioSocketServer } from './audiosocket.js';
import { CallLegs } from './call-leg.js';
import { ExternalMedia } from './external-media.js';
import { PeerAllowList } from './peer-access.js';
import { RtpPortPool } from './rtp.js';
import type { SipUserAgent } from './sip/user-agent.js';

export interface TelephonyOptions {
  config: Config;
  logger: Logger;
  manager: CallSessionManager;
}

/** The telephony listeners that run beside the HTTP server (each off unless its setting is set). */
export interface Telephony {
  legs: CallLegs;
  allow: PeerAllowList;
  rtpPorts: RtpPortPool;
  /** The address written in SDP and told to ExternalMedia peers. */
  address: string;
  sip: SipUserAgent | null;
  audiosocket: AudioSocketServer | null;
  externalMedia: ExternalMedia | null;
  /** Hangs up every call (BYE where the protocol has one) and closes the listeners. */
  close(): Promise<void>;
}

/** Where peers send media: HOTLINE_SIP_ADDRESS, else the bind address, else this machine's first IPv4. */
export function advertisedAddress(config: Config): string {
  if (config.ingress.sipAddress) return config.ingress.sipAddress;
  const host = config.server.host;
  if (host !== '0.0.0.0' && host !== '::') return host;
  for (const list of Object.values(networkInterfaces())) {
    const found = list?.find((i) => i.family === 'IPv4' && !i.internal);
    if (found) return found.address;
  }
  return '127.0.0.1';
}

export async function startTelephony({ config, logger, manager }: TelephonyOptions): Promise<Telephony> {
  const log = logger.child({ stage: 'ingress' });
  const legs = new CallLegs({ manager, config, logger: log });
  const allow = new PeerAllowList(config.ingress.allowFrom);
  const rtpPorts = new RtpPortPool(config.ingress.rtpPorts, config.server.host);
  const address = advertisedAddress(config);
  let sip: SipUserAgent | null = null;
  if (config.ingress.sipPort !== undefined) {
    // The SIP stack (SDP and SIPREC parsers) is loaded only when a SIP port is configured.
    const { SipUserAgent } = await import('./sip/user-agent.js');
    sip = await SipUserAgent.start(config.ingress.sipPort, {
      config,
      logger: log,
      legs,
      allow,
      rtpPorts,
      host: config.server.host,
      address,
    });
    log.info({ port: sip.port, address }, 'SIP/SIPREC listening (UDP and TCP)');
  }
  let audiosocket: AudioSocketServer | null = null;
  if (config.ingress.audiosocketPort !== undefined) {
    audiosocket = await AudioSocketServer.start(config.ingress.audiosocketPort, {
      legs,
      allow,
      logger: log,
      host: config.server.host,
    });
    log.info({ port: audiosocket.port }, 'Asterisk AudioSocket listening');
  }
  const externalMedia = config.ingress.externalMedia
    ? new ExternalMedia({ legs, allow, rtpPorts, address, config, logger: log })
    : null;
  return {
    legs,
    allow,
    rtpPorts,
    address,
    sip,
    audiosocket,
    externalMedia,
    async close() {
      await sip?.close();
      await audiosocket?.close();
      await externalMedia?.close();
      await legs.endAll();
    },
  };
}
