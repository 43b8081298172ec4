import type { Config, Logger } from '../config/index.js';
import { encodeFromPcm16, interleave } from '../audio/index.js';
import type { Principal, Speaker, StartMessage } from '../protocol/index.js';
import { CallError, type CallSession, type CallSessionManager } from '../session/index.js';
import { IngressError } from './ingress-error.js';

/** Every telephony protocol the product answers (docs/telephony.md). */
export type IngressProtocol =
  'sip' | 'siprec' | 'audiosocket' | 'external-media' | 'freeswitch' | 'twilio' | 'audiohook';

/** What a protocol knows about a call when its audio starts. */
export interface LegSpec {
  protocol: IngressProtocol;
  /** The protocol's own id of the call (Call-ID, UUID, CallSid, conversation id): the case id when none is given. */
  callId: string;
  /** Case id carried by the call's metadata (a header, variable or custom parameter). */
  caseId?: string | undefined;
  /** Agent id carried by the call's metadata. */
  agentId?: string | undefined;
  /** The agent's extension or number, mapped through `HOTLINE_INGRESS_AGENT_EXTENSIONS`. */
  agentExtension?: string | undefined;
  /** One speaker per channel: `['caller']`, `['agent']` or `['caller', 'agent']` (channel 0 is always the caller). */
  speakers: readonly Speaker[];
  sampleRate: 8000 | 16000;
  principal: Principal;
}

const CASE_ID = /^[\w.:-]{1,128}$/;

/**
 * The call's case id: the metadata's when it is valid, else one made from the protocol's call id
 * (characters a case id cannot hold become `_`).
 */
export function caseIdFor(spec: Pick<LegSpec, 'protocol' | 'callId' | 'caseId'>): string {
  if (spec.caseId !== undefined) {
    if (!CASE_ID.test(spec.caseId)) {
      throw new IngressError(
        'invalid_case_id',
        `case id ${JSON.stringify(spec.caseId.slice(0, 140))} is not 1-128 letters, digits, . _ : -`,
      );
    }
    return spec.caseId;
  }
  const id = `${spec.protocol}-${spec.callId.replace(/[^\w.:-]/g, '_')}`;
  return id.slice(0, 128);
}

/** `1001=agent-7,1002=agent-9` → lookup. */
export function parseAgentExtensions(entries: readonly string[]): Map<string, string> {
  return new Map(
    entries.map((entry) => {
      const [extension = '', agent = ''] = entry.split('=');
      return [extension.trim(), agent.trim()];
    }),
  );
}

/** Most a lagging channel may trail the other before it is padded with silence (hold, a stream that stopped). */
const MAX_SKEW_MS = 1000;

interface Track {
  /** Samples of this channel's timeline accepted so far (pending included). */
  end: number;
  pending: Int16Array[];
  pendingSamples: number;
}

/**
 * One call as a telephony protocol delivers it: PCM16 per channel, placed on the call's timeline,
 * handed to the call's session as the stream API would (same pipeline, events, archive, alerts).
 * Channels that arrive separately (SIPREC's two streams, Twilio's two tracks) are interleaved
 * here; a channel that falls behind by more than a second is filled with silence.
 */
export class CallLeg {
  private readonly tracks: Track[];
  private readonly maxSkew: number;
  private readonly openedAt: number;
  private ending: Promise<void> | null = null;

  constructor(
    readonly session: CallSession,
    readonly spec: LegSpec,
    private readonly legs: CallLegs,
    now: number,
  ) {
    this.tracks = spec.speakers.map(() => ({ end: 0, pending: [], pendingSamples: 0 }));
    this.maxSkew = (MAX_SKEW_MS * spec.sampleRate) / 1000;
    this.openedAt = now;
  }

  get caseId(): string {
    return this.session.caseId;
  }

  get live(): boolean {
    return this.ending === null && this.session.state === 'live';
  }

  /** Samples of wall-clock time since the leg opened (anchors streams that start late). */
  elapsedSamples(now: number): number {
    return Math.floor(((now - this.openedAt) * this.spec.sampleRate) / 1000);
  }

  /** Where the next sample of a channel goes on the call's timeline. */
  position(channel: number): number {
    return this.tracks[channel]?.end ?? 0;
  }

  /**
   * Adds a channel's audio. `at` places it on the timeline: a gap before it becomes silence, an
   * overlap with what is already there is dropped. Without `at` it follows what came before.
   */
  push(channel: number, pcm: Int16Array, at?: number): void {
    const track = this.tracks[channel];
    if (!track || !this.live) return;
    let samples = pcm;
    if (at !== undefined) {
      if (at > track.end) this.append(track, new Int16Array(at - track.end));
      else if (at < track.end) samples = samples.subarray(Math.min(samples.length, track.end - at));
    }
    if (samples.length > 0) this.append(track, samples);
    this.release(false);
  }

