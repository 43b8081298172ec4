import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorResponses, useContract, type ZodTypeProvider } from './contract.js';

const reply = z.object({ id: z.string(), items: z.array(z.object({ n: z.number() })) });

/** A route that answers whatever the test hands it, declared with `reply` as its 200 schema. */
async function appAnswering(sent: unknown, checkReplies?: boolean) {
  const app = Fastify({ logger: false });
  await useContract(app, { openApi: false, ...(checkReplies === undefined ? {} : { checkReplies }) });
  app
    .withTypeProvider<ZodTypeProvider>()
    .get('/thing', { schema: { response: { 200: reply, ...errorResponses } } }, async () => sent as never);
  return app;
}

describe('replies are checked against their response schema', () => {
  let app: Awaited<ReturnType<typeof appAnswering>> | undefined;
  afterEach(async () => {
    await app?.close();
  });

  it('sends a reply that matches', async () => {
    app = await appAnswering({ id: 'a', items: [{ n: 1 }] });
    const res = await app.inject({ method: 'GET', url: '/thing' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: 'a', items: [{ n: 1 }] });
  });

  it('fails a reply with a field the schema does not declare, naming it', async () => {
    app = await appAnswering({ id: 'a', items: [{ n: 1, secret: 'x' }], extra: true });
    const res = await app.inject({ method: 'GET', url: '/thing' });
    expect(res.statusCode).toBe(500);
    expect(res.json().error.code).toBe('invalid_response');
    expect(res.json().error.message).toContain('items.0.secret');
    expect(res.json().error.message).toContain('extra');
  });

  it('fails a reply without a required field', async () => {
    app = await appAnswering({ items: [] });
    const res = await app.inject({ method: 'GET', url: '/thing' });
    expect(res.statusCode).toBe(500);
    expect(res.json().error).toMatchObject({ code: 'invalid_response' });
    expect(res.json().error.message).toContain('id');
  });

  it('is on under vitest by default and can be switched off (production sends replies as built)', async () => {
    expect(process.env.NODE_ENV).toBe('test');
    app = await appAnswering({ id: 'a', items: [], extra: true }, false);
    const res = await app.inject({ method: 'GET', url: '/thing' });
    expect(res.statusCode).toBe(200);
    expect(res.json().extra).toBe(true);
  });
});
