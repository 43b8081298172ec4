import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asrErrorCode } from './testing/error-code.js';
import { sharedPaths } from '../../test/shared.js';
import { detectOfflineModel, detectOnlineModel, onnxProblem } from './model-folder.js';

const root = mkdtempSync(join(tmpdir(), 'asr-folders-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A folder laid out like a release archive; the files are placeholders, detection reads names only. */
function folder(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  return dir;
}

const TOKENS = '<blk> 0\n你 1\n好 2\n';

describe('streaming model folders', () => {
  it('recognises a zipformer transducer: int8 encoder and joiner with the fp32 decoder', () => {
    const tag = 'epoch-20-avg-1-chunk-16-left-128';
    const dir = folder('sherpa-onnx-streaming-zipformer-multi-zh-hans-2023-12-12', {
      'tokens.txt': TOKENS,
      'bpe.model': '',
      [`encoder-${tag}.onnx`]: '',
      [`encoder-${tag}.int8.onnx`]: '',
      [`decoder-${tag}.onnx`]: '',
      [`decoder-${tag}.int8.onnx`]: '',
      [`joiner-${tag}.onnx`]: '',
      [`joiner-${tag}.int8.onnx`]: '',
    });
    const model = detectOnlineModel(dir);
    expect(model).toMatchObject({
      kind: 'transducer',
      name: 'sherpa-onnx-streaming-zipformer-multi-zh-hans-2023-12-12',
      encoder: join(dir, `encoder-${tag}.int8.onnx`),
      decoder: join(dir, `decoder-${tag}.onnx`),
      joiner: join(dir, `joiner-${tag}.int8.onnx`),
      tokens: join(dir, 'tokens.txt'),
    });
    expect(model.bpeVocab).toBeUndefined();
  });

  it('takes all three files from one export when a folder holds several chunk sizes', () => {
    const files: Record<string, string> = { 'tokens.txt': TOKENS };
    for (const chunk of ['chunk-32', 'chunk-16']) {
      files[`encoder-${chunk}.int8.onnx`] = '';
      files[`decoder-${chunk}.onnx`] = '';
      files[`joiner-${chunk}.int8.onnx`] = '';
    }
    // chunk-16 has no fp32 joiner, chunk-32 has one: still the chunk-16 int8 joiner is taken.
    files['joiner-chunk-32.onnx'] = '';
    const model = detectOnlineModel(folder('two-chunk-sizes', files));
    expect(
      model.kind === 'transducer' &&
        [model.encoder, model.decoder, model.joiner].map((f) => f.split('/').at(-1)),
    ).toEqual(['encoder-chunk-16.int8.onnx', 'decoder-chunk-16.onnx', 'joiner-chunk-16.int8.onnx']);
    const int8Decoder = detectOnlineModel(
      folder('int8-decoder-only', {
        'tokens.txt': TOKENS,
        'encoder.int8.onnx': '',
        'decoder.int8.onnx': '',
        'joiner.int8.onnx': '',
      }),
    );
    expect(int8Decoder.kind === 'transducer' && int8Decoder.decoder.endsWith('decoder.int8.onnx')).toBe(true);
  });

  it('uses the plain export when no int8 file exists, and passes bpe.vocab on', () => {
    const dir = folder('fp32-transducer', {
      'tokens.txt': TOKENS,
      'bpe.vocab': '',
      'encoder-epoch-99-avg-1.onnx': '',
      'decoder-epoch-99-avg-1.onnx': '',
      'joiner-epoch-99-avg-1.onnx': '',
    });
    const model = detectOnlineModel(dir);
    expect(model.kind === 'transducer' && model.encoder).toBe(join(dir, 'encoder-epoch-99-avg-1.onnx'));
    expect(model.bpeVocab).toBe(join(dir, 'bpe.vocab'));
  });

  it('recognises a streaming paraformer (encoder and decoder, no joiner)', () => {
    const dir = folder('sherpa-onnx-streaming-paraformer-bilingual-zh-en', {
      'tokens.txt': TOKENS,
      'encoder.onnx': '',
      'encoder.int8.onnx': '',
      'decoder.onnx': '',
      'decoder.int8.onnx': '',
    });
    expect(detectOnlineModel(dir)).toMatchObject({
      kind: 'paraformer',
      encoder: join(dir, 'encoder.int8.onnx'),
      decoder: join(dir, 'decoder.int8.onnx'),
    });
  });

  it('recognises a zipformer2 CTC model', () => {
    const dir = folder('sherpa-onnx-streaming-zipformer-ctc-multi-zh-hans-2023-12-13', {
      'tokens.txt': TOKENS,
      'ctc-epoch-20-avg-1-chunk-16-left-128.onnx': '',
      'ctc-epoch-20-avg-1-chunk-16-left-128.int8.onnx': '',
    });
    expect(detectOnlineModel(dir)).toMatchObject({
      kind: 'zipformer2-ctc',
      model: join(dir, 'ctc-epoch-20-avg-1-chunk-16-left-128.int8.onnx'),
    });
  });

  it('refuses a missing folder, a folder without tokens.txt, and an incomplete transducer', () => {
    expect(asrErrorCode(() => detectOnlineModel(join(root, 'no-such-model')))).toBe('asr_model_missing');
    const noTokens = folder('no-tokens', { 'encoder.onnx': '', 'decoder.onnx': '', 'joiner.onnx': '' });
    expect(() => detectOnlineModel(noTokens)).toThrow(/has no tokens\.txt/);
    const encoderOnly = folder('encoder-only', { 'tokens.txt': TOKENS, 'encoder.int8.onnx': '' });
    expect(asrErrorCode(() => detectOnlineModel(encoderOnly))).toBe('asr_model_missing');
    expect(() => detectOnlineModel(encoderOnly)).toThrow(/found encoder\.int8\.onnx, tokens\.txt/);
  });

  it('points an offline model given as the streaming model at the right setting', () => {
    const dir = folder('offline-as-online', { 'tokens.txt': TOKENS, 'model.int8.onnx': '' });
    expect(() => detectOnlineModel(dir)).toThrow(/asr\.offlineModelDir/);
  });
});

describe('offline model folders', () => {
  it('recognises SenseVoice by the language tags in its vocabulary', () => {
    const dir = folder('renamed-offline-a', {
      'tokens.txt': '<unk> 0\n<s> 1\n</s> 2\n<|zh|> 3\n<|en|> 4\n',
      'model.onnx': '',
      'model.int8.onnx': '',
    });
    expect(detectOfflineModel(dir)).toMatchObject({
      kind: 'sense-voice',
      model: join(dir, 'model.int8.onnx'),
    });
  });

  it('recognises an offline Paraformer', () => {
    const dir = folder('sherpa-onnx-paraformer-zh-2024-03-09', {
      'tokens.txt': TOKENS,
      'model.int8.onnx': '',
    });
    expect(detectOfflineModel(dir)).toMatchObject({
      kind: 'paraformer',
      name: 'sherpa-onnx-paraformer-zh-2024-03-09',
    });
  });

  it('recognises an offline transducer and refuses a folder with no model', () => {
    const dir = folder('offline-transducer', {
      'tokens.txt': TOKENS,
      'encoder.onnx': '',
      'decoder.onnx': '',
      'joiner.onnx': '',
    });
    expect(detectOfflineModel(dir).kind).toBe('transducer');
    const empty = folder('tokens-only', { 'tokens.txt': TOKENS });
    expect(asrErrorCode(() => detectOfflineModel(empty))).toBe('asr_model_missing');
  });
});

describe('ONNX file check', () => {
  it('accepts a real ONNX model and names what is wrong with placeholders', () => {
    expect(onnxProblem(sharedPaths.vadModel)).toBeNull();
    const dir = folder('placeholders', {
      'empty.onnx': '',
      'pointer.onnx': 'version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 70000000\n',
      'page.onnx': '<html>404</html>',
    });
    expect(onnxProblem(join(dir, 'empty.onnx'))).toMatch(/is empty$/);
    expect(onnxProblem(join(dir, 'pointer.onnx'))).toMatch(/not an ONNX model \(a Git LFS pointer/);
    expect(onnxProblem(join(dir, 'page.onnx'))).toMatch(/not an ONNX model$/);
    expect(onnxProblem(join(dir, 'gone.onnx'))).toMatch(/is missing$/);
  });
});
