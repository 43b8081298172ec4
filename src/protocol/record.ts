/**
 * `POST /api/case/record`: the end-of-call record a desktop or integration sends (strict), as the
 * archive accepts it and the desktop's wrap-up form builds it.
 */
import { z } from 'zod';
import { suggestionVerdicts } from './feedback.js';

/** Ids that also name blob files: no separators, no dot-dot. */
const id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, . _ : - only');
const time = z.union([
  z.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);
const ms = z.number().int().nonnegative();
const text = z.string().max(20_000);

export const transcriptItem = z.object({
  utterance_id: id,
  speaker: z.enum(['caller', 'agent']),
  channel: z.number().int().min(0).max(1).default(0),
  start_ms: ms,
  end_ms: ms,
  /** ASR output as recognised. */
  text: text.optional(),
  /** Text after automatic and agent correction. */
  corrected_text: text,
  /** The agent checked or corrected it. */
  verified: z.boolean().default(false),
});

export const suggestionItem = z.object({
  utterance_id: id,
  kb_version: z.number().int().nonnegative().nullable(),
  faq_ids: z.array(z.string().max(128)).max(50),
  cited_faq_ids: z.array(z.string().max(128)).max(50).default([]),
  reply_script: text,
  tier: z.enum(['hot', 'cold', 'procedure']).optional(),
  source: z.enum(['template', 'llm']).optional(),
  shown_at: time.optional(),
});

export const actionItem = z.object({
  id: id.optional(),
  utterance_id: id.optional(),
  faq_id: z.string().max(128).optional(),
  action: z.enum(suggestionVerdicts),
  /** The text the agent used (for `edited`, their version). */
  text: text.optional(),
  at: time.optional(),
});

export const annotationItem = z.object({
  id: id.optional(),
  utterance_id: id.optional(),
  label: z.string().min(1).max(200),
  text: text.optional(),
  at: time.optional(),
});

/** Either a reference to a segment the stream already stored, or an uploaded file (base64). */
export const audioItem = z.union([
  z.object({
    segment_id: id,
    format: z.enum(['wav', 'opus']),
    data: z.base64().min(1),
    speaker: z.enum(['caller', 'agent']).optional(),
    channel: z.number().int().min(0).max(1).optional(),
    start_ms: ms.default(0),
    end_ms: ms.optional(),
  }),
  z.object({ segment_id: id }).strict(),
]);

export const caseRecordBody = z
  .object({
    case_id: id,
    /** Idempotency: the same (case_id, revision) twice is applied once. */
    revision: z.number().int().min(1),
    agent_id: z.string().min(1).max(128).optional(),
    started_at: time.optional(),
    ended_at: time.optional(),
    category: z.string().max(200).optional(),
    agency: z.string().max(200).optional(),
    notes: z.string().max(20_000).optional(),
    transcript: z.array(transcriptItem).max(5_000).default([]),
    suggestions: z.array(suggestionItem).max(5_000).default([]),
    actions: z.array(actionItem).max(5_000).default([]),
    annotations: z.array(annotationItem).max(1_000).default([]),
    audio: z.array(audioItem).max(2_000).default([]),
  })
  .strict()
  .superRefine((body, ctx) => {
    body.transcript.forEach((t, i) => {
      if (t.end_ms < t.start_ms)
        ctx.addIssue({ code: 'custom', path: ['transcript', i, 'end_ms'], message: 'ends before it starts' });
    });
    if (body.ended_at !== undefined && body.started_at !== undefined && body.ended_at < body.started_at) {
      ctx.addIssue({ code: 'custom', path: ['ended_at'], message: 'ends before it starts' });
    }
  });

export type CaseRecordBody = z.infer<typeof caseRecordBody>;
export type CaseRecordInput = z.input<typeof caseRecordBody>;
