import { float32ToPcm16, writeWav } from '../audio/index.js';
import type { Logger } from '../config/index.js';
import type { AsrEngine, AsrHypothesis, AsrStream, AsrStreamOptions } from './engine.js';
import { AsrError } from './errors.js';
import { SAMPLE_RATE } from './recognizer-config.js';
import { SegmentBuffer } from './segment-buffer.js';
import { createTaiwanConverter } from './zh-tw.js';

export interface RemoteSettings {
  /** OpenAI-compatible base URL ending before `/audio/transcriptions`, e.g. http://gpu-1:8000/v1 */
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  /** Lexicon terms written back as given wherever the server's text has them (zh-tw.ts). */
  terms?: readonly string[];
  logger?: Logger;
}

/**
 * Whisper-style servers read `prompt` as preceding context (about 200 tokens), so a short list of
 * names biases spelling. A longer list (a whole lexicon) is not sent: any cut of it would be arbitrary.
 */
const MAX_PROMPT_CHARS = 200;

function promptOf(hotwords: readonly string[] | undefined): string | undefined {
  const prompt = hotwords?.join('、');
  return prompt && prompt.length <= MAX_PROMPT_CHARS ? prompt : undefined;
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

async function transcribe(
  settings: RemoteSettings,
  toTaiwan: (text: string) => string,
  samples: Float32Array,
  hotwords: readonly string[] | undefined,
  signal: AbortSignal,
): Promise<AsrHypothesis> {
  const endpoint = `${settings.url.replace(/\/+$/, '')}/audio/transcriptions`;
  const wav = writeWav([float32ToPcm16(samples)], SAMPLE_RATE);
  const form = new FormData();
  form.append('file', new Blob([wav.slice()], { type: 'audio/wav' }), 'utterance.wav');
  form.append('model', settings.model);
  form.append('language', 'zh');
  form.append('response_format', 'json');
  const prompt = promptOf(hotwords);
  if (prompt) form.append('prompt', prompt);
  const timeout = AbortSignal.timeout(settings.timeoutMs);
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      body: form,
      headers: settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {},
      signal: AbortSignal.any([signal, timeout]),
    });
  } catch (err) {
    if (timeout.aborted)
      throw new AsrError('asr_failed', `remote ASR ${endpoint} timed out after ${settings.timeoutMs} ms`);
    if (signal.aborted) throw new AsrError('asr_failed', 'utterance aborted');
    throw new AsrError('asr_failed', `remote ASR ${endpoint} unreachable: ${describe(err)}`, { cause: err });
  }
  let body: string;
  try {
    body = await response.text();
  } catch (err) {
    const why = timeout.aborted ? `timed out after ${settings.timeoutMs} ms` : describe(err);
    throw new AsrError('asr_failed', `remote ASR ${endpoint}: reading the answer failed: ${why}`, {
      cause: err,
    });
  }
  if (!response.ok) {
    throw new AsrError(
      'asr_failed',
      `remote ASR ${endpoint} answered ${response.status}: ${body.slice(0, 200)}`,
    );
  }
  let text: unknown;
  try {
    text = (JSON.parse(body) as { text?: unknown }).text;
  } catch {
    text = undefined;
  }
  if (typeof text !== 'string') {
    throw new AsrError(
      'asr_failed',
      `remote ASR ${endpoint} answered without a JSON "text": ${body.slice(0, 200)}`,
    );
  }
  return { text: toTaiwan(text.trim()), confidence: null };
}

class RemoteStream implements AsrStream {
  private readonly segment: SegmentBuffer;
  private readonly abortion = new AbortController();
  private done = false;

  constructor(
    private readonly settings: RemoteSettings,
    private readonly toTaiwan: (text: string) => string,
    private readonly options: AsrStreamOptions,
  ) {
    this.segment = new SegmentBuffer(options.sampleRate);
  }

  acceptWaveform(samples: Float32Array): void {
    if (!this.done) this.segment.push(samples);
  }

  partial(): AsrHypothesis | null {
    return null;
  }

  async finish(): Promise<AsrHypothesis> {
    if (this.done) throw new AsrError('asr_failed', 'utterance already finished or aborted');
    this.done = true;
    const samples = this.segment.take();
    if (samples.length === 0) return { text: '', confidence: null };
    return transcribe(this.settings, this.toTaiwan, samples, this.options.hotwords, this.abortion.signal);
  }

  abort(): void {
    this.done = true;
    this.segment.take();
    this.abortion.abort();
  }
}

/**
 * `remote`: each VAD segment is sent as a 16 kHz WAV to an OpenAI-compatible
 * `POST /audio/transcriptions` (vLLM, faster-whisper or whisper.cpp servers, e.g. Breeze-ASR-25).
 * No partials: such servers only transcribe whole files.
 */
export function createRemoteEngine(settings: RemoteSettings): AsrEngine {
  let parsed: URL;
  try {
    parsed = new URL(settings.url);
  } catch {
    throw new AsrError('asr_misconfigured', `asr.remoteUrl is not a URL: ${settings.url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new AsrError('asr_misconfigured', `asr.remoteUrl must be http(s): ${settings.url}`);
  }
  settings.logger?.info({ url: settings.url, model: settings.model }, 'asr: remote engine configured');
  const toTaiwan = createTaiwanConverter(settings.terms);
  return {
    name: 'remote',
    version: settings.model,
    streamsPartials: false,
    createStream: (options) => new RemoteStream(settings, toTaiwan, options),
    close: () => undefined,
  };
}
