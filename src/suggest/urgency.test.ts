import { join } from 'node:path';
import * as OpenCC from 'opencc-js';
import { describe, expect, it } from 'vitest';
import { requireShared, sharedPaths } from '../../test/shared.js';
import { BUNDLED_DATA_DIR } from '../config/index.js';
import { readFaqJsonl, readJsonl } from './testing/faq.js';
import {
  BUNDLED_URGENCY_LEXICON,
  buildUrgencyDetector,
  createUrgencyDetector,
  detectUrgency,
  readUrgencyLexicon,
  readUrgencyModelConfig,
  BUNDLED_URGENCY_MODEL,
} from './urgency.js';
import { evaluateUrgency } from './urgency-eval.js';
import { readUrgencySet } from './urgency-set.js';

const sharedDev = readUrgencySet(requireShared(join(sharedPaths.devDir, 'urgent.dev.jsonl')));
const repoSets = readUrgencyModelConfig(BUNDLED_URGENCY_MODEL)
  .training.filter((file) => file.includes('.dev.'))
  .map((file) => join(BUNDLED_DATA_DIR, 'urgency', file));
/** Decision thresholds for detectors built around a stand-in classifier. */
const thresholds = {
  alone: 0.8,
  overrule: 0.95,
  minChars: 8,
  critical: 0.9,
  confirm: 0.25,
  veto: 0.02,
  vetoScore: 8,
};
const toSimplified = OpenCC.Converter({ from: 'tw', to: 'cn' });

/** Each turn alerts with that category and protocol from the lexicon alone (no classifier to lean on). */
function expectFromLexiconAlone(turns: Array<[text: string, category: string, protocol: string]>): void {
  const rulesOnly = buildUrgencyDetector({ model: null });
  for (const [text, category, protocol] of turns)
    expect(rulesOnly.detect(text), text).toMatchObject({ category, protocol });
}

/** No turn alerts with the shipped detector (lexicon and classifier). */
function expectQuiet(texts: string[]): void {
  for (const text of texts) expect(detectUrgency(text), text).toBeNull();
}

describe('urgency on realistic caller turns', () => {
  it('the shared dev set (never trained on): recall, protocol and false alarms within the goals', () => {
    const report = evaluateUrgency(sharedDev, detectUrgency);
    console.info(`[urgency] urgent.dev.jsonl ${JSON.stringify({ ...report, per_category: undefined })}`);
    expect(report.recall).toBeGreaterThanOrEqual(0.95);
    expect(report.protocol_accuracy).toBeGreaterThanOrEqual(0.9);
    expect(report.false_alarm_rate).toBeLessThanOrEqual(0.02);
  });

  it('each repo set, scored by a detector whose classifier never saw it', () => {
    // The sets are left out a fold at a time (every FOLDS-th set together): one training per fold,
    // not per set, keeps this to seconds with forty-odd sets; `npm run eval:urgency-cv` leaves out one.
    const FOLDS = 6;
    for (let fold = 0; fold < FOLDS; fold++) {
      const heldOut = repoSets.filter((_, i) => i % FOLDS === fold);
      const detector = buildUrgencyDetector({ exclude: heldOut });
      for (const path of heldOut) {
        const report = evaluateUrgency(readUrgencySet(path), (text, o) => detector.detect(text, o));
        console.info(
          `[urgency] ${path.split('/').pop()} held out: recall ${report.recall} false alarms ${report.false_alarm_rate} protocol ${report.protocol_accuracy}`,
        );
        expect(report.recall).toBeGreaterThanOrEqual(0.9);
        expect(report.false_alarm_rate).toBeLessThanOrEqual(0.03);
        expect(report.protocol_accuracy).toBeGreaterThanOrEqual(0.9);
      }
    }
  }, 300_000);

  it('survives what a recognizer does: Simplified characters, no punctuation', () => {
    const urgent = sharedDev.filter((c) => c.urgent);
    const garbled = urgent.map((c) => ({ ...c, text: toSimplified(c.text).replace(/[，。！？、\s]/g, '') }));
    expect(garbled.some((c, i) => c.text !== urgent[i]?.text)).toBe(true);
    const report = evaluateUrgency(garbled, detectUrgency);
    expect(report.recall).toBeGreaterThanOrEqual(0.95);
  });

  it('puts back sound-alike misrecognitions of its key words, and only those', () => {
    expect(detectUrgency('我想了結自己的聲明 真的撐不下去了')?.category).toBe('suicide');
    expect(detectUrgency('隔壁好像失貨了 一直有煙跑出來')?.category).toBe('fire_gas');
    // 遺失或 sounds like 失火, 請生理假 like 輕生: ordinary writing stays as it is.
    expect(detectUrgency('數位學生證遺失或毀損該怎麼辦')).toBeNull();
    expect(detectUrgency('請生理假時需提出證明嗎')).toBeNull();
  });

  it('stays quiet on ordinary callers and on the FAQ', () => {
    const spoken = readJsonl<{ query: string }>(
      requireShared(join(sharedPaths.devDir, 'taipei_spoken.dev.jsonl')),
    ).map((q) => q.query);
    const spokenAlarms = spoken.filter((q) => detectUrgency(q));
    expect(spokenAlarms.length).toBeLessThanOrEqual(2);
    const questions = readFaqJsonl(requireShared(sharedPaths.faq)).map((e) => e.question);
    const faqAlarms = questions.filter((q) => detectUrgency(q));
    console.info(
      `[urgency] false alarms: ${spokenAlarms.length}/${spoken.length} spoken, ${faqAlarms.length}/${questions.length} FAQ`,
    );
    expect(faqAlarms.length / questions.length).toBeLessThan(0.002);
  });
});

describe('kinds of situations beyond the dev sets', () => {
  it('reads annoyance as hyperbole and fever as an illness, not as threats, suicide or fire', () => {
    expect(detectUrgency('樓上裝潢吵到我想殺人了')).toBeNull();
    expect(detectUrgency('這個月瓦斯費貴到我想跳樓')).toBeNull();
    expect(detectUrgency('我兒子發燒到四十度 假日哪裡有開小兒科')).toBeNull();
  });

  it('recognises a scam remittance under way, a partner with a weapon, affairs put in order', () => {
    expect(detectUrgency('我爸現在在郵局要匯款 說是警察打電話叫他匯的 我們勸不聽')).toMatchObject({
      category: 'crime_in_progress',
      protocol: '110',
    });
    expect(detectUrgency('我太太拿著剪刀站在門口 說我今天不准出門')).toMatchObject({
      category: 'domestic_violence',
      protocol: '113',
    });
    expect(detectUrgency('我把狗跟存摺都交給我姊了 以後也沒什麼好牽掛的')?.category).toBe('suicide');
    expect(detectUrgency('我們全家被大水困在三樓 樓梯都淹了')?.category).toBe('disaster');
  });

  it('counts a child by age only under eighteen, and a jab of any vaccine as a jab', () => {
    const rulesOnly = buildUrgencyDetector({ model: null });
    expect(rulesOnly.detect('我阿公要打流感疫苗 六十五歲以上是不是免費')).toBeNull();
    expect(rulesOnly.detect('我媽八十歲了要打肺炎鏈球菌疫苗 要去哪裡打')).toBeNull();
    expect(rulesOnly.detect('隔壁一直打他五歲的兒子 小孩哭到沒聲音了')).toMatchObject({
      category: 'child_abuse',
      protocol: '113',
    });
  });
});

describe('intent said plainly inside an enquiry or a complaint', () => {
  it('hears a first-person wish to die that the enquiry or complaint around it would otherwise cancel', () => {
    const rulesOnly = buildUrgencyDetector({ model: null });
    expect(rulesOnly.detect('我真的不想活了 你們一直叫我去申請補助 申請什麼啦')?.category).toBe('suicide');
    expect(detectUrgency('請問一下 如果有人不想再醒來要打哪支電话 其實就是我自己')?.category).toBe('suicide');
  });

  it('reads 爛到我不想活 and 跳樓大拍賣 as ordinary talk', () => {
    expect(detectUrgency('這個網站爛到我真的不想活了 登入一直失敗')).toBeNull();
    expect(detectUrgency('跳樓大拍賣的宣傳車每天都在巷子裡廣播')).toBeNull();
  });

  it('refers thinking of a high place to 1925 and self-harm still bleeding to 119', () => {
    expect(detectUrgency('我每天晚上都在想從頂樓跳下去會不會比較不痛')?.protocol).toBe('1925');
    expect(detectUrgency('我剛剛用刀片割手 壓著還是一直滲出來')).toMatchObject({
      category: 'self_harm',
      protocol: '119',
    });
  });
});

describe('a turn that leaves an ordinary opening, and cues that stay in their clause', () => {
  it('hears a danger the caller turns to after an ordinary question (算了, 不對, 其實)', () => {
    const rulesOnly = buildUrgencyDetector({ model: null });
    expect(rulesOnly.detect('請問區公所幾點開門 欸不對 我爸喝醉在砸桌子 我跟我弟躲在浴室')).toMatchObject({
      category: 'domestic_violence',
      protocol: '113',
    });
    expect(rulesOnly.detect('想請問公園的廁所幾點關 等一下 有個阿伯倒在地上都不動')?.category).toBe(
      'medical',
    );
    // The words after the turn alone lose what made them ordinary: only a cue may alert on them.
    expect(detectUrgency('我收到一張罰單，可是那天我的車已經被偷了。')).toBeNull();
  });

  it('does not read a wall in one clause and a cracked forehead in the next as a collapse', () => {
    const rulesOnly = buildUrgencyDetector({ model: null });
    expect(rulesOnly.detect('後面那面牆已經裂開了')?.category).toBe('disaster');
    expect(rulesOnly.detect('她撞到後面那面牆 剛剛額頭裂開')?.category).not.toBe('disaster');
  });
});

