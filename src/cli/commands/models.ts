import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { DEFAULT_ASR_MODELS, loadConfig, resolvePaths } from '../../config/index.js';
import {
  checkModel,
  checkModelDir,
  describeModelCheck,
  fetchModel,
  findCatalogEntry,
  modelCatalog,
  modelPath,
  ModelFetchError,
  type FetchProgress,
  type ModelCatalogEntry,
} from '../../asr/index.js';

const MB = 1024 * 1024;

function modelsDirOf(dir: string | undefined): string {
  return dir ? resolve(dir) : resolvePaths(loadConfig()).modelsDir;
}

/** `default` is the speech-model pair `npm start` picks up from the models folder by itself. */
const DEFAULT_SET = 'default';

function entriesNamed(name: string): ModelCatalogEntry[] {
  const names = name === DEFAULT_SET ? [DEFAULT_ASR_MODELS.streaming, DEFAULT_ASR_MODELS.offline] : [name];
  return names.map((n) => {
    const entry = findCatalogEntry(n);
    if (!entry) {
      throw new ModelFetchError(
        'model_unknown',
        `unknown model ${n}; known: ${DEFAULT_SET}, ${modelCatalog.map((e) => e.name).join(', ')}`,
      );
    }
    return entry;
  });
}

/** A bar on a terminal; a start line and an end line elsewhere (logs, CI). */
function progressReporter(name: string): { update(p: FetchProgress): void; stop(): void } {
  if (!process.stderr.isTTY) {
    let announced = false;
    return {
      update(p) {
        if (announced) return;
        announced = true;
        const size = p.total === null ? 'unknown size' : `${(p.total / MB).toFixed(1)} MB`;
        const resumed = p.resumedFrom ? `, resuming at ${(p.resumedFrom / MB).toFixed(1)} MB` : '';
        console.error(`downloading ${name} (${size}${resumed})`);
      },
      stop() {},
    };
  }
  const bar = new SingleBar(
    {
      format: `${name} [{bar}] {percentage}% | {value}/{total} MB | ETA {eta_formatted}`,
      hideCursor: true,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const value = Number((p.received / MB).toFixed(1));
      const total = Number(((p.total ?? p.received) / MB).toFixed(1));
      if (!started) {
        bar.start(total, value);
        started = true;
      } else bar.update(value);
      if (p.total === null) bar.setTotal(total);
    },
    stop: () => started && bar.stop(),
  };
}

export function register(program: Command): void {
  const models = program
    .command('models')
    .description('download, list and check speech models (sherpa-onnx releases)');

  models
    .command('list')
    .description('the models `models fetch` knows, and which are in the models folder')
    .option('--dir <dir>', 'models folder (default: HOTLINE_MODELS_DIR, else <HOTLINE_DATA_DIR>/models)')
    .action((opts: { dir?: string }) => {
      const dir = modelsDirOf(opts.dir);
      console.log(`models folder: ${dir}`);
      for (const entry of modelCatalog) {
        const path = modelPath(entry, dir);
        const state = !existsSync(path)
          ? 'absent'
          : checkModel(entry, path) === null
            ? 'ready'
            : 'incomplete';
        console.log(
          `${state.padEnd(10)} ${entry.name}\n           ${entry.description}; use as ${entry.setting}=${path}`,
        );
      }
    });

  models
    .command('fetch <name>')
    .description('download a model from the k2-fsa/sherpa-onnx releases (resumes an interrupted download)')
    .option('--dir <dir>', 'models folder (default: HOTLINE_MODELS_DIR, else <HOTLINE_DATA_DIR>/models)')
    .option('--base-url <url>', 'release base URL or mirror (default: HOTLINE_MODELS_BASE_URL)')
    .option('--force', 'download again even when a checked copy is present')
    .addHelpText(
      'after',
      `\nKnown models:\n  ${DEFAULT_SET}  (the streaming and offline speech models below; \`npm start\` then uses them)\n` +
        modelCatalog.map((e) => `  ${e.name}  (${e.setting})`).join('\n'),
    )
    .action(async (name: string, opts: { dir?: string; baseUrl?: string; force?: boolean }) => {
      const entries = entriesNamed(name);
      const config = loadConfig();
      const modelsDir = modelsDirOf(opts.dir);
      for (const entry of entries) {
        const progress = progressReporter(entry.name);
        try {
          const fetched = await fetchModel(entry, {
            modelsDir,
            baseUrl: opts.baseUrl ?? config.asr.modelsBaseUrl,
            force: Boolean(opts.force),
            onProgress: (p) => progress.update(p),
          });
          progress.stop();
          console.log(
            `${fetched.alreadyPresent ? 'already present' : 'ready'}: ${fetched.path}\n` +
              (name === DEFAULT_SET
                ? 'npm start uses it (two-pass recognition) while HOTLINE_ASR_ENGINE is unset'
                : `use it with ${entry.setting}=${fetched.path}`),
          );
        } catch (err) {
          progress.stop();
          throw err;
        }
      }
    });

  models
    .command('check <dir>')
    .description(
      'check a model folder before serving it: type, metadata, tokens, hot-word units, and a decode of a test signal',
    )
    .action(async (dir: string) => {
      const { asr } = loadConfig();
      const report = await checkModelDir(resolve(dir), {
        numThreads: asr.numThreads,
        provider: asr.provider,
      });
      for (const line of describeModelCheck(report)) console.log(line);
    });
}
