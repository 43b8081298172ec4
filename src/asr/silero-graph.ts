import { readModel, writeModel, type FloatTensor, type NodeSpec, type TensorValue } from './onnx-proto.js';
import { sileroWindow, type SileroRate } from './silero-detector.js';

/**
 * Silero VAD v5 rebuilt for batches: the same weights and the same computation as the published
 * model's branch for a sample rate, with every convolution written as one matrix product over the
 * whole batch.
 *
 * Why: the published graph's 1-D convolutions see only 4 time steps per window, and onnxruntime's
 * CPU convolution runs one small matrix product per batch item (im2col + GEMM of width 4), so a
 * batch of 64 windows cost ≈ 30 µs per window, two thirds of it in the convolutions. Over so few time
 * steps a convolution is a fixed linear map of the whole input: a (C·T_in) × (O·T_out) matrix
 * (Toeplitz, zeros where the kernel does not reach, padding included), so the batch goes through
 * one GEMM per layer, at ≈ 11 µs per window in total. The If nodes, shape arithmetic and
 * Squeeze/Unsqueeze around the recurrent layer go as well. Results agree with the published graph
 * to about 1e-7 (the sums are the same, grouped differently by the GEMM).
 *
 * Inputs `input` [B, window] and `state` [2, B, 128]; outputs `output` [B, 1] and `stateN`.
 */

/** Model-side shape facts of Silero v5 per rate. */
const LAYERS = 4;
const HIDDEN = 128;

interface Conv {
  weight: FloatTensor;
  bias: FloatTensor;
  stride: number;
  pad: number;
}

/**
 * The batched graphs of a model file's bytes, one per sample rate, or null when the file is not the
 * published Silero v5 (its weights or layers are not where that model has them): it then runs as is.
 */
export function batchedSileroGraphs(model: Uint8Array): Map<SileroRate, Uint8Array> | null {
  const { tensors, nodes } = readModel(model);
  const graphs = new Map<SileroRate, Uint8Array>();
  for (const [name, basis] of tensors) {
    if (!name.endsWith('stft.forward_basis_buffer')) continue;
    const prefix = name.slice(0, -'stft.forward_basis_buffer'.length);
    const rate = ({ 128: 8000, 256: 16000 } as Record<number, SileroRate>)[basis.dims[2] ?? 0];
    if (!rate || graphs.has(rate)) return null;
    const tensor = (suffix: string) => tensors.get(prefix + suffix);
    const conv = (suffix: string): Conv | null => {
      const weight = tensor(`${suffix}.weight`);
      const bias = tensor(`${suffix}.bias`);
      const node = nodes.find((n) => n.opType === 'Conv' && n.inputs[1] === prefix + `${suffix}.weight`);
      if (!weight || !bias || !node) return null;
      const pads = node.ints.get('pads') ?? [0, 0];
      if (weight.dims.length !== 3 || pads[0] !== pads[1] || (node.ints.get('dilations') ?? [1])[0] !== 1)
        return null;
      return { weight, bias, stride: node.ints.get('strides')?.[0] ?? 1, pad: pads[0] ?? 0 };
    };
    const encoder = Array.from({ length: LAYERS }, (_, i) => conv(`encoder.${i}.reparam_conv`));
    const lstm = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((w) => tensor(`decoder.rnn.${w}`));
    const head = conv('decoder.decoder.2');
    if (encoder.some((c) => !c) || lstm.some((t) => !t) || !head) return null;
    const graph = build(
      rate,
      basis,
      encoder as Conv[],
      lstm as [FloatTensor, FloatTensor, FloatTensor, FloatTensor],
      head,
    );
    if (!graph) return null;
    graphs.set(rate, graph);
  }
  return graphs.size === 2 ? graphs : null;
}

/**
 * `weight` [O, C, K] applied with `stride` and `pad` to an input of `steps` time steps as a matrix
 * [C·steps, O·stepsOut]: rows in the input's memory order (channel, time), columns in the output's.
 */
function toeplitz(weight: FloatTensor, steps: number, stride: number, pad: number) {
  const [outC = 0, inC = 0, k = 0] = weight.dims;
  const stepsOut = Math.floor((steps + 2 * pad - k) / stride) + 1;
  const m = new Float32Array(inC * steps * outC * stepsOut);
  for (let o = 0; o < outC; o++)
    for (let c = 0; c < inC; c++)
      for (let t = 0; t < stepsOut; t++)
        for (let j = 0; j < k; j++) {
          const ti = t * stride + j - pad;
          if (ti < 0 || ti >= steps) continue;
          m[(c * steps + ti) * outC * stepsOut + o * stepsOut + t] = weight.data[
            (o * inC + c) * k + j
          ] as number;
        }
  return { m, stepsOut, rows: inC * steps, cols: outC * stepsOut };
}

