/**
 * Response shapes several route files share, exact (`z.object`): under test every reply is checked
 * against its schema (contract.ts), so a field a stage adds must be declared here to be sent.
 */
import { z } from 'zod';
import { tiers } from '../../protocol/index.js';

export const tier = z.enum(tiers);

/** The responsible agency by the router, with its posterior probability. */
export const agencyGuess = z.object({ agency: z.string(), confidence: z.number() }).nullable();

export const kbPhrasing = z.object({
  text: z.string(),
  source: z.enum(['authored', 'editor', 'agent']),
  status: z.enum(['approved', 'pending', 'review']),
  written_for: z.string(),
});

export const faqEntry = z.object({
  id: z.string(),
  question: z.string(),
  answer: z.string(),
  agency: z.string(),
  maintainer: z.string().optional(),
  url: z.string().optional(),
  tags: z.array(z.string()),
  tier: tier.nullable().optional(),
  updated: z.string().optional(),
  phrasings: z.array(kbPhrasing).optional(),
});

export const vocabularyTerm = z.object({ colloquial: z.string(), official: z.array(z.string()) });

const ids = z.array(z.string());
export const kbVersion = z.object({
  kb: z.string(),
  version: z.number().int(),
  restored_from: z.number().int().nullable(),
  note: z.string().nullable(),
  entry_count: z.number().int(),
  added: z.number().int(),
  changed: z.number().int(),
  removed: z.number().int(),
  created_at: z.number(),
  kind: z.enum(['import', 'edit', 'rollback', 'vocabulary']),
  diff: z.object({ added: ids, changed: ids, removed: ids }),
  vocabulary: z.array(vocabularyTerm),
});

/** An entry-changing request answers the KB, the new version, and what it changed. */
export const kbChange = <T extends z.ZodRawShape>(shape: T) =>
  z.object({ kb: z.string(), version: kbVersion, ...shape });
