import type {
  AlertAction,
  FeedbackMessage,
  Principal,
  ServerEvent,
  StartMessage,
} from '../protocol/index.js';
import type { CallOwnership } from './access.js';

/** One event of a call as other nodes see it: who holds the call, whose it is, and the event. */
export interface CallEnvelope {
  node: string;
  ownership: CallOwnership;
  event: ServerEvent;
  /** With a run's first event (`started`): how the call was started, for a node that continues it. */
  start?: StartMessage;
}

/** Something a follower on another node does to a call held here (forwarded to the holder). */
export type CallCommand =
  | { type: 'feedback'; case_id: string; message: FeedbackMessage; by: string | null }
  | {
      type: 'alert_action';
      case_id: string;
      alert_seq: number;
      action: AlertAction;
      actor: Principal | null;
      note: string | null;
    };

/**
 * Port to the other nodes (the cluster stage implements it; a single node gets none). Calls held
 * here are published event by event; calls held elsewhere arrive through `onRemoteEvent`.
 */
export interface CallDirectory {
  readonly nodeId: string;
  /** Claims a live case for this node; false = another node holds it (two processes never drive one case). */
  claim(caseId: string): Promise<boolean>;
  /** Gives the claim up (the call ended or moved). */
  release(caseId: string): Promise<void>;
  publish(envelope: CallEnvelope): void;
  onRemoteEvent(listener: (envelope: CallEnvelope) => void): () => void;
  /** Every event the bus still holds for the case, oldest first (a resume after the holder died). */
  history(caseId: string): Promise<CallEnvelope[]>;
  command(command: CallCommand): void;
  onCommand(listener: (command: CallCommand) => void): () => void;
}
