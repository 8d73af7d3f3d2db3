// Peer 2: Socket.IO with rooms, websocket transport only (no long-polling), no compression.
'use strict';

const http = require('http');
const { Server } = require('socket.io');
const { message, httpHandler } = require('./pin');

let io;
const server = http.createServer(httpHandler((topic, title) => io.to(topic).emit('pin', message(topic, title))));
io = new Server(server, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
io.on('connection', (socket) => {
  socket.on('subscribe', (topic, ack) => {
    socket.join(topic);
    if (typeof ack === 'function') ack({ type: 'subscribed', topic });
  });
});
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
