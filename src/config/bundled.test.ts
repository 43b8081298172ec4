import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_DATA_DIR, DEFAULT_ASR_MODELS, loadConfig } from './index.js';

describe('shipped data as defaults (npm start, the CLI)', () => {
  it('ships the Taipei FAQ, lexicons and Silero VAD in data/ with their attribution', () => {
    for (const file of [
      'taipei-faq/faq-2024.jsonl',
      'taipei-faq/phrasings.jsonl',
      'taipei-faq/SOURCE.md',
      'taipei-faq/LICENSE-upstream-repo',
      'lexicon/taipei-villages.tsv',
      'lexicon/taipei-roads.tsv',
      'lexicon/taipei-agencies.csv',
      'lexicon/taipei-agency-contacts.json',
      'lexicon/SOURCE.md',
      'models/silero_vad.onnx',
      'models/SOURCE.md',
      'models/LICENSE-silero-vad',
    ])
      expect(existsSync(join(BUNDLED_DATA_DIR, file)), file).toBe(true);
  });

  it('uses the shipped data for settings given nowhere, keeps overrides, and an empty value turns one off', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bundled-'));
    const shipped = loadConfig({ env: { HOTLINE_DATA_DIR: dataDir }, bundledData: true });
    expect(shipped.knowledge.seed).toBe(join(BUNDLED_DATA_DIR, 'taipei-faq'));
    expect(shipped.text.lexiconDir).toBe(join(BUNDLED_DATA_DIR, 'lexicon'));
    expect(shipped.vad.model).toBe(join(BUNDLED_DATA_DIR, 'models', 'silero_vad.onnx'));
    expect(shipped.asr.engine).toBe('none');

    const chosen = loadConfig({
      env: { HOTLINE_DATA_DIR: dataDir, HOTLINE_KB_SEED: '/srv/kb.jsonl', HOTLINE_LEXICON_DIR: '' },
      bundledData: true,
    });
    expect(chosen.knowledge.seed).toBe('/srv/kb.jsonl');
    expect(chosen.text.lexiconDir).toBe('');
    expect(chosen.vad.model).toBe(join(BUNDLED_DATA_DIR, 'models', 'silero_vad.onnx'));

    // Tests and library use choose their data: nothing shipped is filled in.
    const plain = loadConfig({ env: { HOTLINE_DATA_DIR: dataDir } });
    expect(plain.knowledge.seed).toBeUndefined();
    expect(plain.vad.model).toBeUndefined();
  });

  it('picks up the speech models `models fetch default` put in the models folder, unless an engine is set', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bundled-asr-'));
    const models = join(dataDir, 'models');
    mkdirSync(join(models, DEFAULT_ASR_MODELS.streaming), { recursive: true });
    const online = loadConfig({ env: { HOTLINE_DATA_DIR: dataDir }, bundledData: true });
    expect(online.asr).toMatchObject({
      engine: 'sherpa-online',
      modelDir: join(models, DEFAULT_ASR_MODELS.streaming),
    });

    mkdirSync(join(models, DEFAULT_ASR_MODELS.offline));
    const twoPass = loadConfig({ env: { HOTLINE_DATA_DIR: dataDir }, bundledData: true });
    expect(twoPass.asr).toMatchObject({
      engine: 'two-pass',
      offlineModelDir: join(models, DEFAULT_ASR_MODELS.offline),
    });

    const off = loadConfig({
      env: { HOTLINE_DATA_DIR: dataDir, HOTLINE_ASR_ENGINE: 'none' },
      bundledData: true,
    });
    expect(off.asr.engine).toBe('none');
    expect(off.asr.modelDir).toBeUndefined();
  });
});
