/**
 * The published wire protocol of `WS /api/stream/asr`, the desktop event stream and the REST bodies
 * both sides share (case record, feedback vocabulary, error body).
 * Pure types and schemas (zod only): the web desktop imports this and nothing else of the server.
 */
import { z } from 'zod';
import { feedbackActions } from './feedback.js';

export * from './feedback.js';
export * from './record.js';
export * from './http.js';
export * from './case-view.js';

export const PROTOCOL_VERSION = 1;

export const audioFormats = ['pcm_s16le', 'mulaw', 'alaw'] as const;
export type AudioFormat = (typeof audioFormats)[number];
export type Speaker = 'caller' | 'agent';

// ---- client → server -------------------------------------------------------------------------

export const startMessage = z.object({
  type: z.literal('start'),
  lang: z.string().default('zh-TW'),
  /** Letters, digits and . _ : - only, so it is safe in URLs and file names. */
  case_id: z
    .string()
    .regex(/^[\w.:-]{1,128}$/, 'case_id: 1-128 letters, digits, . _ : -')
    .optional(),
  format: z.enum(audioFormats).default('pcm_s16le'),
  sample_rate: z.union([z.literal(8000), z.literal(16000)]).default(16000),
  channels: z.union([z.literal(1), z.literal(2)]).default(1),
  /** Who speaks on a mono leg (stereo is always caller left, agent right). */
  speaker: z.enum(['caller', 'agent']).default('caller'),
  agent_id: z.string().optional(),
  /** Per-call endpointing overrides. */
  vad: z
    .object({
      min_silence_ms: z.number().int().min(100).max(5000).optional(),
      max_utterance_ms: z.number().int().min(1000).max(60000).optional(),
      threshold: z.number().min(0.05).max(0.95).optional(),
    })
    .optional(),
  kb: z.string().optional(),
});
export type StartMessage = z.infer<typeof startMessage>;

export const endMessage = z.object({ type: z.literal('end') });
export const resumeMessage = z.object({
  type: z.literal('resume'),
  case_id: z.string().min(1),
  last_seq: z.number().int().min(0),
});
/** Agent feedback on a suggestion, sent over the desktop socket. */
export const feedbackMessage = z.object({
  type: z.literal('feedback'),
  case_id: z.string().min(1),
  utterance_id: z.string().optional(),
  action: z.enum(feedbackActions),
  faq_id: z.string().optional(),
  text: z.string().max(10_000).optional(),
});
export type FeedbackMessage = z.infer<typeof feedbackMessage>;

/** What an urgent caller turn is about (the suggest stage's urgency detector). */
export const urgencyCategories = [
  'suicide',
  'self_harm',
  'overdose',
  'domestic_violence',
  'child_abuse',
  'violence_threat',
  'fire_gas',
  'medical',
  'disaster',
  'crime_in_progress',
] as const;
export type UrgencyCategory = (typeof urgencyCategories)[number];

/** First referral: 119 fire/ambulance, 110 police, 113 protection hotline, 1925 mental-health line. */
export const emergencyProtocols = ['119', '110', '113', '1925'] as const;
export type EmergencyProtocol = (typeof emergencyProtocols)[number];

/** An urgency alert as the text channel returns it and as each `alert` event carries it. */
export const urgentAlert = z.object({
  level: z.enum(['warning', 'critical']),
  category: z.enum(urgencyCategories),
  protocol: z.enum(emergencyProtocols),
  /** What the agent reads to the caller first (zh-TW): location, anyone hurt, stay on the line, transfer. */
  script: z.string(),
});
export type UrgentAlert = z.infer<typeof urgentAlert>;

/**
 * What an agent or supervisor did about an alert (`POST /api/calls/:case_id/alerts/:seq`):
 * acknowledge it, take the call over (supervisors), or note the outcome.
 */
export const alertActions = ['acknowledge', 'take_over', 'outcome'] as const;
export type AlertAction = (typeof alertActions)[number];
export const alertActionRequest = z.object({
  action: z.enum(alertActions),
  note: z.string().trim().min(1).max(2000).optional(),
});
export type AlertActionRequest = z.infer<typeof alertActionRequest>;

/** Who did a step about an alert, and when (ms). */
const alertStep = z.object({ by: z.string().nullable(), by_name: z.string().nullable(), at: z.number() });
export type AlertStep = z.infer<typeof alertStep>;

