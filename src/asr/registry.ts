import type { Logger } from '../config/index.js';
import type { AsrEngine } from './engine.js';
import { AsrError } from './errors.js';

/**
 * Several loaded engine versions at once: one active, optionally one candidate receiving a share
 * of the calls (A/B), and the previously active versions for rollback. A version is warmed up
 * (its first inference is the slow one) before it can take calls. A call is routed by a hash of
 * its case id, so both legs of a call and a resumed call stay on the same version.
 */
export type WarmUp = (engine: AsrEngine) => Promise<void>;

export interface AsrVersionInfo {
  version: string;
  engine: string;
  role: 'active' | 'candidate' | 'standby';
  /** Share of new calls this version receives. */
  share: number;
}

export interface AsrEngineRegistryOptions {
  /** Replaces the default warm-up (one second of silence through a stream). */
  warmUp?: WarmUp;
  logger?: Logger;
}

const WARM_UP_SAMPLES = 16000;

/** Runs one utterance of silence so ONNX sessions allocate before the first real call. */
export const warmUpWithSilence: WarmUp = async (engine) => {
  const stream = engine.createStream({ sampleRate: 16000, caseId: 'warm-up', startMs: 0, channel: 0 });
  stream.acceptWaveform(new Float32Array(WARM_UP_SAMPLES));
  stream.partial();
  await stream.finish();
};

/** FNV-1a of the case id mapped to [0, 1): stable across processes and restarts. */
export function routingPoint(caseId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < caseId.length; i++) {
    hash ^= caseId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32;
}

export class AsrEngineRegistry {
  private readonly engines = new Map<string, AsrEngine>();
  private active: string | null = null;
  private candidate: { version: string; share: number } | null = null;
  /** Previously active versions, newest last. */
  private readonly history: string[] = [];
  private readonly warmUp: WarmUp;
  private readonly logger: Logger | undefined;

  constructor(options: AsrEngineRegistryOptions = {}) {
    this.warmUp = options.warmUp ?? warmUpWithSilence;
    this.logger = options.logger;
  }

  /**
   * Warms `engine` up and holds it. The first engine added becomes active; later ones stand by
   * until activated or made a candidate. An engine whose warm-up fails is closed, not held.
   * `options.warmUp` replaces the registry's warm-up for this engine.
   */
  async add(engine: AsrEngine, options: { warmUp?: WarmUp } = {}): Promise<void> {
    if (this.engines.has(engine.version)) {
      throw new AsrError('asr_version_conflict', `ASR version ${engine.version} is already loaded`);
    }
    try {
      await (options.warmUp ?? this.warmUp)(engine);
    } catch (err) {
      engine.close();
      throw new AsrError(
        'asr_load_failed',
        `ASR version ${engine.version} failed its warm-up: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    this.engines.set(engine.version, engine);
    this.active ??= engine.version;
    this.logger?.info(
      { version: engine.version, engine: engine.name, active: this.active === engine.version },
      'asr: version loaded',
    );
  }

  private require(version: string): AsrEngine {
    const engine = this.engines.get(version);
    if (!engine) throw new AsrError('asr_version_unknown', `ASR version ${version} is not loaded`);
    return engine;
  }

  /** Makes a loaded version take all new calls; the one it replaces stays loaded for rollback. */
  activate(version: string): void {
    this.require(version);
    if (this.active === version) return;
    if (this.active !== null) this.history.push(this.active);
    this.active = version;
    if (this.candidate?.version === version) this.candidate = null;
    this.logger?.info({ version }, 'asr: version activated');
  }

  /** Back to the previously active version; any A/B split ends. Returns the version now active. */
  rollback(): string {
    const previous = this.history.pop();
    if (previous === undefined)
      throw new AsrError('asr_version_unknown', 'no earlier ASR version to roll back to');
    this.active = previous;
    this.candidate = null;
    this.logger?.warn({ version: previous }, 'asr: rolled back');
    return previous;
  }

  /** Routes `share` (0..1) of new calls to `version`, the rest to the active version. */
  setCandidate(version: string, share: number): void {
    this.require(version);
    if (version === this.active)
      throw new AsrError('asr_version_unknown', `ASR version ${version} is already active`);
    if (!(share >= 0 && share <= 1))
      throw new AsrError('asr_misconfigured', `candidate share must be within 0..1, got ${share}`);
    this.candidate = { version, share };
    this.logger?.info({ version, share }, 'asr: candidate set');
  }

  clearCandidate(): void {
    this.candidate = null;
  }

  /** The engine for a new call, or null when none is loaded. */
  engineFor(caseId: string): AsrEngine | null {
    const { candidate } = this;
    const version = candidate && routingPoint(caseId) < candidate.share ? candidate.version : this.active;
    return version === null ? null : (this.engines.get(version) ?? null);
  }

  /** Unloads a version that takes no calls. Calls already running on it must have ended. */
  remove(version: string): void {
    const engine = this.require(version);
    if (version === this.active)
      throw new AsrError('asr_version_unknown', `ASR version ${version} is active; activate another first`);
    if (this.candidate?.version === version) this.candidate = null;
    for (let i = this.history.indexOf(version); i !== -1; i = this.history.indexOf(version))
      this.history.splice(i, 1);
    this.engines.delete(version);
    engine.close();
  }

  list(): AsrVersionInfo[] {
    const share = this.candidate?.share ?? 0;
    return [...this.engines.values()].map((engine) => {
      const role =
        engine.version === this.active
          ? 'active'
          : engine.version === this.candidate?.version
            ? 'candidate'
            : 'standby';
      return {
        version: engine.version,
        engine: engine.name,
        role,
        share: role === 'active' ? 1 - share : role === 'candidate' ? share : 0,
      };
    });
  }

  close(): void {
    for (const engine of this.engines.values()) engine.close();
    this.engines.clear();
    this.active = null;
    this.candidate = null;
    this.history.length = 0;
  }
}
