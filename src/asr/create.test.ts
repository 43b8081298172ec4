import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema, type ConfigInput } from '../config/index.js';
import { createAsrEngine, createAsrRegistry } from './create.js';

const empty = mkdtempSync(join(tmpdir(), 'asr-create-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

function configWith(asr: ConfigInput['asr']) {
  return configSchema.parse({ dataDir: empty, asr });
}

async function codeOf(asr: ConfigInput['asr']): Promise<string | undefined> {
  try {
    await createAsrEngine(configWith(asr));
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('createAsrEngine', () => {
  it('gives no engine when none is configured', async () => {
    expect(await createAsrEngine(configWith({ engine: 'none' }))).toBeNull();
  });

  it('says which setting an engine lacks', async () => {
    expect(await codeOf({ engine: 'sherpa-online' })).toBe('asr_misconfigured');
    await expect(createAsrEngine(configWith({ engine: 'two-pass' }))).rejects.toThrow(
      /HOTLINE_ASR_OFFLINE_MODEL_DIR/,
    );
    await expect(createAsrEngine(configWith({ engine: 'remote' }))).rejects.toThrow(/HOTLINE_ASR_REMOTE_URL/);
    expect(await codeOf({ engine: 'remote', remoteUrl: 'not a url' })).toBe('asr_misconfigured');
  });

  it('refuses a missing or empty model folder with asr_model_missing', async () => {
    expect(await codeOf({ engine: 'sherpa-online', modelDir: join(empty, 'gone') })).toBe(
      'asr_model_missing',
    );
    expect(await codeOf({ engine: 'two-pass', offlineModelDir: empty })).toBe('asr_model_missing');
  });

  it('refuses placeholder weights with asr_model_invalid before they reach onnxruntime', async () => {
    const dir = join(empty, 'placeholders');
    mkdirSync(dir);
    writeFileSync(join(dir, 'tokens.txt'), '<blk> 0\n');
    for (const role of ['encoder', 'decoder', 'joiner']) writeFileSync(join(dir, `${role}.int8.onnx`), '');
    await expect(
      createAsrEngine(configWith({ engine: 'sherpa-online', modelDir: dir })),
    ).rejects.toMatchObject({
      code: 'asr_model_invalid',
      message: expect.stringMatching(/encoder\.int8\.onnx is empty/),
    });
  });

  it('refuses an offline model without a graph before onnxruntime reads it', async () => {
    const dir = join(empty, 'sense-voice-damaged');
    mkdirSync(dir);
    writeFileSync(join(dir, 'tokens.txt'), '<unk> 0\n<|zh|> 1\n');
    // Starts like an ONNX file but holds no graph.
    writeFileSync(join(dir, 'model.int8.onnx'), Buffer.from([0x08, 0x07, 0x12, 0x00]));
    await expect(
      createAsrEngine(configWith({ engine: 'two-pass', offlineModelDir: dir })),
    ).rejects.toMatchObject({
      code: 'asr_model_invalid',
      message: expect.stringMatching(/model\.int8\.onnx has no graph/),
    });
  });

  it('builds the remote engine with the remote model id as its version', async () => {
    const engine = await createAsrEngine(
      configWith({ engine: 'remote', remoteUrl: 'http://127.0.0.1:9/v1', remoteModel: 'breeze-asr-25' }),
    );
    expect(engine).toMatchObject({ name: 'remote', version: 'breeze-asr-25', streamsPartials: false });
    engine?.close();
  });

  it('starts the server registry with the configured engine active, and empty for none', async () => {
    expect((await createAsrRegistry(configWith({ engine: 'none' }))).engineFor('case-1')).toBeNull();
    // The remote server is not running: start-up must not depend on it.
    const registry = await createAsrRegistry(
      configWith({ engine: 'remote', remoteUrl: 'http://127.0.0.1:9/v1' }),
    );
    expect(registry.list()).toEqual([{ version: 'whisper-1', engine: 'remote', role: 'active', share: 1 }]);
    expect(registry.engineFor('case-1')?.name).toBe('remote');
    registry.close();
  });
});
