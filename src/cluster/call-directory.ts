import type { CallDirectory, CallEnvelope } from '../session/index.js';
import type { CaseLeases } from './case-leases.js';
import type { EventBus } from './index.js';

/** The session stage's view of the other nodes: the bus for events and commands, leases for ownership. */
export function createCallDirectory(bus: EventBus, leases: CaseLeases): CallDirectory {
  return {
    nodeId: bus.nodeId,
    claim: (caseId) => leases.claim(caseId),
    release: (caseId) => leases.release(caseId),
    publish: (envelope) => bus.publishCall(envelope),
    onRemoteEvent: (listener: (envelope: CallEnvelope) => void) =>
      bus.onCall((envelope) => {
        if (envelope.node !== bus.nodeId) listener(envelope);
      }),
    history: (caseId) => bus.callHistory(caseId),
    command: (command) => bus.publishCommand(command),
    onCommand: (listener) => bus.onCommand(listener),
  };
}
