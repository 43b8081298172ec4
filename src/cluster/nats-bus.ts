import {
  connect,
  nanos,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
  type NatsConnection,
  type Subscription,
} from 'nats';
import type { Logger } from '../config/index.js';
import type { CallCommand, CallEnvelope } from '../session/index.js';
import type { ClusterNotice, EventBus } from './index.js';

export interface NatsBusOptions {
  url: string;
  prefix: string;
  historyMs: number;
  nodeId: string;
  logger: Logger;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encode = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));
const decode = <T>(data: Uint8Array): T => JSON.parse(decoder.decode(data)) as T;

/**
 * The bus on NATS. Call events go to JetStream (`<prefix>.call.<case>`, kept `historyMs`): one
 * connection publishes them in order, live followers read them as plain subscribers, and a resume
 * on another node replays them. Commands and notices are plain NATS subjects.
 */
export async function connectNatsBus(options: NatsBusOptions): Promise<EventBus> {
  const { prefix, nodeId, logger } = options;
  const nc = await connect({
    servers: options.url.split(','),
    name: nodeId,
    maxReconnectAttempts: -1,
  });
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  const stream = `${prefix.toUpperCase()}_CALLS`;
  await ensureStream(jsm, stream, `${prefix}.call.>`, options.historyMs);
  return new NatsBus(nc, js, jsm, stream, prefix, nodeId, logger);
}

async function ensureStream(
  jsm: JetStreamManager,
  name: string,
  subject: string,
  historyMs: number,
): Promise<void> {
  const config = { name, subjects: [subject], max_age: nanos(historyMs), storage: StorageType.File };
  try {
    await jsm.streams.add(config);
  } catch {
    // Another node made it first, perhaps with another history: this node's setting wins.
    await jsm.streams.update(name, { subjects: [subject], max_age: config.max_age });
  }
}

/** Case ids are free text; subjects are dot-separated tokens without wildcards. */
const caseToken = (caseId: string): string => Buffer.from(caseId, 'utf8').toString('base64url');

class NatsBus implements EventBus {
  readonly shared = true;
  private readonly pending = new Set<Promise<unknown>>();
  private readonly subscriptions = new Set<Subscription>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly prefix: string,
    readonly nodeId: string,
    private readonly logger: Logger,
  ) {}

  private callSubject(caseId: string): string {
    return `${this.prefix}.call.${caseToken(caseId)}`;
  }

  publishCall(envelope: CallEnvelope): void {
    // Not awaited per event: one connection keeps them in order; `close` waits for the acks.
    const ack = this.js
      .publish(this.callSubject(envelope.event.case_id ?? ''), encode(envelope))
      .catch((err: unknown) =>
        this.logger.error({ err, case_id: envelope.event.case_id }, 'bus: call event not stored'),
      )
      .finally(() => this.pending.delete(ack));
    this.pending.add(ack);
  }

  onCall(listener: (envelope: CallEnvelope) => void): () => void {
    return this.listen(`${this.prefix}.call.>`, listener);
  }

  async callHistory(caseId: string): Promise<CallEnvelope[]> {
    const subject = this.callSubject(caseId);
    const info = await this.jsm.streams.info(this.stream, { subjects_filter: subject });
    const count = info.state.subjects?.[subject] ?? 0;
    if (count === 0) return [];
    const consumer = await this.js.consumers.get(this.stream, { filterSubjects: subject });
    const out: CallEnvelope[] = [];
    const messages = await consumer.fetch({ max_messages: count, expires: 5_000 });
    for await (const m of messages) {
      out.push(decode<CallEnvelope>(m.data));
      if (m.info.pending === 0) break;
    }
    return out;
  }

  publishCommand(command: CallCommand): void {
    this.nc.publish(`${this.prefix}.command`, encode(command));
  }

  onCommand(listener: (command: CallCommand) => void): () => void {
    return this.listen(`${this.prefix}.command`, listener);
  }

  publishNotice(notice: ClusterNotice): void {
    this.nc.publish(`${this.prefix}.notice`, encode({ from: this.nodeId, notice }));
  }

  onNotice(listener: (notice: ClusterNotice, from: string) => void): () => void {
    return this.listen<{ from: string; notice: ClusterNotice }>(`${this.prefix}.notice`, (m) =>
      listener(m.notice, m.from),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.pending]);
    for (const sub of this.subscriptions) sub.unsubscribe();
    await this.nc.drain();
  }

  private listen<T>(subject: string, listener: (message: T) => void): () => void {
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return this.logger.error({ err, subject }, 'bus: subscription failed');
        try {
          listener(decode<T>(msg.data));
        } catch (e) {
          this.logger.error({ err: e, subject }, 'bus: listener failed');
        }
      },
    });
    this.subscriptions.add(sub);
    return () => {
      this.subscriptions.delete(sub);
      sub.unsubscribe();
    };
  }
}
