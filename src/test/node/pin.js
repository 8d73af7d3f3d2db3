// The message both peers broadcast: the same shape and size as a Pinstream live message
// ({type, topic, pin}), with the title carrying the publisher's sequence number and send time.
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
  },
  parent_pin_id: null,
  save_count: 0,
  click_count: 0,
};

function message(topic, title) {
  return { type: 'pin', topic, pin: { ...TEMPLATE, title } };
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
