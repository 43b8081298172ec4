import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgencyContact } from './types.js';

export const CONTACTS_FILE = 'taipei-agency-contacts.json';

/** Whom to send a caller to when no office is known: Taipei's 1999 citizen hotline itself. */
export const HOTLINE_1999: AgencyContact = {
  agency: '臺北市民當家熱線',
  phone: '1999（外縣市 02-2720-8889）',
  hours: '24 小時全年無休',
};

// KB agency names that the contact list spells differently.
const ALIASES: Readonly<Record<string, string>> = {
  捷運公司: '臺北大眾捷運股份有限公司',
  自來水處: '臺北自來水事業處',
  公訓處: '臺北市政府公務人員訓練處',
  研考會: '臺北市政府研究發展考核委員會',
  原民會: '臺北市政府原住民族事務委員會',
};

export interface AgencyDirectory {
  /** Contact for a KB agency name (社會局) or a full office name; null when unknown. */
  find(agency: string): AgencyContact | null;
  readonly size: number;
}

/**
 * Reads `<lexiconDir>/taipei-agency-contacts.json` ({"臺北市政府社會局老人福利科": {"電話", "服務時間",
 * "網址", "地址"}, …}). An agency short name matches the shortest office name containing it, so
 * 社會局 finds a 社會局 office rather than nothing.
 */
export function loadAgencyDirectory(lexiconDir: string | undefined): AgencyDirectory {
  const contacts = new Map<string, AgencyContact>();
  const file = lexiconDir ? join(lexiconDir, CONTACTS_FILE) : undefined;
  if (file && existsSync(file)) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<
      string,
      Record<string, string | undefined>
    >;
    for (const [name, record] of Object.entries(parsed)) {
      const agency = name.trim();
      const contact: AgencyContact = { agency };
      if (record['電話']) contact.phone = record['電話'].trim();
      if (record['服務時間']) contact.hours = record['服務時間'].trim();
      if (record['網址']) contact.url = record['網址'].trim();
      if (record['地址']) contact.address = record['地址'].trim();
      contacts.set(agency, contact);
    }
  }
  const names = [...contacts.keys()].sort((a, b) => a.length - b.length);
  const cache = new Map<string, AgencyContact | null>();
  return {
    size: contacts.size,
    find(agency) {
      const key = agency.trim();
      if (!key) return null;
      if (!cache.has(key)) {
        const target = ALIASES[key] ?? key;
        const name = contacts.has(target) ? target : names.find((n) => n.includes(target));
        cache.set(key, name ? (contacts.get(name) ?? null) : null);
      }
      return cache.get(key) ?? null;
    },
  };
}
