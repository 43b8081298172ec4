/**
 * The classifier's trained weights kept on disk between starts, under a key made of everything
 * training depends on (the labelled files, the FAQ negatives, the lexicon that normalises them, the
 * options and the features): training takes seconds (about 20 on two cores), loading the weights a few milliseconds.
 * A cache: safe to delete, and a missing, stale or damaged file only means training again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { urgencyCategories } from './urgency-categories.js';
import type { ModelOptions, UrgencyWeights } from './urgency-model.js';

const PREFIX = 'urgency-weights-';

/** A short digest of everything the weights were trained from, in order. */
export function urgencyWeightsKey(parts: ReadonlyArray<string | Buffer>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${Buffer.byteLength(part)}:`).update(part);
  return hash.digest('base64url').slice(0, 24);
}

/** A JSON header line, then the feature indices, binary weights and category weights, raw. */
function encode(w: UrgencyWeights): Buffer {
  const header = { options: w.options, bias: w.bias, features: w.index.length };
  const raw = (a: Int32Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return Buffer.concat([
    Buffer.from(`${JSON.stringify(header)}\n`),
    raw(w.index),
    raw(w.binary),
    raw(w.categories),
  ]);
}

function decode(file: Buffer): UrgencyWeights | null {
  const end = file.indexOf(10);
  if (end < 0) return null;
  const header = JSON.parse(file.subarray(0, end).toString('utf8')) as {
    options: ModelOptions;
    bias: number;
    features: number;
  };
  const n = header.features;
  const body = file.subarray(end + 1);
  if (!Number.isInteger(n) || body.length !== n * 4 * (2 + urgencyCategories.length)) return null;
  // Copied into fresh buffers: the body's offset in the file need not be 4-byte aligned.
  const copy = (from: number, count: number) =>
    new Uint8Array(body.subarray(from * 4, (from + count) * 4)).buffer;
  return {
    options: header.options,
    bias: header.bias,
    index: new Int32Array(copy(0, n)),
    binary: new Float32Array(copy(n, n)),
    categories: new Float32Array(copy(2 * n, n * urgencyCategories.length)),
  };
}

/**
 * The weights stored under `key` in `dir`, or trained now and stored there (replacing weights kept
 * under an older key). Without `dir`, trained every time.
 */
export function storedUrgencyWeights(
  dir: string | undefined,
  key: string,
  train: () => UrgencyWeights,
): UrgencyWeights {
  if (!dir) return train();
  const file = join(dir, `${PREFIX}${key}.bin`);
  try {
    const stored = decode(readFileSync(file));
    if (stored) return stored;
  } catch {
    // absent or unreadable: trained below
  }
  const weights = train();
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${file}.${process.pid}.tmp`, encode(weights));
    renameSync(`${file}.${process.pid}.tmp`, file);
    for (const old of readdirSync(dir))
      if (old.startsWith(PREFIX) && old.endsWith('.bin') && join(dir, old) !== file) rmSync(join(dir, old));
  } catch {
    // not kept: the next start trains again
  }
  return weights;
}
