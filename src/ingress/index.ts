export { streamRoutes, type StreamRoutesOptions } from './routes.js';
export { ClientQueue, type ClientQueueOptions } from './client-queue.js';
export { startTelephony, type Telephony } from './telephony.js';
export { CallLegs, CallLeg, type LegSpec, type IngressProtocol } from './call-leg.js';
export { ingressErrorCodes, IngressError, type IngressErrorCode } from './ingress-error.js';
export { telephonyRoutes, type TelephonyRoutesOptions } from './telephony-routes.js';
