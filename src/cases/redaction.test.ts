import { describe, expect, it } from 'vitest';
import { createTextNormalizer } from '../text/index.js';
import { createRedactor } from './redaction.js';
import { silentLogger, testConfig } from './testing/fixtures.js';

describe('archive redaction through the real text stage', () => {
  it('removes an ID number and a phone number for the archive and for training', async () => {
    const text = await createTextNormalizer({ config: testConfig(), logger: silentLogger() });
    const redact = createRedactor(text);
    const said = '我的身分證字號是A123456789，手機0912345678，路燈壞了。';
    for (const use of ['archive', 'training', 'logs'] as const) {
      const out = redact(said, use);
      expect(out.text).not.toContain('A123456789');
      expect(out.text).not.toContain('0912345678');
      expect(out.text).toContain('路燈壞了');
      expect(out.redacted).toBeGreaterThanOrEqual(2);
    }
    expect(redact('路燈壞了。', 'archive')).toEqual({ text: '路燈壞了。', redacted: 0 });
  });
});
