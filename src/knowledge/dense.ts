import { createHash } from 'node:crypto';
import type { KbVectorRepository } from '../store/index.js';
import { dot, type Embedder } from './embeddings.js';
import { answerChunks } from './faq-index.js';
import type { FaqEntry } from './types.js';

export interface DenseSettings {
  embedder: Embedder;
  vectors: KbVectorRepository;
  /** Prepended to every passage / query before embedding (e5: `passage: ` / `query: `; bge-m3: none). */
  passagePrefix: string;
  queryPrefix: string;
}

/** Answers are embedded in chunks of whole sentences up to this many characters. */
const CHUNK_CHARS = 300;

/** What an entry is embedded as: its question (with its similar questions), then its answer in chunks. */
export function passages(entry: FaqEntry): string[] {
  const similar = (entry.phrasings ?? []).filter((p) => p.status === 'approved').map((p) => p.text);
  return [[entry.question, ...similar].join('\n'), ...answerChunks(entry.answer, CHUNK_CHARS)];
}

/** The dense side of one KB version: each entry's best cosine to a query over its passages. */
export class DenseIndex {
  constructor(
    private readonly owner: Int32Array,
    private readonly vectors: readonly Float32Array[],
    private readonly entryCount: number,
  ) {}

  scores(query: Float32Array): Float32Array {
    const out = new Float32Array(this.entryCount).fill(-1);
    this.vectors.forEach((v, i) => {
      const d = this.owner[i] as number;
      const s = dot(v, query);
      if (s > (out[d] as number)) out[d] = s;
    });
    return out;
  }
}

const hashOf = (model: string, text: string) =>
  createHash('sha256').update(`${model}\n${text}`).digest('hex').slice(0, 32);

/**
 * Embeds a KB version's passages: stored vectors (by model and text hash) are reused, only new texts
 * go to the endpoint, and what it returns is stored. Throws when the endpoint fails (the caller keeps
 * lexical retrieval and tries again later).
 */
export async function buildDenseIndex(
  entries: readonly FaqEntry[],
  settings: DenseSettings,
): Promise<DenseIndex> {
  const model = settings.embedder.model;
  const owner: number[] = [];
  const texts: string[] = [];
  entries.forEach((e, d) => {
    for (const p of passages(e)) {
      owner.push(d);
      texts.push(`${settings.passagePrefix}${p}`);
    }
  });
  const hashes = texts.map((t) => hashOf(model, t));
  const stored = await settings.vectors.get(model, [...new Set(hashes)]);
  const missing = [...new Set(texts.filter((_, i) => !stored.has(hashes[i] as string)))];
  if (missing.length) {
    const fresh = await settings.embedder.embed(missing);
    const added = new Map(missing.map((t, i) => [hashOf(model, t), fresh[i] as Float32Array]));
    await settings.vectors.put(model, added);
    for (const [h, v] of added) stored.set(h, v);
  }
  return new DenseIndex(
    Int32Array.from(owner),
    hashes.map((h) => stored.get(h) as Float32Array),
    entries.length,
  );
}

/** The query's vector, with the query prefix. */
export async function embedQuery(
  text: string,
  settings: DenseSettings,
  timeoutMs: number,
): Promise<Float32Array> {
  const [vector] = await settings.embedder.embed([`${settings.queryPrefix}${text}`], timeoutMs);
  return vector as Float32Array;
}
