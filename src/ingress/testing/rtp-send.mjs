#!/usr/bin/env node
// Plays the RTP packets of a pcap (as written by rtp-media.ts) to 127.0.0.1:<port> at the pcap's
// timing. sipp's play_pcap_audio reaches only an answer's first m-line; SIPREC tests start this
// from the sipp scenario (<exec command>) for the second stream. Plain JS so it starts fast.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';

const [port, file] = process.argv.slice(2);
const pcap = readFileSync(file);
const packets = [];
for (let offset = 24; offset + 16 <= pcap.length;) {
  const atMs =
    (pcap.readUInt32LE(offset) - pcap.readUInt32LE(24)) * 1000 + pcap.readUInt32LE(offset + 4) / 1000;
  const length = pcap.readUInt32LE(offset + 8);
  const frame = pcap.subarray(offset + 16, offset + 16 + length);
  packets.push({ atMs, payload: frame.subarray(14 + 20 + 8) });
  offset += 16 + length;
}
const socket = createSocket('udp4');
const started = performance.now();
for (const { atMs, payload } of packets) {
  const wait = atMs - (performance.now() - started);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  socket.send(payload, Number(port), '127.0.0.1');
}
setTimeout(() => socket.close(), 50);
