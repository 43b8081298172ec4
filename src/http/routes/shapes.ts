/**
 * Response shapes several route files share, as the OpenAPI document shows them. Objects are open
 * (`looseObject`): they name the fields clients rely on; the stage types are the full truth.
 */
import { z } from 'zod';

export const tier = z.enum(['hot', 'cold', 'procedure']);

export const agencyContact = z.looseObject({ agency: z.string() });

export const agencyGuess = z.looseObject({ agency: z.string().nullable() }).nullable();

export const faqCandidate = z.looseObject({
  faq_id: z.string(),
  question: z.string(),
  answer: z.string(),
  agency: z.string(),
  score: z.number().describe('0..1, comparable within one query only'),
  confidence: z.number().describe('calibrated probability that the card answers the caller'),
  tier,
});

export const faqEntry = z.looseObject({
  id: z.string(),
  question: z.string(),
  answer: z.string(),
  agency: z.string(),
  tags: z.array(z.string()),
});

export const kbVersion = z.looseObject({ version: z.number().int() });

/** An entry-changing request answers the KB, the new version, and what it changed. */
export const kbChange = <T extends z.ZodRawShape>(shape: T) =>
  z.object({ kb: z.string(), version: z.number().int(), ...shape });
