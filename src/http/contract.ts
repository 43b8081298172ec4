/**
 * The HTTP contract: routes declare zod schemas for params, query, body and responses; fastify
 * validates requests with them (a failure is 400 `invalid_body`, worded as before) and
 * `@fastify/swagger` publishes them as OpenAPI at `/api/docs/json`. Handlers are typed by the
 * response schemas; under test and development (`checkReplies`) each JSON reply is also checked
 * against its status's schema, so a reply with a field the schema does not declare, or without one it
 * requires, fails as 500 `invalid_response`. In production replies are sent as built (no parse cost).
 */
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchema,
  FastifySchemaCompiler,
  FastifySerializerCompiler,
  FastifyTypeProvider,
} from 'fastify';
import swagger from '@fastify/swagger';
import { z, ZodError, type ZodType } from 'zod';
import { checksReplies } from '../config/index.js';
import { errorBody } from '../protocol/index.js';
import { isStorageError, StorageUnavailableError, type StorageHealth } from '../store/index.js';
import { docsPage } from './docs-page.js';
import { HttpError, stageHttpError } from './errors.js';

/** Types request parts and replies from the route's zod schemas. */
export interface ZodTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends ZodType ? z.output<this['schema']> : unknown;
  serializer: this['schema'] extends ZodType ? z.input<this['schema']> : unknown;
}

const isZod = (schema: unknown): schema is ZodType => schema instanceof z.ZodType;

/** Parses a request part with its zod schema; parsed values (defaults, coercions) replace the raw ones. */
const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, url, httpPart }) => {
  if (!isZod(schema)) throw new Error(`${url}: the ${httpPart ?? 'request'} schema is not a zod schema`);
  // fastify hands a missing body over as null; routes treat "no body" as undefined.
  return (data: unknown) => {
    const result = schema.safeParse(data ?? undefined);
    return result.success ? { value: result.data } : { error: result.error };
  };
};

const serializerCompiler: FastifySerializerCompiler<unknown> = () => (data) => JSON.stringify(data);

/** A reply that does not match its route's response schema (a server bug, not the client's). */
export class ResponseMismatchError extends Error {
  readonly statusCode = 500;
  readonly code = 'invalid_response';
}

/**
 * Fields of `sent` that `parsed` (the schema's output, which drops undeclared object keys) lacks:
 * `items.0.extra`. Open records and `looseObject`s keep their keys, so they never show here.
 */
function undeclared(sent: unknown, parsed: unknown, path = ''): string[] {
  if (Array.isArray(sent) && Array.isArray(parsed))
    return sent.flatMap((item, i) => undeclared(item, parsed[i], `${path}${i}.`));
  if (!sent || typeof sent !== 'object' || !parsed || typeof parsed !== 'object') return [];
  const kept = parsed as Record<string, unknown>;
  return Object.entries(sent).flatMap(([key, value]) =>
    key in kept ? undeclared(value, kept[key], `${path}${key}.`) : [`${path}${key}`],
  );
}

/** Checks each reply as the client receives it (JSON) against the schema, then sends it as built. */
const checkingSerializerCompiler: FastifySerializerCompiler<unknown> = ({
  schema,
  method,
  url,
  httpStatus,
}) => {
  if (!isZod(schema)) return (data) => JSON.stringify(data);
  const route = `${method} ${url} ${httpStatus}`;
  return (data) => {
    const json = JSON.stringify(data);
    const sent: unknown = json === undefined ? undefined : JSON.parse(json);
    const result = schema.safeParse(sent);
    if (!result.success) {
      const issues = result.error.issues.map((i) => `${i.path.join('.') || 'reply'}: ${i.message}`);
      throw new ResponseMismatchError(`${route}: the reply does not match its schema (${issues.join('; ')})`);
    }
    const extra = undeclared(sent, result.data);
    if (extra.length > 0)
      throw new ResponseMismatchError(
        `${route}: the reply has fields its schema does not declare: ${extra.join(', ')}`,
      );
    return json;
  };
};

/** The error body every 4xx/5xx carries: `{"error":{"code":"…","message":"…"}}`. */
export const errorResponses = { '4xx': errorBody, '5xx': errorBody } as const;

/** A reply of raw bytes (audio, a file) in the given content type, an OpenAPI binary string. */
export const binaryReply = (description: string) =>
  z.custom<Buffer>((value) => Buffer.isBuffer(value)).meta({ type: 'string', format: 'binary', description });

/**
 * The schema of a WebSocket route: its params and query as usual, and `101` (the upgrade) as its
 * success; the messages themselves are the protocol's (`src/protocol`).
 */
export function webSocketUpgrade<P extends ZodType | undefined, Q extends ZodType | undefined>(parts: {
  params?: P;
  querystring?: Q;
  description: string;
}) {
  return {
    ...parts,
    response: { 101: z.null().describe('switching protocols: WebSocket'), ...errorResponses },
  };
}

