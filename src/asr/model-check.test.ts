import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/shared.js';
import { checkModelDir, describeModelCheck } from './model-check.js';
import { rejection } from './testing/error-code.js';
import { AsrError } from './errors.js';
import {
  writeParaformerFixture,
  writeSenseVoiceFixture,
  writeStreamingTransducerFixture,
} from './testing/model-fixtures.js';

/** `models check` on generated MODEL FIXTURES (testing/model-fixtures.ts): they read the check signal as 软件. */
const root = mkdtempSync(join(tmpdir(), 'asr-model-check-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const settings = { numThreads: 1, provider: 'cpu' };

describe('checking a model folder', () => {
  it('detects the type, checks every file and decodes the check signal through the engine', async () => {
    const streaming = await checkModelDir(
      writeStreamingTransducerFixture(join(root, 'fixture-streaming')),
      settings,
    );
    expect(streaming).toMatchObject({
      streaming: true,
      setting: 'HOTLINE_ASR_MODEL_DIR',
      tokens: 5,
      script: 'simplified',
      hotwords: null,
      decoded: { text: '軟件' },
    });
    const offline = await checkModelDir(writeSenseVoiceFixture(join(root, 'fixture-sense-voice')), settings);
    expect(offline).toMatchObject({
      streaming: false,
      setting: 'HOTLINE_ASR_OFFLINE_MODEL_DIR',
      hotwords: 'this model type does not use hot-words',
      decoded: { text: '軟件' },
    });
    expect(describeModelCheck(offline)).toEqual([
      'ok: fixture-sense-voice — offline sense-voice model',
      '  files: model.onnx, tokens.txt (7 tokens, simplified script)',
      '  hot-words: this model type does not use hot-words',
      expect.stringMatching(/^ {2}check signal \(300 Hz, pause, 3 kHz\) decoded in \d+ ms: «軟件»$/),
      `  use it with HOTLINE_ASR_OFFLINE_MODEL_DIR=${join(root, 'fixture-sense-voice')}`,
    ]);
    const paraformer = await checkModelDir(
      writeParaformerFixture(join(root, 'fixture-paraformer')),
      settings,
    );
    expect(paraformer.folder.kind).toBe('paraformer');
  });

  it('refuses a folder sherpa-onnx would exit on, without loading it', async () => {
    const bad = writeStreamingTransducerFixture(join(root, 'fixture-no-chunk'), {
      omitMetadata: ['decode_chunk_len'],
    });
    const err = await rejection(checkModelDir(bad, settings), AsrError);
    expect(err.code).toBe('asr_model_invalid');
    expect(err.message).toMatch(/metadata 'decode_chunk_len' is missing/);
  });

  it('works from the command line: the report, or one line and a non-zero exit', async () => {
    const cli = (dir: string) =>
      promisify(execFile)(join(repoRoot, 'node_modules/.bin/tsx'), [
        join(repoRoot, 'src/cli/main.ts'),
        'models',
        'check',
        dir,
      ]);
    const { stdout } = await cli(join(root, 'fixture-sense-voice'));
    expect(stdout).toMatch(/^ok: fixture-sense-voice — offline sense-voice model\n/);
    expect(stdout).toContain('«軟件»');
    const failed = await cli(join(root, 'fixture-no-chunk')).then(
      () => null,
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toBe('');
    expect(failed?.stderr).toMatch(
      /^hotline-assist: \[asr_model_invalid\] cannot load .*fixture-no-chunk: encoder-fixture-chunk-8\.int8\.onnx: metadata 'decode_chunk_len' is missing \(sherpa-onnx needs it in a streaming transducer encoder\)\n$/,
    );
  }, 60_000);
});
