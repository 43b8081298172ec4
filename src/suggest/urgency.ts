/**
 * Urgency from what the caller says: self-harm, threats, emergencies (fire, flooding, gas,
 * violence, medical) and angry escalation. Rules, not a model: a missed alert is costly, and a
 * supervisor must be able to read why one fired.
 */

export type UrgencyCategory =
  'self_harm' | 'threat' | 'fire' | 'flood' | 'gas' | 'violence' | 'medical' | 'distress' | 'anger';

export interface Urgency {
  category: UrgencyCategory;
  level: 'warning' | 'critical';
  /** Human-readable reason for the supervisor view, e.g. "自傷風險：想死". */
  reason: string;
  matched: string;
}

interface Rule {
  category: UrgencyCategory;
  level: 'warning' | 'critical';
  label: string;
  /** Fires whatever the context. */
  always?: RegExp;
  /** Fires unless the sentence reads as a question about a procedure ("火災警報器補助怎麼申請"). */
  unlessInformational?: RegExp;
}

const RULES: readonly Rule[] = [
  {
    category: 'self_harm',
    level: 'critical',
    label: '自傷風險',
    always:
      /想死|不想活|活不下去|活著沒意思|我要自殺|我想自殺|結束(我的|自己的)?生命|了結自己|去死一死|跳下去算了|不如死/,
    unlessInformational: /自殺|輕生|跳樓|割腕|燒炭|吞安眠藥/,
  },
  {
    category: 'threat',
    level: 'critical',
    label: '威脅',
    always:
      /殺了你|殺死你|宰了你|砍死|同歸於盡|炸掉|炸了你們|放火燒|要你(的)?命|讓你們好看|給你們好看|帶刀過去|拿刀過去/,
  },
  {
    category: 'fire',
    level: 'critical',
    label: '火災',
    unlessInformational: /失火|火災|著火|起火|燒起來|冒煙|濃煙|火燒/,
  },
  {
    category: 'flood',
    level: 'critical',
    label: '淹水',
    unlessInformational: /淹水|淹進來|水淹|淹到|水漫進|積水.{0,4}(很深|到膝蓋|到腰|進屋)|土石流/,
  },
  {
    category: 'gas',
    level: 'critical',
    label: '瓦斯外洩',
    unlessInformational: /瓦斯.{0,4}(外洩|漏)|瓦斯味|聞到瓦斯|一氧化碳中毒|氣爆/,
  },
  {
    category: 'violence',
    level: 'critical',
    label: '暴力',
    always:
      /(他|她|有人|老公|老婆|先生|太太|爸爸|媽媽|男友|女友).{0,4}(打我|揍我|砍我|拿刀)|被(打|揍|砍|性侵|強暴)(了)?|救救我/,
    unlessInformational: /家暴|施暴|持刀|砍人|性侵|強暴|闖進(來|我家)/,
  },
  {
    category: 'medical',
    level: 'critical',
    label: '緊急醫療',
    unlessInformational:
      /昏倒|暈倒|沒有呼吸|沒呼吸|沒有意識|叫不醒|倒在地上|流很多血|大量出血|心臟病發|中風了/,
  },
  {
    category: 'distress',
    level: 'warning',
    label: '求救',
    always: /救命|快來救|好害怕|拜託快(點)?來|很危險.{0,4}(快|救)/,
  },
  {
    category: 'anger',
    level: 'warning',
    label: '情緒激動',
    always:
      /幹你|靠北|他媽的|(?<!媽)媽的(?=[，。！!？?\s]|$)|去你的|廢物|垃圾政府|爛政府|什麼態度|叫你們(的)?(長官|主管|局長|市長|處長)|我要(投訴|告)你|告到底|找(議員|媒體|記者)|已經打了.{0,4}(次|通)|打了好幾(次|通)|每次都(這樣|推)|不要再推|踢皮球/,
  },
];

// Asking about a procedure, a rule or a subsidy, in general terms.
const INFORMATIONAL =
  /如何|怎麼(申請|辦理|處理較|預防|防範)|應如何|是否|可否|能否|補助|申請|規定|相關資訊|有哪些|注意(什麼|事項)|要領|為何|原因|設施|警報器|宣導|防治|救助|保險|演練|通報流程|的情況下|發生.{0,6}時|時(應|要)?怎麼|疏散|逃生|何種|哪些|那些|什麼是|症狀|程序|方法|作法|是不是|事項/;
// Something is happening now, here, to the caller.
const IMMEDIATE = /現在|正在|剛剛|剛才|我家|這裡|樓下|隔壁|快點|趕快|馬上|已經|救命|好大|一直|聞到|看到/;

/** The most severe urgency in a text, or null. */
export function detectUrgency(text: string): Urgency | null {
  const informational = INFORMATIONAL.test(text) && !IMMEDIATE.test(text);
  for (const rule of RULES) {
    const hit = rule.always?.exec(text) ?? (!informational ? rule.unlessInformational?.exec(text) : null);
    if (hit)
      return {
        category: rule.category,
        level: rule.level,
        reason: `${rule.label}：${hit[0]}`,
        matched: hit[0],
      };
  }
  return null;
}
