import { randomBytes } from 'node:crypto';
import { decodeToPcm16, splitChannels } from '../audio/index.js';
import type { AsrEngine } from '../asr/index.js';
import type {
  EventBody,
  FeedbackMessage,
  Principal,
  ServerEvent,
  Speaker,
  StartMessage,
} from '../protocol/index.js';
import type { CallAssistant } from '../suggest/index.js';
import { CallEventLog } from './event-log.js';
import { CallActivity } from './call-activity.js';
import { ChannelPipeline, type ChannelHost } from './channel-pipeline.js';
import type { CallOwnership } from './access.js';
import type { AlertActionRequest } from './remote-call.js';
import {
  vadSettingsFor,
  type CallCloseReason,
  type CallServices,
  type CallState,
  type CallSummary,
} from './call-services.js';
import { CallError } from './errors.js';

/**
 * One call: the single owner of its state. Decodes wire audio, runs a pipeline per channel, turns
 * raw finals into corrected ones, hands them to the call assistant, and emits everything on the
 * call's ordered event log. Every stage lives the call's life: started with it (`begin`: the
 * recorder's `callStarted`, one recognizer stream per utterance, one assistant), pushed to as audio
 * and text arrive, flushed at `end` (last finals, answers being written, `callEnded`, then
 * `closed`), and dropped at `abort` (one AbortSignal per call: late ASR results and answers are
 * never emitted or archived).
 */
export class CallSession {
  readonly log: CallEventLog;
  readonly startedAt: Date;
  state: CallState = 'live';
  endedAt: Date | null = null;
  /** Readable number, set by the manager before `begin`. */
  caseNo: string | null = null;
  private readonly pipelines: ChannelPipeline[];
  private readonly assistant: CallAssistant | null;
  private readonly engine: AsrEngine | null;
  private utteranceCounter = 0;
  private readonly streamTag = randomBytes(3).toString('hex');
  private readonly activity = new CallActivity();
  private ending: Promise<void> | null = null;
  /** Storage failed under this call: it is over, and nothing after the failure was acknowledged. */
  private failed = false;
  private readonly failureListeners: Array<() => void> = [];
  /** Aborts every stage's in-flight work for this call (recognition, the assistant's answers). */
  private readonly cancel = new AbortController();

  constructor(
    readonly caseId: string,
    readonly start: StartMessage,
    private readonly services: CallServices,
    /** Principal that opened the stream (owner of the call when no agent_id was given). */
    readonly openedBy: Principal | null = null,
    /** The events of this run so far when it continues here from another node (resume anywhere). */
    private readonly past: readonly ServerEvent[] = [],
  ) {
    const { config, logger } = services;
    const now = services.now ?? Date.now;
    this.startedAt = new Date(now());
    this.log = new CallEventLog(
      caseId,
      config.stream.replayBufferEvents,
      now,
      services.recorder ? (event) => this.persist(event) : null,
      (err) => this.failStorage(err),
    );
    this.engine = services.asrEngineFor(caseId);
    const vad = services.vad ? vadSettingsFor(start, config) : null;
    const speakers: Speaker[] = start.channels === 2 ? ['caller', 'agent'] : [start.speaker];
    const host: ChannelHost = {
      caseId,
      logger: logger.child({ case_id: caseId }),
      // Unique per stream, so a case id reused by a later stream never overwrites archived segments.
      nextUtteranceId: () => `${this.streamTag}-u${++this.utteranceCounter}`,
      emit: (event) => this.emit(event),
      hotwords: () => services.text?.hotwords() ?? [],
      onPartial: (p) => this.onPartial(p),
      onSegment: (u) => this.onSegment(u),
      onUtterance: (u) => this.onUtterance(u),
      signal: this.cancel.signal,
    };
    this.pipelines = speakers.map(
      (speaker, channel) =>
        new ChannelPipeline(
          host,
          channel,
          speaker,
          start.sample_rate,
          services.vad && vad ? { service: services.vad, settings: vad } : null,
          this.engine,
          config.stream.partialIntervalMs,
        ),
    );
    this.log.restore(past);
    for (const event of past) this.activity.observe(event);
    this.log.tap((event) => this.activity.observe(event));
    this.assistant =
      services.assistant?.({
        caseId,
        kb: start.kb,
        emit: (event) => this.emit(event),
        signal: this.cancel.signal,
      }) ?? null;
  }

  /** Who the call belongs to, for the access checks of `access.ts`. */
  get ownership(): CallOwnership {
    return { agentId: this.start.agent_id ?? null, openedBy: this.openedBy };
  }

