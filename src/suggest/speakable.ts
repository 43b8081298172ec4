/**
 * Can an agent read this script aloud to a caller as it stands? The template check: no agency
 * self-reference (本局), no law-article numbers, URLs, internal notes or exclamations, and every
 * sentence complete.
 */

const CHECKS: ReadonlyArray<{ code: string; re: RegExp }> = [
  {
    code: 'self_reference',
    re: /本(?:局|處|府|中心|所|會|署|科|館|隊|部|分局|室|院|校|公司|單位|大隊|中隊|站)/,
  },
  { code: 'law_article', re: /第\s*[0-9０-９一二三四五六七八九十百零]+\s*條|條文/ },
  {
    code: 'url',
    re: /https?:\/\/|www\.|\.gov\.tw|\.taipei\b|\.aspx|\.php|\.html?\b|\.com\b|\.org\b|\.net\b/i,
  },
  { code: 'exclamation', re: /[！!]|[喔唷呦囉啦耶哦][。，？?]?$|[喔唷呦囉啦耶哦][。，]/m },
  { code: 'internal_note', re: /※|^\s*(?:\d+\.\s*)?(?:註|備註|附註|資料來源|更新日期|承辦人)[：:]/m },
  { code: 'mid_clause', re: /(?:[外及或並與且、，；：:,;]|以及|或是|並且|但是|例如|如下)[。…]?$|…$/m },
];

/** A line that introduces the numbered steps after it ("申請方式如下："). */
const isLeadIn = (line: string, next: string | undefined) => /[：:]$/.test(line) && /^1\. /.test(next ?? '');

/** The problems an agent would hear, as stable codes (empty when the script is speakable). */
export function speakabilityIssues(script: string): string[] {
  const lines = script.split('\n').map((l) => l.trim());
  return CHECKS.filter(({ code, re }) =>
    lines.some((line, i) => re.test(line) && !(code === 'mid_clause' && isLeadIn(line, lines[i + 1]))),
  ).map(({ code }) => code);
}
