/**
 * SIP messages (RFC 3261 §7): parsing and writing. No npm SIP stack fits a Node recording server
 * (the maintained ones are browser WebSocket UAs or need an external C++ server), so this is a
 * small strict parser of what a UAS needs: start line, headers (compact forms too), body.
 */

export class SipParseError extends Error {}

const COMPACT: Record<string, string> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
};

/** Headers in order, names compared case-insensitively. */
export class SipHeaders {
  private readonly entries: Array<[string, string]> = [];

  static from(entries: ReadonlyArray<readonly [string, string]>): SipHeaders {
    const headers = new SipHeaders();
    for (const [name, value] of entries) headers.add(name, value);
    return headers;
  }

  add(name: string, value: string): void {
    this.entries.push([name, value]);
  }

  get(name: string): string | undefined {
    const key = canonical(name);
    return this.entries.find(([n]) => canonical(n) === key)?.[1];
  }

  /** Every value of a header, comma-separated lists split (outside quotes and <>). */
  all(name: string): string[] {
    const key = canonical(name);
    return this.entries.filter(([n]) => canonical(n) === key).flatMap(([, v]) => splitList(v));
  }

  /** The header lines as received, for copying Via/Record-Route into responses. */
  raw(name: string): string[] {
    const key = canonical(name);
    return this.entries.filter(([n]) => canonical(n) === key).map(([, v]) => v);
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries[Symbol.iterator]();
  }
}

function canonical(name: string): string {
  const lower = name.toLowerCase();
  return COMPACT[lower] ?? lower;
}

function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"' && value[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && ch === '<') depth++;
    else if (!quoted && ch === '>') depth--;
    else if (!quoted && depth === 0 && ch === ',') {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter(Boolean);
}

export interface SipRequest {
  kind: 'request';
  method: string;
  uri: string;
  headers: SipHeaders;
  body: Buffer;
}

export interface SipResponse {
  kind: 'response';
  status: number;
  reason: string;
  headers: SipHeaders;
  body: Buffer;
}

export type SipMessage = SipRequest | SipResponse;

const REQUEST_LINE = /^([A-Z]+) (\S+) SIP\/2\.0$/;
const STATUS_LINE = /^SIP\/2\.0 (\d{3}) ?(.*)$/;
/** Headers every request must have (RFC 3261 §8.1.1). */
const MANDATORY = ['via', 'from', 'to', 'call-id', 'cseq'];

/** What makes a parsed request unusable (a 400 carries it), or null. */
export function requestProblem(request: SipRequest): string | null {
  const missing = MANDATORY.filter((h) => request.headers.get(h) === undefined);
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  const cseq = /^(\d+) ([A-Z]+)$/.exec(request.headers.get('cseq') ?? '');
  if (!cseq || cseq[2] !== request.method) return 'malformed CSeq';
  return null;
}

/**
 * Parses one message: start line, headers, body (cut to Content-Length when given). Throws
 * SipParseError when even those cannot be read; `requestProblem` checks what a request needs.
 */
export function parseSipMessage(bytes: Buffer): SipMessage {
  const split = bytes.indexOf('\r\n\r\n');
  if (split < 0) throw new SipParseError('no blank line after the headers');
  const head = bytes.subarray(0, split).toString('utf8');
  const lines = head.split('\r\n');
  const startLine = lines.shift() ?? '';
  const headers = new SipHeaders();
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      // Folded continuation line (RFC 3261 §7.3.1).
      const last = [...headers].at(-1);
      if (!last) throw new SipParseError('continuation line before any header');
      last[1] = `${last[1]} ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new SipParseError(`malformed header line: ${line.slice(0, 60)}`);
    headers.add(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  let body = bytes.subarray(split + 4);
  const length = headers.get('content-length');
  if (length !== undefined) {
    const n = Number.parseInt(length, 10);
    if (!Number.isFinite(n) || n < 0) throw new SipParseError('bad Content-Length');
    if (n > body.length) throw new SipParseError('body shorter than Content-Length');
    body = body.subarray(0, n);
  }
  const request = REQUEST_LINE.exec(startLine);
  if (request) {
    return { kind: 'request', method: request[1] as string, uri: request[2] as string, headers, body };
  }
  const status = STATUS_LINE.exec(startLine);
  if (status) {
    return {
      kind: 'response',
      status: Number.parseInt(status[1] as string, 10),
      reason: status[2] ?? '',
      headers,
      body,
    };
  }
  throw new SipParseError(`not a SIP start line: ${startLine.slice(0, 60)}`);
}

/** Writes a message; Content-Length is always set from the body. */
export function serializeSip(message: SipMessage): Buffer {
  const start =
    message.kind === 'request'
      ? `${message.method} ${message.uri} SIP/2.0`
      : `SIP/2.0 ${message.status} ${message.reason}`;
  const lines = [start];
  for (const [name, value] of message.headers) {
    if (canonical(name) !== 'content-length') lines.push(`${name}: ${value}`);
  }
  lines.push(`Content-Length: ${message.body.length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), message.body]);
}

