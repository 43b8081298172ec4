import { domainSynonyms } from './synonyms.js';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Longer aliases first, so 微笑單車 is rewritten before 單車-like shorter forms could touch it.
const rewrites: ReadonlyArray<readonly [RegExp, string]> = domainSynonyms
  .flatMap((group) =>
    group.aliases.map((alias) => {
      const pattern = typeof alias === 'string' ? new RegExp(escape(alias), 'g') : alias;
      return [pattern, group.canonical, typeof alias === 'string' ? alias.length : 2] as const;
    }),
  )
  .sort((a, b) => b[2] - a[2])
  .map(([pattern, canonical]) => [pattern, canonical] as const);

/**
 * The one text form both entries and queries are indexed in: full-width folded (NFKC), Latin
 * lower-cased, 台 → 臺, and domain aliases rewritten to their canonical form.
 */
export function canonicalize(text: string): string {
  let out = text.normalize('NFKC').toLowerCase().replace(/台/g, '臺');
  for (const [pattern, canonical] of rewrites) out = out.replace(pattern, canonical);
  return out;
}

/**
 * Openers and fillers of spoken questions ("喂你好，我想請問一下…"). They carry no topic, and being
 * rare in written FAQ text they would otherwise read as strong unmatched evidence.
 */
const SPOKEN_FILLERS =
  /(喂+|哈囉|你好|您好|請問(一下)?|我?想要?問(一下)?|問一下|麻煩(你|您)?|不好意思|那個|就是說?|然後|對啊|嗯+|啊+|呃+|欸+|唉+|喔+|哦+|啦|齁|蛤)/g;

export function stripFillers(query: string): string {
  return query.replace(SPOKEN_FILLERS, ' ');
}