describe('farewells, veiled threats, survivors and empty lifts', () => {
  it('hears a farewell without the word, not a move or a deadline', () => {
    expect(detectUrgency('反正我過幾天就不在了 這些帳單也不用寄了')?.category).toBe('suicide');
    expect(detectUrgency('我下個月就不在台北了 戶籍要怎麼遷')).toBeNull();
  });

  it('refers a veiled threat to the police: he knows where the child goes to school', () => {
    expect(detectUrgency('那個討債的打來說他知道我女兒讀哪間國中 叫我出門小心一點')).toMatchObject({
      category: 'violence_threat',
      protocol: '110',
    });
    expect(detectUrgency('醫生叫我走路小心一點 我想申請助行器的補助')).toBeNull();
  });

  it('reads a grief-support question and a lift stuck with nobody inside as ordinary calls', () => {
    expect(detectUrgency('我太太前年燒炭走了 孩子到現在都走不出來 有沒有遺族的心理諮商')).toBeNull();
    expect(detectUrgency('社區的電梯卡在七樓了 裡面沒有人 管理員叫我們打來問')).toBeNull();
    expect(detectUrgency('電梯卡在七樓 裡面還有人')?.category).toBe('disaster');
  });

  it('refers someone at risk who cannot be found to 110, and self-harm bleeding now to 119', () => {
    expect(detectUrgency('我室友說她撐不下去了 現在LINE都未讀 我不知道她住哪')?.protocol).toBe('110');
    expect(detectUrgency('我哥又拿美工刀劃手臂 這次割開一個口 血流到地上')).toMatchObject({
      category: 'self_harm',
      protocol: '119',
    });
  });
});

describe('an enquiry left without a pivot word, and what callers wrap in one', () => {
  it('hears, from the lexicon alone, a danger after an enquiry and the kinds of situation blind11 missed', () => {
    expectFromLexiconAlone([
      // stroke signs after an enquiry, and a strong smell with someone asleep
      ['我想問輔具租借怎麼辦理，我外公剛剛講話大舌頭，左邊的手也舉不起來', 'medical', '119'],
      ['請問天然氣的客服幾點下班，我一開門就聞到很濃的味道，我老公還在房間睡', 'fire_gas', '119'],
      // driven off in a car that will not stop, shut in by an employer
      ['我在叫的車上 司機一直往偏僻的地方開 我叫他停車他都不理', 'crime_in_progress', '110'],
      ['我在工廠打工 老闆把我們鎖在宿舍裡 不讓我們出去', 'crime_in_progress', '110'],
      // a weapon with retaliation, a threat against the office
      ['我們公司有個同事被開除 他今天帶了一支鐵鎚來 要讓人事主任後悔', 'violence_threat', '110'],
      ['我想問申請案怎麼還沒下來，我忍到極限了，我明天就拿汽油去你們公所', 'violence_threat', '110'],
    ]);
  });

  it('hears a will finished against a near date as a farewell, and a towel soaked by self-harm as 119', () => {
    expect(detectUrgency('想問一下遺囑要怎麼公證 我想說明天就寫好 之後就不用再麻煩家人了')?.protocol).toBe(
      '1925',
    );
    expect(detectUrgency('我只是想發洩一下 用美工到劃了手臂 衣服整件都染紅了')).toMatchObject({
      category: 'self_harm',
      protocol: '119',
    });
  });

  it('stays quiet on an enquiry whose second clause is background: a past stroke, a fare, a beneficiary', () => {
    expectQuiet([
      '我想問居家復健怎麼申請，我媽前年中風以後說話就有點含糊，現在慢慢在練習',
      '我想問區公所的陳情進度，我下禮拜會再帶資料過去補件',
      '請問叫車的車資爭議找誰 那個司機不走我講的路 多收了我一百',
      '請問保險的受益人可以寫兩個人嗎 我想把我太太跟女兒都寫進去',
    ]);
  });
});

describe('what blind12 missed and alarmed on, by kind', () => {
  it('hears, from the lexicon alone, dangers said without their word', () => {
    expectFromLexiconAlone([
      // a suicide euphemism inside an insurance question about one's own death
      ['我想了解一下 假如我是自己走的 意外險還會給付給我媽嗎', 'suicide', '1925'],
      // heart-attack signs played down, then a question about a clinic
      ['應該沒什麼 就是胸口一直壓壓的 左邊肩膀也麻 想問晚上哪裡還有門診', 'medical', '119'],
      // smoke described without the word, from a home with someone vulnerable inside
      ['斜對面三樓的窗戶一直飄出灰灰的煙 那間只住一個行動不便的老太太', 'fire_gas', '119'],
      // hidden self-harm: long sleeves in the heat, fresh cuts
      ['我表妹這麼熱的天氣還穿長袖 今天在學校看到她手臂上一條一條的新傷', 'self_harm', '1925'],
      // a conditional threat against a named person
      ['那個催收的如果再來我家門口堵我 我不保證他走得出去', 'violence_threat', '110'],
      // a robbery at a counter now
      ['我在檳榔攤顧店 有個男的戴著面罩叫我把錢拿出來 他現在還在攤子前面', 'crime_in_progress', '110'],
      // water released upstream with people in the riverbed; earth sliding onto a house
      ['上游好像在放水了 溪邊還有一群學生在玩水', 'disaster', '119'],
      ['屋子後面的邊坡一直往下滑 廚房的牆被推倒了 我爸還在裡面', 'disaster', '119'],
    ]);
  });

  it('refers a threat by a partner or relative, and pleading heard next door, to 113', () => {
    expect(detectUrgency('我男朋友把杯子丟到我腳邊 說等他朋友走了再跟我算帳')).toMatchObject({
      category: 'domestic_violence',
      protocol: '113',
    });
    // a weapon in the partner's hand does not make it a stranger's threat
    expect(detectUrgency('我太太說等我回家就讓我好看 她剛剛一直拿著剪刀')?.protocol).toBe('113');
    expect(detectUrgency('隔壁的阿姨一直叫著說放開我 還有碰碰撞牆的聲音')).toMatchObject({
      category: 'domestic_violence',
      protocol: '113',
    });
  });

  it('stays quiet on aftermath, habitual nuisances with a named source, and building work', () => {
    expectQuiet([
      '前天我們那棟有人跳樓 警察都處理好了 可是中庭到現在還沒清乾淨 可以請人來清嗎',
      '上禮拜停車場有台機車被燒 到現在都還沒拖走 要找哪個單位',
      '對面的燒烤店排煙管每天都在冒煙 整排房子都是油煙味',
      '鄰居每天在陽台焚香 煙一直飄進我家 味道好重',
      '樓下那間在裝潢 從早上一直敲到現在 我爸媽都沒辦法午睡',
      '請問保險受益人改成我女兒 要帶什麼證件',
    ]);
  });
});

describe('what blind13 missed and confused, by kind', () => {
  it('hears, from the lexicon alone, a death weighed against money for the family, and a stranger following now', () => {
    expectFromLexiconAlone([
      // one's own departure against insurance money for the family
      ['工廠收掉了 貸款還不出來 我想我不在了保險的錢起碼可以幫我老婆還一點', 'suicide', '1925'],
      ['保險金我會留給兩個孩子 我就可以安心走了', 'suicide', '1925'],
      // a stranger following the caller now, who hides in a shop: not a partner, so not 113
      ['從夜市出來就有一個男的一路跟著我 我先躲進全家裡面了', 'crime_in_progress', '110'],
      // pills already swallowed (止痛要 as a recognizer writes 止痛藥) and the person slowing down
      ['我阿姨把醫生開的止痛要整盒吃掉了 現在叫她都很慢才回應', 'overdose', '119'],
      // a partner's death threat against the caller
      ['我前夫剛剛打電話說我敢帶小孩搬走就讓我看不到明年', 'domestic_violence', '113'],
    ]);
  });

  it('refers a farewell note without a method, place or time to 1925, and a partner following the caller to 113', () => {
    expect(detectUrgency('信我已經寫好了 遺書就夾在日記本裡 房租我也先繳清了')?.protocol).toBe('1925');
    expect(detectUrgency('我前男友一路跟我到公司樓下 我現在躲在警衛室')?.protocol).toBe('113');
  });

  it('stays quiet on a kitchen mishap already over, smoke from a temple or an offering, and speech to someone', () => {
    expectQuiet([
      '魚煎到焦掉 火已經關了 可是煙霧偵測器一直響 要怎麼讓它停',
      '廟口今天在做醮 一直在燒紙錢 整個社區都是煙',
      '我媽一直跟我說要去拜拜 我想問附近哪間廟有停車場',
      '請問我走了以後保單的受益人可以改成我孫子嗎',
    ]);
  });

  it('still hears a kitchen fire that comes back or leaves someone overcome', () => {
    expect(detectUrgency('火我關了 可是抽油煙機裡面又燒起來了')?.category).toBe('fire_gas');
    expect(detectUrgency('火已經滅了 可是我媽吸到煙倒在廚房叫不醒')).not.toBeNull();
  });
});