/**
 * Splits a TCP byte stream into messages (RFC 3261 §18.3: Content-Length frames the body).
 * Keep-alive CRLFs between messages are skipped.
 */
export class SipStreamFramer {
  private buffer = Buffer.alloc(0);

  constructor(private readonly maxBytes = 64 * 1024) {}

  push(chunk: Buffer): Buffer[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      let skip = 0;
      while (this.buffer[skip] === 0x0d || this.buffer[skip] === 0x0a) skip++;
      if (skip > 0) this.buffer = this.buffer.subarray(skip);
      const split = this.buffer.indexOf('\r\n\r\n');
      if (split < 0) {
        if (this.buffer.length > this.maxBytes) throw new SipParseError('headers too long');
        return out;
      }
      const head = this.buffer.subarray(0, split).toString('utf8');
      const match = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)/im.exec(head);
      if (!match) throw new SipParseError('Content-Length is required on a stream transport');
      const total = split + 4 + Number.parseInt(match[1] as string, 10);
      if (total > this.maxBytes) throw new SipParseError('message too large');
      if (this.buffer.length < total) return out;
      out.push(this.buffer.subarray(0, total));
      this.buffer = this.buffer.subarray(total);
    }
  }
}

/** `"Alice" <sip:1001@pbx;transport=tcp>;tag=abc` → its parts. */
export interface NameAddr {
  display: string | null;
  uri: string;
  params: Map<string, string>;
}

export function parseNameAddr(value: string): NameAddr {
  const angle = /^\s*(?:"((?:[^"\\]|\\.)*)"|([^<]*?))\s*<([^>]*)>(.*)$/.exec(value);
  let uri: string;
  let rest: string;
  let display: string | null = null;
  if (angle) {
    display = (angle[1] ?? angle[2] ?? '').trim() || null;
    uri = angle[3] as string;
    rest = angle[4] as string;
  } else {
    const semi = value.indexOf(';');
    uri = (semi < 0 ? value : value.slice(0, semi)).trim();
    rest = semi < 0 ? '' : value.slice(semi);
  }
  const params = new Map<string, string>();
  for (const part of rest.split(';').slice(1)) {
    const [k = '', v = ''] = part.split('=');
    if (k.trim()) params.set(k.trim().toLowerCase(), v.trim());
  }
  return { display, uri, params };
}

/** The user part of a SIP URI (`sip:1001@pbx` → `1001`), or null. */
export function uriUser(uri: string): string | null {
  const match = /^(?:sips?|tel):([^@;>]+)@?/i.exec(uri.trim());
  return match ? decodeURIComponent(match[1] as string) : null;
}

/** Via `SIP/2.0/UDP host:port;branch=z9hG4bK…;rport` → transport, sent-by and params. */
export function parseVia(value: string): {
  transport: string;
  host: string;
  port: number | null;
  params: Map<string, string>;
} {
  const match = /^SIP\/2\.0\/(\w+)\s+([^;\s]+)(.*)$/i.exec(value.trim());
  if (!match) throw new SipParseError(`malformed Via: ${value.slice(0, 60)}`);
  const sentBy = match[2] as string;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(sentBy);
  const host = v6 ? (v6[1] as string) : (sentBy.split(':')[0] as string);
  const portText = v6 ? v6[2] : sentBy.split(':')[1];
  const params = new Map<string, string>();
  for (const part of (match[3] as string).split(';').slice(1)) {
    const [k = '', v = ''] = part.split('=');
    if (k.trim()) params.set(k.trim().toLowerCase(), v.trim());
  }
  return {
    transport: (match[1] as string).toUpperCase(),
    host,
    port: portText ? Number.parseInt(portText, 10) : null,
    params,
  };
}
