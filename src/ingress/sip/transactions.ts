import { randomBytes } from 'node:crypto';
import {
  parseNameAddr,
  parseVia,
  serializeSip,
  SipHeaders,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from './message.js';
import type { Peer } from './transport.js';

/** RFC 3261 timers: the round-trip estimate, the retransmission cap, and 64·T1 for a transaction's life. */
export const T1 = 500;
export const T2 = 4000;
export const TIMER_B = 64 * T1;

export const sipToken = (bytes = 8) => randomBytes(bytes).toString('hex');

/** The branch parameter of a message's top Via ('' when there is none or it is unreadable). */
export function branchOf(message: SipMessage): string {
  try {
    return parseVia(message.headers.raw('via')[0] ?? '').params.get('branch') ?? '';
  } catch {
    return '';
  }
}

export interface ResponseExtras {
  /** Our To tag (the dialog's); a fresh one when absent. */
  localTag?: string;
  headers?: Array<[string, string]>;
  body?: Buffer;
  /** A stable error code and its explanation, sent as a Warning header. */
  warning?: [string, string];
}

/** RFC 3581: the top Via gets `received` and `rport` filled with where the request came from. */
function stampVia(via: string, peer: Peer): string {
  if (peer.transport === 'UDP' && /;rport(?=;|$)/.test(via)) {
    return via.replace(/;rport(?=;|$)/, `;rport=${peer.port}`) + `;received=${peer.address}`;
  }
  return via;
}

/** A response to `request` (RFC 3261 §8.2.6): Via, From, To (with our tag), Call-ID and CSeq copied. */
function buildResponse(
  request: SipRequest,
  peer: Peer,
  status: number,
  reason: string,
  extra: ResponseExtras,
): Buffer {
  const headers = new SipHeaders();
  for (const via of request.headers.raw('via')) headers.add('Via', stampVia(via, peer));
  headers.add('From', request.headers.get('from') ?? '');
  let to = request.headers.get('to') ?? '';
  if (status > 100 && !parseNameAddr(to).params.has('tag')) to = `${to};tag=${extra.localTag ?? sipToken()}`;
  headers.add('To', to);
  headers.add('Call-ID', request.headers.get('call-id') ?? '');
  headers.add('CSeq', request.headers.get('cseq') ?? '');
  if (status >= 200 && status < 300 && request.method === 'INVITE')
    for (const rr of request.headers.raw('record-route')) headers.add('Record-Route', rr);
  headers.add('Server', 'hotline-assist');
  for (const [name, value] of extra.headers ?? []) headers.add(name, value);
  if (extra.warning) {
    headers.add(
      'Warning',
      `399 hotline-assist "${extra.warning[0]}: ${extra.warning[1].replace(/"/g, "'")}"`,
    );
  }
  return serializeSip({ kind: 'response', status, reason, headers, body: extra.body ?? Buffer.alloc(0) });
}

/** One request we are answering; `context` is what the user agent ties to it (an INVITE's dialog). */
export interface ServerTransaction<C> {
  last: Buffer | null;
  peer: Peer;
  context: C | null;
  final: boolean;
  retransmit: NodeJS.Timeout | null;
}

/**
 * Server transactions (RFC 3261 §17.2), keyed by branch and method: a retransmitted request gets
 * the last response again; a non-2xx final to an INVITE over UDP is resent until the ACK.
 */
export class ServerTransactions<C> {
  private readonly byKey = new Map<string, ServerTransaction<C>>();

  constructor(private readonly send: (peer: Peer, bytes: Buffer) => void) {}

  /** A new transaction for `request`, or null for a retransmission (already answered again). */
  begin(request: SipRequest, peer: Peer): ServerTransaction<C> | null {
    const key = `${branchOf(request)}|${request.method}`;
    const existing = this.byKey.get(key);
    if (existing) {
      if (existing.last) this.send(peer, existing.last);
      return null;
    }
    const tx: ServerTransaction<C> = { last: null, peer, context: null, final: false, retransmit: null };
    this.byKey.set(key, tx);
    setTimeout(() => this.byKey.delete(key), TIMER_B).unref();
    return tx;
  }

  find(branch: string, method: string): ServerTransaction<C> | undefined {
    return this.byKey.get(`${branch}|${method}`);
  }

  /** The ACK for an INVITE's final response: its retransmissions stop. */
  acknowledge(ack: SipRequest): void {
    const tx = this.find(branchOf(ack), 'INVITE');
    if (tx?.retransmit) clearTimeout(tx.retransmit);
  }

  /** Sends a response and remembers it in the request's transaction. */
  respond(request: SipRequest, peer: Peer, status: number, reason: string, extra: ResponseExtras = {}): void {
    const bytes = buildResponse(request, peer, status, reason, extra);
    this.send(peer, bytes);
    const tx = this.find(branchOf(request), request.method);
    if (!tx) return;
    tx.last = bytes;
    if (status >= 200) tx.final = true;
    // Non-2xx finals to an INVITE over UDP are resent until the ACK (RFC 3261 §17.2.1).
    if (request.method === 'INVITE' && status >= 300 && peer.transport === 'UDP') this.retransmit(tx, bytes);
  }

  close(): void {
    for (const tx of this.byKey.values()) if (tx.retransmit) clearTimeout(tx.retransmit);
  }

  private retransmit(tx: ServerTransaction<C>, bytes: Buffer): void {
    let interval = T1;
    let elapsed = 0;
    const tick = () => {
      if (elapsed >= TIMER_B) return;
      this.send(tx.peer, bytes);
      elapsed += interval;
      interval = Math.min(interval * 2, T2);
      tx.retransmit = setTimeout(tick, interval);
      tx.retransmit.unref();
    };
    tx.retransmit = setTimeout(tick, interval);
    tx.retransmit.unref();
  }
}

/**
 * Client transactions (RFC 3261 §17.1.2) for the requests we send (BYE): resent over UDP with T1
 * doubling to T2 until a final response, which resolves the request; null after the timeout.
 */
export class ClientTransactions {
  private readonly pending = new Map<
    string,
    { resolve: (r: SipResponse | null) => void; timer: NodeJS.Timeout }
  >();

  constructor(private readonly send: (peer: Peer, bytes: Buffer) => void) {}

  request(peer: Peer, request: SipRequest, timeoutMs: number): Promise<SipResponse | null> {
    const branch = branchOf(request);
    const bytes = serializeSip(request);
    const answered = new Promise<SipResponse | null>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(branch);
        resolve(null);
      }, timeoutMs);
      this.pending.set(branch, { resolve, timer });
    });
    this.send(peer, bytes);
    if (peer.transport === 'UDP') {
      let interval = T1;
      const resend = () => {
        if (!this.pending.has(branch)) return;
        this.send(peer, bytes);
        interval = Math.min(interval * 2, T2);
        setTimeout(resend, interval).unref();
      };
      setTimeout(resend, interval).unref();
    }
    return answered;
  }

  /** A response from the network: a final one ends its transaction; provisional ones are ignored. */
  onResponse(response: SipResponse): void {
    const branch = branchOf(response);
    const client = this.pending.get(branch);
    if (!client || response.status < 200) return;
    clearTimeout(client.timer);
    this.pending.delete(branch);
    client.resolve(response);
  }
}