/** `GET /api/alerts`: an alert on the supervisor board, with what has been done about it. */
export const alertRecord = z.object({
  case_id: z.string(),
  /** What the agent's call bar shows (`1999-20261202-000123`); null before the call was numbered. */
  case_no: z.string().nullable(),
  utterance_id: z.string(),
  seq: z.number().int(),
  ts: z.number(),
  level: z.enum(['warning', 'critical']),
  category: z.enum(urgencyCategories),
  protocol: z.enum(emergencyProtocols),
  script: z.string(),
  reason: z.string(),
  text: z.string(),
  acknowledged_by_agent: alertStep.nullable(),
  acknowledged_by_supervisor: alertStep.nullable(),
  taken_over_by: alertStep.nullable(),
  outcome: alertStep.extend({ note: z.string() }).nullable(),
  /** Last time anything happened to it (ms): the board asks for what changed since. */
  updated_at: z.number(),
});
export type AlertItem = z.infer<typeof alertRecord>;

/** `GET /api/calls`: a call on the board. */
export const callSummary = z.object({
  case_id: z.string(),
  case_no: z.string().nullable(),
  /** False when no speech recognition runs for the call (speech events, no text). */
  speech_to_text: z.boolean(),
  started_at: z.string(),
  ended_at: z.string().nullable(),
  agent_id: z.string().nullable(),
  agent_name: z.string().nullable(),
  status: z.enum(['live', 'ended']),
  last_utterance: z.string().nullable(),
  agency: z.string().nullable(),
  alert_level: z.enum(['warning', 'critical']).nullable(),
  open_alerts: z.number().int(),
  last_seq: z.number().int(),
});
export type CallSummary = z.infer<typeof callSummary>;

export const clientMessage = z.discriminatedUnion('type', [
  startMessage,
  endMessage,
  resumeMessage,
  feedbackMessage,
]);
export type ClientMessage = z.infer<typeof clientMessage>;

// ---- server → client -------------------------------------------------------------------------

export const textEdit = z.object({
  /** Offsets in the corrected text. */
  start: z.number().int(),
  end: z.number().int(),
  original: z.string(),
  replacement: z.string(),
  kind: z.string(),
});
export type TextEdit = z.infer<typeof textEdit>;

export const tiers = ['hot', 'cold', 'procedure'] as const;
export type Tier = (typeof tiers)[number];

export const faqCandidate = z.object({
  faq_id: z.string(),
  question: z.string(),
  answer: z.string(),
  agency: z.string(),
  /** Retrieval score (0..1), comparable within one query only. */
  score: z.number().describe('0..1, comparable within one query only'),
  /**
   * Calibrated probability (0..1) that this card answers the caller, fitted on realistic caller
   * questions (docs/knowledge.md, "Confidence").
   */
  confidence: z.number().describe('calibrated probability that the card answers the caller'),
  tier: z.enum(tiers),
  url: z.string().optional(),
  matched: z.array(z.string()).optional(),
  /** The similar question (相似問法) of the entry that matched the caller's words best. */
  phrasing: z.string().optional(),
});
export type FaqCandidate = z.infer<typeof faqCandidate>;

export const agencyContact = z.object({
  agency: z.string(),
  phone: z.string().optional(),
  hours: z.string().optional(),
  url: z.string().optional(),
  address: z.string().optional(),
});
export type AgencyContact = z.infer<typeof agencyContact>;

interface Base {
  seq: number;
  case_id: string;
  /** Server time (ms since epoch) the event was emitted. */
  ts: number;
}

