export {
  AudioFormatError,
  bytesPerSample,
  decodeToPcm16,
  encodeFromPcm16,
  splitChannels,
  interleave,
  pcm16ToFloat32,
  float32ToPcm16,
} from './codecs.js';
export { readWav, writeWav, type DecodedWav } from './wav.js';
export { StreamingResampler, resample } from './resample.js';
