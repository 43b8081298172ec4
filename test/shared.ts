/**
 * Where tests and benchmarks find the shared real data (never copied into the repo):
 * $HOTLINE_SHARED_DIR, else ../shared beside the checkout.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const sharedDir = resolve(process.env.HOTLINE_SHARED_DIR ?? join(repoRoot, '..', 'shared'));

export const sharedPaths = {
  faq: join(sharedDir, 'data/taipei-faq/faq-2024.jsonl'),
  lexiconDir: join(sharedDir, 'data/lexicon'),
  devDir: join(sharedDir, 'data/dev'),
  audioDir: join(sharedDir, 'audio/zh'),
  vadModel: join(sharedDir, 'models/vad/silero_vad.onnx'),
};

export function requireShared(path: string): string {
  if (!existsSync(path)) throw new Error(`shared data missing: ${path} (set HOTLINE_SHARED_DIR)`);
  return path;
}

export interface ManifestRow {
  file: string;
  path: string;
  sampleRate: number;
  durationS: number;
  reference: string;
  referenceKind: string;
}

/** The recordings' manifest; `reference` is empty where the reference is unknown or keywords only. */
export function audioManifest(): ManifestRow[] {
  const lines = readFileSync(requireShared(join(sharedPaths.audioDir, 'manifest.tsv')), 'utf8')
    .trim()
    .split('\n');
  return lines.slice(1).map((line) => {
    const [file = '', rate = '', dur = '', ref = '', kind = ''] = line.split('\t');
    const usable = !ref.startsWith('(') && kind !== 'none';
    return {
      file,
      path: join(sharedPaths.audioDir, file),
      sampleRate: Number.parseInt(rate, 10),
      durationS: Number(dur),
      reference: usable ? ref : '',
      referenceKind: kind,
    };
  });
}
