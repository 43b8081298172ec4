import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgencyContact, FaqEntry } from './types.js';

export const CONTACTS_FILE = 'taipei-agency-contacts.json';

/**
 * Taipei's 1999 citizen hotline itself (the KB's own answers give it as
 * "臺北市民當家熱線1999（外縣市02-27208889）轉…"): whom to send a caller to when nothing is known.
 */
export const HOTLINE_1999: AgencyContact = {
  agency: '臺北市民當家熱線',
  phone: '1999（外縣市 02-2720-8889）',
  hours: '24 小時全年無休',
};

/** The 1999 hotline, asked to transfer the caller to a unit the contact list has no record of. */
export function hotlineTransferTo(unit: string): AgencyContact {
  return { ...HOTLINE_1999, agency: `${HOTLINE_1999.agency}（轉${unit}）` };
}

// KB agency short names whose head office the contact list spells differently.
const ALIASES: Readonly<Record<string, string>> = {
  捷運公司: '臺北大眾捷運股份有限公司',
  自來水處: '臺北自來水事業處',
  公訓處: '臺北市政府公務人員訓練處',
  研考會: '臺北市政府研究發展考核委員會',
  原民會: '臺北市政府原住民族事務委員會',
  客委會: '臺北市政府客家事務委員會',
};

/** How the city spells an agency's full name before its short name (臺北市政府社會局, 臺北市停車管理工程處…). */
const CITY_PREFIXES = ['臺北市政府', '臺北市', '臺北'];

const canonical = (name: string) => name.trim().replace(/台/g, '臺');

export interface AgencyDirectory {
  /**
   * The contact record of an office: a full name as the list spells it, or a KB agency short name
   * (社會局) resolved to that agency's own head-office record. Null when the list has no such record:
   * a sibling unit (社會局老人福利科 for 社會局) is never given instead.
   */
  find(agency: string): AgencyContact | null;
  /**
   * Who answers for an FAQ entry: the unit that maintains it (`maintainer`), else the nearest office
   * above that unit (臺北自來水事業處 for 臺北自來水事業處業務科), else its agency's head office.
   */
  forEntry(entry: Pick<FaqEntry, 'agency' | 'maintainer'>): AgencyContact | null;
  readonly size: number;
}

/**
 * Reads `<lexiconDir>/taipei-agency-contacts.json` ({"臺北市政府社會局老人福利科": {"電話", "服務時間",
 * "網址", "地址"}, …}); keys are full office or unit names.
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
      contacts.set(canonical(agency), contact);
    }
  }
  // Longest first, so the nearest office above a unit wins over the one above it.
  const byLength = [...contacts.keys()].sort((a, b) => b.length - a.length);

  function find(agency: string): AgencyContact | null {
    const name = canonical(agency);
    if (!name) return null;
    const full = ALIASES[name] ?? name;
    for (const candidate of [full, ...CITY_PREFIXES.map((p) => p + full)]) {
      const contact = contacts.get(candidate);
      if (contact) return contact;
    }
    return null;
  }

  function parentOf(unit: string): AgencyContact | null {
    const name = canonical(unit);
    const office = byLength.find((n) => n.length < name.length && name.startsWith(n));
    return office ? (contacts.get(office) ?? null) : null;
  }

  return {
    size: contacts.size,
    find,
    forEntry({ agency, maintainer }) {
      const unit = maintainer?.trim();
      return (unit ? (find(unit) ?? parentOf(unit)) : null) ?? find(agency);
    },
  };
}