describe('what blind14 missed and confused, by kind', () => {
  it('hears, from the lexicon alone, a rhetorical death threat, readiness for jail with a weapon at hand, and a soaked towel', () => {
    expectFromLexiconAlone([
      // 看他有幾條命: said of someone, a death threat
      ['那個代書再敢來騙我爸簽字，我看他有幾條命可以賠', 'violence_threat', '110'],
      // a weapon at hand and readiness to go to jail for it
      ['社區主委再來貼我的門 我機車坐墊下有鐵棍 關就關', 'violence_threat', '110'],
      // self-harm bleeding now: soaked through, towels used up (119, not 1925)
      ['我又用美工刀割了大腿 褲子都被血滲透了', 'self_harm', '119'],
      ['我剛剛又劃了手 毛巾已經換了四條', 'self_harm', '119'],
    ]);
  });

  it('stays quiet on anger told as an explosion or smoke, and on reckless riders or an exam to fight', () => {
    expectQuiet([
      '社區停車費又漲 我氣到快爆炸了 要找誰反映',
      '樓上一直跳 我氣到頭頂冒煙 要打哪支電話反映',
      '那些外送員在人行道上騎那麼快 是有幾條命可以這樣騎',
      '我兒子說期末考大不了跟它拚了 請問圖書館幾點開',
    ]);
  });
});

describe('what blind15 missed and alarmed on, by kind', () => {
  it('hears, from the lexicon alone, a present danger said after an enquiry', () => {
    expectFromLexiconAlone([
      // someone collapsed somewhere, someone not breathing
      ['想問一下健保卡遺失怎麼補辦，我先生剛才吃飯吃到一半倒在地上，好像沒在呼吸', 'medical', '119'],
      ['我想問社區的AED放在哪裡 警衛伯伯剛剛在大廳倒下了', 'medical', '119'],
      // self-harm that has started again
      ['想問學校輔導室要怎麼預約，我這禮拜又開始用美工刀劃大腿了', 'self_harm', '1925'],
      // a child thrown or shaken by an adult, seen today
      ['我想問幼兒園的申訴要找哪個單位，今天下午我看到老師把一個小朋友往牆上摔', 'child_abuse', '113'],
      // dizziness and weakness indoors with a smell: carbon monoxide
      ['想問瓦斯行幾點開，我現在在房間覺得頭很暈想吐，屋裡有一股怪味', 'fire_gas', '119'],
      // resignation about one's own time left, beside affairs put in order
      ['我想問存款要怎麼轉到我兒子名下，早點弄一弄，反正我也活不了多久了', 'suicide', '1925'],
    ]);
  });

  it('lets the classifier judge, when it is sure, what follows an enquiry and a pause', () => {
    const text = '我想問長照中心的電話，我媽現在手腳一直抖，叫她都不會回答';
    expect(buildUrgencyDetector({ model: null }).detect(text)).toBeNull();
    expect(detectUrgency(text)?.protocol).toBe('119');
  });

  it('refers a partner with a weapon in view and a threat against the caller to 113', () => {
    expect(detectUrgency('我先生說我敢離婚就給我好看，現在他拿著水果刀坐在門口瞪著我')).toMatchObject({
      category: 'domestic_violence',
      protocol: '113',
    });
  });

  it('stays quiet on food smells, on asking whether a mild reaction is normal, and on an enquiry with background', () => {
    expectQuiet([
      '樓上那間薑母鴨每天煮到整棟都是麻油味，嗆死人了，要找誰反映',
      '我女兒打完流感疫苗有點發燒 這樣正常嗎',
      '吃了新的降血壓藥之後一直想睡覺，要不要緊啊',
      '我想問中風後的復健怎麼申請，我爸三年前在公司倒下，現在恢復得不錯',
      '請問心理諮商是免費的嗎？我以前有割過手，現在已經好很多了，想找人聊聊',
      '想問熱水器要找誰來修，我洗澡洗到一半就沒熱水了，冷得要死',
    ]);
  });
});

describe('what probing the detector found, by kind', () => {
  it('stays quiet on a child whose ball hit a thing and on a cut by accident that stopped bleeding, not on their dangers', () => {
    expectQuiet([
      // the child threw or kicked something that hit a thing: damage, not a child being hit
      '樓上小孩丟石頭打到我的車，車窗都裂了，要找誰賠',
      '鄰居小朋友踢球打到我家玻璃，已經第三次了',
      '隔壁小孩打籃球打到我的鐵門，吵得要命',
      // a kitchen accident already under control
      '削水果不小心割到手指，已經止血了，要不要去打破傷風',
      '我媽煮飯不小心被刀子劃到，已經包紮好了，附近有診所嗎',
      '切肉的時候不小心切到手 血已經止住了',
    ]);
    expect(detectUrgency('小孩被他爸爸打到流血，現在還在哭')).toMatchObject({ category: 'child_abuse' });
    expect(detectUrgency('隔壁小孩踢球打到窗戶 玻璃碎片割到他 一直流血')?.protocol).toBe('119');
    expect(detectUrgency('不小心切到手 很深 一直流血止不住')?.protocol).toBe('119');
    expect(detectUrgency('我又割了 現在已經止血了')?.category).toBe('self_harm');
  });

  it('hears, from the lexicon alone, the caller cutting with tissues or towels used up as self-harm for 119', () => {
    expectFromLexiconAlone([
      ['我剛剛割下去，毛巾已經換了兩條', 'self_harm', '119'],
      ['我劃得太深了，衛生紙用了好幾包', 'self_harm', '119'],
      ['我割了三刀 現在血一直滴', 'self_harm', '119'],
    ]);
  });
});

describe('what blind16 confused and alarmed on, by kind', () => {
  it('hears, from the lexicon alone, exhaust in a shut garage, a rival’s threat and a water heater’s dizziness', () => {
    expectFromLexiconAlone([
      // a car running in a garage shut from inside, or a hose from the exhaust: an attempt under way
      ['我舅舅把車開進車庫 鐵捲門關起來了 車子還一直在發動 怎麼叫都不開門', 'suicide', '119'],
      ['我男朋友把排氣管用管子接進車裡 他坐在駕駛座', 'suicide', '119'],
      // the threatener is a partner's new partner or lover, not the caller's own: the police
      ['我太太的前男友傳訊息說要找人打斷我的手，還拍了我公司門口的照片', 'violence_threat', '110'],
      // the caller's own partner saying it stays domestic violence
      ['我老婆說我敢去找律師 她就找人打斷我的腿', 'domestic_violence', '113'],
      // dizziness, however mild, by a water heater with a smell: carbon monoxide
      ['熱水器最近有怪味道 我女兒洗完澡都說頭有點暈', 'fire_gas', '119'],
    ]);
  });

  it('reads a ride, a bridge or pests named with a method word, and a child put down, without a cue', () => {
    const rulesOnly = buildUrgencyDetector({ model: null });
    for (const text of [
      '劍湖山的跳樓機幾歲可以坐',
      '小孩可以上吊橋嗎 會不會太晃',
      '廚房有蟑螂 想買藥毒死那些蟑螂',
      '我老公回家都把小孩丟到床上就去洗澡',
      '我媽都把孩子丟給保母顧',
    ])
      expect(rulesOnly.detect(text), text).toBeNull();
  });

  it('stays quiet on those calls, on a child played with, a past attempt survived and a garage door to mend', () => {
    expectQuiet([
      '劍湖山的跳樓機幾歲可以坐',
      '廚房有蟑螂 想買藥毒死那些蟑螂 哪種比較好',
      '我媽都把孩子丟給保母顧 這樣有補助嗎',
      '我先生在跟兒子玩舉高高 把他往沙發上甩 兒子一直咯咯笑',
      '我阿姨前年燒炭被救回來 現在身體還不錯 想問家屬可以參加什麼團體',
      '車庫的鐵門關不起來 要找誰修',
    ]);
    // a child thrown hard, crying, or left in a car still alerts
    expect(detectUrgency('隔壁的媽媽把小孩用力往床上甩 小孩撞到牆一直哭')?.category).toBe('child_abuse');
    expect(detectUrgency('有個爸爸把兩歲的小孩丟在車上 自己去夾娃娃')?.category).toBe('child_abuse');
  });

  it('leaves a partial that says the event is over to the final, however sure the classifier is', () => {
    const sure = createUrgencyDetector(readUrgencyLexicon(BUNDLED_URGENCY_LEXICON), {
      model: { predict: () => ({ p: 0.99, category: 'suicide', top: [] }) },
      ...thresholds,
    });
    const settled = '我表哥去年吞藥被救回來，現在已經回去上班了';
    expect(sure.detect(settled, { partial: true })).toBeNull();
    expect(sure.detect(settled)?.category).toBe('suicide');
  });
});