function build(
  rate: SileroRate,
  basis: FloatTensor,
  encoder: Conv[],
  [weightIh, weightHh, biasIh, biasHh]: [FloatTensor, FloatTensor, FloatTensor, FloatTensor],
  head: Conv,
): Uint8Array | null {
  const window = sileroWindow(rate).size;
  const [basisC = 0, , filter = 0] = basis.dims;
  const freqs = basisC / 2;
  // The STFT: reflection padding of filter/4 on the right, hop filter/2 (as the published model).
  const padded = window + filter / 4;
  const nodes: NodeSpec[] = [];
  const initializers = new Map<string, TensorValue>();
  const floats = (name: string, dims: number[], data: Float32Array) => {
    initializers.set(name, { dims, floats: data });
    return name;
  };
  const int64s = (name: string, values: number[]) => {
    initializers.set(name, { dims: [values.length], int64s: values });
    return name;
  };
  const node = (op: string, inputs: string[], output: string, attributes?: NodeSpec['attributes']) => {
    nodes.push({ op, inputs, outputs: [output], ...(attributes ? { attributes } : {}) });
    return output;
  };

  const x = node('Pad', ['input', int64s('stft_pads', [0, 0, 0, filter / 4])], 'padded', { mode: 'reflect' });
  const stft = toeplitz(basis, padded, filter / 2, 0);
  // Real and imaginary halves of the basis are column blocks of the matrix: one product each.
  const half = stft.cols / 2;
  const block = (from: number) => {
    const out = new Float32Array(stft.rows * half);
    for (let r = 0; r < stft.rows; r++)
      out.set(stft.m.subarray(r * stft.cols + from, r * stft.cols + from + half), r * half);
    return out;
  };
  const square = (part: string, from: number) => {
    const p = node('MatMul', [x, floats(`stft_${part}`, [stft.rows, half], block(from))], part);
    return node('Mul', [p, p], `${part}2`);
  };
  let h = node('Sqrt', [node('Add', [square('re', 0), square('im', half)], 'power')], 'magnitude');
  let steps = stft.stepsOut;
  let channels = freqs;
  for (const [i, conv] of encoder.entries()) {
    if (conv.weight.dims[1] !== channels) return null;
    const layer = toeplitz(conv.weight, steps, conv.stride, conv.pad);
    const bias = new Float32Array(layer.cols);
    for (let c = 0; c < layer.cols; c++) bias[c] = conv.bias.data[Math.floor(c / layer.stepsOut)] as number;
    const product = node('MatMul', [h, floats(`enc${i}_w`, [layer.rows, layer.cols], layer.m)], `enc${i}_mm`);
    h = node(
      'Relu',
      [node('Add', [product, floats(`enc${i}_b`, [layer.cols], bias)], `enc${i}_add`)],
      `enc${i}`,
    );
    steps = layer.stepsOut;
    channels = conv.weight.dims[0] ?? 0;
  }
  if (steps !== 1 || channels !== HIDDEN) return null;

  // PyTorch's LSTM gates (i, f, g, o) in ONNX's order (i, o, f, c), as the published graph does.
  const gates = (t: FloatTensor) => {
    const size = t.data.length / 4;
    const g = (n: number) => t.data.subarray(n * size, (n + 1) * size);
    const out = new Float32Array(t.data.length);
    [g(0), g(3), g(1), g(2)].forEach((part, n) => out.set(part, n * size));
    return out;
  };
  const lstmBias = new Float32Array(8 * HIDDEN);
  lstmBias.set(gates(biasIh), 0);
  lstmBias.set(gates(biasHh), 4 * HIDDEN);
  const axis0 = int64s('axis0', [0]);
  const slice = (n: number) =>
    node('Slice', ['state', int64s(`from${n}`, [n]), int64s(`to${n}`, [n + 1]), axis0], `state${n}`);
  nodes.push({
    op: 'LSTM',
    inputs: [
      node('Unsqueeze', [h, axis0], 'sequence'),
      floats('lstm_w', [1, 4 * HIDDEN, HIDDEN], gates(weightIh)),
      floats('lstm_r', [1, 4 * HIDDEN, HIDDEN], gates(weightHh)),
      floats('lstm_b', [1, 8 * HIDDEN], lstmBias),
      '',
      slice(0),
      slice(1),
    ],
    outputs: ['', 'hidden', 'cell'],
    attributes: { hidden_size: HIDDEN },
  });
  node('Concat', ['hidden', 'cell'], 'stateN', { axis: 0 });
  if (head.weight.dims[0] !== 1 || head.weight.dims[1] !== HIDDEN || head.weight.dims[2] !== 1) return null;
  const hidden = node('Relu', [node('Squeeze', ['hidden', axis0], 'hidden2d')], 'hidden_relu');
  const logit = node('MatMul', [hidden, floats('head_w', [HIDDEN, 1], head.weight.data)], 'head_mm');
  node('Sigmoid', [node('Add', [logit, floats('head_b', [1], head.bias.data)], 'logit')], 'output');

  return writeModel({
    nodes,
    initializers,
    inputs: [
      { name: 'input', dims: ['batch', window] },
      { name: 'state', dims: [2, 'batch', HIDDEN] },
    ],
    outputs: [
      { name: 'output', dims: ['batch', 1] },
      { name: 'stateN', dims: [2, 'batch', HIDDEN] },
    ],
    opset: 16,
  });
}
