import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TextError } from './errors.js';

/** Where a term came from; decides how much evidence a correction towards it needs. */
export type TermKind = 'district' | 'village' | 'road' | 'agency' | 'knowledge' | 'admin';

export interface LexiconTerm {
  text: string;
  kind: TermKind;
}

/** The Taipei lexicon folder, read once: terms plus the published contact data (public phones/addresses). */
export interface TaipeiLexicon {
  terms: LexiconTerm[];
  /** Agency phone/fax/address strings: public data that redaction keeps. */
  publicContacts: string[];
  /** Files that were absent from the folder (the stage runs without them). */
  missing: string[];
}

export const LEXICON_FILES = {
  villages: 'taipei-villages.tsv',
  roads: 'taipei-roads.tsv',
  agencies: 'taipei-agencies.csv',
  contacts: 'taipei-agency-contacts.json',
} as const;

const CHINESE_DIGITS = '零一二三四五六七八九';

/** 1 → 一, 12 → 十二: how road sections are spoken and written (八德路１段 → 八德路一段). */
export function chineseNumeral(n: number): string {
  if (n < 10) return CHINESE_DIGITS[n] as string;
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : CHINESE_DIGITS[tens]}十${ones ? CHINESE_DIGITS[ones] : ''}`;
}

/** Full-width digits to ASCII. */
export const asciiDigits = (s: string): string =>
  s.replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 48));

/** Road names as spoken: sections in Chinese numerals. */
export function normaliseRoad(road: string): string {
  return asciiDigits(road.trim()).replace(/(\d+)段/g, (_, d: string) => `${chineseNumeral(Number(d))}段`);
}

const AGENCY_PREFIX = /^(?:臺北市政府|臺北市立|臺北市|臺北)/;
const AGENCY_UNIT = /^(.{2,10}?(?:局|處|所|院|會|中心|公司|館|團|隊))/;

/** An agency's full name plus the short forms callers and agents use (勞動局, 自來水事業處). */
export function agencyForms(name: string): string[] {
  const forms = new Set([name]);
  const stripped = name.replace(AGENCY_PREFIX, '');
  if (stripped !== name && stripped.length >= 3) forms.add(stripped);
  const unit = AGENCY_UNIT.exec(stripped)?.[1];
  if (unit && unit.length >= 3) {
    forms.add(unit);
    const sub = stripped.slice(unit.length);
    if (sub.length >= 4) forms.add(sub);
  }
  return [...forms];
}

function readTable(dir: string, file: string, header: string, missing: string[]): string[][] {
  const path = join(dir, file);
  if (!existsSync(path)) {
    missing.push(file);
    return [];
  }
  const lines = readFileSync(path, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim());
  const sep = file.endsWith('.tsv') ? '\t' : ',';
  const head = (lines[0] ?? '').split(sep).map((c) => c.trim());
  const want = header.split(',');
  if (want.some((c, i) => head[i] !== c)) {
    throw new TextError(
      'lexicon_invalid',
      `${file}: expected columns ${want.join(', ')}, found ${head.join(', ')}`,
    );
  }
  return lines.slice(1).map((l, i) => {
    const cells = l.split(sep).map((c) => c.trim());
    if (cells.length < want.length || !cells[0]) {
      throw new TextError(
        'lexicon_invalid',
        `${file}: line ${i + 2} has ${cells.length} of ${want.length} columns`,
      );
    }
    return cells;
  });
}

/** Reads the Taipei lexicon folder and checks each file's format. */
export function loadTaipeiLexicon(dir: string): TaipeiLexicon {
  if (!existsSync(dir)) throw new TextError('lexicon_invalid', `lexicon folder not found: ${dir}`);
  const missing: string[] = [];
  const terms = new Map<string, TermKind>();
  const add = (text: string, kind: TermKind) => {
    if (text.length >= 2 && !terms.has(text)) terms.set(text, kind);
  };

  const villages = readTable(dir, LEXICON_FILES.villages, 'district,village', missing);
  for (const [district = ''] of villages) {
    add(district, 'district');
    // 信義區 is also said 信義.
    if (district.endsWith('區') && district.length === 3) add(district.slice(0, 2), 'district');
  }
  for (const [, village = ''] of villages) add(village, 'village');

  for (const [, , road = ''] of readTable(dir, LEXICON_FILES.roads, 'district,zip,road', missing)) {
    const spoken = normaliseRoad(road);
    add(spoken, 'road');
    add(spoken.replace(/[一二三四五六七八九十]+段$/, ''), 'road');
  }

  for (const [name = ''] of readTable(dir, LEXICON_FILES.agencies, 'Department,Counts', missing)) {
    for (const form of agencyForms(name)) add(form, 'agency');
  }

  const publicContacts: string[] = [];
  const contactsPath = join(dir, LEXICON_FILES.contacts);
  if (existsSync(contactsPath)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(contactsPath, 'utf8'));
    } catch (err) {
      throw new TextError('lexicon_invalid', `${LEXICON_FILES.contacts}: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new TextError(
        'lexicon_invalid',
        `${LEXICON_FILES.contacts}: expected an object keyed by agency name`,
      );
    }
    for (const [agency, record] of Object.entries(parsed as Record<string, unknown>)) {
      if (!record || typeof record !== 'object') {
        throw new TextError('lexicon_invalid', `${LEXICON_FILES.contacts}: ${agency} is not a record`);
      }
      for (const form of agencyForms(agency.trim())) add(form, 'agency');
      const fields = record as Record<string, unknown>;
      for (const key of ['電話', '傳真', '地址']) {
        const value = fields[key];
        if (typeof value === 'string' && value.trim()) publicContacts.push(value);
      }
    }
  } else missing.push(LEXICON_FILES.contacts);

  return { terms: [...terms].map(([text, kind]) => ({ text, kind })), publicContacts, missing };
}

/** Admin terms file: one term per line, `#` starts a comment. */
export function readExtraTerms(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/** A term an admin may add: one line of text, 2–32 characters, no markup. */
export function checkTerm(term: string): string {
  const t = term.trim().normalize('NFC');
  if (t.length < 2 || t.length > 32 || /[\r\n#\t]/.test(t)) {
    throw new TextError(
      'invalid_term',
      `a term is 2–32 characters on one line without # or tabs: ${JSON.stringify(term.slice(0, 40))}`,
    );
  }
  return t;
}