describe('the plain vocabulary of danger happening now (after blind17)', () => {
  it('hears, from the lexicon alone, a body that went down, fire everywhere, a climb-in and a scam at home', () => {
    expectFromLexiconAlone([
      // a person who went down and then does not move, answer or breathe; someone face-down or gone under in water
      ['公園有個阿伯走一走就倒下去了 臉色發白都不會動', 'medical', '119'],
      ['我女兒在泳池邊玩 一轉頭就看到她浮在水面上 臉朝下', 'medical', '119'],
      ['我弟在游泳池沉下去一直沒上來', 'medical', '119'],
      ['有個騎士被撞飛 躺在路中間不會動', 'medical', '119'],
      ['我想問長照中心的電話，我媽現在整個人軟掉，叫她都不會回答', 'medical', '119'],
      // flames everywhere, a battery or a gas bottle that burst into fire
      ['我房間的行動電源突然炸開 棉被已經在燒了', 'fire_gas', '119'],
      ['樓下便利商店的電動機車在充電 突然爆炸 現在整間店都是火', 'fire_gas', '119'],
      // someone climbing in, or a scam under way in the caller's own home
      ['隔壁阿伯住院 沒人在家 可是我剛剛看到有個男的翻圍牆跳進去他家', 'crime_in_progress', '110'],
      ['有個自稱檢察官的人要我阿嬤把黃金交給他 他等一下就來', 'crime_in_progress', '110'],
      // a weapon got ready and dying together; a child alone for days; a house come down on someone
      ['那個客人說如果我們再不退錢 他刀已經放在車上了 要我們全部陪葬', 'violence_threat', '110'],
      ['我隔壁那個小女生 大概六歲 她說爸媽好幾天沒回家了', 'child_abuse', '113'],
      ['後山的土一直滑下來 我們家後面的牆已經倒了 我爸還在裡面', 'disaster', '119'],
    ]);
  });

  it('hears suicidal hints inside a question, and sends self-harm that has soaked a towel to 119', () => {
    expectFromLexiconAlone([
      ['我想問一下 農藥喝下去大概要多久才會…… 沒事啦 當我沒說', 'suicide', '1925'],
      ['我想問塔位怎麼買 是我自己要用的 我都想清楚了', 'suicide', '1925'],
      ['我現在在大橋上面 只是想最後跟誰講講話 反正也沒有人在意', 'suicide', '119'],
      // 化手腕 is how a recognizer writes 劃手腕
      ['我剛剛又拿刀片化手腕 衛生紙已經整包都是血', 'self_harm', '119'],
    ]);
    // a partner who says it against the caller stays domestic violence
    expect(detectUrgency('我前夫在門外說要跟我同歸於盡 拿著刀')).toMatchObject({
      category: 'domestic_violence',
      protocol: '113',
    });
  });

  it('stays quiet on shop names, things that fell or burst, a barbecue, and the same words in ordinary questions', () => {
    expectQuiet([
      '我們巷口那家炸彈麵包每天都排到馬路上 可以請警察來管一下嗎',
      '今天夜市有一攤叫爆炸雞排的 排隊排到馬路上',
      '我家的掃地機器人倒在地上不會動了 可以送修嗎',
      '颱風把路樹吹倒在地上 擋住整條路 可以來清嗎',
      '我女兒很喜歡趴在浴缸邊玩水 要怎麼防滑',
      '手機充電充到很燙 會不會爆炸',
      '隔壁在烤肉 整個陽台都是火光跟煙 很臭',
      '我兒子打電動一直喊要砍死對方 要怎麼跟他說',
      '請問喪葬補助要準備哪些文件 我爸上個月過世了',
      '我最後打給你們客服才有人幫我處理 想說打來謝謝一下',
      '我朋友說他最後跟我講話是上個禮拜 現在他出國了 想問怎麼寄包裹',
      '我剛剛切菜切到手 毛巾都是血 但是已經止住了',
    ]);
  });
});

describe('what blind18 missed, confused and alarmed on, by kind', () => {
  it('hears, from the lexicon alone, an attack announced on a school, smoke that rises, a homophone of 昏倒 and a bath', () => {
    expectFromLexiconAlone([
      // a weapon to be brought where people gather, and a list of the people meant
      ['我姪子說他們班有人在Dcard講下禮拜要帶刀去學校 名單都列好了', 'violence_threat', '110'],
      // smoke coming up from below or growing, after an enquiry and a pivot
      ['我想問路燈不亮要報修哪裡 欸等一下 樓梯那邊有煙冒上來', 'fire_gas', '119'],
      // 葷倒 is how a recognizer may write 昏倒
      ['我們在爬山 有個團員突然葷倒 叫不太醒', 'medical', '119'],
      // a child gone under in a bath or a tub, pulled out and not crying
      ['我在幫寶寶洗澡 回頭拿浴巾他就滑下去了 撈起來都沒哭', 'medical', '119'],
    ]);
  });

  it('reads fresh cut marks on a pupil that she says bring relief as self-harm, not abuse', () => {
    expectFromLexiconAlone([
      ['我是導師 班上一個女生大腿上一道一道新的割痕 她說割了就會比較好過', 'self_harm', '1925'],
    ]);
  });

  it('stays quiet on pushing a wheelchair or a pram, and on the same words in ordinary questions', () => {
    expectQuiet([
      '人行道的磚都翹起來 我推我奶奶的輪椅好幾次差點卡住',
      '捷運站的電梯常常壞掉 推嬰兒車要走很遠',
      '請問學校的候補名單要去哪裡查',
      '我家巷子有一台壞掉的汽車 停了三個月都沒有人來拖',
    ]);
  });
});

describe('with the classifier trained on every set (round 10)', () => {
  it('hears, from the lexicon alone, an attack announced on a place and someone who cannot breathe', () => {
    expectFromLexiconAlone([
      ['有個學生在網路上說明天要去補習班開槍', 'violence_threat', '110'],
      ['阿公吃飯吃到一半突然沒辦法呼吸 臉都紫了', 'medical', '119'],
    ]);
  });

  it('stays quiet on lost property, a phone call hung up and reassurance sought about something seen', () => {
    expectQuiet([
      '我搭公車把雨傘忘在車上了 要去哪裡找回來',
      '有人打來說我的包裹有問題 我覺得怪怪的電話就直接掛掉了',
      '我看到鄰居小孩在太陽下跑來跑去 滿頭大汗 應該沒事吧',
    ]);
  });
});

describe('what blind19–21 missed and confused, and what round 10 lost, by kind (round 11)', () => {
  it('hears, from the lexicon alone, threats against a crowd, a home or an official, and being followed', () => {
    expectFromLexiconAlone([
      // a vehicle driven into a crowd or a procession, said not to be a joke (a procession is no nuisance here)
      ['有人在臉書社團說下禮拜要騎車去撞那個遊行的人群 留言說不是在開玩笑', 'violence_threat', '110'],
      // petrol fetched to set someone's place alight
      ['管委會再不修電梯 我就提一罐汽油去把他們辦公室燒了', 'violence_threat', '110'],
      // her as much as him, and where she lives known to the caller, said either way round
      ['那個里長再敢擋我 我一定讓她後悔 她住哪裡我都知道', 'violence_threat', '110'],
      // the caller takes the weapon up to a noisy neighbour: a threat (110), not domestic violence
      ['樓上裝潢每天都吵 他再敲一次我就拿鐵棍上去', 'violence_threat', '110'],
      ['你們再不處理 我等一下就衝去你們市政府 看誰敢攔我', 'violence_threat', '110'],
      // followed, said in the passive or by rounds driven with the car still behind
      ['我騎機車回家 後面有一台銀色的轎車 我繞了好幾圈他都還在我後面', 'crime_in_progress', '110'],
      ['我被一個陌生人跟蹤 從捷運站到現在', 'crime_in_progress', '110'],
      ['有個男的在書店拿手機拍女生的裙底', 'crime_in_progress', '110'],
      ['有人在夜市拿球棒攻擊路人', 'crime_in_progress', '110'],
      ['我看到有個人在對面公寓翻箱倒櫃 那家人出國了', 'crime_in_progress', '110'],
    ]);
  });

  it('hears, from the lexicon alone, plans and indirect suicidal talk, with 1925 while nothing is under way', () => {
    expectFromLexiconAlone([
      // 碳 is how a recognizer may write 炭; charcoal kept ready is a plan (1925)
      ['碳我都買好了 放在房間的衣櫃裡', 'suicide', '1925'],
      // one's own absence beside affairs put in order, inside an enquiry
      ['我想問一下，人如果走了，房子的租約要怎麼辦？我想先把事情都安排好。', 'suicide', '1925'],
      ['我是不是死了大家會比較輕鬆', 'suicide', '1925'],
      ['我在外地一個人 生病又沒錢 真的不知道還能撐到什麼時候', 'suicide', '1925'],
      ['生病拖了這麼久 我真的不想再拖了 想說用個方法自己結束', 'suicide', '1925'],
      ['我每天都在想要怎麼樣可以不痛的走', 'suicide', '1925'],
    ]);
  });

  it('sends self-harm with blood dripping or going on after it bled to 119, a craving to 1925, a burnt child to 113', () => {
    expectFromLexiconAlone([
      ['我兒子用美工刀割手腕 浴室地上滴了好幾滴血', 'self_harm', '119'],
      ['我弟一直用頭撞牆 已經流血了他還是不停', 'self_harm', '119'],
      ['我最近又一直想拿刀片 快要忍不住了', 'self_harm', '1925'],
      // a cigarette end turned on someone else's child is abuse, not self-harm
      ['隔壁的媽媽拿菸頭燙她女兒的腳 小孩一直在哭', 'child_abuse', '113'],
      // a fall and a limb out of shape; a vehicle on its side leaking fuel and alight
      ['我媽跌倒之後腳踝整個腫起來變形了 一直喊痛', 'medical', '119'],
      ['路口一台機車翻了 在漏油 還有火', 'fire_gas', '119'],
    ]);
  });

  it('stays quiet on the same words in ordinary calls: a barbecue, a pet hurt last week, old cuts, a salesman', () => {
    expectQuiet([
      '我們這週末要去露營 木碳都買好了放在後車廂 營區可以生火嗎',
      '請問一氧化碳中毒的症狀有哪些',
      '我家的狗上禮拜被車撞了 現在在動物醫院 醫藥費可以申請補助嗎',
      '我女兒的手上有割痕 是上個月割的 現在都好了 想問要去哪裡諮商',
      '我先生去年把木炭藏在車上 後來被救回來了 現在想問有沒有家屬的支持團體',
      '我爸如果不在了 他的房子要怎麼過戶 我想先問清楚',
      '我繞了好幾圈都找不到停車位 附近有公有停車場嗎',
      '我在路上被一個推銷員一直跟著推銷 好煩 可以檢舉嗎',
      '遶境的隊伍會經過我們家 鞭炮很吵 可以檢舉嗎',
    ]);
  });
});

