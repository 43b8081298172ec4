import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../cases/testing/fixtures.js';
import { startApp, type RunningApp } from './app.js';

interface Operation {
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses?: Record<string, { content?: Record<string, { schema: unknown }>; description?: string }>;
}
type OpenApi = { openapi: string; paths: Record<string, Record<string, Operation>> };

/** `/api/case/:id/audio/:segment` → `/api/case/{id}/audio/{segment}`. */
const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');
const pathParams = (url: string) => [...url.matchAll(/:(\w+)/g)].map((m) => m[1]);

/**
 * The published contract matches the running app: every route the app serves (as the auth plugin
 * saw it registered) is in `/api/docs/json` with its path parameters, its body where it takes one,
 * and a described success and error response.
 */
describe('OpenAPI at /api/docs', () => {
  let app: RunningApp;
  let doc: OpenApi;

  beforeAll(async () => {
    app = await startApp(testConfig({ server: { port: 0, host: '127.0.0.1' } }), { listen: false });
    const res = await app.server.inject({ method: 'GET', url: '/api/docs/json' });
    expect(res.statusCode).toBe(200);
    doc = res.json<OpenApi>();
  });
  afterAll(async () => {
    await app?.close();
  });

  /** Routes that act on their path alone and take no body. */
  const bodiless = new Set<string>([
    'POST /api/auth/logout',
    'POST /api/kb/:kb/learned/:id/approve',
    'POST /api/kb/:kb/learned/:id/remove',
    'POST /api/models/asr/rollback',
  ]);

  it('lists every registered route with request and response schemas', () => {
    expect(doc.openapi).toMatch(/^3\./);
    const routes = app.server.declaredRoutes();
    expect(routes.length).toBeGreaterThan(50);
    const missing: string[] = [];
    for (const route of routes) {
      const name = `${route.method} ${route.url}`;
      const op = doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase()];
      if (!op) {
        missing.push(`${name}: not in the document`);
        continue;
      }
      const documented = new Set((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name));
      for (const param of pathParams(route.url))
        if (!documented.has(param as string)) missing.push(`${name}: path parameter ${param} undocumented`);
      const responses = Object.entries(op.responses ?? {});
      const success = responses.find(([status]) => /^(1|2)\d\d$/.test(status));
      if (!success) missing.push(`${name}: no success response`);
      else if (!success[1].content && !['101', '204'].includes(success[0]))
        missing.push(`${name}: success response without a schema`);
      if (!responses.some(([status]) => status.startsWith('4'))) missing.push(`${name}: no error response`);
      if (['POST', 'PUT', 'PATCH'].includes(route.method) && !op.requestBody && !bodiless.has(name))
        missing.push(`${name}: takes a body but documents none`);
    }
    expect(missing).toEqual([]);
  });

  it('documents the bodies routes validate, and the error body', () => {
    const login = doc.paths['/api/auth/login']?.post;
    const loginBody = login?.requestBody?.content['application/json']?.schema as {
      properties?: Record<string, unknown>;
      required?: string[];
    };
    expect(Object.keys(loginBody.properties ?? {})).toEqual(['username', 'password']);
    expect(loginBody.required).toEqual(['username', 'password']);
    const record = doc.paths['/api/case/record']?.post?.requestBody?.content['application/json']?.schema as {
      properties?: Record<string, unknown>;
    };
    expect(Object.keys(record.properties ?? {})).toContain('transcript');
    const error = doc.paths['/api/cases']?.get?.responses?.['4XX']?.content?.['application/json']?.schema as {
      properties?: Record<string, unknown>;
    };
    expect(Object.keys(error?.properties ?? {})).toEqual(['error']);
    const search = doc.paths['/api/faq/query']?.get?.parameters?.map((p) => `${p.in}:${p.name}`);
    expect(search).toEqual(expect.arrayContaining(['query:q', 'query:k', 'query:kb', 'query:agency']));
  });

  it('serves a readable page at /api/docs without a token', async () => {
    const page = await app.server.inject({ method: 'GET', url: '/api/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('/api/docs/json');
  });
});
