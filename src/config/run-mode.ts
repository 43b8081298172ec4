/**
 * Whether this process runs under tests or in development (`NODE_ENV` `test` — vitest sets it — or
 * `development`): self-checks too costly for production, such as checking every HTTP reply against
 * its schema, switch on.
 */
export const checksReplies = (): boolean => ['test', 'development'].includes(process.env.NODE_ENV ?? '');