describe('what blind22–23 and urgent-train16 missed and confused, by kind (round 12)', () => {
  it('hears, from the lexicon alone, a battery or a socket burning, with 119 (帽黑煙 is heard as 冒黑煙)', () => {
    expectFromLexiconAlone([
      ['我家陽台充電的電動車電池在帽黑煙 還有劈啪的聲音', 'fire_gas', '119'],
      // a thing burnt (插座燒焦了) is no announced violence
      ['我房間的延長線插座燒焦了 牆裡面一直噼啪噼啪響', 'fire_gas', '119'],
    ]);
  });

  it('hears, from the lexicon alone, threats against an office or a home, whoever reports them', () => {
    expectFromLexiconAlone([
      ['那間貨運公司再亂罰我錢 我就到他們辦公室一個一個收拾 刀子我已經磨好了', 'violence_threat', '110'],
      // a building's staff reporting a resident; the complaint he is angry about does not damp it
      ['我是社區保全 有個住戶說鄰居再去檢舉他 他就要把隔壁那戶燒了', 'violence_threat', '110'],
      ['可能只是說說啦 但有個學生說運動會那天要帶他哥的刀來學校', 'violence_threat', '110'],
    ]);
  });

  it('hears, from the lexicon alone, farewells inside an enquiry, joining the dead, a last meal, and choking', () => {
    expectFromLexiconAlone([
      ['我想問一下存款帳戶要怎麼轉給我兒子 反正我之後也用不著了', 'suicide', '1925'],
      ['我太太走了以後 家裡就剩我一個 我只想去她身邊陪她', 'suicide', '1925'],
      ['我煮了一桌菜給自己 就當作我的最後一餐 吃完就不用再煩了', 'suicide', '1925'],
      // charcoal smelt at a door: the attempt has begun, 119
      ['送貨的時候聞到這戶門口有燒炭的煙味 客人剛剛說這是他的最後一餐', 'suicide', '119'],
      // something stuck in the throat is choking, whatever the classifier makes of it
      ['我女兒吃果凍好像卡在喉嚨 一直咳', 'medical', '119'],
    ]);
  });

  it('hears, from the lexicon alone, a whispered plea, a protection order broken, a tracker and 加暴 for 家暴', () => {
    expectFromLexiconAlone([
      ['我是超商店員 有個太太嘴角都是血 偷偷跟我說幫她報警', 'domestic_violence', '113'],
      ['法院判了保護令 我前男友今天又跑來我租的地方敲門', 'domestic_violence', '113'],
      ['我在包包裡發現被偷裝了追蹤器 我老公一直知道我在哪裡 現在就在外面', 'domestic_violence', '113'],
      ['我要通報加暴 他喝醉又在砸東西', 'domestic_violence', '113'],
    ]);
  });

  it('hears, from the lexicon alone, a burglary in an empty home, a stolen scooter, someone tied up, a phone filming', () => {
    expectFromLexiconAlone([
      ['我們全家出國 鄰居說我家現在燈亮著 有人在裡面搬東西', 'crime_in_progress', '110'],
      ['有兩個人正在撬我停在騎樓的機車', 'crime_in_progress', '110'],
      ['我去收帳 從窗戶看到裡面有個人被綁起來', 'crime_in_progress', '110'],
      ['更衣室的門底下有一支手機一直伸進來在拍', 'crime_in_progress', '110'],
    ]);
  });

  it('stays quiet on a heart attack said in jest, things one will not need, errands after a death, a diet', () => {
    expectQuiet([
      '我看比賽看得快心臟病發了 不是啦 我是想問小巨蛋怎麼去',
      '排隊排到我快中風了 到底還要等多久',
      '這支舊手機我以後也用不到了 要去哪裡回收',
      '我爸過世了 我要去找葬儀社 想問流程',
      '減肥前的最後一餐想吃好一點 附近有推薦的餐廳嗎',
      '颱風把招牌吹下來了 還好沒有砸到人 什麼時候會來處理',
      '我想問保護令要去哪裡申請',
    ]);
  });
});

describe('what blind24–25 missed, confused and alarmed on, by kind (round 13)', () => {
  it('hears, from the lexicon alone, an enquiry that turns to a roof or a bridge, and a farewell, with 119 up high', () => {
    expectFromLexiconAlone([
      ['我想問天台的門晚上會不會鎖 其實我已經爬到天台了 不想下來', 'suicide', '119'],
      ['請問有沒有夜間的心理輔導 其實我人在河堤邊 往下看水黑黑的', 'suicide', '119'],
      ['半夜打擾了 我只是想趁我走之前跟誰說說話而已', 'suicide', '1925'],
      // debts and a policy that pays once its two-year exclusion ends: a plan with a date
      ['信用貸款還不起了 我的壽險保單兩年以後才會給付 就是下禮拜', 'suicide', '1925'],
    ]);
  });

  it("hears, from the lexicon alone, a grievance taken to someone's door, petrol at a door, a custody threat, rising water", () => {
    expectFromLexiconAlone([
      ['公司把我資遣了 我查到經理住址了 後天一早就去他樓下堵他', 'violence_threat', '110'],
      ['包商欠我薪水 鐵管我放在後車廂了 現在就過去工地', 'violence_threat', '110'],
      // seen yesterday, after a threat: not over
      ['對面那戶撂話說要燒我們家 前天半夜還看到他拎著汽油桶在我家門口', 'violence_threat', '110'],
      // a threat to take the child for good is a threat to kill: 110, not the protection line
      ['孩子的爸說法院把監護權判給我 他就讓我失去女兒', 'violence_threat', '110'],
      ['溪水暴漲 沙洲上還有好幾個人在露營 叫他們都不走', 'disaster', '119'],
    ]);
  });

  it('stays quiet on past near misses and fires with debris left, a hangover, jokes taken back, a gas leak found and shut', () => {
    expectQuiet([
      '上個禮拜工地的板模差點砸到學生 現在還是沒有圍起來 要找誰',
      '前天我們巷口的空屋失火 燒剩的垃圾都沒人清 可以派人來嗎',
      '我同學昨晚喝太多 今天早上起來頭很痛 要掛什麼科',
      '抽籤沒中籤 氣到想從頂樓跳下去 我亂講的啦 我要問下次什麼時候抽',
      '剛剛聞到瓦斯味 後來發現是熱水器開關沒關緊 已經關了 窗戶也打開了 還要找人來檢查嗎',
    ]);
  });

  it("stays quiet on a night-market game's gunshots, elders afraid of a wet floor, and a family alcohol support group", () => {
    expectQuiet([
      '夜市射氣球的攤位砰砰砰的槍聲到十二點都還在響 很吵',
      '社區公廁的水一直漏出來 地板超滑 阿公們走路都很怕',
      '我爸每天喝醉就倒頭睡 打呼很大聲 想問有沒有家屬的戒酒團體可以參加',
    ]);
  });
});

describe('what blind26–27 missed, confused and alarmed on, by kind (round 14)', () => {
  it("hears, from the lexicon alone, one's own funeral priced because nobody would do it, a lone trip to the river, a parapet", () => {
    expectFromLexiconAlone([
      // an enquiry about costs that is a farewell: it lifts the enquiry
      ['我想問靈骨塔一個位子多少錢 是要給自己的 家裡沒人了 以後也沒有人會幫我弄', 'suicide', '1925'],
      ['請問河濱公園晚上幾點關門 我今晚想一個人去那邊 去了就不回來了', 'suicide', '1925'],
      // on a rooftop wall now: the high-place escalation
      ['過年大家都回家了 我一個人坐在頂樓的矮牆上 風好大 就這樣吧', 'suicide', '119'],
    ]);
  });

  it('hears, from the lexicon alone, a protection order asked for while he is at the door, and a relative shut out (113)', () => {
    expectFromLexiconAlone([
      // 保護零 is heard as 保護令
      ['請問保護零怎麼聲請 他現在就在我家門口 說不開門就要把門踹破', 'domestic_violence', '113'],
      ['我弟喝醉把我媽關在陽台外面 雨很大 已經好幾個小時了', 'domestic_violence', '113'],
    ]);
  });

  it('hears, from the lexicon alone, carbon monoxide at a 熱水氣, a relative collapsing mid-call, a family cut off mid-river', () => {
    expectFromLexiconAlone([
      ['熱水氣旁邊有味道 我媽頭很痛 可以開燈嗎', 'fire_gas', '119'],
      // the enquiry is left for 你怎麼了 without a pivot word; eyes rolled up are no hanging
      ['我想問敬老卡的事情 欸爸你怎麼了 爸 他從椅子上滑下去 眼睛翻上去了', 'medical', '119'],
      ['我要問一下垃圾車 欸媽妳怎麼了 她眼睛一直往上吊', 'medical', '119'],
      ['溪水一下子漲起來 有一家人在沙洲中間過不來', 'disaster', '119'],
    ]);
  });

  it('hears, from the lexicon alone, a poisoned dog and its owner, a car driven into a school, an armed brawl, as police matters', () => {
    expectFromLexiconAlone([
      ['鄰居放話要用老鼠藥毒我家的狗 還說我也逃不掉', 'violence_threat', '110'],
      // a parent at the school gate is no domestic case
      ['我們學校門口有個家長一直罵 說他要開車撞進來', 'violence_threat', '110'],
      // someone already down in a fight still going on: police first
      ['夜市後面兩幫人拿刀在互砍 已經有一個人倒在地上不動了', 'crime_in_progress', '110'],
    ]);
  });

  it('stays quiet on a fire drill up high, a doubled water bill, a jealous-wife joke over mahjong, thanks for an ambulance', () => {
    expectQuiet([
      '消防演練的時候 坐輪椅的同事在十二樓要怎麼下去',
      // 哪裡水管 is not 溺水
      '這期水費翻倍 是不是哪裡水管破了 水一直流',
      '老婆說我再打牌就殺了我 呵呵 老人活動中心有麻將桌嗎',
      '謝謝你們的救護人員 上週末馬拉松我熱衰竭昏倒 他們很快就到',
    ]);
  });

  it("stays quiet on the same words in ordinary calls: a parent's funeral, a protection order's term, a stay by the sea, pests", () => {
    expectQuiet([
      '我爸的後事都沒人幫我處理 兄弟都不管 喪葬補助要去哪裡申請',
      '保護令申請下來之後 效期是多久',
      '熱水氣太舊了想換新的 有沒有節能補助',
      '我要一個人去澎湖海邊住一陣子 不回來了 信件要怎麼轉',
      '頂樓的圍牆上想放幾盆花 會不會違規',
      '鄰居說要拿殺蟲劑噴我家的狗窩 因為有跳蚤',
      '沙洲上可以釣魚嗎 會不會被罰',
    ]);
  });
});

