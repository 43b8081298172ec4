/**
 * Why a secret (password, bootstrap token) is too weak to accept, or null when it is acceptable.
 * Length alone lets `aaaaaaaaaaaa` or `123456789012` through, so a few cheap shape checks follow:
 * too few distinct characters, one short block repeated, one run up or down the keyboard or the
 * alphabet, a well-known password padded out, or the account name inside it.
 */
export function weakSecretReason(
  secret: string,
  options: { minLength: number; what: string; name?: string },
): string | null {
  const { minLength, what } = options;
  const chars = [...secret];
  if (chars.length < minLength) return `${what} needs at least ${minLength} characters`;
  const lower = secret.toLowerCase();
  if (new Set(chars).size < Math.min(6, Math.ceil(minLength / 2)))
    return `${what} uses too few different characters`;
  for (let period = 1; period <= lower.length / 3; period++) {
    const block = lower.slice(0, period);
    if (block.repeat(Math.ceil(lower.length / period)).slice(0, lower.length) === lower)
      return `${what} is one short block repeated`;
  }
  if (isRun(lower)) return `${what} is a run of consecutive characters`;
  const core = lower.replace(/[^a-z0-9]+/g, '');
  if (COMMON.some((word) => core.startsWith(word) && /^[0-9!]*$/.test(core.slice(word.length))))
    return `${what} is a well-known password`;
  if (options.name && options.name.length >= 3 && lower.includes(options.name.toLowerCase()))
    return `${what} must not contain the account name`;
  return null;
}

const SEQUENCES = ['abcdefghijklmnopqrstuvwxyz', '0123456789', 'qwertyuiopasdfghjklzxcvbnm'];

/** Every character follows the one before it in one of the sequences (wrapping), forwards or backwards. */
function isRun(s: string): boolean {
  const chars = [...s];
  return SEQUENCES.some((seq) =>
    [1, -1].some((step) =>
      chars.every((c, i) => {
        if (i === 0) return seq.includes(c);
        const at = seq.indexOf(chars[i - 1] as string);
        return at >= 0 && seq[(at + step + seq.length) % seq.length] === c;
      }),
    ),
  );
}

/** Passwords at the top of every leaked-password list; padded with digits they are still weak. */
const COMMON = [
  'password',
  'passw0rd',
  'qwerty',
  'iloveyou',
  'admin',
  'administrator',
  'welcome',
  'letmein',
  'changeme',
  'secret',
  'hotline',
  'taipei',
  'monkey',
  'dragon',
  'football',
  'baseball',
  'sunshine',
  'princess',
  'abc123',
  '1qaz2wsx',
  'zaq12wsx',
];
