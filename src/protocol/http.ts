/** What every REST error answers: a stable `code` a client branches on and a human message. Never a stack. */
import { z } from 'zod';

export const errorBody = z
  .object({ error: z.object({ code: z.string(), message: z.string() }) })
  .describe('an error: stable code and message');
export type ErrorBody = z.infer<typeof errorBody>;
