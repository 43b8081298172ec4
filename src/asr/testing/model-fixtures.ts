import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataType, encodeModel, type Model, type Node, type Tensor, type ValueInfo } from './onnx-writer.js';

/**
 * TEST FIXTURES — tiny ONNX models shaped like the sherpa-onnx release models (same inputs,
 * outputs and metadata as sherpa-onnx-node 1.13 reads them) but with a few hand-set weights instead
 * of training: they "recognise" which frequency band is loud, nothing else. They exist so the real
 * native engines (feature extraction, LFR/CMVN, CTC and transducer search, hot-words) run in the
 * test suite; they are never offered as a model for a deployment.
 *
 * What every fixture does, on 80-bin log-mel features:
 *   low band  (≈150–650 Hz,  e.g. a 300 Hz tone)   → 软
 *   high band (≈1.8–3.7 kHz, e.g. a 3 kHz tone)    → 件
 *   neither louder (silence, flat noise)           → nothing
 * A token is emitted once per stretch of its band (CTC collapse, or the transducer decoder
 * suppressing a repeat), so "low tone, pause, high tone" (`CHECK_SIGNAL`) reads 软件 — Simplified,
 * as a mainland model writes it. The Paraformer shape gives one token for the segment: the band
 * that was loudest anywhere in it. The streaming transducer also has 台 and 北, each one nat below 软 and 件 on
 * the same bands: greedy search never picks them, a hot-word 台北 (context score) does.
 */

const MEL_BINS = 80;
const mel = (hz: number) => 1127 * Math.log(1 + hz / 700);

/** Mel filter-bank bins whose centres fall within [fromHz, toHz] (kaldi layout, 20 Hz … 7.6 kHz). */
function bins(fromHz: number, toHz: number): number[] {
  const low = mel(20);
  const step = (mel(7600) - low) / (MEL_BINS + 1);
  const out: number[] = [];
  for (let k = 0; k < MEL_BINS; k++) {
    const centre = low + (k + 1) * step;
    if (centre >= mel(fromHz) && centre <= mel(toHz)) out.push(k);
  }
  return out;
}

const LOW_BAND = bins(150, 650);
const HIGH_BAND = bins(1800, 3700);

/** Logit per log-mel unit by which the token's band (mean) is louder than the other band. */
const GAIN = 5;
/**
 * Logit below blank when both bands are equal. Large, so that silence is blank with near certainty
 * and beam search gains nothing by emitting there; a tone's band difference (≈ 8–10) clears it.
 */
const MARGIN = 20;
/** How far (nats) a shadow token (台, 北) sits below the token of the same band. */
const SHADOW_GAP = 1;
/** Transducer decoder: a token just emitted makes its band's tokens this much less likely. */
const REPEAT_PENALTY = 1000;
/** Tokens that must never win (language tags, end of sentence). */
const NEVER = -100;

type Band = 'low' | 'high';

interface TokenSpec {
  token: string;
  /** The band that raises it; undefined = blank or a tag with its own bias. */
  band?: Band;
  bias: number;
}

/** Column `id` of a [frames × 80, V] weight matrix: +mean of the token's band, −mean of the other. */
function bandWeights(spec: TokenSpec, frames: number): number[] {
  const column = new Array<number>(frames * MEL_BINS).fill(0);
  if (!spec.band) return column;
  const [plus, minus] = spec.band === 'low' ? [LOW_BAND, HIGH_BAND] : [HIGH_BAND, LOW_BAND];
  for (let f = 0; f < frames; f++) {
    for (const k of plus) column[f * MEL_BINS + k] = GAIN / (plus.length * frames);
    for (const k of minus) column[f * MEL_BINS + k] = -GAIN / (minus.length * frames);
  }
  return column;
}

/** Row-major [frames × 80, V] weights and [V] biases for `specs`. */
function projection(specs: readonly TokenSpec[], frames: number, name: string): Tensor[] {
  const columns = specs.map((s) => bandWeights(s, frames));
  const rows = frames * MEL_BINS;
  const weights = new Float32Array(rows * specs.length);
  for (let r = 0; r < rows; r++) {
    for (let v = 0; v < specs.length; v++) weights[r * specs.length + v] = columns[v]?.[r] ?? 0;
  }
  return [
    { name: `${name}_weight`, dims: [rows, specs.length], type: 'float', values: weights },
    { name: `${name}_bias`, dims: [specs.length], type: 'float', values: specs.map((s) => s.bias) },
  ];
}