export type ServerEvent =
  | (Base & {
      type: 'started';
      sample_rate: number;
      channels: number;
      format: AudioFormat;
      asr: { engine: string; version: string } | null;
      resumed: boolean;
      /** Readable number of the call (`1999-20261202-000123`) beside its internal case id. */
      case_no?: string;
    })
  | (Base & {
      type: 'speech_start';
      utterance_id: string;
      speaker: Speaker;
      channel: number;
      start_ms: number;
    })
  | (Base & {
      type: 'speech_end';
      utterance_id: string;
      speaker: Speaker;
      channel: number;
      start_ms: number;
      end_ms: number;
    })
  | (Base & {
      type: 'partial';
      utterance_id: string;
      rev: number;
      text: string;
      confidence: number | null;
      speaker: Speaker;
      channel: number;
    })
  | (Base & {
      type: 'final';
      utterance_id: string;
      text: string;
      corrected_text: string;
      edits: TextEdit[];
      start_ms: number;
      end_ms: number;
      speaker: Speaker;
      channel: number;
    })
  | (Base & {
      type: 'suggestion';
      utterance_id: string;
      corrected_text: string;
      faq_candidates: FaqCandidate[];
      reply_script: string;
      tier: Tier;
      kb_version: number | null;
      /** Built from a partial; replaced by the one for the final. */
      speculative: boolean;
      handoff: AgencyContact | null;
      source: 'template' | 'llm';
      cited_faq_ids: string[];
      /** Responsible agency and question type of the utterance window (suggest stage's router). */
      intent?: { agency: string | null; question_type: string; confidence: number | null };
      /** Web pages and forms of the cited entry, for the agent to send by SMS or e-mail (not read out). */
      links?: Array<{ label: string; url: string }>;
      /** Set when the utterance raised an urgency alert: the script is then the alert's, not an FAQ answer. */
      urgent?: { category: UrgencyCategory; protocol: EmergencyProtocol } | null;
    })
  | (Base & { type: 'reply_delta'; utterance_id: string; delta: string })
  | (Base & { type: 'tool_result'; utterance_id: string; tool: string; result: Record<string, unknown> })
  | (Base &
      UrgentAlert & {
        type: 'alert';
        utterance_id: string;
        /** Why it fired, for the supervisor (e.g. "自殺風險：不想活、拖累家裡"). */
        reason: string;
        /** The caller's words. */
        text: string;
      })
  /** An agent or supervisor acted on the alert with `seq` `alert_seq`. */
  | (Base & {
      type: 'alert_action';
      alert_seq: number;
      action: AlertAction;
      by: string | null;
      /** Display name of who acted, when known. */
      by_name: string | null;
      role: Role | null;
      note: string | null;
    })
  | (Base & { type: 'kb_updated'; kb: string; version: number })
  /** An agent's action on a suggestion, echoed so supervisors and the archive see it. */
  | (Base & Omit<FeedbackMessage, 'type' | 'case_id'> & { type: 'feedback'; by: string | null })
  | (Base & { type: 'error'; code: ErrorCode; message: string; fatal: boolean })
  /** `resume_elsewhere`: the node is draining; send `resume` to another node of the cluster. */
  | (Base & { type: 'closed'; reason: 'end' | 'timeout' | 'server_shutdown' | 'resume_elsewhere' });

export type ServerEventType = ServerEvent['type'];
/** An event before the call assigns it `seq`, `case_id` and `ts`. */
export type EventBody = ServerEvent extends infer E
  ? E extends ServerEvent
    ? Omit<E, 'seq' | 'case_id' | 'ts'>
    : never
  : never;

/** Stable error codes a client can branch on. */
export const errorCodes = [
  'invalid_json',
  'invalid_message',
  'unknown_type',
  'not_started',
  'already_started',
  'unsupported_format',
  'unsupported_sample_rate',
  'misaligned_audio',
  'frame_too_large',
  'already_ended',
  'unknown_case',
  'resume_expired',
  'case_in_use',
  'asr_unavailable',
  'vad_unavailable',
  'vad_failed',
  'asr_failed',
  'unauthorized',
  'forbidden',
  'internal',
  /** A new stream named a case that is already archived or on legal hold. */
  'case_archived',
  /** Storage cannot take the call's data: nothing further is acknowledged. */
  'storage_unavailable',
  /** `resume` named a seq this call has not reached. */
  'future_seq',
  /** The server is shutting down: no new calls. */
  'server_shutdown',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

// ---- who is calling (API tokens and accounts are scoped to one role; `editor` maintains KB content) ----

export const roles = ['agent', 'supervisor', 'admin', 'editor', 'ingress', 'service'] as const;
export type Role = (typeof roles)[number];

export interface Principal {
  /** User id or token id. */
  id: string;
  role: Role;
  /** `peer`: a telephony peer admitted by address or protocol signature (docs/telephony.md). */
  kind: 'user' | 'token' | 'dev' | 'peer';
  name?: string;
}
