// Peer 1: what a team would write with the `ws` package: topics as sets of sockets, a message
// serialised once per publish and sent to every subscriber. Same URL and frames as Pinstream.
'use strict';

const http = require('http');
const { WebSocketServer } = require('ws');
const { message, httpHandler } = require('./pin');

const topics = new Map();
const server = http.createServer(httpHandler((topic, title) => {
  const subscribers = topics.get(topic);
  if (!subscribers) return;
  const text = JSON.stringify(message(topic, title));
  for (const ws of subscribers) ws.send(text);
}));
const wss = new WebSocketServer({ server, path: '/api/v1/live', perMessageDeflate: false });
wss.on('connection', (ws) => {
  const mine = new Set();
  ws.on('message', (data) => {
    let m;
    try { m = JSON.parse(data); } catch (e) { return; }
    if (m.type === 'subscribe' && typeof m.topic === 'string') {
      if (!topics.has(m.topic)) topics.set(m.topic, new Set());
      topics.get(m.topic).add(ws);
      mine.add(m.topic);
      ws.send(JSON.stringify({ type: 'subscribed', topic: m.topic }));
    }
  });
  ws.on('close', () => mine.forEach((t) => topics.get(t).delete(ws)));
});
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
