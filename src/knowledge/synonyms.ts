/**
 * Domain synonyms and abbreviations of the Taipei hotline. Each alias is rewritten to its canonical
 * form (the form the KB mostly uses) in both entries and queries, so either wording finds the other.
 * Patterns carry look-arounds where an alias is a substring of a longer word (北市 inside 臺北市).
 */
export interface SynonymGroup {
  canonical: string;
  aliases: readonly (string | RegExp)[];
  /** Spoken wording (掉了 → 遺失) rather than a domain name: not a hot-word. */
  spoken?: boolean;
}

export const domainSynonyms: readonly SynonymGroup[] = [
  { canonical: '臺北市', aliases: [/(?<![臺台新])北市/g] },
  { canonical: '捷運', aliases: ['mrt', '地鐵'] },
  { canonical: '悠遊卡', aliases: ['easycard', '悠游卡'] },
  { canonical: 'youbike', aliases: ['微笑單車', 'u-bike', 'ubike'] },
  { canonical: '自行車', aliases: ['腳踏車', '鐵馬'] },
  { canonical: '機車', aliases: ['摩托車', '歐兜邁'] },
  { canonical: '計程車', aliases: ['小黃'] },
  { canonical: '身分證', aliases: ['身份證'] },
  { canonical: '低收入戶', aliases: [/低收(?!入)/g] },
  { canonical: '身心障礙', aliases: ['身障'] },
  { canonical: '長期照顧', aliases: ['長照'] },
  { canonical: '幼兒園', aliases: ['幼稚園'] },
  { canonical: '健保', aliases: ['全民健康保險'] },
  { canonical: '勞保', aliases: ['勞工保險'] },
  { canonical: '敬老卡', aliases: ['敬老愛心卡'] },
  { canonical: '戶政事務所', aliases: ['戶政所'] },
  { canonical: '區公所', aliases: [/(?<!區)公所/g] },
  { canonical: '報案', aliases: ['報警'] },
  { canonical: '垃圾車', aliases: ['清潔車'] },
  { canonical: '市政府', aliases: ['市府'] },
  { canonical: '預防接種', aliases: ['打疫苗'] },
  { canonical: '老人', aliases: ['老人家'] },
  // Spoken wording → the written wording of FAQ questions.
  { canonical: '遺失', aliases: ['弄丟', '搞丟', '掉了', '不見了'], spoken: true },
  { canonical: '如何', aliases: ['怎麼樣', '怎樣', /怎麼(?!辦)/g], spoken: true },
  { canonical: '是否', aliases: ['是不是', '有沒有'], spoken: true },
  { canonical: '可否', aliases: ['可不可以', '能不能'], spoken: true },
  { canonical: '為何', aliases: ['為什麼'], spoken: true },
  { canonical: '哪裡', aliases: ['哪邊', '什麼地方'], spoken: true },
  { canonical: '費用', aliases: ['多少錢'], spoken: true },
  { canonical: '時間', aliases: ['幾點'], spoken: true },
  { canonical: '遺失', aliases: ['掉在', '忘在'], spoken: true },
  { canonical: '罰鍰', aliases: ['罰多少錢', '罰錢'], spoken: true },
  // Callers name weekdays 禮拜三/星期天; the KB writes 週三/週日.
  { canonical: '週日', aliases: ['禮拜天', '禮拜日', '星期天', '星期日'], spoken: true },
  { canonical: '週', aliases: [/(?:禮拜|星期)(?=[一二三四五六])/g], spoken: true },
];

/**
 * Canonical forms and plain-string aliases: terms the segmenter should keep whole; with
 * `namesOnly`, only domain names (hot-word material), not spoken wording.
 */
export function synonymTerms(namesOnly = false): string[] {
  const out: string[] = [];
  for (const group of domainSynonyms) {
    if (namesOnly && group.spoken) continue;
    out.push(group.canonical);
    for (const alias of group.aliases) if (typeof alias === 'string') out.push(alias);
  }
  return out;
}
