import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireShared, sharedPaths } from '../../test/shared.js';
import { agencyForms, loadTaipeiLexicon, normaliseRoad } from './lexicon.js';

describe('Taipei lexicon', () => {
  const lexicon = loadTaipeiLexicon(requireShared(sharedPaths.lexiconDir));
  const texts = new Set(lexicon.terms.map((t) => t.text));

  it('holds the 12 districts, the villages, roads with spoken sections, and agencies with short forms', () => {
    expect(lexicon.terms.filter((t) => t.kind === 'district' && t.text.endsWith('區'))).toHaveLength(12);
    expect(texts.has('信義區') && texts.has('內湖') && texts.has('西新里')).toBe(true);
    expect(texts.has('八德路一段') && texts.has('八德路')).toBe(true);
    expect([...texts].some((t) => /[０-９]/.test(t))).toBe(false);
    expect(texts.has('臺北市政府勞動局勞動基準科') && texts.has('勞動局') && texts.has('自來水事業處')).toBe(
      true,
    );
    expect(lexicon.publicContacts.some((c) => c.includes('2720-8889'))).toBe(true);
    expect(lexicon.missing).toEqual([]);
  });

  it('writes road sections the way they are spoken', () => {
    expect(normaliseRoad('中山北路１段')).toBe('中山北路一段');
    expect(normaliseRoad('忠孝東路10段')).toBe('忠孝東路十段');
    expect(agencyForms('臺北市政府社會局老人福利科')).toEqual(
      expect.arrayContaining(['社會局老人福利科', '社會局', '老人福利科']),
    );
  });

  it('refuses a file with the wrong columns, with a stable code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lex-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'taipei-villages.tsv'), 'name\tarea\n信義區\t西新里\n');
    expect(() => loadTaipeiLexicon(dir)).toThrow(expect.objectContaining({ code: 'lexicon_invalid' }));
  });
});
