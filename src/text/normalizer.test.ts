import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino from 'pino';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireShared, sharedPaths } from '../../test/shared.js';
import { createTextNormalizer, type TextStage } from './normalizer.js';
import type { NormalizeResult } from './types.js';
import { jsonlField, textConfig } from './testing/fixtures.js';

const dataDir = () => mkdtempSync(join(tmpdir(), 'text-'));
const withLexicon = (extra: Parameters<typeof textConfig>[1] = {}) =>
  createTextNormalizer({
    config: textConfig(dataDir(), { lexiconDir: requireShared(sharedPaths.lexiconDir), ...extra }),
  });
const ALL = ['s2t', 'filler', 'lexicon', 'itn', 'punct', 'redact'] as const;

/** Undoing every edit (right to left) must give back the text the edits were made on. */
const undo = (r: NormalizeResult): string =>
  [...r.edits].reverse().reduce((t, e) => t.slice(0, e.start) + e.original + t.slice(e.end), r.text);

describe('text normalizer', () => {
  it('turns a Simplified, misheard, spoken utterance into clean zh-TW with every edit reported', async () => {
    const tn = await withLexicon();
    const r = tn.normalize('嗯那个我住在新义区的福德里电话是零九一二三四五六七八', { final: true });
    expect(r.text).toBe('我住在信義區的福德里電話是0912-345-678。');
    expect(r.edits.map((e) => e.kind)).toEqual(['filler', 'lexicon', 'itn', 'punct']);
    const lexiconEdit = r.edits.find((e) => e.kind === 'lexicon');
    expect(lexiconEdit).toMatchObject({ original: '新', replacement: '信' });
    expect(r.text.slice(lexiconEdit!.start, lexiconEdit!.end)).toBe('信');
    expect(undo(r)).toBe('嗯那個我住在新義區的福德里電話是零九一二三四五六七八');
    expect(r.raw).toBe('嗯那个我住在新义区的福德里电话是零九一二三四五六七八');
  });

  it('edits stay undoable on real FAQ questions run through every step but redaction', async () => {
    const tn = await withLexicon();
    for (const q of jsonlField(requireShared(sharedPaths.faq), 'question').slice(0, 800)) {
      const r = tn.normalize(q, { final: true });
      expect(undo(r)).toBe(q);
    }
  });

  it('places punctuation from pauses, but not inside a number read in groups', async () => {
    const tn = await withLexicon();
    const raw = '我想問垃圾車幾點來我住在松山區';
    const r = tn.normalize(raw, { steps: ['punct'], final: true, pauses: [{ afterChar: 9, ms: 1200 }] });
    expect(r.text).toBe('我想問垃圾車幾點來？我住在松山區。');
    const partial = tn.normalize('我想問垃圾車幾點來 我住在', { steps: ['punct'] });
    expect(partial.text).toBe('我想問垃圾車幾點來，我住在');
    const codeSwitch = tn.normalize('yesterday was 星期一', { steps: ['punct'], final: true });
    expect(codeSwitch.text).toBe('yesterday was 星期一。');
    // A question word early in a long statement does not make it a question.
    const statement = tn.normalize('他問我為什麼要用現在進行時我就跟他說明了一般現在時的用法', {
      steps: ['punct'],
      final: true,
    });
    expect(statement.text.endsWith('。')).toBe(true);
    const digits = tn.normalize('零九一二三四五六七八', {
      steps: ['itn', 'punct'],
      pauses: [{ afterChar: 4, ms: 500 }],
    });
    expect(digits.text).toBe('0912-345-678');
  });

  it('redacts only with the redact step, with typed labels and no original left in edits', async () => {
    const tn = await withLexicon({ redactNames: true });
    const raw = '我叫王小明 身分證A123456789 手機零九一二三四五六七八';
    expect(tn.normalize(raw).redactions).toEqual([]);
    const r = tn.normalize(raw, { steps: ALL, redactFor: 'archive', final: true });
    expect(r.text).toBe('我叫[姓名]，身分證[身分證] 手機[電話]。');
    expect(r.redactions.map((x) => x.label)).toEqual(['[姓名]', '[身分證]', '[電話]']);
    for (const x of r.redactions) expect(r.text.slice(x.start, x.end)).toBe(x.label);
    expect(JSON.stringify(r.edits)).not.toMatch(/王小明|A123456789|零九一二/);
  });

  it('never writes what was said to the log', async () => {
    let logged = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logged += chunk.toString('utf8');
        done();
      },
    });
    const logger = pino({ level: 'trace' }, sink);
    const config = textConfig(dataDir(), {
      lexiconDir: requireShared(sharedPaths.lexiconDir),
      redactNames: true,
    });
    const tn = await createTextNormalizer({ config, logger });
    tn.normalize('我叫王小明，身分證A123456789', { steps: ALL, redactFor: 'logs' });
    await tn.addTerms(['敬老愛心卡']);
    expect(logged).toContain('lexicon ready');
    expect(logged).not.toMatch(/王小明|A123456789|敬老愛心卡/);
  });

  it('keeps idempotent Traditional text and never empties a filler-only utterance', async () => {
    const tn = await withLexicon();
    expect(tn.normalize('西新里的里長電話').text).toBe('西新里的里長電話');
    expect(tn.normalize('嗯').text).toBe('嗯');
    // Simplified input: terms already right survive s2twp (which alone would write 西新裡長).
    expect(tn.normalize('我是西新里长，这里的路灯坏了').text).toBe('我是西新里長，這裡的路燈壞了');
  });

  it('runs without a lexicon folder (degraded: no lexicon correction)', async () => {
    const tn = await createTextNormalizer({ config: textConfig(dataDir()) });
    expect(tn.terms()).toEqual([]);
    expect(tn.normalize('我住在新义区').text).toBe('我住在新義區');
    expect(tn.normalize('我要找雷湖區公所').text).toBe('我要找雷湖區公所');
  });

  it('takes admin terms (persisted to the extra lexicon file) and knowledge terms, and offers them as hot-words', async () => {
    const dir = dataDir();
    const config = textConfig(dir, { lexiconDir: requireShared(sharedPaths.lexiconDir) });
    const tn: TextStage = await createTextNormalizer({ config });
    expect(tn.normalize('申請敬老卡').text).toBe('申請敬老卡');
    await tn.addTerms(['敬老愛心卡']);
    expect(readFileSync(join(dir, 'lexicon-extra.txt'), 'utf8')).toBe('敬老愛心卡\n');
    expect(tn.normalize('我要申請敬老愛新卡').text).toBe('我要申請敬老愛心卡');
    await expect(tn.addTerms(['x'])).rejects.toMatchObject({ code: 'invalid_term' });

    tn.setKnowledgeTerms(['身心障礙證明']);
    expect(tn.hotwords()).toContain('身心障礙證明');
    expect(tn.normalize('申請身心障礙正明').text).toBe('申請身心障礙證明');

    const again = await createTextNormalizer({ config });
    expect(again.adminTerms()).toEqual(['敬老愛心卡']);
    expect(again.hotwords()).not.toContain('身心障礙證明');
    expect(existsSync(join(dir, 'lexicon-extra.txt'))).toBe(true);
  });

  it('keeps numbers the KB publishes from the first redaction after they are set, and only while published', async () => {
    const tn = await withLexicon();
    const said = '我打了02-2345-0000都沒人接';
    const archived = (text: string) => tn.normalize(text, { steps: ['redact'], redactFor: 'archive' }).text;
    expect(archived(said)).toBe('我打了[電話]都沒人接');
    // Published texts are read in the background; a redaction straight after must already know them.
    const answers = Array.from(
      { length: 500 },
      (_, i) => `第${i}項請洽本處（電話：02-2345-${String(i).padStart(4, '0')}）。`,
    );
    tn.setPublicText(answers);
    expect(archived(said)).toBe(said);
    tn.setPublicText(answers.slice(1));
    expect(archived(said)).toBe('我打了[電話]都沒人接');
  });
});
