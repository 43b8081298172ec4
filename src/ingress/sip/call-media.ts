import type { Config, Logger } from '../../config/index.js';
import type { CallLegs } from '../call-leg.js';
import { peerPrincipal, type PeerAllowList } from '../peer-access.js';
import { RtpStream, type RtpPortPool } from '../rtp.js';
import type { Dialog } from './dialog.js';
import { callSpeakers, type InviteBody } from './invite.js';
import type { SipRequest } from './message.js';
import { isHold, payloadKinds, type OfferedStream } from './sdp.js';

/** What a dialog's media needs: where calls go, who may send RTP, which ports to bind. */
export interface CallMediaDeps {
  config: Config;
  logger: Logger;
  legs: CallLegs;
  allow: PeerAllowList;
  rtpPorts: RtpPortPool;
}

/**
 * Opens the call leg of an INVITE being answered and binds one RTP stream per wanted offer
 * (channel 0 the caller). False when a CANCEL won the race while the call was opening.
 */
export async function openCallMedia(
  dialog: Dialog,
  request: SipRequest,
  wanted: OfferedStream[],
  body: InviteBody,
  deps: CallMediaDeps,
  now: () => number,
): Promise<boolean> {
  const { config, legs } = deps;
  const extensions = new Set(config.ingress.agentExtensions.map((e) => e.split('=')[0]?.trim()));
  const { speakers, agentExtension } = callSpeakers(dialog.localUri, body, wanted, (user) =>
    extensions.has(user),
  );
  const leg = await legs.open({
    protocol: body.siprec ? 'siprec' : 'sip',
    callId: dialog.callId,
    caseId: request.headers.get(config.ingress.sipCaseHeader),
    agentId: request.headers.get(config.ingress.sipAgentHeader),
    agentExtension: agentExtension ?? undefined,
    speakers,
    sampleRate: 8000,
    principal: peerPrincipal(body.siprec ? 'siprec' : 'sip', dialog.peer.address),
  });
  if (dialog.state !== 'proceeding') {
    await leg.end();
    return false;
  }
  dialog.leg = leg;
  for (const [channel, offer] of wanted.entries()) {
    const slot = dialog.streams.find((s) => s.offer === offer) as Dialog['streams'][number];
    const { socket, port } = await deps.rtpPorts.bind();
    slot.rtp = new RtpStream(socket, port, {
      leg,
      channel,
      payloads: payloadKinds(offer),
      allow: deps.allow,
      logger: deps.logger,
      now,
    });
  }
  dialog.onHold = wanted.every(isHold);
  return true;
}

/**
 * A re-INVITE's offer (same number of m-lines) applied to the dialog's streams: new payload types,
 * and hold or resume. Coming off hold restarts the media watchdog's count.
 */
export function renegotiateMedia(dialog: Dialog, offer: OfferedStream[], now: number, logger: Logger): void {
  offer.forEach((o, i) => {
    const slot = dialog.streams[i] as Dialog['streams'][number];
    slot.offer = o;
    slot.rtp?.renegotiate(payloadKinds(o));
  });
  const active = dialog.streams.filter((s) => s.rtp);
  const hold = active.length > 0 && active.every((s) => isHold(s.offer));
  if (hold !== dialog.onHold) {
    logger.info({ case_id: dialog.leg?.caseId, hold }, hold ? 'sip: call on hold' : 'sip: call resumed');
    if (!hold) for (const s of active) if (s.rtp) s.rtp.lastPacketAt = now;
  }
  dialog.onHold = hold;
}

/** When the dialog last received RTP on any of its streams (0: never). */
export const lastMediaAt = (dialog: Dialog): number =>
  Math.max(...dialog.streams.map((s) => s.rtp?.lastPacketAt ?? 0));
