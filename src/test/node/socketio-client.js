// The Socket.IO side of LiveBenchmark's load client (Socket.IO needs its own client protocol).
// Same accounting as the Java client: latency = receive wall time - the send time the publisher
// put in the pin title ("bench-<seq>-<epoch micros>"), in a histogram of 100 us buckets.
// Usage: node socketio-client.js <url> <connections> <topic> [warmup] [burst] [tickMs]. Pins with
// seq <= warmup are not recorded. Without burst, about 64 handshakes are kept in flight; with it,
// <burst> sockets are opened every <tickMs> ms whatever the server's pace (a reconnect wave). Prints {"ready":n} once all are
// subscribed; on "report" from stdin prints {"received","max_us","buckets":{bucket:count}}.
'use strict';

const { io } = require('socket.io-client');
const readline = require('readline');

const [url, count, topic] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const warmup = Number(process.argv[5] || 0);
const burst = Number(process.argv[6] || 0);
const tickMs = Number(process.argv[7] || 50);
const nowMicros = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const buckets = new Map();
let received = 0;
let maxUs = 0;
let ready = 0;
let failed = 0;

function open(i, paced) {
  if (i >= count) return;
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 60000 });
  socket.on('connect', () => {
    socket.emit('subscribe', topic, () => {
      ready += 1;
      if (ready + failed === count) console.log(JSON.stringify({ ready, failed }));
    });
    if (!paced) open(i + 1 + 63); // keep about 64 handshakes in flight
  });
  socket.on('connect_error', () => {
    failed += 1;
    if (ready + failed === count) console.log(JSON.stringify({ ready, failed }));
    if (!paced) open(i + 64);
  });
  socket.on('pin', (m) => {
    const [, seq, stamp] = m.pin.title.split('-').map(Number);
    if (seq <= warmup) return;
    const us = nowMicros() - stamp;
    received += 1;
    if (us > maxUs) maxUs = us;
    const b = Math.max(0, Math.floor(us / 100));
    buckets.set(b, (buckets.get(b) || 0) + 1);
  });
}
if (burst > 0) {
  let next = 0;
  const timer = setInterval(() => {
    for (let k = 0; k < burst && next < count; k++) open(next++, true);
    if (next >= count) clearInterval(timer);
  }, tickMs);
} else {
  for (let i = 0; i < Math.min(64, count); i++) open(i, false);
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'report') {
    console.log(JSON.stringify({ received, max_us: maxUs, buckets: Object.fromEntries(buckets) }));
  }
});
