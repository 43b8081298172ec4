/**
 * Why a telephony peer's call or frame was refused. Stable codes, logged with the case id and told
 * to the peer in the protocol's own way (a SIP status, an AudioHook `disconnect`, a close reason).
 */
export const ingressErrorCodes = [
  /** HOTLINE_INGRESS_MAX_CALLS legs are live. */
  'ingress_busy',
  /** The peer offered no codec of HOTLINE_INGRESS_CODECS (or a rate the product does not take). */
  'unsupported_codec',
  /** The case id in the call's metadata is not 1-128 letters, digits, . _ : - */
  'invalid_case_id',
  /** Another live call already has this case id. */
  'case_in_use',
  /** No token, a wrong token or signature, or a token of another role than `ingress`. */
  'unauthorized',
  /** The peer's address is not in HOTLINE_INGRESS_ALLOW_FROM. */
  'forbidden_peer',
  /** A frame or message that the protocol does not allow (logged; the call goes on where it can). */
  'malformed_frame',
  /** A message out of order for the protocol (audio before the call started, a second start…). */
  'protocol_error',
] as const;
export type IngressErrorCode = (typeof ingressErrorCodes)[number];

export class IngressError extends Error {
  constructor(
    readonly code: IngressErrorCode,
    message: string,
  ) {
    super(message);
  }
}
