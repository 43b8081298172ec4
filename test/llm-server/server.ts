/**
 * A local OpenAI-compatible chat server for tests — a test double, not a model. It answers
 * `POST /v1/chat/completions` (streamed as server-sent events exactly like the real API, or as one
 * JSON body) with whatever each test queues: plain text, tool calls, malformed chunks, HTTP errors,
 * slow or hanging responses. Every request body is recorded so tests can check the prompt.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type LlmReply =
  /** Content streamed in `chunkChars`-sized deltas, `delayMs` apart, after `firstDelayMs`. */
  | { kind: 'text'; text: string; chunkChars?: number; delayMs?: number; firstDelayMs?: number }
  /** One tool call, its arguments streamed in two fragments, finish_reason "tool_calls". */
  | { kind: 'tool_call'; name: string; arguments: Record<string, unknown> }
  /** A chunk that is not JSON after some good content. */
  | { kind: 'malformed'; before?: string }
  | { kind: 'http_error'; status: number }
  /** Headers sent, then nothing until the client gives up. */
  | { kind: 'hang' };

export interface ChatRequestBody {
  model: string;
  stream?: boolean;
  messages: Array<{ role: string; content?: string | null; tool_call_id?: string; tool_calls?: unknown[] }>;
  tools?: Array<{ type: string; function: { name: string } }>;
}

export interface LlmTestServer {
  /** Base URL to configure as `suggest.llmUrl`, e.g. http://127.0.0.1:1234/v1 */
  url: string;
  requests: ChatRequestBody[];
  /** Replies used by the next requests, in order; when none is queued the server answers 500. */
  queue(...replies: LlmReply[]): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startLlmTestServer(): Promise<LlmTestServer> {
  const requests: ChatRequestBody[] = [];
  const pending: LlmReply[] = [];
  const open = new Set<ServerResponse>();
  let n = 0;

  const chunk = (model: string, delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({
      id: `chatcmpl-test-${n}`,
      object: 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    })}\n\n`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    let raw = '';
    for await (const part of req) raw += String(part);
    const body = JSON.parse(raw) as ChatRequestBody;
    requests.push(body);
    n++;
    const reply = pending.shift() ?? { kind: 'http_error', status: 500 };
    if (reply.kind === 'http_error') {
      res
        .writeHead(reply.status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'test server error', type: 'server_error' } }));
      return;
    }
    if (!body.stream) {
      const text = reply.kind === 'text' ? reply.text : '';
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: `chatcmpl-test-${n}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        }),
      );
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    if (reply.kind === 'hang') return;
    res.write(chunk(body.model, { role: 'assistant', content: '' }, null));
    if (reply.kind === 'malformed') {
      if (reply.before) res.write(chunk(body.model, { content: reply.before }, null));
      res.write('data: {"id":"broken","choices":[{"delta":{"content":"\n\n');
      res.end();
      return;
    }
    if (reply.kind === 'tool_call') {
      const args = JSON.stringify(reply.arguments);
      const half = Math.floor(args.length / 2);
      res.write(
        chunk(
          body.model,
          {
            tool_calls: [
              {
                index: 0,
                id: `call_${n}`,
                type: 'function',
                function: { name: reply.name, arguments: args.slice(0, half) },
              },
            ],
          },
          null,
        ),
      );
      res.write(
        chunk(body.model, { tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] }, null),
      );
      res.write(chunk(body.model, {}, 'tool_calls'));
      res.end('data: [DONE]\n\n');
      return;
    }
    await sleep(reply.firstDelayMs ?? 0);
    const size = reply.chunkChars ?? 6;
    for (let at = 0; at < reply.text.length; at += size) {
      if (res.destroyed) return;
      res.write(chunk(body.model, { content: reply.text.slice(at, at + size) }, null));
      if (reply.delayMs) await sleep(reply.delayMs);
    }
    res.write(chunk(body.model, {}, 'stop'));
    res.end('data: [DONE]\n\n');
  }

  const server = createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    queue: (...replies) => void pending.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
      }),
  };
}
