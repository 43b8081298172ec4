import type { CallCommand, CallEnvelope } from '../session/index.js';
import type { ClusterNotice, EventBus } from './index.js';

/**
 * The bus of a single node (the default): listeners in this process, and each case's events kept
 * for `historyMs` after its last one. Several apps in one test process can share one to act as nodes.
 */
export class InProcessBus implements EventBus {
  readonly shared = false;
  private readonly calls = new Set<(envelope: CallEnvelope) => void>();
  private readonly commands = new Set<(command: CallCommand) => void>();
  private readonly notices = new Set<(notice: ClusterNotice, from: string) => void>();
  private readonly kept = new Map<string, { envelopes: CallEnvelope[]; last: number }>();

  constructor(
    readonly nodeId: string,
    private readonly historyMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  publishCall(envelope: CallEnvelope): void {
    const caseId = envelope.event.case_id ?? '';
    const entry = this.kept.get(caseId) ?? { envelopes: [], last: 0 };
    entry.envelopes.push(envelope);
    entry.last = this.now();
    this.kept.set(caseId, entry);
    this.prune();
    for (const listener of this.calls) listener(envelope);
  }

  onCall(listener: (envelope: CallEnvelope) => void): () => void {
    return subscribe(this.calls, listener);
  }

  callHistory(caseId: string): Promise<CallEnvelope[]> {
    this.prune();
    return Promise.resolve([...(this.kept.get(caseId)?.envelopes ?? [])]);
  }

  publishCommand(command: CallCommand): void {
    for (const listener of this.commands) listener(command);
  }

  onCommand(listener: (command: CallCommand) => void): () => void {
    return subscribe(this.commands, listener);
  }

  publishNotice(notice: ClusterNotice): void {
    for (const listener of this.notices) listener(notice, this.nodeId);
  }

  onNotice(listener: (notice: ClusterNotice, from: string) => void): () => void {
    return subscribe(this.notices, listener);
  }

  close(): Promise<void> {
    this.calls.clear();
    this.commands.clear();
    this.notices.clear();
    return Promise.resolve();
  }

  private prune(): void {
    const oldest = this.now() - this.historyMs;
    for (const [caseId, entry] of this.kept) if (entry.last < oldest) this.kept.delete(caseId);
  }
}

function subscribe<T>(set: Set<T>, listener: T): () => void {
  set.add(listener);
  return () => set.delete(listener);
}