/** MatMul + Add: `input` [N, T, rows] → `output` [N, T, V]. */
function projectionNodes(input: string, output: string, name: string): Node[] {
  return [
    { op: 'MatMul', inputs: [input, `${name}_weight`], outputs: [`${name}_matmul`] },
    { op: 'Add', inputs: [`${name}_matmul`, `${name}_bias`], outputs: [output] },
  ];
}

function tokensFile(specs: readonly TokenSpec[]): string {
  return specs.map((s, id) => `${s.token} ${id}\n`).join('');
}

/** Lets a test write a broken variant: metadata of the main ONNX file left out or replaced. */
export interface FixtureOptions {
  omitMetadata?: readonly string[];
  setMetadata?: Readonly<Record<string, string>>;
}

function edited(metadata: Model['metadata'], options: FixtureOptions): Model['metadata'] {
  const kept = Object.entries(metadata).filter(([key]) => !options.omitMetadata?.includes(key));
  return { ...Object.fromEntries(kept), ...options.setMetadata };
}

function write(dir: string, files: Record<string, Uint8Array | string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  return dir;
}

const LFR_WINDOW = 7;
const LFR_FEATURES = LFR_WINDOW * MEL_BINS;
/** CMVN that changes nothing: the fixtures' weights are set on raw log-mel values. */
const identityCmvn = {
  neg_mean: new Array(LFR_FEATURES).fill('0').join(','),
  inv_stddev: new Array(LFR_FEATURES).fill('1').join(','),
};

const SENSE_VOICE_TOKENS: TokenSpec[] = [
  { token: '<blank>', bias: 0 },
  { token: '<|zh|>', bias: NEVER },
  { token: '<|NEUTRAL|>', bias: NEVER },
  { token: '<|Speech|>', bias: NEVER },
  { token: '<|woitn|>', bias: NEVER },
  { token: '软', band: 'low', bias: -MARGIN },
  { token: '件', band: 'high', bias: -MARGIN },
];

/**
 * A SenseVoice-shaped offline model: inputs x [N, T, 560] (LFR 7×80), x_length, language, text_norm;
 * output logits [N, 4 + T, V] whose 4 first rows are the language/emotion/event/ITN tags SenseVoice
 * puts before the text (sherpa-onnx drops them), then one row per LFR frame, CTC-decoded.
 */
export function writeSenseVoiceFixture(dir: string, options: FixtureOptions = {}): string {
  const V = SENSE_VOICE_TOKENS.length;
  const prefix = new Float32Array(4 * V).fill(NEVER);
  for (let row = 0; row < 4; row++) prefix[row * V + row + 1] = 10;
  const model: Model = {
    name: 'sense-voice-fixture',
    nodes: [
      ...projectionNodes('x', 'body', 'proj'),
      // [N, 1, 1] zeros, broadcast against the [4, V] tag rows so they get the batch dimension.
      { op: 'ReduceMean', inputs: ['x'], outputs: ['x_mean'], attributes: [{ name: 'axes', ints: [1, 2] }] },
      { op: 'Mul', inputs: ['x_mean', 'zero'], outputs: ['batch_zeros'] },
      { op: 'Add', inputs: ['batch_zeros', 'tag_rows'], outputs: ['tags'] },
      { op: 'Concat', inputs: ['tags', 'body'], outputs: ['logits'], attributes: [{ name: 'axis', int: 1 }] },
    ],
    initializers: [
      ...projection(SENSE_VOICE_TOKENS, LFR_WINDOW, 'proj'),
      { name: 'zero', dims: [], type: 'float', values: [0] },
      { name: 'tag_rows', dims: [4, V], type: 'float', values: prefix },
    ],
    inputs: [
      { name: 'x', type: DataType.float, dims: ['N', 'T', LFR_FEATURES] },
      { name: 'x_length', type: DataType.int32, dims: ['N'] },
      { name: 'language', type: DataType.int32, dims: ['N'] },
      { name: 'text_norm', type: DataType.int32, dims: ['N'] },
    ],
    outputs: [{ name: 'logits', type: DataType.float, dims: ['N', 'T4', V] }],
    metadata: edited(
      {
        model_type: 'sense_voice_ctc',
        vocab_size: V,
        blank_id: 0,
        lfr_window_size: LFR_WINDOW,
        lfr_window_shift: 6,
        normalize_samples: 0,
        with_itn: 14,
        without_itn: 15,
        lang_auto: 0,
        lang_zh: 3,
        lang_en: 4,
        lang_ja: 11,
        lang_ko: 12,
        lang_yue: 7,
        ...identityCmvn,
      },
      options,
    ),
  };
  return write(dir, { 'model.onnx': encodeModel(model), 'tokens.txt': tokensFile(SENSE_VOICE_TOKENS) });
}