describe('what blind28–31 missed, confused and alarmed on, by kind (round 15)', () => {
  it('hears, from the lexicon alone, a widow longing to join the dead and despair beside a changed beneficiary (1925)', () => {
    expectFromLexiconAlone([
      ['我老婆走了兩年 我真的好想早點去找她 每天都在等', 'suicide', '1925'],
      // 什麼時候 here is no question about opening hours: it lifts the enquiry
      ['阿公過世之後阿嬤一直說 什麼時候才能去陪阿公', 'suicide', '1925'],
      ['孩子被判給他媽媽了 活著有什麼意思 我已經把保險受益人改成孩子了', 'suicide', '1925'],
    ]);
  });

  it('hears, from the lexicon alone, a planned attack, a snatch, road rage, a burglary, a pursuer at the door, many on one (110)', () => {
    expectFromLexiconAlone([
      ['醫生誤診害我媽走了 我買了汽油 今晚就去他診所等他', 'violence_threat', '110'],
      // at a clinic, and a purse is no money kept from someone at home
      ['我在門診看到有人把一個老太太椅子上的錢包拿走 往樓梯跑了', 'crime_in_progress', '110'],
      ['好幾台重機把我的車逼停 有人拿鐵棍在砸我的車窗', 'crime_in_progress', '110'],
      ['凌晨兩點銀樓的鐵捲門開了一半 有人在裡面往袋子裡塞東西', 'crime_in_progress', '110'],
      // a stranger who followed a relative home: not the protection line
      ['一個陌生人跟著我媽從公園走回來 現在在門口一直按門鈴', 'crime_in_progress', '110'],
      // someone already down under a beating by many: police first, not 119
      ['五六個人圍著一個男的用球棒打 他已經倒地不動了', 'crime_in_progress', '110'],
    ]);
  });

  it("hears, from the lexicon alone, an ex's stalking, a push down the stairs, a child burnt by a parent's partner, schoolgirls taken into a storeroom (113)", () => {
    expectFromLexiconAlone([
      ['我前男友一直拍我家門口的照片傳給我 說他知道我幾點回家', 'domestic_violence', '113'],
      ['我老公剛剛把我從樓梯上推下來 然後把門反鎖 我腳斷了', 'domestic_violence', '113'],
      ['我女兒說媽媽的男朋友會用菸頭燙她 這次手上又多了好幾個', 'child_abuse', '113'],
      ['有個叔叔每天帶穿制服的小女生進頂樓的倉庫', 'child_abuse', '113'],
    ]);
  });

  it('hears, from the lexicon alone, heatstroke, a burn with the skin coming off, a cracked stairwell after an earthquake (119)', () => {
    expectFromLexiconAlone([
      ['我弟打完球就一直胡言亂語 身體很燙 完全沒流汗', 'medical', '119'],
      // a restaurant's fryer names no cooking smell here: someone is burnt
      ['夜市炸雞攤的油鍋倒了 熱油潑到老闆娘身上 皮都掉下來了', 'medical', '119'],
      ['地震之後 我們大樓的柱子裂了好大一條縫 水泥一直掉 樓上的老先生還在樓上', 'disaster', '119'],
    ]);
  });

  it('stays quiet on the same words in ordinary calls: a columbarium, a kitchen knife, a theft last week, a broken shutter, custody papers', () => {
    expectQuiet([
      '我每天晚上都去靈骨塔陪我先生 他走了以後我很想他 請問塔位可以延長嗎',
      '我爸過世以後我媽一個人 我想說乾脆去陪她住一陣子 長照有補助嗎',
      '我在菜刀店買了一把刀 明天要去找老師上烹飪課',
      '上週我媽的包包在醫院被偷走了 小偷跑掉了 警察說會調監視器',
      '計程車的車窗被球棒打破 是昨天晚上的事 保險可以理賠嗎',
      '我們店鐵捲門壞了 拉起來一半卡住 半夜要找誰修',
      '法院把監護權判給我了 受益人也改成小孩 請問還要辦什麼',
      '地震以後我家樓梯間的牆裂了一條縫 想申請補助檢查',
      '我兒子去年被他繼父用熱水燙過 現在已經安置了 想問探視怎麼申請',
      '夏天練跑流很多汗 身體很燙 要怎麼補充水分',
      '上個月炸雞被油噴到手 已經好了 想問疤痕可以去哪裡除',
    ]);
  });

  it("stays quiet, even from the lexicon alone, on a past violence a social worker has in hand, a neighbour's karaoke, cigarette smoke", () => {
    const texts = [
      '我表姊去年被前夫打 已經有社工介入 她想知道通常保護令要等幾天',
      '我朋友之前被她老公打 社工已經有在幫她了 想問保護令大概多久會下來',
      '隔壁半夜還在唱卡拉OK 我小孩都不能睡 好可憐',
      '樓下抽菸 煙一直從廁所的排風口灌進來 我兒子咳到不行',
      '隔壁阿伯每天在陽台抽煙 我家寶寶一直咳 可以管嗎',
    ];
    expectQuiet(texts);
    const rulesOnly = buildUrgencyDetector({ model: null });
    for (const text of texts) expect(rulesOnly.detect(text), text).toBeNull();
  });
});

describe('what blind32–43 sent to the wrong line, by kind (round 16, part B)', () => {
  it('sends, from the lexicon alone, crimes under way to 110 even when someone is hurt or a child is named', () => {
    expectFromLexiconAlone([
      // the caller hiding in the back is no domestic violence
      ['有個男的拿美工刀逼店長打開收銀機 我躲在倉庫裡 他還沒離開', 'crime_in_progress', '110'],
      ['五六個人闖進我們診所 把掛號台砸了 護理師被打 他們還在裡面', 'crime_in_progress', '110'],
      ['公園廁所旁邊兩個國中生把一個小朋友按在牆角 在搜他的口袋', 'crime_in_progress', '110'],
      ['有人假冒瓦斯公司的人在我們這棟一戶一戶收檢查費 現在在四樓', 'crime_in_progress', '110'],
      // someone down under the kicks of many: the police first
      ['夜市旁邊四五個人一直踹一個外送員 他躺在地上不動了', 'crime_in_progress', '110'],
      ['欠薪的工人把老闆關在工寮裡 已經好幾個小時了', 'crime_in_progress', '110'],
    ]);
  });

  it('sends, from the lexicon alone, threats to 110: a weapon at a door with an ultimatum, a family abroad, "see how she dies"', () => {
    expectFromLexiconAlone([
      ['我現在拿著球棒在他家門口 他再不出來給我一個交代 我就直接衝進去', 'violence_threat', '110'],
      ['仲介說我如果不做了 就派人去菲律賓找我爸媽', 'violence_threat', '110'],
      ['那個醫生開錯藥 我會去診所等他 看他要怎麼死', 'violence_threat', '110'],
    ]);
  });

  it('sends, from the lexicon alone, a partner who will kill her, withheld medicine, a child touched or groomed, a child scalded to 113', () => {
    expectFromLexiconAlone([
      // blood on her face does not make it 119's first
      ['對面的阿姨剛剛敲我家門 整張臉都是血 說她先生今天要殺了她', 'domestic_violence', '113'],
      ['我兒子把我的降血糖的藥藏起來 說我不乖就不給我', 'domestic_violence', '113'],
      ['安親班的叔叔每天都叫我兒子坐他腿上 還摸他的屁股', 'child_abuse', '113'],
      ['隔壁的大哥哥常常叫我女兒去他房間 給她糖果叫她不可以跟我講', 'child_abuse', '113'],
      ['學生說媽媽的男朋友拿滾水沖他的腳 腳都紅腫了', 'child_abuse', '113'],
    ]);
  });

  it('sends, from the lexicon alone, self-harm to 1925 (neat marks, a cigarette) and to 119 with a head split open', () => {
    expectFromLexiconAlone([
      ['我女兒大腿上有好幾道平行的傷口 她說是被樹枝刮到的', 'self_harm', '1925'],
      ['我的學生說心情差就拿香菸燙自己 手背都是疤', 'self_harm', '1925'],
      ['我兒子被罵就去撞牆 現在額頭一直在流血', 'self_harm', '119'],
    ]);
  });

  it('sends, from the lexicon alone, a needle in the arm, a fit after a race, a hand in a machine, an ear bleeding after a push to 119, and no tomorrow to 1925', () => {
    expectFromLexiconAlone([
      // someone already collapsed beside the needle is weighed as a collapse (medical), still 119
      ['公廁裡有個人靠在牆邊 針頭還插在手臂上 嘴唇紫紫的 叫他都不理', 'overdose', '119'],
      ['我兒子體育課跑完步倒在操場 全身一直抽', 'medical', '119'],
      ['工廠的攪拌機把同事的手捲進去 手指頭斷了一截', 'medical', '119'],
      ['剛剛在市府前面推擠 一位阿伯被推倒撞到頭 耳朵一直流血', 'medical', '119'],
      ['我先生帶著孩子回越南了 我一個人在這裡 不想再面對明天了', 'suicide', '1925'],
    ]);
  });

  it('stays quiet on the same words in ordinary calls', () => {
    expectQuiet([
      '我們店收銀機的抽屜卡住了 打不開 請問要找誰修',
      '學校運動會的大隊接力是幾點 家長可以進去看嗎',
      '我要買一支鐵管修圍牆 五金行幾點開',
      '娃娃車司機每天都遲到 要去哪裡投訴',
      '補習班的櫃台不讓我退費 可以找誰申訴',
      '里長說要收清潔費 請問這樣合法嗎',
      '我同事去年手指被機器夾斷 職災補償怎麼申請',
      '我家的貓抓傷我手臂 需要打破傷風嗎',
      '我弟打遊戲輸了一直罵髒話 好吵',
      '想問心臟病的藥可以在社區藥局領嗎',
      '工頭把我們的工具鎖在貨櫃裡 下班拿不到 可以找誰',
      '公廁的針筒回收桶滿了 要通報哪個單位',
    ]);
  });
});

