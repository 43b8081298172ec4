import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A TEST DOUBLE of an OpenAI-compatible `/v1/embeddings` server — not a model. Each text's vector
 * counts how many words of each given concept group it contains, so tests can state which texts
 * are "semantically close" without weights. Records every request for assertions.
 */
export interface EmbeddingsDouble {
  url: string;
  requests: Array<{ model: string; input: string[] }>;
  /** While down, every request is answered 503 (an endpoint restarting, a GPU node away). */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export async function startEmbeddingsDouble(
  concepts: readonly (readonly string[])[],
): Promise<EmbeddingsDouble> {
  const requests: EmbeddingsDouble['requests'] = [];
  let down = false;
  const vector = (text: string) => [
    ...concepts.map((words) => words.filter((w) => text.includes(w)).length),
    0.01,
  ];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
        res.writeHead(404).end();
        return;
      }
      if (down) {
        res.writeHead(503).end();
        return;
      }
      const parsed = JSON.parse(body) as { model: string; input: string[] };
      requests.push(parsed);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          object: 'list',
          model: parsed.model,
          data: parsed.input.map((t, index) => ({ object: 'embedding', index, embedding: vector(t) })),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    setDown: (value) => (down = value),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
