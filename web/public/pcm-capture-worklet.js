/* global AudioWorkletProcessor, registerProcessor, sampleRate */
/**
 * Microphone capture for the softphone demo: mono, 16 kHz, signed 16-bit PCM in 100 ms frames.
 * The page asks for a 16 kHz AudioContext, so the browser resamples; where it could not, this
 * decimates with a moving-average low-pass, enough for a demo microphone.
 */
const TARGET_RATE = 16000;
const FRAME_SAMPLES = 1600;

class PcmCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ratio = sampleRate / TARGET_RATE;
    this.position = 0;
    this.acc = 0;
    this.accCount = 0;
    this.frame = new Int16Array(FRAME_SAMPLES);
    this.filled = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      this.acc += channel[i];
      this.accCount++;
      this.position += 1;
      if (this.position >= this.ratio) {
        this.position -= this.ratio;
        this.push(this.acc / this.accCount);
        this.acc = 0;
        this.accCount = 0;
      }
    }
    return true;
  }

  push(value) {
    const v = Math.max(-1, Math.min(1, value));
    this.frame[this.filled++] = v < 0 ? v * 0x8000 : v * 0x7fff;
    if (this.filled === FRAME_SAMPLES) {
      this.port.postMessage(this.frame.buffer, [this.frame.buffer]);
      this.frame = new Int16Array(FRAME_SAMPLES);
      this.filled = 0;
    }
  }
}

registerProcessor('pcm-capture', PcmCapture);
