import type { AgencyContact, FaqCandidate, Tier } from '../protocol/index.js';
import type { CaseRecord } from './types.js';
import {
  bigrams,
  clipSentence,
  endsMidClause,
  isAside,
  isHeader,
  overlapScore,
  splitSentences,
} from './sentences.js';
import { isNote, linksIn, spokenSentence, type Link } from './spoken.js';

/** A reply script and what it was built from. */
export interface ReplyScript {
  text: string;
  cited_faq_ids: string[];
  /** Web pages and forms from the cited entry, for the agent to send by SMS or e-mail. */
  links: Link[];
}

export interface TemplateInput {
  /** What the caller asked (the call context query). */
  question: string;
  candidates: readonly FaqCandidate[];
  tier: Tier;
  handoff: AgencyContact | null;
  /** Result of the case-status tool, when it ran. */
  caseRecord?: CaseRecord | null;
  /** The caller asked about a case but gave no number yet. */
  needsCaseNumber?: boolean;
  /** Case number looked up but not found. */
  missingCaseNo?: string | null;
}

const MAX_STEPS = 4;
const MAX_SENTENCE_CHARS = 140;

// Written register → spoken, polite register; each pair keeps every fact untouched.
const SPOKEN: ReadonlyArray<[RegExp, string]> = [
  [/民眾|市民朋友|臺端|台端/g, '您'],
  [/請洽/g, '可以洽詢'],
];

function spoken(sentence: string): string {
  return SPOKEN.reduce((s, [from, to]) => s.replace(from, to), sentence);
}

function ensurePeriod(sentence: string): string {
  return /[。？]$/.test(sentence) ? sentence : sentence.replace(/[，、；;,：:]$/, '') + '。';
}

/** Said when the entry has links: the agent offers to send them rather than read them out. */
const OFFER_LINKS = '相關的網頁連結，我可以用簡訊或電子郵件傳給您。';
/** Said when the entry's answer is only a reference to a web page. */
const ONLY_LINKS = '這個問題的完整說明在網頁上，我可以用簡訊或電子郵件把連結傳給您。';

/** A contact sentence for hand-offs, built only from the contact record's own fields. */
export function handoffSentence(contact: AgencyContact): string {
  const parts = [`這個問題需要由${contact.agency}為您確認`];
  if (contact.phone) parts.push(`電話是${contact.phone}`);
  if (contact.hours) parts.push(`服務時間${contact.hours.replace(/^服務時間[:：]?/, '')}`);
  return parts.join('，').replace(/[。，]+$/, '') + '。';
}

/**
 * The grounded, LLM-free reply script: one answer sentence, then up to four numbered steps, all
 * copied from the top FAQ entry's answer (sentences chosen by overlap with the question, in source
 * order). Nothing is paraphrased beyond the register swaps above, so every number, phone, date
 * and office name is the source's own.
 */
export function buildTemplateScript(input: TemplateInput): ReplyScript {
  if (input.caseRecord) {
    const c = input.caseRecord;
    const summary = c.summary ? `，內容是「${c.summary}」` : '';
    return {
      text: `您的案件${c.case_no}目前的處理狀態是「${c.status}」，承辦單位是${c.agency}${summary}。`,
      cited_faq_ids: [],
      links: [],
    };
  }
  if (input.missingCaseNo) {
    return {
      text: `查不到案件編號${input.missingCaseNo}的資料，麻煩您再確認一次案件編號。`,
      cited_faq_ids: [],
      links: [],
    };
  }
  if (input.needsCaseNumber) {
    return { text: '請問您的案件編號是幾號？我幫您查詢目前的處理進度。', cited_faq_ids: [], links: [] };
  }
  const top = input.candidates[0];
  if (input.tier === 'cold' || !top || !top.answer.trim() || top.answer.trim() === '[]') {
    const contact = input.handoff;
    return {
      text: contact
        ? handoffSentence(contact)
        : '這個問題目前沒有確定的答案，我先幫您記錄下來，再請承辦單位回覆您。',
      cited_faq_ids: [],
      links: contact?.url ? [{ label: contact.agency, url: contact.url }] : [],
    };
  }
  return scriptFromAnswer(input.question, top);
}

/** A sentence that can be read to a caller as it is. */
const readable = (s: string) => s !== '' && !isHeader(s) && !isAside(s) && !isNote(s) && !endsMidClause(s);

function scriptFromAnswer(question: string, entry: FaqCandidate): ReplyScript {
  const links = linksIn(entry.answer, entry.question);
  if (entry.url && !links.some((l) => l.url === entry.url))
    links.push({ label: entry.question, url: entry.url });
  const cite = (lines: string[]): ReplyScript => ({
    text: [...lines, ...(links.length > 0 ? [OFFER_LINKS] : [])].join('\n'),
    cited_faq_ids: [entry.faq_id],
    links,
  });
  const sentences = splitSentences(entry.answer).map((raw) => {
    const said = spokenSentence(raw, entry.agency);
    // A header keeps its colon; anything else too long is cut after a clause that can end it.
    return isHeader(said) ? said : (clipSentence(said, MAX_SENTENCE_CHARS) ?? '');
  });
  const usable = sentences.map(readable);
  if (!usable.includes(true)) {
    if (links.length > 0) return { text: ONLY_LINKS, cited_faq_ids: [entry.faq_id], links };
    const whole = clipSentence(
      spokenSentence(entry.answer.replace(/\s+/g, ''), entry.agency),
      MAX_SENTENCE_CHARS * 2,
    );
    // Nothing in the answer can be read out as it is: the agent offers the agency's follow-up.
    if (!whole || endsMidClause(whole) || isNote(whole))
      return cite([`這個問題的詳細資料在${entry.agency}，我先幫您記錄下來，再請${entry.agency}回覆您。`]);
    return cite([ensurePeriod(spoken(whole))]);
  }
  const query = bigrams(`${question} ${entry.question}`);
  const scores = sentences.map((s, i) => (usable[i] ? overlapScore(bigrams(s), query) : -1));
  const best = scores.reduce((b, s, i) => (s > (scores[b] ?? -1) ? i : b), 0);
  // FAQ answers usually lead with the answer itself; take another sentence only when it is clearly
  // better, or when the first is only a fragment (a list item such as "申請表。").
  const first = usable.indexOf(true);
  const firstIsFragment = (sentences[first] ?? '').length < 8;
  const lead = !firstIsFragment && (scores[first] ?? 0) >= 0.5 * (scores[best] ?? 0) ? first : best;
  const rest = sentences.map((_, i) => i).filter((i) => i !== lead && usable[i]);
  let steps = rest.filter((i) => (scores[i] ?? 0) > 0);
  if (steps.length > MAX_STEPS) {
    const keep = new Set([...steps].sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0)).slice(0, MAX_STEPS));
    steps = steps.filter((i) => keep.has(i));
  }
  if (steps.length === 0) steps = rest.filter((i) => i > lead).slice(0, 3);
  const lines = [ensurePeriod(spoken(sentences[lead] as string))];
  if (steps.length > 0) {
    // The source's own lead-in ("立案方式(擇一)：") introduces the steps when it sits right before them.
    const before = sentences[(steps[0] as number) - 1];
    const leadIn = before !== undefined && isHeader(before) && !isNote(before);
    lines.push(leadIn ? spoken(before) : '詳細說明如下：');
    steps.forEach((i, n) => lines.push(`${n + 1}. ${ensurePeriod(spoken(sentences[i] as string))}`));
  }
  return cite(lines);
}
