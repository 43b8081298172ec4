/**
 * What kind of question an utterance window asks, and the case number in it — the rule-based
 * trigger for the case-status tool when no LLM decides on tool calls.
 */

import { SPOKEN_DIGIT } from '../text/index.js';

export const questionTypes = [
  'case_status',
  'fee',
  'hours',
  'location',
  'documents',
  'eligibility',
  'how_to',
  'report',
  'other',
] as const;
export type QuestionType = (typeof questionTypes)[number];

// First match wins, so the specific types come before the general "how to".
const TYPE_RULES: ReadonlyArray<[QuestionType, RegExp]> = [
  [
    'case_status',
    /(案件|案子|申請案|陳情|報修|檢舉).{0,8}(進度|狀態|狀況|到哪|哪一步|處理了沒|辦好了沒|結案|有沒有處理|處理到)|(進度|處理狀況).{0,4}(查詢|如何)|查(詢)?.{0,2}(案件|進度)|案件編號|案號|受理編號/,
  ],
  ['fee', /多少錢|費用|收費|規費|金額|價格|要錢|付費|補助多少|罰(款|鍰)多少/],
  ['hours', /幾點|時間|什麼時候|開放|營業|上班|期限|截止|多久/],
  ['location', /在哪|哪裡|地址|地點|位置|怎麼去|哪個單位|哪一個單位|向誰|找誰/],
  ['documents', /文件|證件|證明|資料|帶什麼|準備什麼|表格|申請書/],
  ['eligibility', /資格|條件|可以申請嗎|能不能申請|符合|限制/],
  ['report', /檢舉|通報|反映|投訴|陳情|申訴/],
  ['how_to', /如何|怎麼|怎樣|流程|步驟|辦理|申請/],
];

export function questionType(text: string): QuestionType {
  for (const [type, pattern] of TYPE_RULES) if (pattern.test(text)) return type;
  return 'other';
}

/** Spoken digit strings ("一一二零三…") as Arabic digits, so a read-out case number is found. */
function spokenDigitsToArabic(text: string): string {
  return text
    .replace(/[０-９Ａ-Ｚａ-ｚ]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[零〇○洞一么幺二兩三四五六七拐八九勾]{4,}/g, (run) =>
      [...run].map((c) => SPOKEN_DIGIT[c] ?? c).join(''),
    );
}

const LED_BY_KEYWORD =
  /(?:案件編號|案件號碼|案號|受理編號|編號|單號)\s*(?:是|為|:|：)?\s*([A-Za-z]{0,3}[\s-]?\d[\d\s-]{4,20}\d)/;
// A bare case number: optional letter prefix and 8–14 digits, not a phone number (09…, 02…).
const BARE = /(?<![\d-])([A-Za-z]{1,3}\d{6,14}|(?!0[2-9])\d{8,14})(?![\d-])/;

/** The case number mentioned in an utterance, normalized (no spaces or dashes), or null. */
export function extractCaseNumber(text: string): string | null {
  const normal = spokenDigitsToArabic(text);
  const match = LED_BY_KEYWORD.exec(normal) ?? BARE.exec(normal);
  return match?.[1] ? match[1].replace(/[\s-]/g, '').toUpperCase() : null;
}
