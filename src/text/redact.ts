import type { Replacement } from './draft.js';
import { detectPii, type PiiSpan, type PiiType } from './pii.js';
import type { Redaction, RedactionUse } from './types.js';

export const REDACTION_LABELS: Record<PiiType, string> = {
  national_id: '[身分證]',
  resident_id: '[居留證]',
  phone: '[電話]',
  email: '[電子郵件]',
  credit_card: '[信用卡]',
  bank_account: '[帳號]',
  address: '[地址]',
  plate: '[車牌]',
  name: '[姓名]',
};

const ALL: PiiType[] = [
  'national_id',
  'resident_id',
  'phone',
  'email',
  'credit_card',
  'bank_account',
  'address',
  'plate',
];

/**
 * What each use may not keep. The agent's screen keeps contact details (the agent needs them to call
 * back or dispatch) but not identity or payment numbers; everything stored or exported loses all of it.
 * Names are added to every use but display when `text.redactNames` is on.
 */
export const REDACTION_POLICY: Record<RedactionUse, readonly PiiType[]> = {
  display: ['national_id', 'resident_id', 'credit_card', 'bank_account'],
  archive: ALL,
  logs: ALL,
  training: ALL,
};

/** Government, school and organisation mailboxes are not a person's data. */
const ORGANISATION_MAIL = /@(?:[\w-]+\.)*(?:gov\.taipei|gov\.tw|edu\.tw|org\.tw)$/;

/**
 * Published data that is not personal: agency phone numbers, accounts and addresses from the
 * agency contacts and the active knowledge base's answers. Kept as canonical values.
 *
 * Reading a whole KB's answers for them takes a noticeable part of a start, so texts are taken in
 * at once and read later: in slices between other work (`readPending`), and whatever is still
 * unread when a redaction needs the answer (`has`), so a redaction never sees a partial set.
 */
export class PublicData {
  private readonly values = new Set<string>();
  private pending: string[] = [];

  /** Registers every phone, e-mail, account, plate and address found in published text. */
  add(texts: readonly string[]): void {
    this.pending.push(...texts);
  }

  /** Reads up to `limit` of the texts not yet read; true while some remain. */
  readPending(limit = Infinity): boolean {
    const batch = this.pending.length <= limit ? this.pending : this.pending.slice(0, limit);
    this.pending = batch === this.pending ? [] : this.pending.slice(batch.length);
    for (const text of batch) {
      for (const p of detectPii(text, { names: false })) {
        if (p.type !== 'name' && p.type !== 'national_id' && p.type !== 'resident_id') {
          this.values.add(`${p.type}:${p.value}`);
        }
      }
    }
    return this.pending.length > 0;
  }

  clear(): void {
    this.values.clear();
    this.pending = [];
  }

  has(p: PiiSpan): boolean {
    if (p.type === 'phone' && /^080[09]/.test(p.value)) return true; // toll-free lines are organisations
    if (p.type === 'email' && ORGANISATION_MAIL.test(p.value)) return true;
    this.readPending();
    return this.values.has(`${p.type}:${p.value}`);
  }
}

/**
 * Published data is public whoever says it. Beyond that, a number introduced as a service line (客服專線,
 * 請洽) is public unless the speaker calls it their own (我家的傳真); an extension decides nothing, since
 * callers give their home or office line with 分機 too.
 */
function isPublic(p: PiiSpan, publicData: PublicData): boolean {
  return publicData.has(p) || p.introduced === 'service_line';
}

/** Placeholders for the personal data `use` may not keep. */
export function redactions(
  text: string,
  use: RedactionUse,
  options: { names: boolean; publicData: PublicData },
): { replacements: Replacement[]; types: PiiType[] } {
  const allowed = new Set<PiiType>(REDACTION_POLICY[use]);
  if (options.names && use !== 'display') allowed.add('name');
  const spans = detectPii(text, { names: allowed.has('name') }).filter(
    (p) => allowed.has(p.type) && !isPublic(p, options.publicData),
  );
  return {
    replacements: spans.map((p) => ({
      start: p.start,
      end: p.end,
      text: REDACTION_LABELS[p.type],
      kind: 'redact',
    })),
    types: spans.map((p) => p.type),
  };
}

/** Where the placeholders ended up once applied (replacements are sorted and non-overlapping). */
export function placeRedactions(
  replacements: readonly Replacement[],
  types: readonly PiiType[],
): Redaction[] {
  const out: Redaction[] = [];
  let shift = 0;
  replacements.forEach((r, i) => {
    const start = r.start + shift;
    out.push({ start, end: start + r.text.length, type: types[i] as PiiType, label: r.text });
    shift += r.text.length - (r.end - r.start);
  });
  return out;
}
