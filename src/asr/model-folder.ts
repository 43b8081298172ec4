import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { AsrError } from './errors.js';

/**
 * Recognises which sherpa-onnx model a folder holds from its file names, the way the official
 * release archives are laid out, so an operator only points a setting at the unpacked folder.
 * Quantised `*.int8.onnx` files are preferred when present (smaller, faster on CPU), except a
 * transducer's decoder (see `scan`).
 */
interface ModelFolderBase {
  dir: string;
  /** Folder name: the version recorded with each final. */
  name: string;
  tokens: string;
  /** BPE vocabulary, needed to tokenise hot-words for BPE-based models. */
  bpeVocab?: string;
}

export type OnlineModelFolder = ModelFolderBase &
  (
    | { kind: 'transducer'; encoder: string; decoder: string; joiner: string }
    | { kind: 'paraformer'; encoder: string; decoder: string }
    | { kind: 'zipformer2-ctc'; model: string }
  );

export type OfflineModelFolder = ModelFolderBase &
  (
    | { kind: 'sense-voice'; model: string }
    | { kind: 'paraformer'; model: string }
    | { kind: 'transducer'; encoder: string; decoder: string; joiner: string }
  );

/** Only transducers can be biased with hot-words in sherpa-onnx (modified beam search). */
export function supportsHotwords(folder: OnlineModelFolder | OfflineModelFolder): boolean {
  return folder.kind === 'transducer';
}

interface Listing {
  dir: string;
  files: string[];
}

function list(dir: string, setting: string): Listing {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new AsrError(
      'asr_model_missing',
      `${setting}: model folder ${abs} does not exist (download one with \`hotline-assist models fetch <name>\`)`,
    );
  }
  return { dir: abs, files: readdirSync(abs).filter((f) => statSync(join(abs, f)).isFile()) };
}

/** What tells one export from another in a file name: `encoder-epoch-99.int8.onnx` → `-epoch-99`. */
const stemOf = (file: string) =>
  basename(file)
    .replace(/^(encoder|decoder|joiner)/, '')
    .replace(/(\.int8)?\.onnx$/, '');

/**
 * The file for one role (`encoder`, `ctc`, …) in stable order, from the export `stem` when the
 * folder has it (a folder may hold several chunk sizes), quantised or not as `precision` prefers.
 */
function pick(
  listing: Listing,
  matches: (file: string) => boolean,
  precision: 'int8' | 'fp32',
  stem?: string,
): string | undefined {
  const all = listing.files.filter((f) => f.endsWith('.onnx') && matches(f)).sort();
  const sameExport = all.filter((f) => stemOf(f) === stem);
  const candidates = sameExport.length ? sameExport : all;
  const int8 = candidates.find((f) => f.endsWith('.int8.onnx'));
  const fp32 = candidates.find((f) => !f.endsWith('.int8.onnx'));
  const chosen = precision === 'int8' ? (int8 ?? fp32) : (fp32 ?? int8);
  return chosen === undefined ? undefined : join(listing.dir, chosen);
}

const startsWith = (prefix: string) => (file: string) => file.startsWith(prefix);

function base(listing: Listing, setting: string): ModelFolderBase {
  if (!listing.files.includes('tokens.txt')) {
    throw new AsrError('asr_model_missing', `${setting}: model folder ${listing.dir} has no tokens.txt`);
  }
  return {
    dir: listing.dir,
    name: basename(listing.dir),
    tokens: join(listing.dir, 'tokens.txt'),
    ...(listing.files.includes('bpe.vocab') ? { bpeVocab: join(listing.dir, 'bpe.vocab') } : {}),
  };
}

function found(listing: Listing): string {
  return listing.files.length ? listing.files.join(', ') : 'nothing';
}

/**
 * What both detectors read first: the folder, its tokens, and the encoder/decoder/joiner files if
 * any. A transducer loads the int8 encoder and joiner with the fp32 decoder, as upstream's examples
 * pair them; a paraformer is int8 throughout.
 */
function scan(dir: string, setting: string) {
  const listing = list(dir, setting);
  const encoder = pick(listing, startsWith('encoder'), 'int8');
  const stem = encoder === undefined ? undefined : stemOf(encoder);
  const joiner = pick(listing, startsWith('joiner'), 'int8', stem);
  return {
    listing,
    common: base(listing, setting),
    encoder,
    decoder: pick(listing, startsWith('decoder'), joiner ? 'fp32' : 'int8', stem),
    joiner,
  };
}

