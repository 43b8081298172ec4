import { basename } from 'node:path';
import { AsrError } from './errors.js';
import { onnxProblem, type OfflineModelFolder, type OnlineModelFolder } from './model-folder.js';
import { hotwordUnitProblem, readTokenTable, type TokenTable } from './model-tokens.js';
import { OnnxFormatError, readOnnxSummary, type OnnxSummary } from './onnx-reader.js';

/**
 * Checks a detected model folder the way sherpa-onnx-node 1.13 will read it, before any file
 * reaches the native addon: a metadata key it needs that is missing or malformed ends the whole
 * process there (`SHERPA_ONNX_EXIT`), and a vocabulary shorter than the model's output, a
 * Paraformer without `</s>` or a decoder with two outputs crash it later. Here each is one line
 * naming the file and the key, with the stable code `asr_model_invalid`.
 */
type ModelFolder = OnlineModelFolder | OfflineModelFolder;

/** How sherpa-onnx parses a metadata value: atoi ≥ 0, comma-separated integers or floats, or a name. */
type Rule = 'int' | 'ints' | 'floats' | readonly string[];

const FEATURE_DIM = 80;
const INT = /^\s*\d+\s*$/;
const INTS = /^\s*\d+(\s*,\s*\d+)*\s*,?\s*$/;
const FLOAT = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

function ruleProblem(value: string | undefined, rule: Rule): string | null {
  if (value === undefined || value === '') return 'is missing';
  if (Array.isArray(rule))
    return rule.includes(value) ? null : `is "${value}", expected one of ${rule.join(', ')}`;
  if (rule === 'int') return INT.test(value) ? null : `is "${value}", expected a non-negative integer`;
  if (rule === 'ints')
    return INTS.test(value) ? null : `is "${value.slice(0, 40)}", expected integers separated by commas`;
  const bad = value.split(',').find((v) => v.trim() !== '' && !FLOAT.test(v));
  return bad === undefined ? null : `has "${bad.slice(0, 20)}", expected numbers separated by commas`;
}

const ints = (meta: Map<string, string>, key: string) =>
  (meta.get(key) ?? '')
    .split(',')
    .filter((v) => v.trim() !== '')
    .map(Number);
const count = (meta: Map<string, string>, key: string) => ints(meta, key).length;

const ZIPFORMER2_ENCODER: Record<string, Rule> = {
  encoder_dims: 'ints',
  query_head_dims: 'ints',
  value_head_dims: 'ints',
  num_heads: 'ints',
  num_encoder_layers: 'ints',
  cnn_module_kernels: 'ints',
  left_context_len: 'ints',
  T: 'int',
  decode_chunk_len: 'int',
};

/** Encoder metadata each streaming transducer type reads (online-*-transducer-model.cc). */
const ONLINE_ENCODERS: Record<string, Record<string, Rule>> = {
  zipformer2: ZIPFORMER2_ENCODER,
  zipformer: {
    encoder_dims: 'ints',
    attention_dims: 'ints',
    num_encoder_layers: 'ints',
    cnn_module_kernels: 'ints',
    left_context_len: 'ints',
    T: 'int',
    decode_chunk_len: 'int',
  },
  conformer: {
    num_encoder_layers: 'int',
    T: 'int',
    decode_chunk_len: 'int',
    left_context: 'int',
    encoder_dim: 'int',
    pad_length: 'int',
    cnn_module_kernel: 'int',
  },
  lstm: {
    num_encoder_layers: 'int',
    T: 'int',
    decode_chunk_len: 'int',
    rnn_hidden_size: 'int',
    d_model: 'int',
  },
  ebranchformer: {
    decode_chunk_len: 'int',
    T: 'int',
    num_hidden_layers: 'int',
    hidden_size: 'int',
    intermediate_size: 'int',
    csgu_kernel_size: 'int',
    merge_conv_kernel: 'int',
    left_context_len: 'int',
    num_heads: 'int',
    head_dim: 'int',
  },
};

const LFR: Record<string, Rule> = {
  vocab_size: 'int',
  lfr_window_size: 'int',
  lfr_window_shift: 'int',
  neg_mean: 'floats',
  inv_stddev: 'floats',
};

const SENSE_VOICE: Record<string, Rule> = {
  ...LFR,
  normalize_samples: 'int',
  with_itn: 'int',
  without_itn: 'int',
  lang_auto: 'int',
  lang_zh: 'int',
  lang_en: 'int',
  lang_ja: 'int',
  lang_ko: 'int',
  lang_yue: 'int',
};