  /** The call is over (hang-up, BYE, stop, close): the last audio and finals go out, then `closed`. */
  end(): Promise<void> {
    this.ending ??= (async () => {
      if (this.session.state === 'live') {
        this.release(true);
        await this.session.end('end');
        this.legs.manager.ended(this.caseId);
      }
      this.legs.released(this);
    })();
    return this.ending;
  }

  private append(track: Track, samples: Int16Array): void {
    track.pending.push(samples);
    track.pendingSamples += samples.length;
    track.end += samples.length;
  }

  /** Hands the session every sample all channels have; with `all`, pads the short ones first. */
  private release(all: boolean): void {
    const ends = this.tracks.map((t) => t.end);
    const front = Math.max(...ends);
    const floor = all ? front : front - this.maxSkew;
    for (const track of this.tracks)
      if (track.end < floor) this.append(track, new Int16Array(floor - track.end));
    const ready = Math.min(...this.tracks.map((t) => t.pendingSamples));
    if (ready <= 0) return;
    const channels = this.tracks.map((track) => take(track, ready));
    this.session.acceptAudio(encodeFromPcm16(interleave(channels), 'pcm_s16le'));
  }
}

function take(track: Track, count: number): Int16Array {
  const out = new Int16Array(count);
  let filled = 0;
  while (filled < count) {
    const head = track.pending[0] as Int16Array;
    const part = head.subarray(0, count - filled);
    out.set(part, filled);
    filled += part.length;
    if (part.length === head.length) track.pending.shift();
    else track.pending[0] = head.subarray(part.length);
  }
  track.pendingSamples -= count;
  return out;
}

export interface CallLegsOptions {
  manager: CallSessionManager;
  config: Config;
  logger: Logger;
  now?: () => number;
}

/**
 * Every telephony leg on this node, whatever its protocol: the one place legs become calls, and
 * where the `HOTLINE_INGRESS_MAX_CALLS` limit and the agent-extension mapping apply.
 */
export class CallLegs {
  readonly manager: CallSessionManager;
  private readonly live = new Set<CallLeg>();
  private readonly extensions: Map<string, string>;
  private readonly now: () => number;

  constructor(private readonly options: CallLegsOptions) {
    this.manager = options.manager;
    this.extensions = parseAgentExtensions(options.config.ingress.agentExtensions);
    this.now = options.now ?? Date.now;
  }

  get count(): number {
    return this.live.size;
  }

  /** Refuses early (before answering) when the node is full. */
  checkCapacity(): void {
    const max = this.options.config.ingress.maxCalls;
    if (this.live.size >= max) {
      throw new IngressError('ingress_busy', `${max} telephony calls are live; this node takes no more`);
    }
  }

  /** Starts the call in the product. Throws IngressError (busy, invalid case id, case in use). */
  async open(spec: LegSpec): Promise<CallLeg> {
    this.checkCapacity();
    const caseId = caseIdFor(spec);
    const agentId =
      spec.agentId ?? (spec.agentExtension ? this.extensions.get(spec.agentExtension) : undefined);
    const stereo = spec.speakers.length === 2;
    const start: StartMessage = {
      type: 'start',
      lang: 'zh-TW',
      case_id: caseId,
      format: 'pcm_s16le',
      sample_rate: spec.sampleRate,
      channels: stereo ? 2 : 1,
      speaker: spec.speakers[0] ?? 'caller',
      ...(agentId ? { agent_id: agentId } : {}),
    };
    let session: CallSession;
    try {
      session = await this.manager.open(start, spec.principal);
    } catch (err) {
      if (err instanceof CallError && err.code === 'case_in_use') {
        throw new IngressError('case_in_use', err.message);
      }
      throw err;
    }
    const leg = new CallLeg(session, spec, this, this.now());
    this.live.add(leg);
    this.options.logger.info(
      { case_id: caseId, protocol: spec.protocol, call_id: spec.callId, agent_id: agentId ?? null },
      'telephony call started',
    );
    return leg;
  }

  /** Ends every live leg (server shutdown: the protocols say goodbye first where they can). */
  async endAll(): Promise<void> {
    await Promise.all([...this.live].map((leg) => leg.end()));
  }

  /** @internal called by a leg once it has ended. */
  released(leg: CallLeg): void {
    if (this.live.delete(leg)) {
      this.options.logger.info({ case_id: leg.caseId, protocol: leg.spec.protocol }, 'telephony call ended');
    }
  }
}
