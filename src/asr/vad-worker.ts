import { workerData } from 'node:worker_threads';
import { StreamingResampler } from '../audio/resample.js';
import { serveParent } from './inference-worker.js';
import { SileroDetector, type SileroRate } from './silero-detector.js';
import { SileroModel } from './silero-model.js';
import { VadModelError } from './vad-errors.js';
import type { ChannelResult, FromVadWorker, ToVadWorker, VadWorkerData } from './vad-protocol.js';

/**
 * VAD worker thread (started by `VadService`): one Silero session for every channel it serves.
 * Audio posted for many channels in one turn of the server's loop arrives as one message; each round
 * scores every pending window of every channel in batched runs (`SileroModel.drain`), then posts
 * each touched channel's events and progress back in one message.
 */
const { model: modelPath, gate, telephone } = workerData as VadWorkerData;

interface Channel {
  detector: SileroDetector;
  /** 8 kHz audio taken to 16 kHz first (telephone = 'upsample'), as the session did before. */
  resampler: StreamingResampler | null;
  /** Input samples per detector sample (0.5 when upsampled). */
  scale: number;
}

const channels = new Map<number, Channel>();
const touched = new Set<number>();
let model: SileroModel | null = null;
let running = false;

let closing = false;
const link = serveParent<ToVadWorker, FromVadWorker>(
  (message) => {
    switch (message.type) {
      case 'open': {
        const upsample = message.rate === 8000 && telephone === 'upsample';
        const rate: SileroRate = upsample ? 16000 : message.rate;
        const scale = message.rate / rate;
        channels.set(message.id, {
          detector: new SileroDetector(message.settings, rate, gate, Math.round(message.offset / scale)),
          resampler: upsample ? new StreamingResampler(8000, 16000) : null,
          scale,
        });
        return;
      }
      case 'close':
        channels.delete(message.id);
        touched.delete(message.id);
        return;
      case 'audio': {
        let offset = 0;
        message.ids.forEach((id, i) => {
          const length = message.lengths[i] as number;
          const channel = channels.get(id);
          if (length < 0) {
            if (channel) {
              const tail = channel.resampler?.flush();
              if (tail && tail.length > 0) channel.detector.accept(tail);
              channel.detector.flush();
            }
          } else {
            const pcm = message.samples.subarray(offset, offset + length);
            offset += length;
            if (channel) {
              if (channel.resampler) {
                const up = channel.resampler.push(int16ToFloat(pcm));
                if (up.length > 0) channel.detector.accept(up);
              } else {
                channel.detector.accept(pcm);
              }
            }
          }
          if (channel) touched.add(id);
        });
        schedule();
        return;
      }
    }
  },
  async () => {
    // A run in progress finishes first: a session released under it would take the process down.
    closing = true;
    while (running) await new Promise((resolve) => setTimeout(resolve, 5));
    await model?.close();
  },
);

function int16ToFloat(pcm: Int16Array): Float32Array {
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = (pcm[i] as number) / 32768;
  return out;
}

function schedule(): void {
  if (running || closing || !model || touched.size === 0) return;
  running = true;
  // After the messages already queued: they join this round's batches.
  setImmediate(() => void round());
}

async function round(): Promise<void> {
  const ids = [...touched];
  touched.clear();
  const work = ids.flatMap((id) => {
    const channel = channels.get(id);
    return channel ? [{ id, channel }] : [];
  });
  try {
    await (model as SileroModel).drain(
      work.map((w) => w.channel.detector),
      link.beat,
    );
  } catch (err) {
    // A failed run leaves the channels' state unknown: the supervisor replaces this worker.
    throw new Error(`Silero VAD run failed: ${(err as Error).message}`, { cause: err });
  }
  const results: ChannelResult[] = [];
  for (const { id, channel } of work) {
    if (!channels.has(id)) continue;
    const { scale } = channel;
    const progress = channel.detector.progress;
    results.push({
      id,
      steps: channel.detector.takeSteps().map((step) => ({
        processed: Math.round(step.processed * scale),
        events: step.events.map((e) =>
          e.type === 'speech_end'
            ? {
                ...e,
                startSample: Math.round(e.startSample * scale),
                sampleCount: Math.round(e.sampleCount * scale),
              }
            : e,
        ),
      })),
      keepFrom: Math.floor(progress.keepFrom * scale),
      flushes: progress.flushes,
    });
  }
  link.send({ type: 'results', results });
  running = false;
  if (touched.size > 0) schedule();
}

try {
  model = await SileroModel.load(modelPath);
  link.send({ type: 'ready' });
  // Audio posted while the model loaded (a replacement worker) is waiting.
  schedule();
} catch (err) {
  link.send({
    type: 'load_failed',
    message: (err as Error).message,
    code: err instanceof VadModelError ? err.code : 'vad_model_invalid',
  });
}
