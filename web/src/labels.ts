/** UI wording (zh-TW) for protocol values, in one place. */
import type { EmergencyProtocol, Speaker, Tier, UrgencyCategory } from '../../src/protocol/index.js';

export const speakerLabel: Record<Speaker, string> = { caller: '民眾', agent: '專員' };

export const tierLabel: Record<Tier, string> = {
  hot: '高信心',
  cold: '低信心・建議轉介',
  procedure: '程序／案件查詢',
};

export const alertLevelLabel = { warning: '注意', critical: '緊急' } as const;

export const urgencyCategoryLabel: Record<UrgencyCategory, string> = {
  suicide: '自殺風險',
  self_harm: '自傷',
  overdose: '藥物過量或中毒',
  domestic_violence: '家庭暴力',
  child_abuse: '兒少保護',
  violence_threat: '暴力威脅',
  fire_gas: '火災或瓦斯',
  medical: '緊急醫療',
  disaster: '災害受困',
  crime_in_progress: '犯罪進行中',
};

/** The line to transfer to, as the agent says it. */
export const protocolLabel: Record<EmergencyProtocol, string> = {
  '119': '消防救護 119',
  '110': '警察 110',
  '113': '保護專線 113',
  '1925': '安心專線 1925',
};

export const roleLabel = { agent: '話務專員', supervisor: '督導', admin: '管理員' } as const;

export const feedbackLabel = {
  adopt: '採用',
  edit: '修改後採用',
  reject: '不採用',
  copy: '複製',
  undo_correction: '還原更正',
  annotate: '註記',
} as const;

/** Case categories offered in the wrap-up form. */
export const caseCategories = [
  '交通停車',
  '道路與路燈',
  '環境清潔',
  '噪音與污染',
  '社會福利',
  '勞動與就業',
  '稅務規費',
  '戶政與證件',
  '兵役',
  '地政與不動產',
  '產業與商業',
  '衛生醫療',
  '教育',
  '文化觀光體育',
  '治安與消防',
  '自來水',
  '建築與違建',
  '消費爭議',
  '市政服務',
  '案件進度查詢',
  '其他',
] as const;
export type CaseCategory = (typeof caseCategories)[number];

/** The category a Taipei agency's questions usually fall in (the wrap-up's pre-filled choice). */
const agencyCategory: Record<string, CaseCategory> = {
  交通局: '交通停車',
  捷運工程局: '交通停車',
  捷運公司: '交通停車',
  工務局: '道路與路燈',
  環境保護局: '環境清潔',
  社會局: '社會福利',
  原民會: '社會福利',
  客委會: '社會福利',
  勞動局: '勞動與就業',
  公訓處: '勞動與就業',
  財政局: '稅務規費',
  民政局: '戶政與證件',
  兵役局: '兵役',
  地政局: '地政與不動產',
  產業發展局: '產業與商業',
  衛生局: '衛生醫療',
  教育局: '教育',
  文化局: '文化觀光體育',
  體育局: '文化觀光體育',
  觀光傳播局: '文化觀光體育',
  警察局: '治安與消防',
  消防局: '治安與消防',
  自來水處: '自來水',
  翡翠水庫管理局: '自來水',
  都市計畫委員會: '建築與違建',
  法務局: '消費爭議',
  資訊局: '市政服務',
  研考會: '市政服務',
  人事處: '市政服務',
  主計處: '市政服務',
  秘書處: '市政服務',
  政風處: '市政服務',
};

/** Words that put a call in a category whatever agency answered it. */
const categoryWords: ReadonlyArray<[RegExp, CaseCategory]> = [
  [/噪音|吵|空污|異味|污染|臭味/, '噪音與污染'],
  [/違建|違章|頂樓加蓋/, '建築與違建'],
  [/路燈|坑洞|人行道/, '道路與路燈'],
];

/**
 * The category for the wrap-up form: a case-status question is 案件進度查詢; otherwise words of the
 * caller's questions, then the agency (the adopted card's, else the router's), else none.
 */
export function suggestCategory(
  agency: string | null,
  questions: string,
  procedure: boolean,
): CaseCategory | '' {
  if (procedure) return '案件進度查詢';
  for (const [pattern, category] of categoryWords) if (pattern.test(questions)) return category;
  const known = agency ? Object.keys(agencyCategory).find((a) => agency.includes(a)) : undefined;
  return known ? (agencyCategory[known] as CaseCategory) : '';
}

/** zh-TW wording of the server's stable error codes; the server's own messages are English. */
const errorText: Record<string, string> = {
  network: '無法連線到伺服器，請確認網路或伺服器是否啟動',
  unauthorized: '登入已失效，請重新登入',
  token_expired: '登入已逾時，請重新登入',
  token_revoked: '登入已被撤銷，請重新登入',
  account_disabled: '帳號已停用，請洽管理員',
  invalid_credentials: '帳號或密碼錯誤',
  forbidden: '您沒有權限執行這項操作',
  not_your_case: '這通電話屬於其他專員',
  dev_sign_in_disabled: '此伺服器未開放開發用登入（HOTLINE_DEV_SIGN_IN）',
  rate_limited: '嘗試次數過多，請稍後再試',
  unknown_case: '找不到這通電話（可能已結束太久或伺服器已重新啟動）',
  resume_expired: '通話中斷太久，無法接續',
  case_in_use: '這通電話已在其他連線上進行',
  asr_unavailable: '未設定語音辨識模型，通話不會有逐字稿',
  vad_unavailable: '未設定語音偵測模型，無法切分語句',
  asr_failed: '語音辨識失敗',
  invalid_body: '送出的資料格式不正確',
  invalid_request: '送出的資料格式不正確',
  invalid_message: '送出的資料格式不正確',
  invalid_json: '送出的資料格式不正確',
  invalid_text: '請輸入要查詢的問題',
  unknown_conversation: '查詢工作階段已失效，請再查一次',
  weak_password: '密碼至少需要 12 個字元，且不可過於簡單',
  invalid_username: '帳號只能使用英文字母、數字與 . _ @ -',
  user_exists: '這個帳號已經存在',
  invalid_setup_code: '設定連結不正確，請使用伺服器啟動時顯示的連結',
  setup_done: '管理員已建立，請直接登入',
  revision_conflict: '這份結案紀錄已用不同內容送出過',
  stale_revision: '案件已有較新的結案紀錄',
  unknown_segment: '找不到這段錄音',
  audio_missing: '這段錄音已依保存期限刪除',
  body_too_large: '資料太大，無法送出',
  not_found: '找不到要求的資料',
  internal: '伺服器發生錯誤，請稍後再試',
};

/** What to tell the user about an error code (never the server's English message). */
export function errorMessage(code: string): string {
  return errorText[code] ?? `伺服器回報錯誤（${code}）`;
}

export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function formatClock(ts: number | string): string {
  const date = new Date(ts);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleTimeString('zh-TW', { hour12: false });
}
