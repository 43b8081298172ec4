/** Audio sources for the softphone demo: the microphone, or a recording replayed at real-time pace. */
import { floatToPcm16, samplesDue } from './pcm.js';

export interface AudioSource {
  stop(): Promise<void>;
  /** Resolves when the source has nothing more to send (end of the recording). */
  done: Promise<void>;
}

/** Microphone → 16 kHz mono PCM16, 100 ms frames. */
export async function startMicrophone(onPcm: (pcm: Int16Array<ArrayBuffer>) => void): Promise<AudioSource> {
  const media = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true },
  });
  // A 16 kHz context lets the browser's own resampler do the conversion.
  const context = new AudioContext({ sampleRate: 16000 });
  await context.audioWorklet.addModule(new URL('pcm-capture-worklet.js', document.baseURI).toString());
  const node = new AudioWorkletNode(context, 'pcm-capture');
  node.port.onmessage = (message: MessageEvent<ArrayBuffer>) => onPcm(new Int16Array(message.data));
  context.createMediaStreamSource(media).connect(node);
  let finish = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    done,
    async stop() {
      for (const track of media.getTracks()) track.stop();
      node.disconnect();
      await context.close();
      finish();
    },
  };
}

export interface DecodedRecording {
  /** Interleaved 16 kHz PCM16. */
  pcm: Int16Array<ArrayBuffer>;
  channels: 1 | 2;
  sampleRate: 16000;
  durationS: number;
}

/** Decodes any recording the browser can read (WAV PCM/float, any rate) to 16 kHz PCM16. */
export async function decodeRecording(bytes: ArrayBuffer): Promise<DecodedRecording> {
  // decodeAudioData resamples to the context's rate.
  const context = new OfflineAudioContext(1, 1, 16000);
  const buffer = await context.decodeAudioData(bytes);
  const channels = buffer.numberOfChannels >= 2 ? 2 : 1;
  const data = Array.from({ length: channels }, (_, c) => buffer.getChannelData(c));
  return { pcm: floatToPcm16(data), channels, sampleRate: 16000, durationS: buffer.duration };
}

/** Sends a decoded recording in ~100 ms frames, paced to the wall clock. */
export function replayRecording(
  recording: DecodedRecording,
  onPcm: (pcm: Int16Array<ArrayBuffer>) => void,
): AudioSource {
  const started = performance.now();
  let sent = 0;
  let finish = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const tick = () => {
    const due = samplesDue(
      performance.now() - started,
      recording.sampleRate,
      recording.channels,
      recording.pcm.length,
    );
    // A throttled background tab catches up in bounded frames (the server caps frame size).
    const maxFrame = (recording.sampleRate / 2) * recording.channels;
    while (due > sent) {
      const end = Math.min(due, sent + maxFrame);
      onPcm(recording.pcm.slice(sent, end));
      sent = end;
    }
    if (sent >= recording.pcm.length) {
      clearInterval(timer);
      finish();
    }
  };
  const timer = setInterval(tick, 100);
  return {
    done,
    async stop() {
      clearInterval(timer);
      finish();
    },
  };
}