/** A streaming model for `sherpa-online` and the partials of `two-pass`. */
export function detectOnlineModel(dir: string, setting = 'asr.modelDir'): OnlineModelFolder {
  const { listing, common, encoder, decoder, joiner } = scan(dir, setting);
  if (encoder && decoder && joiner) return { ...common, kind: 'transducer', encoder, decoder, joiner };
  if (encoder && decoder && !joiner) return { ...common, kind: 'paraformer', encoder, decoder };
  const ctc = pick(listing, (f) => f.includes('ctc'), 'int8');
  if (ctc) return { ...common, kind: 'zipformer2-ctc', model: ctc };
  const offlineHint = pick(listing, startsWith('model'), 'int8')
    ? ' It looks like an offline (non-streaming) model: use it as asr.offlineModelDir with the two-pass engine.'
    : '';
  throw new AsrError(
    'asr_model_missing',
    `${setting}: no streaming model in ${listing.dir}: need encoder*/decoder*/joiner*.onnx (transducer), ` +
      `encoder*/decoder*.onnx (paraformer) or *ctc*.onnx (zipformer2 CTC); found ${found(listing)}.${offlineHint}`,
  );
}

/** SenseVoice's vocabulary carries its language tags; a Paraformer's does not. */
function isSenseVoice(listing: Listing, tokens: string): boolean {
  return /sense-?voice/i.test(basename(listing.dir)) || readFileSync(tokens, 'utf8').includes('<|zh|>');
}

/** A non-streaming model for the finals of `two-pass`, run once per VAD segment. */
export function detectOfflineModel(dir: string, setting = 'asr.offlineModelDir'): OfflineModelFolder {
  const { listing, common, encoder, decoder, joiner } = scan(dir, setting);
  if (encoder && decoder && joiner) return { ...common, kind: 'transducer', encoder, decoder, joiner };
  const model = pick(listing, startsWith('model'), 'int8');
  if (model) {
    return isSenseVoice(listing, common.tokens)
      ? { ...common, kind: 'sense-voice', model }
      : { ...common, kind: 'paraformer', model };
  }
  throw new AsrError(
    'asr_model_missing',
    `${setting}: no offline model in ${listing.dir}: need model*.onnx (SenseVoice or Paraformer) or ` +
      `encoder*/decoder*/joiner*.onnx (transducer) beside tokens.txt; found ${found(listing)}`,
  );
}

/**
 * Why `file` cannot be an ONNX model, or null. An ONNX file is a protobuf ModelProto whose first
 * field is `ir_version` (tag byte 0x08). Checked before handing files to sherpa-onnx because
 * onnxruntime aborts the whole process on an unreadable streaming model; the usual culprits are
 * empty files, Git LFS pointer files and HTML error pages saved under a model's name.
 */
export function onnxProblem(file: string): string | null {
  if (!existsSync(file)) return `${file} is missing`;
  const head = Buffer.alloc(64);
  const fd = openSync(file, 'r');
  let read: number;
  try {
    read = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (read === 0) return `${file} is empty`;
  if (head[0] === 0x08) return null;
  const text = head.subarray(0, read).toString('utf8');
  const hint = text.startsWith('version https://git-lfs') ? ' (a Git LFS pointer, not the weights)' : '';
  return `${file} is not an ONNX model${hint}`;
}

/** The ONNX files a detected folder will load. */
export function modelFiles(folder: OnlineModelFolder | OfflineModelFolder): string[] {
  switch (folder.kind) {
    case 'transducer':
      return [folder.encoder, folder.decoder, folder.joiner];
    case 'paraformer':
      return 'encoder' in folder ? [folder.encoder, folder.decoder] : [folder.model];
    default:
      return [folder.model];
  }
}

/** First problem among a folder's ONNX files, or null when all look like models. */
export function folderProblem(folder: OnlineModelFolder | OfflineModelFolder): string | null {
  for (const file of modelFiles(folder)) {
    const problem = onnxProblem(file);
    if (problem) return problem;
  }
  return null;
}