describe('urgency on partial transcripts', () => {
  it('waits for a benign compound to finish (自殺 → 自殺防治中心) but alerts on a growing emergency', () => {
    const benign = '我是記者想採訪自殺防治中心要找哪個窗口';
    for (let end = 2; end <= benign.length; end++)
      expect(detectUrgency(benign.slice(0, end), { partial: true })).toBeNull();
    const urgent = '我剛剛把一整罐安眠藥都吞下去了現在好想睡';
    const first = [...urgent].findIndex((_, i) => detectUrgency(urgent.slice(0, i + 1), { partial: true }));
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(urgent.length - 1);
  });

  it('keeps the classifier alone from alerting on a short prefix, however sure it is', () => {
    const sure = createUrgencyDetector(readUrgencyLexicon(BUNDLED_URGENCY_LEXICON), {
      model: { predict: () => ({ p: 0.99, category: 'suicide', top: [] }) },
      ...thresholds,
    });
    const complaint = '這件事我已經陳情三次了';
    expect(sure.detect(complaint, { partial: true })).toBeNull();
    expect(sure.detect(complaint)?.category).toBe('suicide');
    expect(sure.detect(`${complaint}都沒有人處理`, { partial: true })).not.toBeNull();
  });
});

describe('what an alert says', () => {
  it('names the category, the protocol and the words that triggered it', () => {
    const urgency = detectUrgency('我聞到很重的瓦斯味，整層樓都是');
    expect(urgency).toMatchObject({ category: 'fire_gas', protocol: '119', level: 'critical' });
    expect(urgency?.reason).toContain('瓦斯味');
  });

  it('refers an attempt under way to 119 and someone out of reach to 110, talk of suicide to 1925', () => {
    expect(detectUrgency('我真的不想活了，每天都好痛苦')?.protocol).toBe('1925');
    expect(detectUrgency('我現在站在頂樓的欄杆外面')?.protocol).toBe('119');
    expect(detectUrgency('我弟留了遺書說對不起大家，現在手機關機聯絡不到')?.protocol).toBe('110');
    // Once the attempt has begun an ambulance comes first, even when the person is also out of reach.
    expect(detectUrgency('我朋友傳了一張燒炭的照片給我 然後就關機了')?.protocol).toBe('119');
  });
});

describe('the lexicon file', () => {
  it('rejects a pattern naming an unknown class, with the place it is in', () => {
    const lexicon = readUrgencyLexicon(BUNDLED_URGENCY_LEXICON);
    const broken = structuredClone(lexicon);
    broken.categories[0]?.cues.push({ w: 3, re: '{NOBODY}打', why: 'test' });
    expect(() => createUrgencyDetector(broken)).toThrow(/unknown class \{NOBODY\}/);
  });

  it('works without the classifier (lexicon only), and the classifier adds what the lexicon has no cue for', () => {
    const rulesOnly = buildUrgencyDetector({ model: null });
    expect(rulesOnly.detect('我聞到很重的瓦斯味')?.category).toBe('fire_gas');
    const indirect = sharedDev.filter((c) => c.urgent);
    const withModel = evaluateUrgency(indirect, detectUrgency).recall ?? 0;
    const lexiconOnly = evaluateUrgency(indirect, (t) => rulesOnly.detect(t)).recall ?? 0;
    expect(withModel).toBeGreaterThanOrEqual(lexiconOnly);
  });

  it('lets the classifier overrule a weak lexicon alert it finds ordinary, never a critical one', () => {
    const lexicon = readUrgencyLexicon(BUNDLED_URGENCY_LEXICON);
    const classifierSays = (p: number) =>
      createUrgencyDetector(lexicon, {
        model: { predict: () => ({ p, category: 'medical', top: [] }) },
        ...thresholds,
      });
    const rulesOnly = createUrgencyDetector(lexicon);
    const weak = '樓下在燒東西 煙都飄進來我家';
    const critical = '我聞到很重的瓦斯味，整層樓都是';
    expect(rulesOnly.detect(weak)).not.toBeNull();
    expect(rulesOnly.detect(critical)?.level).toBe('critical');
    expect(classifierSays(0.1).detect(weak)).toBeNull();
    expect(classifierSays(0.5).detect(weak)?.category).toBe(rulesOnly.detect(weak)?.category);
    expect(classifierSays(0.1).detect(critical)?.category).toBe('fire_gas');
  });

  it('lets a classifier nearly sure a turn is ordinary drop a critical alert, never an explicit or overwhelming one', () => {
    const lexicon = readUrgencyLexicon(BUNDLED_URGENCY_LEXICON);
    const classifierSays = (p: number) =>
      createUrgencyDetector(lexicon, {
        model: { predict: () => ({ p, category: 'medical', top: [] }) },
        ...thresholds,
      });
    const critical = '我聞到很重的瓦斯味，整層樓都是';
    const overwhelming = '我吞了一整瓶安眠藥 現在頭好暈';
    expect(classifierSays(0.01).detect(critical)).toBeNull();
    expect(classifierSays(0.01).detect(overwhelming)?.category).toBe('overdose');
    // a cue as strong as critical alone is explicit: the classifier is weakest on short explicit turns
    expect(classifierSays(0.003).detect('我想自殺，沒有人可以幫我')?.category).toBe('suicide');
    expect(classifierSays(0.03).detect(critical)?.category).toBe('fire_gas');
  });
});

describe('round 16 A: what blind32–43 missed, by kind', () => {
  it('hears, from the lexicon alone, an ex breaking a protection order by watching, threats at home, and children hurt or left alone', () => {
    expectFromLexiconAlone([
      ['我前男友違反保護令 現在就站在我工作的超商對面一直瞪著我', 'domestic_violence', '113'],
      ['我婆婆說我再去老人會就要把我的腿打斷 昨天還踢我 把我的鞋子剪爛', 'domestic_violence', '113'],
      ['我是導師 學生換體育服的時候背上都是衣架的印子', 'child_abuse', '113'],
      ['幫兩歲小孩換尿布發現下體紅腫受傷 她說是舅舅', 'child_abuse', '113'],
      ['打疫苗的嬰兒兩隻手都是瘀青 媽媽說不出原因', 'child_abuse', '113'],
      ['那個小女生一直哭 不讓我看她的身體 說叔叔會生氣', 'child_abuse', '113'],
      ['遊戲裡認識的大人要我女兒每天視訊脫衣服 說不聽就傳給她同學', 'child_abuse', '113'],
      ['鄰居大人都被警察抓走了 兩個小孩自己在家好幾天', 'child_abuse', '113'],
    ]);
  });

  it('hears, from the lexicon alone, threats against neighbours, patients and officials, crowds and water, and crimes at a wheelchair, a bike shed, a temple or a door', () => {
    expectFromLexiconAlone([
      ['吵死了 再吵我就拿菜刀上去一個一個解決他們', 'violence_threat', '110'],
      ['隔壁床的兒子說我爸再咳一次 他就要拔掉我爸的氧氣管', 'violence_threat', '110'],
      ['那個鄰居說誰敢簽都更同意書 他就扛瓦斯桶去誰家', 'violence_threat', '110'],
      ['官司輸了就算了 那個法官總有下班走出來的時候', 'violence_threat', '110'],
      ['廣場的舞台鐵架被風吹倒了 有人被押在下面', 'disaster', '119'],
      ['捷運出口人潮一直推 有人跌倒被踩過去 後面還在擠', 'disaster', '119'],
      ['我爸在溪邊釣魚 水突然漲上來 他人就不見了', 'disaster', '119'],
      ['護理師給我阿公多貼了三片嗎啡貼片 他現在呼吸好淺', 'overdose', '119'],
      ['我女兒顛閒發作已經十分鐘了 嘴唇都變紫了', 'medical', '119'],
      ['有個陌生人說要幫我推輪椅 結果一直翻我的包包 叫他放手也不放', 'crime_in_progress', '110'],
      ['有人正在剪我們社區車棚的鎖 腳踏車一台一台搬上貨車', 'crime_in_progress', '110'],
      ['宮廟的功德箱被撬開了 那個人還在殿裡 大家不敢靠近', 'crime_in_progress', '110'],
      ['有人說是法院的 要我爺爺交保證金 他現在在找存摺', 'crime_in_progress', '110'],
      ['診所樓下的藥局冒黑煙 上面還有病人在排隊', 'fire_gas', '119'],
    ]);
  });

  it('hears, from the lexicon alone, suicidal talk without a method, a roof weighed from above (119), and self-harm explained away', () => {
    expectFromLexiconAlone([
      ['我每天騎車過那座橋 都想說油門催到底衝出去算了', 'suicide', '1925'],
      ['我的相機送人了 這禮拜我一個人上山 就不下來了', 'suicide', '1925'],
      ['我現在在醫院頂摟 往下看車子好小 醫藥費我也付不出來', 'suicide', '119'],
      ['這個世界已經沒有我的位置了', 'suicide', '1925'],
      ['補助停了 我要交代的事都寫好放在桌上了', 'suicide', '1925'],
      ['里長你不用再幫我申請了 我撐不到下個月', 'suicide', '1925'],
      ['我室友手碗上都是新的傷口 她說是貓抓的 我們根本沒養貓', 'self_harm', '1925'],
      ['網路挑戰要在手上刻暱稱 我表弟已經刻了好幾個字', 'self_harm', '1925'],
      ['我兒子考不好就拿頭撞牆 昨天額頭撞破了 今天又開始撞', 'self_harm', '1925'],
    ]);
  });

  it('stays quiet on the same words in ordinary calls: an order to renew, a short seizure, a drip removed, a delivery, a locksmith, a tattoo', () => {
    expectQuiet([
      '請問保護令到期了要怎麼延長',
      '我兒子癲癇發作大概一分鐘就停了 醫生說要記錄 癲癇門診在哪',
      '護理師說等一下要拔掉我媽的點滴 可以出院了嗎',
      '瓦斯行的人扛瓦斯桶到我家 一桶要多少錢',
      '鎖匠正在剪我家門口的鎖 我忘了帶鑰匙 要付多少錢',
      '我女兒說想在手臂上刻字 刺青店要幾歲才合法',
      '我把所有的帳號都刪掉了 想重新申請一個市民帳號',
      '我爸的嗎啡貼片要去哪裡領 健保有給付嗎',
      '廟裡的功德箱上個月被撬開 警察已經抓到人了 想問監視器怎麼申請',
      '跨年捷運出口人潮推擠 我被踩到腳 已經沒事了 想建議多開出口',
      '我們巷口的路燈壞了很久 你們記一下',
      '里長不用再幫我申請補助了 我兒子找到工作了',
    ]);
  });
});

