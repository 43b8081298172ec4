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
  '稅務規費',
  '戶政與證件',
  '衛生醫療',
  '教育',
  '建築與違建',
  '消費爭議',
  '案件進度查詢',
  '其他',
] as const;

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
