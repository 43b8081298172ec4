import { describe, expect, it } from 'vitest';
import { requireShared, sharedPaths } from '../../test/shared.js';
import { loadTaipeiLexicon } from './lexicon.js';
import { detectPii, idChecksumOk, luhnOk } from './pii.js';
import { PublicData, redactions } from './redact.js';
import { jsonlField } from './testing/fixtures.js';
import { officeLines, piiSamples, publicLineSamples, type PiiSample } from './testing/pii-samples.js';
import { Draft } from './draft.js';

const contacts = loadTaipeiLexicon(requireShared(sharedPaths.lexiconDir)).publicContacts;
const redact = (text: string, publicData: PublicData, names = false) => {
  const { replacements } = redactions(text, 'archive', { names, publicData });
  const d = new Draft(text);
  d.apply(replacements, false);
  return d.text;
};

describe('PII detection', () => {
  it('validates national IDs, resident certificate numbers (both formats) and card numbers', () => {
    expect(idChecksumOk('A123456789')).toBe(true);
    expect(idChecksumOk('A123456788')).toBe(false);
    expect(idChecksumOk('A800000014')).toBe(true); // new resident certificate format
    expect(idChecksumOk('AB12345678')).toBe(false);
    expect(luhnOk('4111111111111111')).toBe(true);
    expect(luhnOk('4111111111111112')).toBe(false);
  });

  it('labels each kind of personal data, and only the last with names when asked', () => {
    const types = (s: string, names = false) => detectPii(s, { names }).map((p) => p.type);
    expect(types('身分證A123456789')).toEqual(['national_id']);
    expect(types('身分證A123456788')).toEqual([]);
    expect(types('居留證A800000014')).toEqual(['resident_id']);
    expect(types('卡號4111 1111 1111 1111')).toEqual(['credit_card']);
    expect(types('信箱 someone@example.com')).toEqual(['email']);
    expect(types('匯到帳號123456789012')).toEqual(['bank_account']);
    expect(types('車牌ABC-1234')).toEqual(['plate']);
    expect(types('住在忠孝東路四段100巷2弄3號5樓')).toEqual(['address']);
    expect(types('我叫王小明', true)).toEqual(['name']);
    expect(types('我叫王小明')).toEqual([]);
    expect(types('我是林小姐', true)).toEqual(['name']);
    expect(types('我是想問一下', true)).toEqual([]);
  });

  it('catches a mobile number read out digit by digit, 么/洞/拐/勾 included', () => {
    const types = (s: string) => detectPii(s, { names: false }).map((p) => p.type);
    expect(types('我的手機是零九拐拐三四五六勾么')).toEqual(['phone']);
    expect(types('電話零九一兩三四五六七八')).toEqual(['phone']);
  });

  it('finds ≥99% of 2,000 generated IDs, phones (own landlines with 分機 included), cards, accounts, plates and addresses', () => {
    const samples = piiSamples(2000, 7);
    const publicData = new PublicData();
    const found = (s: PiiSample) => {
      const { types } = redactions(s.sentence, 'archive', { names: false, publicData });
      return types.includes(s.type) && !redact(s.sentence, publicData).includes(s.shown);
    };
    expect(samples.filter(found).length / samples.length).toBeGreaterThanOrEqual(0.99);
    const ownLines = samples.filter((s) => /分機|轉|#/.test(s.shown));
    expect(ownLines.length).toBeGreaterThan(150);
    expect(ownLines.filter(found).length / ownLines.length).toBeGreaterThanOrEqual(0.99);
  });

  it('decides a landline by its number and how the caller gives it, not by its extension', () => {
    const publicData = new PublicData();
    publicData.add(contacts);
    publicData.add(['請洽交通部公路局臺北市區監理所（電話:02-27630155）']);
    // A caller's own line with an extension goes, extension and all.
    expect(redact('我家電話是(02)2345-6789分機123，晚上都在', publicData)).toBe('我家電話是[電話]，晚上都在');
    expect(redact('白天打02-2345-6789轉56找我', publicData)).toBe('白天打[電話]找我');
    // Own beats service-line wording: 我家的傳真 is still the caller's.
    expect(redact('我家的傳真是02-2345-6780', publicData)).toBe('我家的傳真是[電話]');
    // Registered numbers stay whoever says them, with or without an extension.
    expect(redact('我打了02-2763-0155分機12都沒人接', publicData)).toBe('我打了02-2763-0155分機12都沒人接');
    expect(redact('我的案子他們叫我打02-2720-8889轉1234', publicData)).toBe(
      '我的案子他們叫我打02-2720-8889轉1234',
    );
    // An unregistered line introduced as a service line stays; one with only an extension does not.
    expect(redact('請洽客服專線02-2345-6789', publicData)).toBe('請洽客服專線02-2345-6789');
    expect(redact('我的問題請洽客服專線02-2345-6789', publicData)).toBe('我的問題請洽客服專線02-2345-6789');
    expect(redact('打02-2345-6789分機35', publicData)).toBe('打[電話]');
  });

  it('keeps ≥ 99% of 1,000 mentions of the KB’s and agencies’ office lines (extensions, 我的… nearby)', () => {
    const agencies = jsonlField(requireShared(sharedPaths.faq), 'agency');
    const answers = jsonlField(requireShared(sharedPaths.faq), 'answer');
    const publicData = new PublicData();
    publicData.add(contacts);
    publicData.add(answers);
    const faq = answers.map((answer, i) => ({ agency: agencies[i] as string, answer }));
    const samples = publicLineSamples(officeLines(requireShared(sharedPaths.lexiconDir), faq), 1000, 11);
    const kept = samples.filter(
      (s) => redactions(s.sentence, 'archive', { names: false, publicData }).types.length === 0,
    );
    expect(kept.length / samples.length).toBeGreaterThanOrEqual(0.99);
  });

  it('keeps published data: zero redactions over all 4,847 FAQ answers once the KB answers are registered', () => {
    const answers = jsonlField(requireShared(sharedPaths.faq), 'answer');
    const publicData = new PublicData();
    publicData.add(contacts);
    publicData.add(answers);
    const hits = answers.filter(
      (a) => redactions(a, 'archive', { names: false, publicData }).types.length > 0,
    );
    expect(hits).toEqual([]);
  });

  it('without the KB, still never flags the FAQ answers’ ordinary numbers as IDs, cards, accounts or plates', () => {
    const answers = jsonlField(requireShared(sharedPaths.faq), 'answer');
    const publicData = new PublicData();
    publicData.add(contacts);
    const kinds = new Set(
      answers.flatMap((a) => redactions(a, 'archive', { names: false, publicData }).types),
    );
    for (const t of ['national_id', 'resident_id', 'credit_card', 'bank_account', 'plate'] as const) {
      expect(kinds.has(t)).toBe(false);
    }
    // Agency contacts are public on their own: the city hall switchboard stays.
    expect(redact('請撥02-2720-8889', publicData)).toBe('請撥02-2720-8889');
    expect(redact('請撥0912-345-678', publicData)).toBe('請撥[電話]');
  });

  it('redacts by use: the agent’s screen keeps contact details, the archive keeps none', () => {
    const publicData = new PublicData();
    const text = '我手機0912-345-678，身分證A123456789';
    expect(redactions(text, 'display', { names: false, publicData }).types).toEqual(['national_id']);
    expect(redactions(text, 'archive', { names: false, publicData }).types).toEqual(['phone', 'national_id']);
  });
});