describe('round 16 C: what blind32–43 alarmed on, by kind', () => {
  it('stays quiet on hyperbole and jokes about dying in a complaint or before a question', () => {
    expectQuiet([
      // an idiom of exasperation at a cause just named
      '樓上每天在唱KTV 唱到我想死的心都有了 到底有沒有人要管',
      '博愛座都被年輕人坐走 我們老人家站到快昏倒 公車處可以管一下嗎',
      // a death wish laughed off and taken back before the real question
      '股票又跌停 我真的想去跳樓啦 哈哈 沒有啦 我想問活動中心怎麼借場地',
      '室友洗完澡頭髮都不清 氣死我了 這種可以找房東嗎',
      // 死後 (after death) for a body donation is no 我想死; 殺去 is to rush over
      '我想死後把大體捐給醫學院 要去哪裡簽',
      '醫院多收我兩千塊 我明天殺去櫃檯問個清楚',
    ]);
  });

  it('stays quiet on nuisances, services and frauds already reported that share danger words', () => {
    expectQuiet([
      '每天晚上都有一群人在超商門口抽菸聊天 講話超大聲 可以請警察來巡邏嗎',
      '我有在吃身心科的藥 吃完會想睡覺 這樣還可以騎機車嗎',
      '停車場的柵欄壞了一直不開 我困在裡面半個小時了 都沒有管理員',
      '我女兒很怕水 想問市立游泳池可以帶游泳圈嗎',
      '我是開鎖的 想問幫人開門前要怎麼確定他真的是屋主',
      '對面鄰居每天燒金紙 樓梯間都是灰 這可以檢舉嗎',
      '我朋友的小孩剛生 媽媽是外籍的 出生登記要去哪裡辦',
      '我是房東 房客說熱水器有瓦斯味 已經叫人修好了 還需要再檢查嗎',
      '剛剛有詐騙電話說綁架我兒子 我打給他確認他在公司好好的 要去哪裡報案',
      '隔壁工地要爆破拆除 真的會用炸藥嗎 會先公告嗎',
      // a shop named with a danger word: no explosion, and 家爆 is no 家暴
      '巷口那家爆炸雞排的油煙一直吹進我房間窗戶 要找誰',
      // a ball from other people's play, not a child beaten
      '河濱公園有人打高爾夫 球差點打到我孫子 這個誰管',
      // asking how to report what someone else posted
      '網路上有陌生人發文說想結束生命 請問要怎麼通報',
      // 一直跟我朋友借錢 is an impostor asking the caller's friends, not someone following
      '我LINE被盜 那個人一直跟我朋友借錢 已經報警了 還要做什麼',
    ]);
  });

  it('still hears the same words when the danger is real', () => {
    expectFromLexiconAlone([
      ['隔壁唱歌我也不管了 我真的想死 藥已經放在桌上了', 'suicide', '1925'],
      ['股票賠光了 我現在站在頂樓 真的不想活了 不是開玩笑', 'suicide', '119'],
      ['停車場淹大水 我被困在車裡出不去 水淹到車門了', 'disaster', '119'],
      ['鄰居燒金紙的火燒到樓梯間的雜物 整個樓梯都是濃煙', 'fire_gas', '119'],
      ['我兒子拿高爾夫球桿打我孫子 打到身上都是瘀青', 'child_abuse', '113'],
      ['那個醫生害死我爸 我明天就帶刀去醫院殺了他', 'violence_threat', '110'],
      ['有個男的從公車站一路跟著我 現在還在我後面', 'crime_in_progress', '110'],
      ['隔壁工地剛剛爆炸 有工人被壓在下面', 'fire_gas', '119'],
      // a kidnapping call while the child cannot be reached is no scam checked
      ['有人打來說綁架我女兒 我一直打給她都沒接 他們要我現在去匯錢', 'crime_in_progress', '110'],
    ]);
    for (const text of ['我把精神科的藥全部吞了 現在很想睡', '公車上有個阿嬤突然昏倒 叫都叫不醒'])
      expect(detectUrgency(text)?.protocol, text).toBe('119');
  });
});

describe('session 8: what blind44–61 alarmed on and missed, by kind (each checked in other words)', () => {
  it('stays quiet on snoring, cranes, costumes, comparisons, scams seen through, daily pills and dust', () => {
    expectQuiet([
      '我老婆打鼾打到我整晚睡不著 有推薦的門診嗎',
      '對面大樓在蓋 吊車整天吊鋼樑從我們頭上過去 很危險',
      '萬聖節鬼屋有人扮殭屍拿電鋸追人 小朋友嚇到哭 這樣合法嗎',
      '樓下在放音樂 低音砰砰砰好像在打仗一樣',
      '有人打電話說我女兒被綁架要贖金 可是我女兒就在我身邊 這應該是詐騙吧',
      '我爸每天要吃八種藥 有沒有人可以幫忙分裝',
      '樓下在磨地板 粉塵多到我都不能呼吸了',
      '颱風過後地下停車場淹水 我的車整台泡在水裡 可以申請補償嗎',
      '我們下禮拜要去河濱露營 木炭已經買好了 請問那邊可以烤肉嗎',
      '魚販在騎樓殺魚 地上都是血水 很臭',
      '颱風天風好大 我家的貓一直發抖躲在衣櫃裡',
      '我小孩的補習班突然倒了 學費都拿不回來 氣到我快吐血',
      '我阿嬤接到電話說我被綁架要她匯錢 可是我就在她身邊啊 這要去哪裡報案',
    ]);
  });

  it('hears an abduction into a car, a threat to a boss, a broken gas pipe misheard, a body face-down, a child crying out', () => {
    expectFromLexiconAlone([
      ['有兩個男的把一個小女生塞進一台黑色轎車就開走了', 'crime_in_progress', '110'],
      ['那個被開除的員工說要讓老闆好看 一直問老闆幾點下班', 'violence_threat', '110'],
      ['工地把瓦思管挖斷了 一直在噴 味道好重', 'fire_gas', '119'],
      ['有個阿伯在捷運站出口趴在地上 都沒在動', 'medical', '119'],
      ['隔壁小孩一直哭著喊不要打了 還有東西摔的聲音', 'child_abuse', '113'],
      ['撐到月底我就不想再撐下去了', 'suicide', '1925'],
      ['我一定會把你們公司燒了 你們等著', 'violence_threat', '110'],
      ['那個討債的再敢來我家試試看 我的球棒不是放著好看的', 'violence_threat', '110'],
      ['巷子裡三個男的把一個學生壓在地上踹', 'crime_in_progress', '110'],
      // a husband beside the caller is no scam checked, whatever the frame for a ransom call says
      ['我老公在我旁邊一直打我 我好怕', 'domestic_violence', '113'],
    ]);
  });

  it('keeps a repeated verb (打鼾打到我…) quiet on every partial, before the enquiry that ends it arrives', () => {
    const snore = '我先生打鼾打到我都睡不著 有什麼門診可以看';
    for (let end = 4; end < snore.length; end++)
      expect(detectUrgency(snore.slice(0, end), { partial: true }), snore.slice(0, end)).toBeNull();
  });

  it('refers charcoal lit in a room to 119, and cuts found in the wash to 1925', () => {
    expect(detectUrgency('我哥傳訊息說他在房間燒炭 叫我不要難過')?.protocol).toBe('119');
    expect(detectUrgency('幫兒子洗外套發現袖口都是血 他手臂上有一條一條的傷')).toMatchObject({
      category: 'self_harm',
      protocol: '1925',
    });
    expect(detectUrgency('我女兒在浴室割手 血一直流停不下來')?.protocol).toBe('119');
  });
});
