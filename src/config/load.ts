import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { BUNDLED_SETTINGS, DEFAULT_ASR_MODELS } from './paths.js';
import { configSchema, type Config, type ConfigInput } from './schema.js';

type Shape = Record<string, z.ZodType>;
const unwrap = (schema: z.ZodType): z.ZodType =>
  schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault || schema instanceof z.ZodOptional
    ? unwrap(schema.unwrap() as z.ZodType)
    : schema;
/** `bodyLimitBytes` → `BODY_LIMIT_BYTES`. */
const screaming = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

/**
 * Environment variable → dotted config key, derived from the schema (the one list of settings):
 * `HOTLINE_` + the section's `envPrefix` + the key in capitals, unless the setting names its own
 * `env` (a historical name) or `env: false` (file only). The only place `process.env` is read.
 */
function envBindings(shape: Shape, path: string[] = [], prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, field] of Object.entries(shape)) {
    const meta = field.meta() as { env?: string | false; envPrefix?: string } | undefined;
    const inner = unwrap(field);
    if (inner instanceof z.ZodObject) {
      Object.assign(out, envBindings(inner.shape as Shape, [...path, key], meta?.envPrefix ?? ''));
    } else if (meta?.env !== false) {
      out[meta?.env ?? `HOTLINE_${prefix}${screaming(key)}`] = [...path, key].join('.');
    }
  }
  return out;
}

export const ENV_BINDINGS: Readonly<Record<string, string>> = envBindings(configSchema.shape as Shape);

export class ConfigError extends Error {
  readonly code = 'invalid_config';
}

type Tree = { [key: string]: unknown };

function getPath(tree: Tree, dotted: string): unknown {
  let node: unknown = tree;
  for (const key of dotted.split('.'))
    node = typeof node === 'object' && node !== null ? (node as Tree)[key] : undefined;
  return node;
}

function setPath(target: Tree, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = (typeof next === 'object' && next !== null ? next : (node[key] = {})) as Tree;
  }
  node[keys[keys.length - 1] as string] = value;
}

function deepMerge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      typeof prev === 'object' &&
      prev !== null
        ? deepMerge(prev as Tree, value as Tree)
        : value;
  }
  return out;
}

export interface LoadConfigOptions {
  /** Defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** JSON config file; defaults to $HOTLINE_CONFIG, then ./hotline-assist.json if it exists. */
  file?: string;
  /** Highest precedence (CLI flags, tests). */
  overrides?: ConfigInput;
  /**
   * Fill settings given nowhere with the data shipped in `data/` (Taipei FAQ, lexicons, Silero VAD)
   * and the speech models `models fetch default` put in the models folder. The server and the CLI
   * do; tests choose their data explicitly.
   */
  bundledData?: boolean;
}

const BUNDLED_ENV = new Set(BUNDLED_SETTINGS.map((s) => s.env));

/** Shipped data and fetched default models for what the tree leaves unset (an empty value stays off). */
function withBundledData(tree: Tree): Tree {
  const out = structuredClone(tree);
  for (const setting of BUNDLED_SETTINGS)
    if (getPath(out, setting.key) === undefined && existsSync(setting.path))
      setPath(out, setting.key, setting.path);
  if (getPath(out, 'asr.engine') === undefined) {
    const modelsDir = resolve(
      (getPath(out, 'asr.modelsDir') as string | undefined) ??
        join((getPath(out, 'dataDir') as string | undefined) ?? '.hotline', 'models'),
    );
    const streaming = join(modelsDir, DEFAULT_ASR_MODELS.streaming);
    const offline = join(modelsDir, DEFAULT_ASR_MODELS.offline);
    if (existsSync(streaming)) {
      setPath(out, 'asr.modelDir', getPath(out, 'asr.modelDir') ?? streaming);
      const twoPass = existsSync(offline);
      if (twoPass) setPath(out, 'asr.offlineModelDir', getPath(out, 'asr.offlineModelDir') ?? offline);
      setPath(out, 'asr.engine', twoPass ? 'two-pass' : 'sherpa-online');
    }
  }
  return out;
}

/** Precedence: defaults < file < environment < overrides. Validated once, here. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const file =
    options.file ??
    env.HOTLINE_CONFIG ??
    (existsSync('hotline-assist.json') ? 'hotline-assist.json' : undefined);
  let tree: Tree = {};
  if (file) {
    try {
      tree = JSON.parse(readFileSync(resolve(file), 'utf8')) as Tree;
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
  }
  const fromEnv: Tree = {};
  for (const [name, key] of Object.entries(ENV_BINDINGS)) {
    const value = env[name];
    if (value !== undefined && (value !== '' || BUNDLED_ENV.has(name))) setPath(fromEnv, key, value);
  }
  tree = deepMerge(deepMerge(tree, fromEnv), (options.overrides ?? {}) as Tree);
  if (options.bundledData) tree = withBundledData(tree);
  const parsed = configSchema.safeParse(tree);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return parsed.data;
}