const TRANSDUCER_DECODER: Record<string, Rule> = { vocab_size: 'int', context_size: 'int' };

/** One file's expectations: metadata, and how many inputs/outputs onnxruntime will be asked for. */
interface FileExpectation {
  file: string;
  what: string;
  rules: (meta: Map<string, string>) => Record<string, Rule>;
  inputs?: (meta: Map<string, string>) => number;
  outputs?: (meta: Map<string, string>) => number[];
  /** Further checks once the rules hold: the first problem, or null. */
  extra?: (meta: Map<string, string>, tokens: TokenTable) => string | null;
}

/** zipformer2's per-stack lists must have one entry per stack; states are 6 per layer plus 2. */
function zipformer2Consistency(meta: Map<string, string>): string | null {
  const stacks = count(meta, 'encoder_dims');
  const uneven = Object.keys(ZIPFORMER2_ENCODER).find(
    (key) => ZIPFORMER2_ENCODER[key] === 'ints' && count(meta, key) !== stacks,
  );
  return uneven ? `metadata '${uneven}' has ${count(meta, uneven)} entries, 'encoder_dims' ${stacks}` : null;
}

const zipformer2States = (meta: Map<string, string>) =>
  6 * ints(meta, 'num_encoder_layers').reduce((a, b) => a + b, 0) + 2;

/** CMVN vectors cover one LFR frame: lfr_window_size × 80 features. */
function cmvnLength(meta: Map<string, string>): string | null {
  const expected = Number(meta.get('lfr_window_size')) * FEATURE_DIM;
  for (const key of ['neg_mean', 'inv_stddev']) {
    if (count(meta, key) !== expected) {
      return `metadata '${key}' has ${count(meta, key)} values, expected lfr_window_size × ${FEATURE_DIM} = ${expected}`;
    }
  }
  return null;
}

/** The model writes token ids below vocab_size; tokens.txt must name every one of them. */
function vocabulary(meta: Map<string, string>, tokens: TokenTable): string | null {
  const size = Number(meta.get('vocab_size'));
  return tokens.size < size ? `vocab_size is ${size} but tokens.txt lists only ${tokens.size} tokens` : null;
}

const both =
  (...checks: ((m: Map<string, string>, t: TokenTable) => string | null)[]) =>
  (meta: Map<string, string>, tokens: TokenTable) => {
    for (const check of checks) {
      const problem = check(meta, tokens);
      if (problem) return problem;
    }
    return null;
  };

function transducerFiles(
  folder: { encoder: string; decoder: string; joiner: string },
  encoders: Record<string, Record<string, Rule>>,
  streaming: boolean,
): FileExpectation[] {
  const types = Object.keys(encoders);
  return [
    {
      file: folder.encoder,
      what: `${streaming ? 'streaming' : 'offline'} transducer encoder`,
      rules: (meta) => ({ model_type: types, ...(encoders[meta.get('model_type') ?? ''] ?? {}) }),
      ...(streaming
        ? {
            // zipformer2: features + states in, encoder_out + states out.
            inputs: (meta) => (meta.get('model_type') === 'zipformer2' ? 1 + zipformer2States(meta) : -1),
            outputs: (meta) => (meta.get('model_type') === 'zipformer2' ? [1 + zipformer2States(meta)] : []),
            extra: (meta) => (meta.get('model_type') === 'zipformer2' ? zipformer2Consistency(meta) : null),
          }
        : {}),
    },
    {
      file: folder.decoder,
      what: 'transducer decoder',
      rules: () => TRANSDUCER_DECODER,
      inputs: () => 1,
      // Two outputs would make sherpa-onnx treat it as a NeMo transducer.
      outputs: () => [1],
      extra: vocabulary,
    },
    {
      file: folder.joiner,
      what: 'transducer joiner',
      rules: () => ({}),
      inputs: () => 2,
      outputs: () => [1],
    },
  ];
}

/** Offline transducers only need to be of a type the offline recognizer knows. */
const OFFLINE_ENCODERS = { conformer: {}, zipformer: {}, zipformer2: {} };

