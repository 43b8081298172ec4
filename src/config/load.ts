import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUNDLED_SETTINGS, DEFAULT_ASR_MODELS } from './paths.js';
import { configSchema, type Config, type ConfigInput } from './schema.js';

/** Environment variable → dotted config key. The only place `process.env` is read. */
export const ENV_BINDINGS: Readonly<Record<string, string>> = {
  HOTLINE_DATA_DIR: 'dataDir',
  HOTLINE_LOG_LEVEL: 'logLevel',
  HOTLINE_PORT: 'server.port',
  HOTLINE_HOST: 'server.host',
  HOTLINE_BODY_LIMIT_BYTES: 'server.bodyLimitBytes',
  HOTLINE_RATE_LIMIT_PER_MINUTE: 'server.rateLimitPerMinute',
  HOTLINE_RATE_LIMIT_PER_PRINCIPAL_PER_MINUTE: 'server.rateLimitPerPrincipalPerMinute',
  HOTLINE_TRUSTED_PROXIES: 'server.trustedProxies',
  HOTLINE_SHUTDOWN_TIMEOUT_MS: 'server.shutdownTimeoutMs',
  HOTLINE_TLS_CERT: 'server.tlsCert',
  HOTLINE_TLS_KEY: 'server.tlsKey',
  HOTLINE_WEB_DIR: 'server.webDir',
  HOTLINE_DB_URL: 'store.dbUrl',
  HOTLINE_BUS_URL: 'cluster.busUrl',
  HOTLINE_NODE_ID: 'cluster.nodeId',
  HOTLINE_BUS_PREFIX: 'cluster.busPrefix',
  HOTLINE_BUS_HISTORY_MS: 'cluster.historyMs',
  HOTLINE_CASE_LEASE_MS: 'cluster.leaseMs',
  HOTLINE_RESUME_WINDOW_MS: 'stream.resumeWindowMs',
  HOTLINE_MAX_FRAME_BYTES: 'stream.maxFrameBytes',
  HOTLINE_VAD_MODEL: 'vad.model',
  HOTLINE_VAD_THRESHOLD: 'vad.threshold',
  HOTLINE_VAD_MIN_SILENCE_MS: 'vad.minSilenceMs',
  HOTLINE_VAD_MAX_UTTERANCE_MS: 'vad.maxUtteranceMs',
  HOTLINE_VAD_WORKERS: 'vad.workers',
  HOTLINE_VAD_GATE: 'vad.gate',
  HOTLINE_VAD_TELEPHONE: 'vad.telephone',
  HOTLINE_ASR_ENGINE: 'asr.engine',
  HOTLINE_ASR_MODEL_DIR: 'asr.modelDir',
  HOTLINE_ASR_OFFLINE_MODEL_DIR: 'asr.offlineModelDir',
  HOTLINE_ASR_REMOTE_URL: 'asr.remoteUrl',
  HOTLINE_ASR_REMOTE_MODEL: 'asr.remoteModel',
  HOTLINE_ASR_REMOTE_API_KEY: 'asr.remoteApiKey',
  HOTLINE_ASR_NUM_THREADS: 'asr.numThreads',
  HOTLINE_ASR_PROVIDER: 'asr.provider',
  HOTLINE_MODELS_DIR: 'asr.modelsDir',
  HOTLINE_MODELS_BASE_URL: 'asr.modelsBaseUrl',
  HOTLINE_ASR_REMOTE_TIMEOUT_MS: 'asr.remoteTimeoutMs',
  HOTLINE_LEXICON_DIR: 'text.lexiconDir',
  HOTLINE_EXTRA_LEXICON_FILE: 'text.extraLexiconFile',
  HOTLINE_REDACT_NAMES: 'text.redactNames',
  HOTLINE_KB_SEED: 'knowledge.seed',
  HOTLINE_KB_VOCABULARY: 'knowledge.vocabularyFile',
  HOTLINE_DEFAULT_KB: 'knowledge.defaultKb',
  HOTLINE_KB_HOT_CONFIDENCE: 'knowledge.hotConfidence',
  HOTLINE_KB_LEARN_AFTER_ADOPTIONS: 'knowledge.learnAfterAdoptions',
  HOTLINE_EMBEDDINGS_URL: 'knowledge.embeddingsUrl',
  HOTLINE_EMBEDDINGS_MODEL: 'knowledge.embeddingsModel',
  HOTLINE_EMBEDDINGS_API_KEY: 'knowledge.embeddingsApiKey',
  HOTLINE_EMBEDDINGS_QUERY_PREFIX: 'knowledge.embeddingsQueryPrefix',
  HOTLINE_EMBEDDINGS_PASSAGE_PREFIX: 'knowledge.embeddingsPassagePrefix',
  HOTLINE_LLM_URL: 'suggest.llmUrl',
  HOTLINE_LLM_MODEL: 'suggest.llmModel',
  HOTLINE_LLM_API_KEY: 'suggest.llmApiKey',
  HOTLINE_LLM_TIMEOUT_MS: 'suggest.llmTimeoutMs',
  HOTLINE_SUGGEST_REFRESH_MS: 'suggest.refreshMs',
  HOTLINE_CASE_SYSTEM_URL: 'suggest.caseSystemUrl',
  HOTLINE_CASE_SYSTEM_TOKEN: 'suggest.caseSystemToken',
  HOTLINE_ADMIN_TOKEN: 'auth.adminToken',
  HOTLINE_DEV_SIGN_IN: 'auth.devSignIn',
  HOTLINE_AGENTS_SEE_UNASSIGNED_CALLS: 'auth.agentsSeeUnassignedCalls',
  HOTLINE_AUDIT_KEY: 'audit.key',
  HOTLINE_AUDIT_KEY_FILE: 'audit.keyFile',
  HOTLINE_AUDIT_CHECKPOINT_FILE: 'audit.checkpointFile',
  HOTLINE_AUDIT_CHECKPOINT_SECONDS: 'audit.checkpointSeconds',
  HOTLINE_SIP_PORT: 'ingress.sipPort',
  HOTLINE_SIP_ADDRESS: 'ingress.sipAddress',
  HOTLINE_AUDIOSOCKET_PORT: 'ingress.audiosocketPort',
  HOTLINE_INGRESS_EXTERNAL_MEDIA: 'ingress.externalMedia',
  HOTLINE_INGRESS_FREESWITCH: 'ingress.freeswitch',
  HOTLINE_INGRESS_TWILIO: 'ingress.twilio',
  HOTLINE_INGRESS_AUDIOHOOK: 'ingress.audiohook',
  HOTLINE_RTP_PORTS: 'ingress.rtpPorts',
  HOTLINE_RTP_TIMEOUT_MS: 'ingress.rtpTimeoutMs',
  HOTLINE_SIP_ANSWER_DELAY_MS: 'ingress.answerDelayMs',
  HOTLINE_INGRESS_CODECS: 'ingress.codecs',
  HOTLINE_INGRESS_MAX_CALLS: 'ingress.maxCalls',
  HOTLINE_INGRESS_ALLOW_FROM: 'ingress.allowFrom',
  HOTLINE_SIP_CASE_HEADER: 'ingress.sipCaseHeader',
  HOTLINE_SIP_AGENT_HEADER: 'ingress.sipAgentHeader',
  HOTLINE_INGRESS_CASE_FIELD: 'ingress.caseField',
  HOTLINE_INGRESS_AGENT_FIELD: 'ingress.agentField',
  HOTLINE_INGRESS_AGENT_EXTENSIONS: 'ingress.agentExtensions',
  HOTLINE_TWILIO_AUTH_TOKEN: 'ingress.twilioAuthToken',
  HOTLINE_TWILIO_STREAM_URL: 'ingress.twilioStreamUrl',
  HOTLINE_AUDIOHOOK_CLIENT_SECRET: 'ingress.audiohookClientSecret',
  HOTLINE_RETENTION_AUDIO_DAYS: 'retention.audioDays',
  HOTLINE_RETENTION_RAW_TRANSCRIPT_DAYS: 'retention.rawTranscriptDays',
  HOTLINE_RETENTION_CORRECTED_TRANSCRIPT_DAYS: 'retention.correctedTranscriptDays',
  HOTLINE_RETENTION_ANNOTATIONS_DAYS: 'retention.annotationsDays',
  HOTLINE_RETENTION_AUDIT_DAYS: 'retention.auditDays',
  HOTLINE_RETENTION_CONVERSATION_DAYS: 'retention.conversationDays',
  HOTLINE_RETENTION_PURGE_INTERVAL_MINUTES: 'retention.purgeIntervalMinutes',
};

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
