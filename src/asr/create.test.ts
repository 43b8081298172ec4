import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema, type ConfigInput } from '../config/index.js';
import { createAsrEngine } from './create.js';

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

  it('builds the remote engine with the remote model id as its version', async () => {
    const engine = await createAsrEngine(
      configWith({ engine: 'remote', remoteUrl: 'http://127.0.0.1:9/v1', remoteModel: 'breeze-asr-25' }),
    );
    expect(engine).toMatchObject({ name: 'remote', version: 'breeze-asr-25', streamsPartials: false });
    engine?.close();
  });
});
