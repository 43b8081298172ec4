import { describe, expect, it } from 'vitest';
import { requireShared, sharedPaths } from '../../test/shared.js';
import { loadAgencyDirectory } from './contacts.js';

describe('agency directory on the Taipei contact list', () => {
  const directory = loadAgencyDirectory(requireShared(sharedPaths.lexiconDir));

  it('resolves a KB agency short name to that agency head office, however the city spells it', () => {
    expect(directory.size).toBe(78);
    expect(directory.find('交通局')?.agency).toBe('臺北市政府交通局');
    expect(directory.find('停車管理工程處')?.agency).toBe('臺北市停車管理工程處');
    expect(directory.find('自來水處')?.agency).toBe('臺北自來水事業處');
    expect(directory.find('台北市政府交通局')?.phone).toBe('(02)2720-8889');
  });

  it('never answers for an agency with one of its sibling units', () => {
    // The list has four 社會局 units (老人福利科 …) but no 社會局 head office, and no 工務局 one.
    expect(directory.find('社會局')).toBeNull();
    expect(directory.find('工務局')).toBeNull();
    expect(directory.find('環境保護局')).toBeNull();
    expect(directory.find('')).toBeNull();
  });

  it('gives an entry the unit that maintains it, else the office above that unit, else its agency', () => {
    const unit = (agency: string, maintainer?: string) =>
      directory.forEntry({ agency, ...(maintainer ? { maintainer } : {}) })?.agency ?? null;
    expect(unit('社會局', '臺北市政府社會局婦女福利及兒童托育科')).toBe(
      '臺北市政府社會局婦女福利及兒童托育科',
    );
    expect(unit('環境保護局', '臺北市政府環境保護局資源循環管理科')).toBe(
      '臺北市政府環境保護局資源循環管理科',
    );
    expect(unit('自來水處', '臺北自來水事業處業務科')).toBe('臺北自來水事業處');
    expect(unit('警察局', '臺北市政府警察局刑事警察大隊')).toBe('臺北市政府警察局');
    expect(unit('捷運工程局', '第一區工程處')).toBe('臺北市政府捷運工程局');
    expect(unit('交通局')).toBe('臺北市政府交通局');
    // A unit the list does not know, in an agency without a head-office record: nobody, not a sibling.
    expect(unit('社會局', '臺北市政府社會局兒童及少年福利科')).toBeNull();
  });

  it('knows nobody without a lexicon folder', () => {
    expect(loadAgencyDirectory(undefined).find('交通局')).toBeNull();
  });
});
