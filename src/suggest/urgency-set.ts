/** Labelled caller turns for urgency: the format of the dev sets and the classifier's training data. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { emergencyProtocols, urgencyCategories } from './urgency-categories.js';

const caseSchema = z.object({
  text: z.string().min(1),
  urgent: z.boolean(),
  category: z.union([z.enum(urgencyCategories), z.literal('none')]),
  protocol: z.union([z.enum(emergencyProtocols), z.literal('none')]),
});
export type UrgencyCase = z.infer<typeof caseSchema>;

/** A JSONL set of `{"text","urgent","category","protocol"}`; a bad line is an error naming it. */
export function readUrgencySet(path: string): UrgencyCase[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line, i) => ({ line: line.trim(), at: i + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, at }) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw Object.assign(new Error(`${path} line ${at}: not JSON`), { code: 'invalid_set' });
      }
      const parsed = caseSchema.safeParse(value);
      if (!parsed.success)
        throw Object.assign(
          new Error(`${path} line ${at}: expected {"text","urgent","category","protocol"}`),
          {
            code: 'invalid_set',
          },
        );
      return parsed.data;
    });
}
