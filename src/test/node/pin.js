// The message both peers broadcast: the same shape and size as a Pinstream live message
// ({type, topic, epoch, offset, pin}, the pin with its image_sizes: about 1,440 bytes), with the title
// carrying the publisher's sequence number and send time. LiveBenchmark prints each server's mean
// message size, so a drift between the two shows.
'use strict';

const TEMPLATE = {
  id: '245529722691597',
  created_at: '2026-11-25T19:04:21.372Z',
  board_id: '245528248102920',
  owner: { id: '245528247767047', username: 'bench_author' },
  title: '',
  description: null,
  link: null,
  alt_text: null,
  media: {
    id: '245528237834242', width: 640, height: 480, dominant_color: '#864765',
    images: {
      '236x': { url: '/i/40bf2f10b6759b3cf625486b53298538703ed5997122362849e53500f9e5f911/236x.jpg', width: 236, height: 177 },
      '474x': { url: '/i/40bf2f10b6759b3cf625486b53298538703ed5997122362849e53500f9e5f911/474x.jpg', width: 474, height: 356 },
      '736x': { url: '/i/40bf2f10b6759b3cf625486b53298538703ed5997122362849e53500f9e5f911/736x.jpg', width: 640, height: 480 },
      orig: { url: '/i/40bf2f10b6759b3cf625486b53298538703ed5997122362849e53500f9e5f911/orig.jpg', width: 640, height: 480 },
    },
    image_sizes: {
      square_236: { url: '/i/40bf2f10b6759b3cf625486b53298538703ed5997122362849e53500f9e5f911/236x236/cover.jpg?s=GsF0VSQlZjcO6WeqaZp5sA', width: 236, height: 236 },
      square_474: { url: '/i/40bf2f10b6759b3cf625486b53298538703ed5997122362849e53500f9e5f911/474x474/cover.jpg?s=RmatxNKx54S44gE7ZcCtMA', width: 474, height: 474 },
      preview_1200: { url: '/i/40bf2f10b6759b3cf625486b53298538703ed5997122362849e53500f9e5f911/1200x1200/inside.jpg?s=7eKYmtRFDbO6WTXpstIx9g', width: 640, height: 480 },
    },
  },
  parent_pin_id: null,
  save_count: 0,
  click_count: 0,
};

// Pinstream's messages carry the topic history's epoch and the message's offset in it.
let offset = 0;

function message(topic, title) {
  offset += 1;
  return { type: 'pin', topic, epoch: '9i3bnqxi7v', offset, pin: { ...TEMPLATE, title } };
}

/** POST /publish {"topic","title"} -> calls publish(topic, title); GET /memory -> this process's RSS. */
function httpHandler(publish) {
  return (req, res) => {
    if (req.method === 'POST' && req.url === '/publish') {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => {
        const { topic, title } = JSON.parse(body);
        publish(topic, title);
        res.writeHead(204).end();
      });
      return;
    }
    res.writeHead(404).end();
  };
}

module.exports = { message, httpHandler };
