import { BlockList, isIP } from 'node:net';
import type { Principal } from '../protocol/index.js';
import type { IngressProtocol } from './call-leg.js';

/**
 * The IP allow-list of the protocols that carry no credentials (SIP/RTP, AudioSocket):
 * `HOTLINE_INGRESS_ALLOW_FROM`, addresses or CIDRs, IPv4 and IPv6.
 */
export class PeerAllowList {
  private readonly list = new BlockList();

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address = '', bits] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (isIP(address) === 0)
        throw new Error(`HOTLINE_INGRESS_ALLOW_FROM: ${entry} is not an address or CIDR`);
      if (bits === undefined) this.list.addAddress(address, family);
      else this.list.addSubnet(address, Number.parseInt(bits, 10), family);
    }
  }

  allows(address: string): boolean {
    const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
    const family = isIP(plain) === 6 ? 'ipv6' : 'ipv4';
    return isIP(plain) !== 0 && this.list.check(plain, family);
  }
}

/** Who opened a call that a peer admitted by address or signature sent. */
export function peerPrincipal(protocol: IngressProtocol, address: string): Principal {
  return { id: `ingress:${protocol}`, role: 'ingress', kind: 'peer', name: `${protocol} peer ${address}` };
}
