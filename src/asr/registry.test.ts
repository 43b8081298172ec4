import { describe, expect, it } from 'vitest';
import type { AsrEngine, AsrStream, AsrStreamOptions } from './engine.js';
import { asrErrorCode } from './testing/error-code.js';
import { AsrEngineRegistry } from './registry.js';

/** TEST DOUBLE — counts the streams and audio it gets; its "text" is its own version, nothing recognised. */
class CountingEngineDouble implements AsrEngine {
  readonly name = 'counting-double';
  readonly streamsPartials = false;
  streams = 0;
  samples = 0;
  closed = false;

  constructor(
    readonly version: string,
    private readonly failFinish = false,
  ) {}

  createStream(_options: AsrStreamOptions): AsrStream {
    this.streams++;
    return {
      acceptWaveform: (samples) => {
        this.samples += samples.length;
      },
      partial: () => null,
      finish: async () => {
        if (this.failFinish) throw new Error('model file is truncated');
        return { text: this.version, confidence: null };
      },
      abort: () => undefined,
    };
  }

  close(): void {
    this.closed = true;
  }
}

const caseIds = Array.from({ length: 2000 }, (_, i) => `case-${i}`);

function share(registry: AsrEngineRegistry, version: string): number {
  return caseIds.filter((id) => registry.engineFor(id)?.version === version).length / caseIds.length;
}

describe('AsrEngineRegistry', () => {
  it('warms a version up with one utterance before it takes calls; the first one added is active', async () => {
    const registry = new AsrEngineRegistry();
    expect(registry.engineFor('case-1')).toBeNull();
    const v1 = new CountingEngineDouble('v1');
    await registry.add(v1);
    expect(v1.streams).toBe(1);
    expect(v1.samples).toBe(16000);
    const v2 = new CountingEngineDouble('v2');
    await registry.add(v2);
    expect(share(registry, 'v1')).toBe(1);
    expect(registry.list()).toEqual([
      { version: 'v1', engine: 'counting-double', role: 'active', share: 1 },
      { version: 'v2', engine: 'counting-double', role: 'standby', share: 0 },
    ]);
  });

  it('does not hold a version whose warm-up fails, nor a duplicate version', async () => {
    const registry = new AsrEngineRegistry();
    const broken = new CountingEngineDouble('broken', true);
    await expect(registry.add(broken)).rejects.toMatchObject({ code: 'asr_load_failed' });
    expect(broken.closed).toBe(true);
    expect(registry.list()).toEqual([]);
    await registry.add(new CountingEngineDouble('v1'));
    await expect(registry.add(new CountingEngineDouble('v1'))).rejects.toMatchObject({
      code: 'asr_version_conflict',
    });
  });

  it('routes the candidate share of calls, the same call always to the same version', async () => {
    const registry = new AsrEngineRegistry();
    await registry.add(new CountingEngineDouble('v1'));
    await registry.add(new CountingEngineDouble('v2'));
    registry.setCandidate('v2', 0.2);
    expect(share(registry, 'v2')).toBeGreaterThan(0.17);
    expect(share(registry, 'v2')).toBeLessThan(0.23);
    expect(share(registry, 'v1') + share(registry, 'v2')).toBe(1);
    const first = caseIds.map((id) => registry.engineFor(id)?.version);
    expect(caseIds.map((id) => registry.engineFor(id)?.version)).toEqual(first);
    expect(registry.list().map((v) => [v.version, v.role, v.share])).toEqual([
      ['v1', 'active', 0.8],
      ['v2', 'candidate', 0.2],
    ]);
    registry.clearCandidate();
    expect(share(registry, 'v1')).toBe(1);
    expect(asrErrorCode(() => registry.setCandidate('v2', 1.5))).toBe('asr_misconfigured');
    expect(asrErrorCode(() => registry.setCandidate('v1', 0.5))).toBe('asr_version_unknown');
  });

  it('switches to a new version and rolls back to the previous one', async () => {
    const registry = new AsrEngineRegistry();
    await registry.add(new CountingEngineDouble('v1'));
    await registry.add(new CountingEngineDouble('v2'));
    registry.setCandidate('v2', 0.5);
    registry.activate('v2');
    expect(share(registry, 'v2')).toBe(1);
    expect(registry.list().find((v) => v.version === 'v2')?.role).toBe('active');
    expect(registry.rollback()).toBe('v1');
    expect(share(registry, 'v1')).toBe(1);
    expect(asrErrorCode(() => registry.rollback())).toBe('asr_version_unknown');
    expect(asrErrorCode(() => registry.activate('v9'))).toBe('asr_version_unknown');
  });

  it('unloads only versions that take no calls, and closes every engine on close', async () => {
    const registry = new AsrEngineRegistry();
    const v1 = new CountingEngineDouble('v1');
    const v2 = new CountingEngineDouble('v2');
    await registry.add(v1);
    await registry.add(v2);
    expect(asrErrorCode(() => registry.remove('v1'))).toBe('asr_version_unknown');
    registry.activate('v2');
    registry.remove('v1');
    expect(v1.closed).toBe(true);
    expect(asrErrorCode(() => registry.rollback())).toBe('asr_version_unknown');
    registry.close();
    expect(v2.closed).toBe(true);
    expect(registry.engineFor('case-1')).toBeNull();
  });
});