function expectations(folder: ModelFolder, streaming: boolean): FileExpectation[] {
  switch (folder.kind) {
    case 'transducer':
      return transducerFiles(folder, streaming ? ONLINE_ENCODERS : OFFLINE_ENCODERS, streaming);
    case 'paraformer':
      if ('encoder' in folder) {
        return [
          {
            file: folder.encoder,
            what: 'streaming paraformer encoder',
            rules: () => ({
              ...LFR,
              encoder_output_size: 'int',
              decoder_num_blocks: 'int',
              decoder_kernel_size: 'int',
            }),
            extra: both(cmvnLength, vocabulary),
          },
          { file: folder.decoder, what: 'streaming paraformer decoder', rules: () => ({}) },
        ];
      }
      return [
        {
          file: folder.model,
          what: 'Paraformer model',
          rules: () => LFR,
          inputs: () => 2,
          outputs: () => [2, 4],
          extra: both(cmvnLength, vocabulary, (_meta, tokens) =>
            tokens.ids.has('</s>') ? null : 'tokens.txt has no </s> (the Paraformer end of sentence)',
          ),
        },
      ];
    case 'zipformer2-ctc':
      return [
        {
          file: folder.model,
          what: 'zipformer2 CTC model',
          rules: () => ZIPFORMER2_ENCODER,
          inputs: (meta) => 1 + zipformer2States(meta),
          extra: zipformer2Consistency,
        },
      ];
    case 'sense-voice':
      return [
        {
          file: folder.model,
          what: 'SenseVoice model',
          // FunASR-nano exports (comment "…Nano…") take features only and carry no tags.
          rules: (meta) => ((meta.get('comment') ?? '').includes('Nano') ? LFR : SENSE_VOICE),
          inputs: (meta) => ((meta.get('comment') ?? '').includes('Nano') ? 1 : 4),
          extra: both(cmvnLength, vocabulary),
        },
      ];
  }
}

async function fileProblem(expect: FileExpectation, tokens: TokenTable): Promise<string | null> {
  const name = basename(expect.file);
  const headProblem = onnxProblem(expect.file);
  if (headProblem) return headProblem;
  let summary: OnnxSummary;
  try {
    summary = await readOnnxSummary(expect.file);
  } catch (err) {
    if (err instanceof OnnxFormatError) return `${name} ${err.message}`;
    throw err;
  }
  const meta = summary.metadata;
  for (const [key, rule] of Object.entries(expect.rules(meta))) {
    const problem = ruleProblem(meta.get(key), rule);
    if (problem) return `${name}: metadata '${key}' ${problem} (sherpa-onnx needs it in a ${expect.what})`;
  }
  const inputs = expect.inputs?.(meta) ?? -1;
  if (inputs >= 0 && summary.inputs.length !== inputs) {
    return `${name} has ${summary.inputs.length} inputs, a ${expect.what} has ${inputs}`;
  }
  const outputs = expect.outputs?.(meta) ?? [];
  if (outputs.length > 0 && !outputs.includes(summary.outputs.length)) {
    return `${name} has ${summary.outputs.length} outputs, a ${expect.what} has ${outputs.join(' or ')}`;
  }
  const extra = expect.extra?.(meta, tokens);
  return extra ? `${name}: ${extra}` : null;
}

/** What `models check` reports about a folder, and what engine loading refuses on. */
export interface ModelFolderReport {
  folder: ModelFolder;
  tokens: TokenTable;
  /** Problems that stop sherpa-onnx from loading it, first one first. */
  problems: string[];
  /** Why hot-words will not (fully) work, or null. */
  hotwordUnits: string | null;
}

export async function inspectModelFolder(
  folder: ModelFolder,
  streaming: boolean,
): Promise<ModelFolderReport> {
  const tokens = readTokenTable(folder.tokens);
  const problems: string[] = [];
  if (tokens.symbols.length === 0) problems.push('tokens.txt is empty');
  for (const expect of expectations(folder, streaming)) {
    const problem = await fileProblem(expect, tokens);
    if (problem) problems.push(problem);
  }
  return {
    folder,
    tokens,
    problems,
    hotwordUnits: hotwordUnitProblem(tokens, folder.bpeVocab !== undefined),
  };
}

/** Refuses a folder sherpa-onnx would exit or crash on, before it sees any file of it. */
export async function assertModelUsable(folder: ModelFolder, streaming: boolean): Promise<ModelFolderReport> {
  const report = await inspectModelFolder(folder, streaming);
  const [first, ...more] = report.problems;
  if (first !== undefined) {
    const rest = more.length ? ` (and ${more.length} more problem${more.length > 1 ? 's' : ''})` : '';
    throw new AsrError('asr_model_invalid', `cannot load ${folder.dir}: ${first}${rest}`);
  }
  return report;
}
