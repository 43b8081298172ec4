/**
 * Dense vectors from an OpenAI-compatible `/v1/embeddings` endpoint (vLLM, Ollama, llama.cpp
 * server, TEI, OpenAI). Vectors come back unit-length so a dot product is the cosine.
 */
export interface Embedder {
  readonly model: string;
  embed(texts: readonly string[], timeoutMs?: number): Promise<Float32Array[]>;
}

export interface OpenAiEmbedderOptions {
  /** Base URL such as http://gpu-1:8000/v1 (or the full …/embeddings URL). */
  url: string;
  model?: string;
  apiKey?: string;
  batchSize?: number;
  timeoutMs?: number;
}

export class EmbeddingError extends Error {
  readonly code = 'embeddings_failed';
}

function unit(values: readonly number[]): Float32Array {
  const v = Float32Array.from(values);
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / norm;
  return v;
}

export function createOpenAiEmbedder(options: OpenAiEmbedderOptions): Embedder {
  const endpoint = /\/embeddings\/?$/.test(options.url)
    ? options.url
    : `${options.url.replace(/\/$/, '')}/embeddings`;
  const model = options.model ?? 'text-embedding-3-small';
  const batchSize = options.batchSize ?? 64;
  async function batch(input: readonly string[], timeoutMs: number): Promise<Float32Array[]> {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        },
        body: JSON.stringify({ model, input }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new EmbeddingError(`embeddings endpoint ${endpoint} unreachable: ${(err as Error).message}`);
    }
    if (!response.ok) throw new EmbeddingError(`embeddings endpoint answered HTTP ${response.status}`);
    const body = (await response.json()) as { data?: Array<{ index?: number; embedding?: number[] }> };
    const data = body.data ?? [];
    if (data.length !== input.length || data.some((d) => !Array.isArray(d.embedding))) {
      throw new EmbeddingError(
        `embeddings endpoint returned ${data.length} vectors for ${input.length} texts`,
      );
    }
    return [...data]
      .sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
      .map((d) => unit(d.embedding as number[]));
  }
  return {
    model,
    async embed(texts, timeoutMs = options.timeoutMs ?? 30_000) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batchSize)
        out.push(...(await batch(texts.slice(i, i + batchSize), timeoutMs)));
      return out;
    },
  };
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
