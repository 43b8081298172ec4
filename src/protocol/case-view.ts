/**
 * `GET /api/cases` and `GET /api/case/:id`: an archived case as a viewer may read it (docs/archive.md
 * "who sees what"). The server builds these and checks its replies against them; the desktop's archive
 * page reads them.
 */
import { z } from 'zod';

export const transcriptView = z.object({
  utterance_id: z.string(),
  speaker: z.string(),
  channel: z.number().int(),
  start_ms: z.number(),
  end_ms: z.number(),
  /** What this viewer may read: see docs/archive.md "who sees what". */
  text: z.string().nullable(),
  /** Supervisors only: the recognised and the corrected text. */
  raw_text: z.string().nullable().optional(),
  corrected_text: z.string().nullable().optional(),
  verified: z.boolean(),
});
export type TranscriptView = z.infer<typeof transcriptView>;

export const caseSummary = z.object({
  id: z.string(),
  agent_id: z.string().nullable(),
  status: z.string(),
  started_at: z.number(),
  ended_at: z.number().nullable(),
  category: z.string().nullable(),
  agency: z.string().nullable(),
  legal_hold: z.boolean(),
});
export type CaseSummary = z.infer<typeof caseSummary>;

export const caseView = caseSummary.extend({
  end_reason: z.string().nullable(),
  notes: z.string().nullable(),
  revision: z.number().int(),
  hold_reason: z.string().nullable(),
  transcript: z.array(transcriptView),
  suggestions: z.array(
    z.object({
      utterance_id: z.string(),
      kb_version: z.number().nullable(),
      faq_ids: z.array(z.string()),
      cited_faq_ids: z.array(z.string()),
      reply_script: z.string(),
      tier: z.string().nullable(),
      source: z.string().nullable(),
      ts: z.number(),
    }),
  ),
  feedback: z.array(
    z.object({
      id: z.string(),
      utterance_id: z.string().nullable(),
      action: z.string(),
      faq_id: z.string().nullable(),
      text: z.string().nullable(),
      by: z.string().nullable(),
      ts: z.number(),
    }),
  ),
  audio: z.array(
    z.object({
      segment_id: z.string(),
      kind: z.string(),
      speaker: z.string().nullable(),
      channel: z.number().int().nullable(),
      start_ms: z.number(),
      end_ms: z.number(),
      format: z.string(),
      bytes: z.number().int(),
      sha256: z.string(),
    }),
  ),
  /**
   * Supervisors only: what later revisions replaced (notes, fields, utterance text), oldest first,
   * until the class of the old value expires.
   */
  history: z
    .array(
      z.object({
        revision: z.number().int(),
        item: z.string(),
        previous: z.unknown(),
        changed_by: z.string().nullable(),
        changed_at: z.number(),
      }),
    )
    .optional(),
});
export type CaseView = z.infer<typeof caseView>;

/** The readable number (`1999-YYYYMMDD-NNNNNN`) the routes add beside the internal id. */
const numbered = { case_no: z.string().nullable() };
export const numberedCaseSummary = caseSummary.extend(numbered);
export type NumberedCaseSummary = z.infer<typeof numberedCaseSummary>;
export const numberedCaseView = caseView
  .extend(numbered)
  .describe('what this viewer may read of the case (docs/archive.md "who sees what")');
export type NumberedCaseView = z.infer<typeof numberedCaseView>;
