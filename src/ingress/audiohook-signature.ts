import { createHmac, timingSafeEqual } from 'node:crypto';

/** Components an AudioHook client signs (Genesys AudioHook protocol, "Authentication"). */
const REQUIRED = [
  '@request-target',
  '@authority',
  'audiohook-organization-id',
  'audiohook-session-id',
  'audiohook-correlation-id',
  'x-api-key',
];
const MAX_AGE_S = 10;
const SKEW_S = 3;

export interface SignedRequest {
  /** Path and query of the upgrade request. */
  target: string;
  headers: Record<string, string | string[] | undefined>;
}

const header = (headers: SignedRequest['headers'], name: string): string | null => {
  const value = headers[name];
  if (value === undefined) return null;
  return (Array.isArray(value) ? value.join(', ') : value).trim();
};

const componentValue = (request: SignedRequest, name: string): string | null =>
  name === '@request-target'
    ? request.target
    : name === '@authority'
      ? header(request.headers, 'host')
      : header(request.headers, name);

/**
 * Verifies the HTTP message signature (RFC 9421, HMAC-SHA256) an AudioHook client puts on its
 * WebSocket upgrade: `Signature-Input` names the covered components and parameters (`keyid` = the
 * X-API-KEY, `nonce`, `created`), `Signature` is the HMAC over the signature base, keyed with the
 * base64 client secret. Returns null when it verifies, else why not.
 */
export function verifyAudiohookSignature(
  request: SignedRequest,
  clientSecretBase64: string,
  nowS: number,
): string | null {
  const input = header(request.headers, 'signature-input');
  const signature = header(request.headers, 'signature');
  if (!input || !signature) return 'the request is not signed (Signature-Input/Signature missing)';
  const member =
    /^\s*([a-z][a-z0-9_.*-]*)=(\(([^)]*)\)((?:;[a-z][a-z0-9_.*-]*=(?:"[^"]*"|-?\d+))*))\s*$/i.exec(input);
  if (!member) return 'Signature-Input is not a single signature';
  const [, label, signatureParams, list = '', paramText = ''] = member as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const sig = new RegExp(`(?:^|,)\\s*${label.replace(/[.*]/g, '\\$&')}=:([A-Za-z0-9+/=]+):`).exec(signature);
  if (!sig) return `no signature labelled ${label}`;
  const components = [...list.matchAll(/"([^"]+)"/g)].map((m) => (m[1] as string).toLowerCase());
  const params = new Map(
    [...paramText.matchAll(/;([a-z0-9_.*-]+)=(?:"([^"]*)"|(-?\d+))/gi)].map((m) => [m[1], m[2] ?? m[3]]),
  );
  const missing = REQUIRED.filter((c) => !components.includes(c));
  if (missing.length > 0) return `signature does not cover ${missing.join(', ')}`;
  if ((params.get('alg') ?? 'hmac-sha256') !== 'hmac-sha256')
    return `unsupported algorithm ${params.get('alg')}`;
  if (params.get('keyid') !== header(request.headers, 'x-api-key')) return 'keyid is not the X-API-KEY';
  if ((params.get('nonce') ?? '').length < 22) return 'nonce missing or too short';
  const created = Number(params.get('created'));
  if (!Number.isFinite(created)) return 'no created time';
  if (created > nowS + SKEW_S) return 'created in the future';
  if (created + MAX_AGE_S < nowS - SKEW_S) return 'signature expired';
  const lines: string[] = [];
  for (const name of components) {
    const value = componentValue(request, name);
    if (value === null) return `covered component ${name} is absent`;
    lines.push(`"${name}": ${value}`);
  }
  lines.push(`"@signature-params": ${signatureParams}`);
  const expected = createHmac('sha256', Buffer.from(clientSecretBase64, 'base64'))
    .update(lines.join('\n'))
    .digest();
  const given = Buffer.from(sig[1] as string, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? null
    : 'signature does not match';
}

/** Signs an upgrade as an AudioHook client does (the test client and its docs example). */
export function signAudiohookRequest(
  request: SignedRequest,
  apiKey: string,
  clientSecretBase64: string,
  nowS: number,
  nonce: string,
): { 'signature-input': string; signature: string } {
  const params = `(${REQUIRED.map((c) => `"${c}"`).join(' ')});keyid="${apiKey}";nonce="${nonce}";alg="hmac-sha256";created=${nowS};expires=${nowS + MAX_AGE_S}`;
  const lines = REQUIRED.map((name) => `"${name}": ${componentValue(request, name) ?? ''}`);
  lines.push(`"@signature-params": ${params}`);
  const mac = createHmac('sha256', Buffer.from(clientSecretBase64, 'base64'))
    .update(lines.join('\n'))
    .digest('base64');
  return { 'signature-input': `sig1=${params}`, signature: `sig1=:${mac}:` };
}