const PARAFORMER_TOKENS: TokenSpec[] = [
  { token: '<blank>', bias: NEVER },
  { token: '<s>', bias: NEVER },
  { token: '</s>', bias: -1 },
  { token: '软', band: 'low', bias: -MARGIN },
  { token: '件', band: 'high', bias: -MARGIN },
];

/**
 * A Paraformer-shaped offline model: speech [N, T, 560], speech_lengths → logits [N, 1, V] (the
 * highest score of each token over the segment: the band loudest anywhere in it, or </s> for none)
 * and token_num.
 */
export function writeParaformerFixture(dir: string): string {
  const V = PARAFORMER_TOKENS.length;
  const model: Model = {
    name: 'paraformer-fixture',
    nodes: [
      ...projectionNodes('speech', 'frame_logits', 'proj'),
      {
        op: 'ReduceMax',
        inputs: ['frame_logits'],
        outputs: ['logits'],
        attributes: [{ name: 'axes', ints: [1] }],
      },
      { op: 'Identity', inputs: ['speech_lengths'], outputs: ['token_num'] },
    ],
    initializers: projection(PARAFORMER_TOKENS, LFR_WINDOW, 'proj'),
    inputs: [
      { name: 'speech', type: DataType.float, dims: ['N', 'T', LFR_FEATURES] },
      { name: 'speech_lengths', type: DataType.int32, dims: ['N'] },
    ],
    outputs: [
      { name: 'logits', type: DataType.float, dims: ['N', 1, V] },
      { name: 'token_num', type: DataType.int32, dims: ['N'] },
    ],
    metadata: {
      vocab_size: V,
      lfr_window_size: LFR_WINDOW,
      lfr_window_shift: 6,
      ...identityCmvn,
    },
  };
  return write(dir, { 'model.onnx': encodeModel(model), 'tokens.txt': tokensFile(PARAFORMER_TOKENS) });
}

const TRANSDUCER_TOKENS: TokenSpec[] = [
  { token: '<blk>', bias: 0 },
  { token: '软', band: 'low', bias: -MARGIN },
  { token: '件', band: 'high', bias: -MARGIN },
  { token: '台', band: 'low', bias: -MARGIN - SHADOW_GAP },
  { token: '北', band: 'high', bias: -MARGIN - SHADOW_GAP },
];

/** Frames per encoder chunk (metadata `T` and `decode_chunk_len`): 80 ms. */
const CHUNK = 8;

/** The zipformer2 encoder's cached states for one stack of one layer, as sherpa-onnx builds them. */
function zipformer2States(): ValueInfo[] {
  const f = DataType.float;
  return [
    { name: 'cached_key_0', type: f, dims: [2, 'N', 2] },
    { name: 'cached_nonlin_attn_0', type: f, dims: [1, 'N', 2, 3] },
    { name: 'cached_val1_0', type: f, dims: [2, 'N', 2] },
    { name: 'cached_val2_0', type: f, dims: [2, 'N', 2] },
    { name: 'cached_conv1_0', type: f, dims: ['N', 4, 1] },
    { name: 'cached_conv2_0', type: f, dims: ['N', 4, 1] },
    { name: 'embed_states', type: f, dims: ['N', 128, 3, 19] },
    { name: 'processed_lens', type: DataType.int64, dims: ['N'] },
  ];
}

