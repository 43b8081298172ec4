import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/shared.js';
import { ENV_BINDINGS, loadConfig } from './index.js';

describe('configuration', () => {
  it('the README documents every environment setting', () => {
    const readme = readFileSync(`${repoRoot}/README.md`, 'utf8');
    const missing = Object.keys(ENV_BINDINGS).filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('reads the documented environment names and defaults', () => {
    const config = loadConfig({ env: { HOTLINE_PORT: '9090', HOTLINE_VAD_MIN_SILENCE_MS: '600' } });
    expect(config.server.port).toBe(9090);
    expect(config.vad.minSilenceMs).toBe(600);
    expect(config.vad.maxUtteranceMs).toBe(20_000);
    expect(config.stream.resumeWindowMs).toBe(60_000);
  });

  it('derives names from the schema and keeps the historical ones (KB, ingress, models)', () => {
    const config = loadConfig({
      env: {
        HOTLINE_RETENTION_AUDIO_DAYS: '30',
        HOTLINE_KB_HOT_CONFIDENCE: '0.6',
        HOTLINE_INGRESS_MAX_CALLS: '12',
        HOTLINE_MODELS_DIR: '/srv/models',
        HOTLINE_AUDIT_KEY_FILE: '/srv/audit.key',
      },
    });
    expect(config.retention.audioDays).toBe(30);
    expect(config.knowledge.hotConfidence).toBe(0.6);
    expect(config.ingress.maxCalls).toBe(12);
    expect(config.asr.modelsDir).toBe('/srv/models');
    expect(config.audit.keyFile).toBe('/srv/audit.key');
    // File-only settings get no environment name.
    expect(Object.values(ENV_BINDINGS)).not.toContain('stream.replayBufferEvents');
    expect(Object.keys(ENV_BINDINGS)).toHaveLength(new Set(Object.values(ENV_BINDINGS)).size);
  });

  it('refuses an invalid value with one line naming the setting', () => {
    expect(() => loadConfig({ env: { HOTLINE_PORT: 'eighty' } })).toThrowError(/server\.port/);
    expect(() => loadConfig({ env: { HOTLINE_ASR_ENGINE: 'whisper-magic' } })).toThrowError(/asr\.engine/);
  });
});
