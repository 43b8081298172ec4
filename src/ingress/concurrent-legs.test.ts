import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioSocketKind } from './audiosocket.js';
import { bootIngressApp, checkCall, g711, recording, type IngressTestApp } from './testing/harness.js';
import { AudioForkPeer, AudiohookPeer, AudioSocketPeer, TwilioPeer } from './testing/peers.js';

const LEGS = 50;

/**
 * Fifty calls at once across the four protocol peers (AudioSocket, mod_audio_fork, Twilio,
 * AudioHook), all live together: each must be its own call, archived with its own audio, and the
 * 51st is refused by HOTLINE_INGRESS_MAX_CALLS.
 */
describe(`${LEGS} concurrent telephony legs`, () => {
  let t: IngressTestApp;
  beforeAll(async () => {
    t = await bootIngressApp({
      audiosocketPort: 0,
      freeswitch: true,
      twilio: true,
      audiohook: true,
      maxCalls: LEGS,
    });
  });
  afterAll(async () => t?.app.close());

  it('all live at once, each archived sample for sample, the next one refused', async () => {
    const pcm = recording('paraformer-zh-2023-03-28/8k.wav');
    const [head, tail] = [pcm.subarray(0, 8000), pcm.subarray(8000)];
    const ws = t.app.url.replace('http', 'ws');
    const asPort = t.app.telephony.audiosocket?.port ?? 0;
    type Leg = { caseId: string; expected: Int16Array; rest: () => Promise<void> };
    const open = async (i: number): Promise<Leg> => {
      const caseId = `many-${i}`;
      switch (i % 4) {
        case 0: {
          const peer = await AudioSocketPeer.connect(asPort);
          peer.sendUuid();
          await peer.sendAudio(head);
          return {
            caseId: `audiosocket-${peer.uuid}`,
            expected: pcm,
            rest: async () => {
              await peer.sendAudio(tail);
              await peer.hangUp();
            },
          };
        }
        case 1: {
          const peer = await AudioForkPeer.connect(`${ws}/ingress/freeswitch`, { bearer: t.ingressToken });
          peer.metadata({ case_id: caseId });
          await peer.sendAudio([head], 8000);
          return {
            caseId,
            expected: pcm,
            rest: async () => {
              await peer.sendAudio([tail], 8000);
              await peer.stop();
            },
          };
        }
        case 2: {
          const peer = await TwilioPeer.connect(`${ws}/ingress/twilio`);
          peer.start(['inbound'], { token: t.ingressToken, case_id: caseId });
          await peer.sendAudio({ inbound: pcm });
          return {
            caseId,
            expected: g711(pcm),
            rest: async () => {
              peer.stop();
              await peer.closed();
            },
          };
        }
        default: {
          const peer = await AudiohookPeer.connect(`${ws}/ingress/audiohook`, t.ingressToken);
          peer.open([{ type: 'audio', format: 'PCMU', channels: ['external'], rate: 8000 }], {
            case_id: caseId,
          });
          await peer.waitFor((m) => m.type === 'opened');
          await peer.sendAudio([head]);
          return {
            caseId,
            expected: g711(pcm),
            rest: async () => {
              await peer.sendAudio([tail]);
              peer.close();
              await peer.waitFor((m) => m.type === 'closed');
            },
          };
        }
      }
    };
    const legs = await Promise.all(Array.from({ length: LEGS }, (_, i) => open(i)));
    const until = Date.now() + 10_000;
    while (t.app.telephony.legs.count < LEGS && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    expect(t.app.telephony.legs.count).toBe(LEGS);

    const extra = await AudioSocketPeer.connect(t.app.telephony.audiosocket?.port ?? 0);
    extra.sendUuid();
    await extra.closed();
    expect([...extra.received]).toEqual([AudioSocketKind.hangup, 0, 0]);

    await Promise.all(legs.map((leg) => leg.rest()));
    const calls = await Promise.all(legs.map((leg) => checkCall(t, leg.caseId, [leg.expected])));
    expect(calls.filter((c) => c.offsets[0] === 0)).toHaveLength(LEGS);
    expect(calls.filter((c) => (c.speech.caller ?? 0) >= 1)).toHaveLength(LEGS);
    expect(new Set(calls.map((c) => c.events[0]?.case_id)).size).toBe(LEGS);
    expect(t.app.telephony.legs.count).toBe(0);
  }, 120_000);
});
