import { z } from 'zod';
import { weakSecretReason } from './secrets.js';

/**
 * The one typed configuration of Hotline Assist. Every setting has a default suited to the
 * embedded mode (one process, SQLite under the state directory). Each stage owns its own section.
 * Environment names are derived from this schema (`ENV_BINDINGS` in load.ts): `HOTLINE_` + the
 * section's `envPrefix` + the key in capitals, or the setting's own `env` (`false`: file only).
 */
const port = z.coerce.number().int().min(0).max(65535);
const ms = z.coerce.number().int().min(0);
const days = z.coerce.number().min(0);
const bool = z.preprocess(
  (v) => (typeof v === 'string' ? ['1', 'true', 'yes', 'on'].includes(v.toLowerCase()) : v),
  z.boolean(),
);
/** A comma-separated list in the environment, an array in a JSON file. */
const list = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string()),
);

const settingsSchema = z.object({
  /** State directory: database, audio segments, downloaded models, logs. */
  dataDir: z.string().default('.hotline'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  server: z
    .object({
      port: port.default(8080),
      /** This machine only unless told otherwise (e.g. 0.0.0.0 to serve the network). */
      host: z.string().default('127.0.0.1'),
      /** Request bodies above this are refused with 413. */
      bodyLimitBytes: z.coerce
        .number()
        .int()
        .positive()
        .default(10 * 1024 * 1024),
      /** Requests per minute per client address (the real client's, behind a trusted proxy). */
      rateLimitPerMinute: z.coerce.number().int().positive().default(600),
      /** Requests per minute per signed-in principal (token or account), wherever they come from. */
      rateLimitPerPrincipalPerMinute: z.coerce.number().int().positive().default(600),
      /**
       * Reverse proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDRs);
       * empty = none, so every request counts against its peer address.
       */
      trustedProxies: z.string().default(''),
      /** How long a SIGTERM waits for live calls to flush their last finals before exiting anyway. */
      shutdownTimeoutMs: ms.default(15_000),
      tlsCert: z.string().optional(),
      tlsKey: z.string().optional(),
      /** Built agent-desktop assets; served at / when the folder exists. */
      webDir: z.string().default('web/dist'),
    })
    .prefault({}),
  store: z
    .object({
      /** postgres://… for PostgreSQL; unset = SQLite file `<dataDir>/hotline.db`. */
      dbUrl: z.string().optional(),
      /** Archived audio in an S3-compatible bucket, `s3://bucket[/prefix]`; unset = files under `<dataDir>/audio`. */
      blobUrl: z
        .string()
        .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]+[a-z0-9](\/\S*)?$/, 'blobUrl must be s3://bucket[/prefix]')
        .optional(),
      /** The S3-compatible server (MinIO, Ceph…), e.g. `http://minio:9000`; unset = AWS S3 in `blobRegion`. */
      blobEndpoint: z.string().url().optional(),
      blobRegion: z.string().default('us-east-1'),
      blobAccessKeyId: z.string().optional(),
      blobSecretAccessKey: z.string().optional(),
    })
    .prefault({}),
  stream: z
    .object({
      /** How long a call whose client vanished without `end` can be resumed. */
      resumeWindowMs: ms.default(60_000),
      /** Largest binary audio frame accepted (1 s of 16 kHz stereo PCM16 = 64,000 bytes). */
      maxFrameBytes: z.coerce.number().int().positive().default(64_000),
      /** Outgoing bytes buffered for one client before partials are coalesced (newest wins). */
      clientHighWaterBytes: z.coerce
        .number()
        .int()
        .positive()
        .default(256 * 1024)
        .meta({ env: false }),
      /** Events kept per call for resume replay. */
      replayBufferEvents: z.coerce.number().int().positive().default(5_000).meta({ env: false }),
      /** How often partial text is emitted while speech goes on. */
      partialIntervalMs: ms.default(300).meta({ env: false }),
    })
    .prefault({}),
  vad: z
    .object({
      /** Silero VAD ONNX file; unset = `<dataDir>/models/silero_vad.onnx` if present. */
      model: z.string().optional(),
      threshold: z.coerce.number().min(0).max(1).default(0.5),
      /** Trailing silence that ends an utterance. */
      minSilenceMs: ms.default(800),
      minSpeechMs: ms.default(250).meta({ env: false }),
      /** Longest utterance before it is cut. */
      maxUtteranceMs: ms.default(20_000),
      /** Worker threads running Silero for every call (one model session each). */
      workers: z.coerce.number().int().positive().default(1),
      /** Windows that are clearly silence (energy at the noise floor) skip the model. */
      gate: bool.default(true),
      /** 8 kHz calls: Silero's own 8 kHz mode (`native`, default, cheaper), or `upsample` to 16 kHz as sherpa-onnx did. */
      telephone: z.enum(['upsample', 'native']).default('native'),
      /** A VAD worker that leaves audio unanswered this long is replaced. */
      stuckAfterMs: ms.default(2_000).meta({ env: false }),
      /** Audio of all calls is sent to the VAD workers in batches this far apart (latency added at most). */
      batchMs: ms.default(10).meta({ env: false }),
    })
    .prefault({})
    .meta({ envPrefix: 'VAD_' }),
  asr: z
    .object({
      /** none | sherpa-online | two-pass | remote */
      engine: z.enum(['none', 'sherpa-online', 'two-pass', 'remote']).default('none'),
      /** Streaming sherpa-onnx model folder (zipformer transducer, paraformer, zipformer2 CTC). */
      modelDir: z.string().optional(),
      /** Offline sherpa-onnx model folder for two-pass finals (SenseVoice, Paraformer). */
      offlineModelDir: z.string().optional(),
      /** OpenAI-compatible base URL for the remote engine, e.g. http://gpu-1:8000/v1 */
      remoteUrl: z.string().optional(),
      remoteModel: z.string().default('whisper-1'),
      remoteApiKey: z.string().optional(),
      remoteTimeoutMs: ms.default(15_000),
      numThreads: z.coerce.number().int().positive().default(1),
      provider: z.enum(['cpu', 'cuda', 'coreml']).default('cpu'),
      /** Where `models fetch` puts archives; unset = `<dataDir>/models`. */
      modelsDir: z.string().optional().meta({ env: 'HOTLINE_MODELS_DIR' }),
      hotwordsScore: z.coerce.number().default(1.5).meta({ env: false }),
      /** Where `models fetch` downloads release archives from (a mirror, or a local server in tests). */
      modelsBaseUrl: z
        .string()
        .default('https://github.com/k2-fsa/sherpa-onnx/releases/download/asr-models')
        .meta({ env: 'HOTLINE_MODELS_BASE_URL' }),
    })
    .prefault({})
    .meta({ envPrefix: 'ASR_' }),
  text: z
    .object({
      /** Folder with taipei-villages.tsv, taipei-roads.tsv, taipei-agencies.csv, taipei-agency-contacts.json. */
      lexiconDir: z.string().optional(),
      /** Admin-maintained extra terms, one per line; unset = `<dataDir>/lexicon-extra.txt`. */
      extraLexiconFile: z.string().optional(),
      /** Redact names after 我叫/我是. */
      redactNames: bool.default(false),
    })
    .prefault({}),
  knowledge: z
    .object({
      /** JSONL/CSV file or folder imported into an empty default KB at first start. */
      seed: z.string().optional().meta({ env: 'HOTLINE_KB_SEED' }),
      defaultKb: z.string().default('default'),
      /** Colloquial → official vocabulary (TSV); unset = the reviewed file shipped in `data/vocabulary/`. */
      vocabularyFile: z.string().optional().meta({ env: 'HOTLINE_KB_VOCABULARY' }),
      /**
       * Calibrated confidence (0..1) at or above which the top card is answered directly (`hot`).
       * Cross-validated at 0.75: hot answers right 98% of the time on the hand-written caller dev set and
       * ~87% on held-out similar questions; 0–8% of out-of-scope questions hot (docs/knowledge.md).
       */
      hotConfidence: z.coerce.number().min(0).max(1).default(0.75).meta({ env: 'HOTLINE_KB_HOT_CONFIDENCE' }),
      /** Adoptions after which a caller's utterance becomes a searched similar question (0 = only by an editor). */
      learnAfterAdoptions: z.coerce
        .number()
        .int()
        .min(0)
        .max(100)
        .default(1)
        .meta({ env: 'HOTLINE_KB_LEARN_AFTER_ADOPTIONS' }),
      /** OpenAI-compatible /v1/embeddings base URL (vLLM, TEI, Ollama, llama.cpp…): enables dense retrieval. */
      embeddingsUrl: z.string().optional(),
      embeddingsModel: z.string().optional(),
      embeddingsApiKey: z.string().optional(),
      /** Prepended to queries / passages before embedding, as the model expects (e5: `query: `, `passage: `). */
      embeddingsQueryPrefix: z.string().default(''),
      embeddingsPassagePrefix: z.string().default(''),
    })
    .prefault({}),
  suggest: z
    .object({
      llmUrl: z.string().optional(),
      llmModel: z.string().optional(),
      llmApiKey: z.string().optional(),
      llmTimeoutMs: ms.default(2_500),
      /** Minimum time between two suggestion refreshes of one call. */
      refreshMs: ms.default(1_000).meta({ env: 'HOTLINE_SUGGEST_REFRESH_MS' }),
      caseSystemUrl: z.string().optional(),
      caseSystemToken: z.string().optional(),
    })
    .prefault({}),
  auth: z
    .object({
      /** Bootstraps the first admin: at least 32 characters and not trivially guessable. */
      adminToken: z
        .string()
        .superRefine((token, ctx) => {
          const reason = weakSecretReason(token, { minLength: 32, what: 'the admin token' });
          if (reason) ctx.addIssue({ code: 'custom', message: reason });
        })
        .optional(),
      /** Allows the desktop's clearly-marked local dev sign-in (no password). */
      devSignIn: bool.default(false),
      /** Agents may follow (and work) calls that came in with no agent assigned (e.g. from the PBX). */
      agentsSeeUnassignedCalls: bool.default(false),
    })
    .prefault({}),
  audit: z
    .object({
      /** The audit key itself (base64 or hex, ≥ 32 bytes); unset = read or create `keyFile`. */
      key: z.string().optional(),
      /** Where the audit key lives, outside the database; unset = `<dataDir>/audit.key` (created at first start). */
      keyFile: z.string().optional(),
      /** Signed checkpoints of the audit chain (JSONL); unset = `<dataDir>/audit-checkpoints.jsonl`. */
      checkpointFile: z.string().optional(),
      /** How often a checkpoint is written while the chain grows. */
      checkpointSeconds: z.coerce.number().positive().default(60),
    })
    .prefault({})
    .meta({ envPrefix: 'AUDIT_' }),
  /** Telephony ingress (docs/telephony.md): every listener is off until its setting turns it on. */
  ingress: z
    .object({
      /** SIP user agent and SIPREC recording server, UDP and TCP on this port; unset = off. */
      sipPort: port.optional(),
      /** Address put in SDP and Contact; unset = HOTLINE_HOST, or this machine's first IPv4 when that is 0.0.0.0. */
      sipAddress: z.string().optional(),
      /** Asterisk AudioSocket TCP listener; unset = off. */
      audiosocketPort: port.optional(),
      /** `POST /api/ingress/external-media`: RTP ports for Asterisk ExternalMedia channels. */
      externalMedia: bool.default(false).meta({ env: 'HOTLINE_INGRESS_EXTERNAL_MEDIA' }),
      /** WebSocket paths on the main port. */
      freeswitch: bool.default(false).meta({ env: 'HOTLINE_INGRESS_FREESWITCH' }),
      twilio: bool.default(false).meta({ env: 'HOTLINE_INGRESS_TWILIO' }),
      audiohook: bool.default(false).meta({ env: 'HOTLINE_INGRESS_AUDIOHOOK' }),
      /** UDP ports handed to RTP streams (SIP and ExternalMedia), `first-last`. */
      rtpPorts: z
        .string()
        .regex(/^\d{1,5}-\d{1,5}$/, 'rtpPorts: first-last, e.g. 40000-40999')
        .default('40000-40999'),
      /** A live RTP stream that sends nothing this long (not on hold) is hung up with BYE. */
      rtpTimeoutMs: ms.default(30_000),
      /** Ring time before a SIP call is answered (a PBX can still CANCEL a fork nobody picked up). */
      answerDelayMs: ms.default(0).meta({ env: 'HOTLINE_SIP_ANSWER_DELAY_MS' }),
      /** Wire codecs accepted: PCMU, PCMA (G.711) and L16 (linear PCM). */
      codecs: list
        .pipe(z.array(z.enum(['PCMU', 'PCMA', 'L16'])).min(1))
        .default(['PCMU', 'PCMA', 'L16'])
        .meta({ env: 'HOTLINE_INGRESS_CODECS' }),
      /** Telephony legs live at once, all protocols together; more are refused with `ingress_busy`. */
      maxCalls: z.coerce.number().int().positive().default(200).meta({ env: 'HOTLINE_INGRESS_MAX_CALLS' }),
      /** Peers admitted to the IP-only protocols (SIP/RTP, AudioSocket), as addresses or CIDRs. */
      allowFrom: list.default(['127.0.0.1/32', '::1/128']).meta({ env: 'HOTLINE_INGRESS_ALLOW_FROM' }),
      /** SIP headers carrying the case id and agent id. */
      sipCaseHeader: z.string().default('X-Case-Id'),
      sipAgentHeader: z.string().default('X-Agent-Id'),
      /** Field of the call's metadata (FreeSWITCH JSON, Twilio parameters, AudioHook customConfig) holding the case id. */
      caseField: z.string().default('case_id').meta({ env: 'HOTLINE_INGRESS_CASE_FIELD' }),
      agentField: z.string().default('agent_id').meta({ env: 'HOTLINE_INGRESS_AGENT_FIELD' }),
      /** Extension or number → agent id, `1001=agent-7,1002=agent-9`. */
      agentExtensions: list
        .pipe(z.array(z.string().regex(/^[^=]+=[^=]+$/, 'agentExtensions: extension=agent-id')))
        .default([])
        .meta({ env: 'HOTLINE_INGRESS_AGENT_EXTENSIONS' }),
      /** Twilio account auth token: verifies `X-Twilio-Signature` on the WebSocket upgrade. */
      twilioAuthToken: z.string().optional(),
      /** The exact wss:// URL given to Twilio's <Stream url>, which Twilio signs. */
      twilioStreamUrl: z.string().optional(),
      /** AudioHook client secret (base64): when set, requests must carry a valid HTTP message signature. */
      audiohookClientSecret: z.string().optional(),
    })
    .prefault({}),
  retention: z
    .object({
      audioDays: days.default(90),
      rawTranscriptDays: days.default(90),
      correctedTranscriptDays: days.default(365),
      annotationsDays: days.default(365),
      auditDays: days.default(1825),
      /** Text-channel conversations (stored redacted), counted from their last turn. */
      conversationDays: days.default(90),
      purgeIntervalMinutes: z.coerce.number().positive().default(60),
    })
    .prefault({})
    .meta({ envPrefix: 'RETENTION_' }),
  /** Many processes and nodes as one (docs/cluster.md); unset `busUrl` = one process on its own. */
  cluster: z
    .object({
      /** `nats://host:4222` (comma-separated for several servers); unset = in-process bus, one node. */
      busUrl: z
        .string()
        .regex(/^nats:\/\/[^\s]+$/, 'busUrl must be nats://host:port[,nats://…]')
        .optional(),
      /** This node's name in metrics, leases and logs; default `<hostname>-<pid>`. */
      nodeId: z
        .string()
        .regex(/^[A-Za-z0-9._-]+$/, 'nodeId: letters, digits, . _ -')
        .optional(),
      /** Subject and stream prefix on the bus (one NATS serving several deployments). */
      busPrefix: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/, 'busPrefix: letters, digits, _ -')
        .default('hotline'),
      /** How long the bus keeps a call's events for a resume on another node. */
      historyMs: ms.default(60 * 60_000).meta({ env: 'HOTLINE_BUS_HISTORY_MS' }),
      /** A node that stops renewing its claim on a live case loses it after this long. */
      leaseMs: z.coerce.number().int().min(1000).default(10_000).meta({ env: 'HOTLINE_CASE_LEASE_MS' }),
    })
    .prefault({}),
});

export const configSchema = settingsSchema.superRefine((config, ctx) => {
  // Nodes share calls through the bus and state through one database: SQLite files are per process.
  if (config.cluster.busUrl && !config.store.dbUrl?.startsWith('postgres'))
    ctx.addIssue({
      code: 'custom',
      path: ['store', 'dbUrl'],
      message: 'cluster mode (HOTLINE_BUS_URL) needs PostgreSQL: set HOTLINE_DB_URL=postgres://…',
    });
  const { blobUrl, blobAccessKeyId, blobSecretAccessKey } = config.store;
  if (blobUrl && !(blobAccessKeyId && blobSecretAccessKey))
    ctx.addIssue({
      code: 'custom',
      path: ['store', 'blobAccessKeyId'],
      message:
        'an s3:// blob store (HOTLINE_BLOB_URL) needs HOTLINE_BLOB_ACCESS_KEY_ID and HOTLINE_BLOB_SECRET_ACCESS_KEY',
    });
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