function transducerEncoder(options: FixtureOptions): Model {
  const V = TRANSDUCER_TOKENS.length;
  const states = zipformer2States();
  return {
    name: 'zipformer2-encoder-fixture',
    nodes: [
      ...projectionNodes('x', 'encoder_out', 'proj'),
      // The states only pass through: the fixture has no memory beyond its decoder's last token.
      ...states.map((s): Node => ({ op: 'Identity', inputs: [s.name], outputs: [`new_${s.name}`] })),
    ],
    initializers: projection(TRANSDUCER_TOKENS, 1, 'proj'),
    inputs: [{ name: 'x', type: DataType.float, dims: ['N', CHUNK, MEL_BINS] }, ...states],
    outputs: [
      { name: 'encoder_out', type: DataType.float, dims: ['N', CHUNK, V] },
      ...states.map((s) => ({ ...s, name: `new_${s.name}` })),
    ],
    // Dimensions consistent with zipformer2States(): key 2×1, nonlin 3·4/4, conv kernel 3/2.
    metadata: edited(
      {
        model_type: 'zipformer2',
        encoder_dims: '4',
        query_head_dims: '2',
        value_head_dims: '2',
        num_heads: '1',
        num_encoder_layers: '1',
        cnn_module_kernels: '3',
        left_context_len: '2',
        T: CHUNK,
        decode_chunk_len: CHUNK,
      },
      options,
    ),
  };
}

/** Embedding of the last context token: −REPEAT_PENALTY on every token of that token's band. */
function transducerDecoder(metadata: Model['metadata']): Model {
  const V = TRANSDUCER_TOKENS.length;
  const embedding = new Float32Array(V * V);
  TRANSDUCER_TOKENS.forEach((last, row) => {
    TRANSDUCER_TOKENS.forEach((next, col) => {
      if (last.band && last.band === next.band) embedding[row * V + col] = -REPEAT_PENALTY;
    });
  });
  return {
    name: 'decoder-fixture',
    nodes: [
      { op: 'Slice', inputs: ['y', 'last_start', 'last_end', 'last_axis'], outputs: ['y_last'] },
      { op: 'Gather', inputs: ['embedding', 'y_last'], outputs: ['embedded'] },
      {
        op: 'Flatten',
        inputs: ['embedded'],
        outputs: ['decoder_out'],
        attributes: [{ name: 'axis', int: 1 }],
      },
    ],
    initializers: [
      { name: 'embedding', dims: [V, V], type: 'float', values: embedding },
      { name: 'last_start', dims: [1], type: 'int64', values: [1] },
      { name: 'last_end', dims: [1], type: 'int64', values: [2] },
      { name: 'last_axis', dims: [1], type: 'int64', values: [1] },
    ],
    inputs: [{ name: 'y', type: DataType.int64, dims: ['N', 2] }],
    outputs: [{ name: 'decoder_out', type: DataType.float, dims: ['N', V] }],
    metadata,
  };
}

function transducerJoiner(): Model {
  const V = TRANSDUCER_TOKENS.length;
  return {
    name: 'joiner-fixture',
    nodes: [{ op: 'Add', inputs: ['encoder_out', 'decoder_out'], outputs: ['logit'] }],
    initializers: [],
    inputs: [
      { name: 'encoder_out', type: DataType.float, dims: ['N', V] },
      { name: 'decoder_out', type: DataType.float, dims: ['N', V] },
    ],
    outputs: [{ name: 'logit', type: DataType.float, dims: ['N', V] }],
    metadata: {},
  };
}

/**
 * A zipformer2-shaped streaming transducer laid out like the release archives: int8 encoder and
 * joiner, and both decoders — the fp32 one sherpa-onnx pairs with int8 encoders, and an int8 one
 * that is deliberately unusable (no `context_size`), so picking it is a load error.
 */
export function writeStreamingTransducerFixture(dir: string, options: FixtureOptions = {}): string {
  const tag = 'fixture-chunk-8';
  const decoderMetadata = { vocab_size: TRANSDUCER_TOKENS.length, context_size: 2 };
  return write(dir, {
    [`encoder-${tag}.int8.onnx`]: encodeModel(transducerEncoder(options)),
    [`decoder-${tag}.onnx`]: encodeModel(transducerDecoder(decoderMetadata)),
    [`decoder-${tag}.int8.onnx`]: encodeModel(transducerDecoder({ vocab_size: TRANSDUCER_TOKENS.length })),
    [`joiner-${tag}.int8.onnx`]: encodeModel(transducerJoiner()),
    'tokens.txt': tokensFile(TRANSDUCER_TOKENS),
  });
}