const toJsonSchema = (schema: unknown, io: 'input' | 'output') => {
  if (!isZod(schema)) return schema;
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, {
    io,
    target: 'openapi-3.0',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return json;
};

/** The route's zod schemas as the JSON schemas OpenAPI shows (requests as sent, responses as received). */
function openApiSchema(schema: FastifySchema): FastifySchema {
  const responses = (schema.response ?? {}) as Record<string, unknown>;
  return {
    ...schema,
    ...(schema.params ? { params: toJsonSchema(schema.params, 'input') } : {}),
    ...(schema.querystring ? { querystring: toJsonSchema(schema.querystring, 'input') } : {}),
    ...(schema.body ? { body: toJsonSchema(schema.body, 'input') } : {}),
    response: Object.fromEntries(
      Object.entries(responses).map(([status, s]) => [status, toJsonSchema(s, 'output')]),
    ),
  };
}

export interface ContractOptions {
  /** Storage failures in any route are answered 503 `storage_unavailable` and reported here. */
  storage?: StorageHealth;
  /** Publish the OpenAPI document (default true; route unit tests skip it). */
  openApi?: boolean;
  /**
   * Check every JSON reply against its route's response schema (module note). Default: on when
   * `NODE_ENV` is `test` (vitest sets it) or `development`.
   */
  checkReplies?: boolean;
}

/**
 * The one error handler: every error a route throws becomes `{"error":{"code","message"}}` with
 * its status (HttpError, a stage's error, a failed schema, storage, fastify's own).
 */
function errorHandler(storage: StorageHealth | undefined) {
  return (err: FastifyError | HttpError | ZodError, request: FastifyRequest, reply: FastifyReply) => {
    // Fail closed and say so: a full or failing disk is not an "internal error", and nothing was stored.
    if (err instanceof StorageUnavailableError || isStorageError(err)) {
      storage?.report(err, `${request.method} ${request.routeOptions.url ?? request.url}`);
      request.log.error({ err }, 'storage failed under a request');
      return reply.code(503).send({
        error: {
          code: 'storage_unavailable',
          message: 'storage is unavailable (disk full or failing); nothing was stored, retry later',
        },
      });
    }
    if (err instanceof ResponseMismatchError) {
      request.log.error({ err }, 'reply does not match its schema');
      return reply.code(500).send({ error: { code: err.code, message: err.message } });
    }
    const known = err instanceof HttpError ? err : stageHttpError(err);
    if (known)
      return reply.code(known.statusCode).send({ error: { code: known.code, message: known.message } });
    if (err instanceof ZodError) {
      const message = err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      return reply.code(400).send({ error: { code: 'invalid_body', message } });
    }
    return fastifyError(err as FastifyError, request, reply);
  };
}

/** fastify's own errors (body too large, rate limit, bad JSON…): its status, a code from it. */
function fastifyError(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const status = err.statusCode ?? 500;
  if (status >= 500) request.log.error({ err }, 'request failed');
  const code =
    status === 413
      ? 'body_too_large'
      : status === 429
        ? 'rate_limited'
        : err.validation
          ? 'invalid_request'
          : status >= 500
            ? 'internal'
            : (err.code?.toLowerCase() ?? 'bad_request');
  return reply
    .code(status)
    .send({ error: { code, message: status >= 500 ? 'internal server error' : err.message } });
}

/**
 * Installs the zod compilers, the error handler and the OpenAPI document; call before any route is
 * registered. Routes without a schema (the desktop's static files) stay out of the document.
 */
export async function useContract(app: FastifyInstance, options: ContractOptions = {}): Promise<void> {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(
    (options.checkReplies ?? checksReplies()) ? checkingSerializerCompiler : serializerCompiler,
  );
  app.setErrorHandler(errorHandler(options.storage));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` },
    }),
  );
  if (options.openApi === false) return;
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Hotline Assist API',
        version: '1',
        description:
          'REST and WebSocket routes of a Hotline Assist node. Errors: `{"error":{"code","message"}}` with a stable code.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearer: [] }],
    },
    // Routes that declare responses are documented, WebSocket ones included (@fastify/websocket
    // marks those hidden); the desktop's static files declare nothing and stay out.
    transform: ({ schema, url }) => {
      const { hide: _hidden, ...declared } = (schema ?? {}) as FastifySchema & { hide?: boolean };
      return declared.response ? { schema: openApiSchema(declared), url } : { schema: { hide: true }, url };
    },
  });
  const publicRoute = { config: { roles: 'public' as const } };
  app.get(
    '/api/docs/json',
    {
      ...publicRoute,
      schema: { response: { 200: z.record(z.string(), z.unknown()).describe('OpenAPI 3') } },
    },
    async () => app.swagger(),
  );
  app.get(
    '/api/docs',
    { ...publicRoute, schema: { response: { 200: z.string().describe('HTML page') } } },
    async (_request, reply) => reply.type('text/html; charset=utf-8').send(docsPage),
  );
}