  /**
   * Announces the call (or its resumption) and any degraded mode as warnings. Throws the
   * recorder's refusal (`case_archived`, `forbidden`, `storage_unavailable`); call `abort()` then.
   */
  async begin(): Promise<void> {
    await this.services.recorder?.callStarted({
      caseId: this.caseId,
      agentId: this.start.agent_id,
      principal: this.openedBy,
      ...(this.openedBy ? { openedBy: this.openedBy.id } : {}),
      startedAt: this.startedAt,
      format: this.start.format,
      sampleRate: this.start.sample_rate,
      channels: this.start.channels,
      asrVersion: this.engine ? `${this.engine.name}:${this.engine.version}` : null,
    });
    this.emit({
      type: 'started',
      sample_rate: this.start.sample_rate,
      channels: this.start.channels,
      format: this.start.format,
      asr: this.engine ? { engine: this.engine.name, version: this.engine.version } : null,
      resumed: this.past.length > 0,
      ...(this.caseNo ? { case_no: this.caseNo } : {}),
    });
    if (!this.services.vad) {
      this.emit({
        type: 'error',
        code: 'vad_unavailable',
        message: 'no VAD model is configured: audio is kept, but speech is not detected or recognized',
        fatal: false,
      });
    }
    if (!this.engine) {
      this.emit({
        type: 'error',
        code: 'asr_unavailable',
        message: 'no speech-recognition model is configured: speech events and audio only, no text',
        fatal: false,
      });
    }
  }

  /** Null when the event could not be made durable (the call has failed and says so itself). */
  emit(event: EventBody): ServerEvent | null {
    if (this.failed) return null;
    return this.log.emit(event);
  }

  /**
   * Raw wire bytes → per-channel PCM16. Throws AudioFormatError (misaligned_audio) untouched, and
   * CallError `storage_unavailable` once the audio can no longer be stored.
   */
  acceptAudio(bytes: Uint8Array): void {
    if (this.failed)
      throw new CallError('storage_unavailable', 'this call could not be stored; audio is not accepted');
    const pcm = decodeToPcm16(bytes, this.start.format, this.start.channels);
    const channels = splitChannels(pcm, this.start.channels);
    try {
      this.services.recorder?.callAudio(this.caseId, channels);
    } catch (err) {
      this.failStorage(err);
      throw new CallError('storage_unavailable', 'this call could not be stored; audio is not accepted');
    }
    channels.forEach((samples, i) => this.pipelines[i]?.push(samples));
  }

  /**
   * An agent or supervisor acts on one of this call's alerts (it goes onto the call's stream, so
   * every desktop following the call, the alert board and the archive see it). Resolves once the
   * action is stored and delivered; false when the call has no alert with that seq.
   */
  async alertAction({ alertSeq, action, actor, note }: AlertActionRequest): Promise<boolean> {
    if (!this.activity.hasAlert(alertSeq)) return false;
    this.emit({
      type: 'alert_action',
      alert_seq: alertSeq,
      action,
      by: actor?.id ?? null,
      by_name: actor?.name ?? null,
      role: actor?.role ?? null,
      note,
    });
    await this.log.settled();
    return true;
  }

  /** Storage failed under this call: it is over and says so (`storage_unavailable`). */
  get storageFailed(): boolean {
    return this.failed;
  }

  /** Told once when storage fails under this call (the stream socket closes its connection). */
  onFailure(listener: () => void): void {
    this.failureListeners.push(listener);
  }

  /**
   * Stops every stage's work for this call now: open recognitions and ASR results still to come
   * are dropped, the assistant writes nothing more. A call being ended (`end`) then finishes at
   * once with its `closed`, and nothing follows it; a call refused at `begin`, or whose storage
   * failed, just releases what it holds (VAD detectors, the assistant).
   */
  abort(): Promise<void> {
    this.cancel.abort();
    for (const p of this.pipelines) p.abort();
    if (!this.ending) {
      this.state = 'ended';
      this.ending = Promise.resolve();
    }
    return this.ending;
  }

  /**
   * The archive's hook on the event log: an event it cannot store is not emitted, one being
   * written is delivered once it is durable.
   */
  private persist(event: ServerEvent): Promise<void> | void {
    if (this.failed) {
      if (event.type === 'error' && event.code === 'storage_unavailable') return;
      throw new CallError('storage_unavailable', 'the call has failed');
    }
    try {
      return this.services.recorder?.event(event);
    } catch (err) {
      this.failStorage(err);
      throw err;
    }
  }

