/**
 * From an official FAQ answer to words an agent says to a caller: the agency speaks of itself as
 * 本局, the agent names it; law-article numbers, URLs, asides and exclamations are not read out.
 * Links go to a separate list the agent can send by SMS or e-mail. No fact is ever reworded: only
 * references are removed and self-references named.
 */

export interface Link {
  /** What the page is, from the words before the address (or the FAQ question). */
  label: string;
  url: string;
}

// An address, and a path written in Chinese after it (gov.taipei/業務服務/…).
const URL =
  /(?:(?:https?:\/\/|www\.)[\w\-.~:/?#@!$&'*+,;=%]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:taipei|tw|com|org|net)\b)(?:\/[^\s，。、；」』）)】>「『（(]*)?/gi;
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
const SELF = /本(?:局|處|中心|所|會|署|科|館|隊|部|分局|室|院|校|公司|單位|大隊|中隊|站)/g;

/** Every URL (and e-mail address) in an answer, labelled by the words just before it. */
export function linksIn(text: string, fallbackLabel: string): Link[] {
  const links: Link[] = [];
  for (const match of text.matchAll(EMAIL)) {
    const url = `mailto:${match[0]}`;
    if (!links.some((l) => l.url === url)) links.push({ label: '電子信箱', url });
  }
  for (const match of text.replace(EMAIL, ' ').matchAll(URL)) {
    const found = match[0].replace(/[.,;:)）]+$/, '');
    const url = /^https?:\/\//i.test(found) ? found : `https://${found}`;
    if (links.some((l) => l.url === url)) continue;
    // The clause before the address names the page: 臺北市政府主計處網站(https://…).
    const clause =
      text
        .slice(0, match.index)
        .split(/[。！？!?，；\n]/)
        .pop() ?? '';
    const label = clause
      .replace(/[\s：:（(「【]+$/, '')
      .replace(/(?:網址|連結)$/, '')
      .replace(
        /^.*?(?:詳見|請至|可至|亦可至|請上|可上|逕至|詳參|參閱|請參考|參考|請詳|請逕上|連結至|上網至|點選)/,
        '',
      )
      .slice(-24);
    links.push({ label: /[\p{Script=Han}]{2}/u.test(label) ? label : fallbackLabel, url });
  }
  return links;
}

/** One sentence of an answer as the agent says it; empty when nothing speakable is left. */
export function spokenSentence(sentence: string, agency: string): string {
  let s = sentence
    .replace(EMAIL, '')
    .replace(URL, '')
    // A citation in brackets goes whole: （噪音管制法第9條）, (依第3條規定).
    .replace(/[（(][^（）()]*第\s*[0-9０-９一二三四五六七八九十百零]+\s*條[^（）()]*[）)]/g, '')
    .replace(
      /第\s*[0-9０-９一二三四五六七八九十百零]+\s*條(?:之[0-9一二三四五六七八九十]+)?(?:第\s*[0-9一二三四五六七八九十]+\s*[項款])*/g,
      '',
    )
    .replace(/(?:同條|本條)?第\s*[0-9０-９一二三四五六七八九十百零]+\s*[項款]/g, '')
    .replace(/條文/g, '規定')
    .replace(/本府/g, '市府')
    .replace(/本市/g, '臺北市')
    .replace(SELF, agency)
    .replace(/[※＊]/g, '')
    .replace(/[喔唷呦囉啦耶哦]+(?=[。？！!?，]|$)/g, '')
    .replace(/[！!]+/g, '。')
    // What the removals leave behind: empty brackets, a dangling 網址：, doubled punctuation.
    .replace(/[（(【「]\s*[）)】」]/g, '')
    .replace(/(?:網址|網站|連結)\s*[：:]\s*(?=[。，]|$)/g, '網站')
    .replace(/\s+(?=[。，、；])/g, '')
    .replace(/([，、；])[，、；]+/g, '$1')
    .replace(/[，、；]+(?=[。？])/g, '')
    .replace(/。{2,}/g, '。')
    .trim();
  s = balanced(s);
  if (!/[\p{Script=Han}]/u.test(s)) s = '';
  return s;
}

const OPEN = '(（「『【';
const CLOSE = ')）」』】';

/**
 * A sentence cut out of a longer text can hold half a bracket: a closing one it starts with goes,
 * and an aside whose bracket never closes is left out from where it opens.
 */
function balanced(sentence: string): string {
  let s = sentence.replace(/^[)）」』】，、；：:\s]+/, '');
  const open: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (OPEN.includes(s[i] as string)) open.push(i);
    else if (CLOSE.includes(s[i] as string)) open.pop();
  }
  if (open.length > 0) s = s.slice(0, open[0]).replace(/[，、；：:\s]+$/, '');
  return s;
}

/** Notes and structure that are not part of the answer: 備註：, 資料來源：, Q1：, questions. */
export const isNote = (sentence: string): boolean =>
  /^(?:註|備註|附註|資料來源|更新日期|承辦人|聯絡人|Q\d+)[：:]/.test(sentence) || /[？?]$/.test(sentence);
