import { mkdtempSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedPaths } from '../../test/shared.js';
import { detectOfflineModel, detectOnlineModel } from './model-folder.js';
import { assertModelUsable, inspectModelFolder } from './model-validation.js';
import { readOnnxSummary } from './onnx-reader.js';
import { rejection } from './testing/error-code.js';
import { AsrError } from './errors.js';
import {
  writeParaformerFixture,
  writeSenseVoiceFixture,
  writeStreamingTransducerFixture,
  type FixtureOptions,
} from './testing/model-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'asr-validation-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = (name: string) => join(root, `${name}-${n++}`);

describe('ONNX header reader', () => {
  it('reads the interface and metadata of real models without loading their weights', async () => {
    // Silero VAD v5 as published, and the v4 export sherpa-onnx ships with metadata.
    expect(await readOnnxSummary(sharedPaths.vadModel)).toEqual({
      metadata: new Map(),
      inputs: ['input', 'state', 'sr'],
      outputs: ['output', 'stateN'],
    });
    const v4 = await readOnnxSummary(join(sharedPaths.vadModel, '..', 'silero_vad_v4_sherpa.onnx'));
    expect(v4.inputs).toEqual(['x', 'h', 'c']);
    expect(v4.metadata.get('model_type')).toBe('silero-vad');
  });

  it('says a cut-off download is truncated', async () => {
    const model = join(writeSenseVoiceFixture(dir('truncated')), 'model.onnx');
    truncateSync(model, 4000);
    await expect(readOnnxSummary(model)).rejects.toThrow(/is truncated/);
  });
});

describe('model folder check (what sherpa-onnx would exit on)', () => {
  it('finds nothing wrong with well-formed folders of each shape', async () => {
    for (const [folder, streaming] of [
      [detectOfflineModel(writeSenseVoiceFixture(dir('sense-voice'))), false],
      [detectOfflineModel(writeParaformerFixture(dir('paraformer'))), false],
      [detectOnlineModel(writeStreamingTransducerFixture(dir('streaming'))), true],
    ] as const) {
      const report = await inspectModelFolder(folder, streaming);
      expect(report.problems).toEqual([]);
      expect(report.hotwordUnits).toBeNull();
    }
  });

  async function problems(
    write: (d: string, o: FixtureOptions) => string,
    options: FixtureOptions,
    streaming = false,
  ) {
    const path = write(dir('broken'), options);
    const folder = streaming ? detectOnlineModel(path) : detectOfflineModel(path);
    return (await inspectModelFolder(folder, streaming)).problems;
  }

  it('names the file and the metadata key that is missing or malformed', async () => {
    expect(await problems(writeSenseVoiceFixture, { omitMetadata: ['with_itn'] })).toEqual([
      "model.onnx: metadata 'with_itn' is missing (sherpa-onnx needs it in a SenseVoice model)",
    ]);
    expect(await problems(writeSenseVoiceFixture, { setMetadata: { lfr_window_shift: 'six' } })).toEqual([
      'model.onnx: metadata \'lfr_window_shift\' is "six", expected a non-negative integer (sherpa-onnx needs it in a SenseVoice model)',
    ]);
    expect(await problems(writeSenseVoiceFixture, { setMetadata: { neg_mean: '0,0,0' } })).toEqual([
      "model.onnx: metadata 'neg_mean' has 3 values, expected lfr_window_size × 80 = 560",
    ]);
    expect(
      await problems(writeStreamingTransducerFixture, { setMetadata: { model_type: 'transformer' } }, true),
    ).toEqual([
      expect.stringMatching(
        /^encoder-fixture-chunk-8\.int8\.onnx: metadata 'model_type' is "transformer", expected one of zipformer2, zipformer, conformer, lstm, ebranchformer \(sherpa-onnx needs it in a streaming transducer encoder\)$/,
      ),
    ]);
    expect(
      await problems(writeStreamingTransducerFixture, { setMetadata: { num_heads: '1,1' } }, true),
    ).toEqual(["encoder-fixture-chunk-8.int8.onnx: metadata 'num_heads' has 2 entries, 'encoder_dims' 1"]);
    // Two stacks of layers declared: the encoder would need 14 state inputs, it has 8.
    expect(
      await problems(writeStreamingTransducerFixture, { setMetadata: { num_encoder_layers: '2' } }, true),
    ).toEqual(['encoder-fixture-chunk-8.int8.onnx has 9 inputs, a streaming transducer encoder has 15']);
  });

  it('checks what tokens.txt must hold for the model', async () => {
    const paraformer = writeParaformerFixture(dir('paraformer-no-eos'));
    writeFileSync(join(paraformer, 'tokens.txt'), '<blank> 0\n<s> 1\n<eos> 2\n软 3\n件 4\n');
    expect((await inspectModelFolder(detectOfflineModel(paraformer), false)).problems).toEqual([
      'model.onnx: tokens.txt has no </s> (the Paraformer end of sentence)',
    ]);
  });

  it('refuses with one line and a stable code, counting what else is wrong', async () => {
    // No model_type in the encoder, and only the int8 decoder (which lacks context_size) left.
    const path = writeStreamingTransducerFixture(dir('two-problems'), { omitMetadata: ['model_type'] });
    unlinkSync(join(path, 'decoder-fixture-chunk-8.onnx'));
    const err = await rejection(assertModelUsable(detectOnlineModel(path), true), AsrError);
    expect(err.code).toBe('asr_model_invalid');
    expect(err.message).toMatch(
      /^cannot load .*: encoder-fixture-chunk-8\.int8\.onnx: metadata 'model_type' is missing .*\(and 1 more problem\)$/,
    );
    expect(err.message).not.toContain('\n');
  });
});