  /**
   * Storage failed: tell every client with a fatal `storage_unavailable` (the last event of the
   * call), stop recognising, and end the call without `closed`, which would claim it was stored.
   * Whatever the journal holds is recovered at the next start.
   */
  private failStorage(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.services.logger.error({ err, case_id: this.caseId }, 'storage failed under a live call; call ended');
    this.log.dropUndelivered();
    this.log.emit({
      type: 'error',
      code: 'storage_unavailable',
      message:
        'storage cannot take this call (disk full or failing): nothing after this was stored and the call is closed; start it again once the server is ready',
      fatal: true,
    });
    this.endedAt = new Date((this.services.now ?? Date.now)());
    void this.abort()
      .then(() => this.services.recorder?.callEnded(this.caseId, 'storage_unavailable'))
      .catch((e: unknown) =>
        this.services.logger.error({ err: e, case_id: this.caseId }, 'failed call not closed in the archive'),
      );
    for (const listener of this.failureListeners.splice(0)) listener();
  }

  feedback(message: FeedbackMessage, by: string | null): void {
    const { type: _type, case_id: _caseId, ...rest } = message;
    this.emit({ ...rest, type: 'feedback', by });
    this.assistant?.onFeedback?.(message, by);
  }

  /**
   * Flushes every channel, waits for the last finals and suggestions, makes the end durable, then
   * `closed`. Idempotent.
   */
  end(reason: CallCloseReason): Promise<void> {
    this.ending ??= (async () => {
      this.state = 'ending';
      await Promise.all(this.pipelines.map((p) => p.flush()));
      await this.assistant?.close();
      if (this.failed) return;
      try {
        // A call moving to another node is cut off here as at a shutdown: the next node starts it again.
        await this.services.recorder?.callEnded(
          this.caseId,
          reason === 'resume_elsewhere' ? 'server_shutdown' : reason,
        );
      } catch (err) {
        this.failStorage(err);
        return;
      }
      this.state = 'ended';
      this.endedAt = new Date((this.services.now ?? Date.now)());
      this.emit({ type: 'closed', reason });
      await this.log.settled();
    })();
    return this.ending;
  }

  summary(): CallSummary {
    return {
      case_id: this.caseId,
      case_no: this.caseNo,
      speech_to_text: this.engine !== null,
      started_at: this.startedAt.toISOString(),
      ended_at: this.endedAt?.toISOString() ?? null,
      agent_id: this.start.agent_id ?? null,
      agent_name:
        this.openedBy && this.openedBy.id === this.start.agent_id ? (this.openedBy.name ?? null) : null,
      status: this.state === 'ended' ? 'ended' : 'live',
      last_utterance: this.activity.lastUtterance,
      agency: this.activity.agency,
      alert_level: this.activity.alertLevel,
      open_alerts: this.activity.openAlerts,
      last_seq: this.log.lastSeq,
    };
  }

  private onPartial(p: Parameters<ChannelHost['onPartial']>[0]): void {
    const text = this.correct(p.rawText, false).text;
    this.emit({
      type: 'partial',
      utterance_id: p.utteranceId,
      rev: p.rev,
      text,
      confidence: p.confidence,
      speaker: p.speaker,
      channel: p.channel,
    });
    this.assistant?.onPartial({
      utteranceId: p.utteranceId,
      text,
      confidence: p.confidence,
      speaker: p.speaker,
      startMs: p.startMs,
      endMs: p.startMs,
    });
  }

  private onSegment(u: Parameters<ChannelHost['onSegment']>[0]): void {
    if (this.failed) return;
    try {
      // Its speech_end, emitted next, waits for this write and is dropped if it fails.
      this.recordSegment(u)?.catch((err: unknown) => this.failStorage(err));
    } catch (err) {
      this.failStorage(err);
    }
  }

  private recordSegment(u: Parameters<ChannelHost['onSegment']>[0]): Promise<void> | undefined {
    return this.services.recorder?.utteranceAudio({ caseId: this.caseId, ...u });
  }

  private onUtterance(u: Parameters<ChannelHost['onUtterance']>[0]): void {
    if (u.rawText === null || u.rawText.trim() === '') return;
    const corrected = this.correct(u.rawText, true);
    this.emit({
      type: 'final',
      utterance_id: u.utteranceId,
      text: u.rawText,
      corrected_text: corrected.text,
      edits: corrected.edits,
      start_ms: u.startMs,
      end_ms: u.endMs,
      speaker: u.speaker,
      channel: u.channel,
    });
    this.assistant?.onFinal({
      utteranceId: u.utteranceId,
      text: corrected.text,
      speaker: u.speaker,
      startMs: u.startMs,
      endMs: u.endMs,
    });
  }

  /** Finals get sentence-final punctuation; partials are still growing. */
  private correct(
    raw: string,
    final: boolean,
  ): { text: string; edits: Extract<ServerEvent, { type: 'final' }>['edits'] } {
    if (!this.services.text) return { text: raw, edits: [] };
    try {
      const result = this.services.text.normalize(raw, { final });
      return { text: result.text, edits: result.edits };
    } catch (err) {
      this.services.logger.error({ err, case_id: this.caseId }, 'text correction failed; raw text kept');
      return { text: raw, edits: [] };
    }
  }
}
