import type { Config, Logger } from '../config/index.js';
import { createAsrEngine, warmUpFor } from './create.js';
import { AsrError } from './errors.js';
import type { AsrEngineRegistry, AsrVersionInfo } from './registry.js';

/** What an admin loads: an engine and its model folders or server (`POST /api/models/asr`). */
export interface AsrLoadSpec {
  engine: 'sherpa-online' | 'two-pass' | 'remote';
  model_dir?: string | undefined;
  offline_model_dir?: string | undefined;
  remote_url?: string | undefined;
  remote_model?: string | undefined;
}

/** One change to the loaded versions, as made on a node and replayed on the others. */
export type AsrModelChange =
  | { op: 'load'; spec: AsrLoadSpec }
  | { op: 'activate'; version: string }
  | { op: 'candidate'; version: string; share: number }
  | { op: 'clear_candidate' }
  | { op: 'rollback' };

/**
 * The ASR versions of this node as admins change them. Every change is told to the listeners (the
 * cluster records and announces it) before it is acknowledged; `apply` makes a change another node
 * made, without telling anyone.
 */
export interface AsrModelVersions {
  list(): AsrVersionInfo[];
  change(change: AsrModelChange): Promise<AsrVersionInfo[]>;
  /** The version now active after a rollback. */
  rollback(): Promise<string>;
  apply(change: AsrModelChange): Promise<void>;
  onChanged(listener: (change: AsrModelChange) => Promise<void>): () => void;
}

export interface AsrModelVersionsOptions {
  registry: AsrEngineRegistry;
  config: Config;
  logger: Logger;
  /** Current hot-words for newly loaded engines. */
  hotwords(): readonly string[];
}

export function createAsrModelVersions(options: AsrModelVersionsOptions): AsrModelVersions {
  const { registry, logger } = options;
  const listeners = new Set<(change: AsrModelChange) => Promise<void>>();

  const load = async (spec: AsrLoadSpec): Promise<void> => {
    const { asr } = options.config;
    const config: Config = {
      ...options.config,
      asr: {
        ...asr,
        engine: spec.engine,
        modelDir: spec.model_dir ?? asr.modelDir,
        offlineModelDir: spec.offline_model_dir ?? asr.offlineModelDir,
        remoteUrl: spec.remote_url ?? asr.remoteUrl,
        remoteModel: spec.remote_model ?? asr.remoteModel,
      },
    };
    const engine = await createAsrEngine(config, { hotwords: options.hotwords(), logger });
    if (!engine) throw new AsrError('asr_misconfigured', 'no engine selected');
    await registry.add(engine, warmUpFor(engine));
  };

  const apply = async (change: AsrModelChange): Promise<void> => {
    switch (change.op) {
      case 'load':
        return load(change.spec);
      case 'activate':
        return registry.activate(change.version);
      case 'candidate':
        return registry.setCandidate(change.version, change.share);
      case 'clear_candidate':
        return registry.clearCandidate();
      case 'rollback':
        return void registry.rollback();
    }
  };

  const change = async (made: AsrModelChange): Promise<AsrVersionInfo[]> => {
    await apply(made);
    for (const listener of listeners) await listener(made);
    return registry.list();
  };

  return {
    list: () => registry.list(),
    change,
    async rollback() {
      await change({ op: 'rollback' });
      // A rollback that succeeded left a version active.
      return registry.list().find((v) => v.role === 'active')?.version as string;
    },
    apply,
    onChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
