import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../../config/index.js';
import { SipStreamFramer } from './message.js';

/** Where a message came from and how to answer it. */
export type Peer =
  | { transport: 'UDP'; address: string; port: number }
  | { transport: 'TCP'; address: string; port: number; socket: Socket };

/**
 * SIP over UDP and TCP on one port (RFC 3261 §18): a datagram is one message; a TCP stream is
 * framed by Content-Length, and a stream that cannot be framed is dropped.
 */
export class SipTransport {
  private readonly tcpSockets = new Set<Socket>();
  /** Where received messages go (the user agent sets it). */
  onMessage: (bytes: Buffer, peer: Peer) => void = () => {};

  private constructor(
    private readonly udp: UdpSocket,
    private readonly tcp: Server,
    readonly port: number,
    private readonly logger: Logger,
  ) {
    udp.on('message', (bytes: Buffer, from) =>
      this.onMessage(bytes, { transport: 'UDP', address: from.address, port: from.port }),
    );
    udp.on('error', (err) => logger.warn({ err }, 'sip: udp socket error'));
    tcp.on('connection', (socket) => this.accept(socket));
  }

  /** Binds UDP and TCP on the same port (0 = one free port for both). */
  static async bind(port: number, host: string, logger: Logger): Promise<SipTransport> {
    const family = host.includes(':') ? 'udp6' : 'udp4';
    for (let attempt = 0; attempt < 20; attempt++) {
      const udp = createSocket(family);
      const udpPort = await new Promise<number | null>((resolve) => {
        udp.once('error', () => resolve(null));
        udp.bind(port, host, () => resolve(udp.address().port));
      });
      if (udpPort === null) {
        udp.close();
        if (port !== 0) throw new Error(`SIP port ${port}/udp is in use`);
        continue;
      }
      const tcp = createServer();
      const ok = await new Promise<boolean>((resolve) => {
        tcp.once('error', () => resolve(false));
        tcp.listen(udpPort, host, () => resolve(true));
      });
      if (ok) return new SipTransport(udp, tcp, udpPort, logger);
      udp.close();
      if (port !== 0) throw new Error(`SIP port ${port}/tcp is in use`);
    }
    throw new Error('no port free for SIP on both UDP and TCP');
  }

  send(peer: Peer, bytes: Buffer): void {
    if (peer.transport === 'UDP') this.udp.send(bytes, peer.port, peer.address);
    else if (!peer.socket.destroyed) peer.socket.write(bytes);
  }

  async close(): Promise<void> {
    for (const socket of this.tcpSockets) socket.destroy();
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.tcpSockets.add(socket);
    const peer: Peer = {
      transport: 'TCP',
      address: socket.remoteAddress ?? '',
      port: socket.remotePort ?? 0,
      socket,
    };
    const framer = new SipStreamFramer();
    socket.on('data', (chunk: Buffer) => {
      let messages: Buffer[];
      try {
        messages = framer.push(chunk);
      } catch (err) {
        // A stream without framing cannot be resynchronised: drop the connection.
        this.logger.warn({ err, peer: peer.address }, 'sip: unreadable TCP stream; closed');
        socket.destroy();
        return;
      }
      for (const message of messages) this.onMessage(message, peer);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.tcpSockets.delete(socket));
  }
}
