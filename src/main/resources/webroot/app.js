// Pinstream's page: a masonry grid of pins that stays live. No framework, no build step.
// Everything a user wrote reaches the page through textContent or a checked attribute, never as HTML.
'use strict';

const $ = (id) => document.getElementById(id);
const state = {
  token: sessionStorage.getItem('pinstream.token'),
  user: JSON.parse(sessionStorage.getItem('pinstream.user') || 'null'),
  newest: null,       // the newest pin id shown: `since` when the live connection comes back
  shown: new Set(),   // pin ids on the page, so a pin never shows twice
  unseen: 0,
  ws: null,
  retry: 500,
};

// key: an Idempotency-Key for a creating POST, the same for every try of one action (a retry, a
// second click) so the server answers it once.
function api(method, path, body, key) {
  const headers = { 'Accept': 'application/json' };
  if (state.token) headers['Authorization'] = 'Bearer ' + state.token;
  if (key) headers['Idempotency-Key'] = key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    .then(async (r) => {
      const json = r.status === 204 ? null : await r.json().catch(() => null);
      if (!r.ok) throw new Error((json && (json.detail || json.title)) || ('HTTP ' + r.status));
      return json;
    });
}

function say(text) {
  const m = $('message');
  m.textContent = text;
  m.hidden = !text;
}

function newer(a, b) { // ids are decimal strings below 2^53
  return b === null || Number(a) > Number(b);
}

// ---- pins ----

function safeUrl(url, allowOtherOrigins) {
  try {
    const u = new URL(url, location.href);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    if (!allowOtherOrigins && u.origin !== location.origin && !url.startsWith('https://')) return null;
    return u.href;
  } catch (e) {
    return null;
  }
}

function card(pin) {
  const el = document.createElement('article');
  el.className = 'pin';
  el.dataset.id = pin.id;
  const media = pin.media || {};
  const image = media.images && (media.images['236x'] || media.images['orig']);
  const src = image && safeUrl(image.url, false);
  if (src) {
    const img = document.createElement('img');
    img.src = src;
    img.width = image.width;
    img.height = image.height;
    img.loading = 'lazy';
    img.alt = pin.alt_text || pin.title || '';
    el.append(img);
  } else {
    const box = document.createElement('div');
    box.className = 'placeholder';
    if (/^#[0-9a-fA-F]{6}$/.test(media.dominant_color || '')) box.style.backgroundColor = media.dominant_color;
    if (media.width && media.height) box.style.aspectRatio = media.width + ' / ' + media.height;
    el.append(box);
  }
  const caption = document.createElement('div');
  caption.className = 'caption';
  if (pin.title) {
    const title = document.createElement('div');
    title.className = 'title';
    title.textContent = pin.title;
    caption.append(title);
  }
  const owner = document.createElement('div');
  owner.className = 'owner';
  owner.textContent = pin.owner ? pin.owner.username : '';
  caption.append(owner);
  const href = pin.link && safeUrl(pin.link, true);
  if (href) {
    const a = document.createElement('a');
    a.className = 'link';
    a.href = href;
    a.rel = 'noopener noreferrer nofollow ugc';
    a.target = '_blank';
    a.textContent = new URL(href).hostname;
    caption.append(a);
  }
  el.append(caption);
  return el;
}

function showPins(pins) {
  const grid = $('grid');
  for (const pin of pins) {
    if (state.shown.has(pin.id)) continue;
    state.shown.add(pin.id);
    grid.append(card(pin));
    if (newer(pin.id, state.newest)) state.newest = pin.id;
  }
  $('empty').hidden = state.shown.size > 0;
}

function livePin(pin) {
  if (state.shown.has(pin.id)) return;
  state.shown.add(pin.id);
  const el = card(pin);
  el.classList.add('fresh');
  $('grid').prepend(el);
  $('empty').hidden = true;
  if (newer(pin.id, state.newest)) state.newest = pin.id;
  state.unseen += 1;
  const notice = $('new-pins');
  notice.textContent = state.unseen === 1 ? '1 new pin' : state.unseen + ' new pins';
  notice.hidden = false;
}

function removePin(id) {
  state.shown.delete(id);
  const el = $('grid').querySelector('article[data-id="' + CSS.escape(id) + '"]');
  if (el) el.remove();
}

function topic() {
  return state.user ? 'home' : 'trending';
}

function loadFeed() {
  $('grid').replaceChildren();
  state.shown.clear();
  state.newest = null;
  $('feed-name').textContent = state.user ? 'Home' : 'Trending';
  const path = state.user ? '/api/v1/feeds/home?page_size=50' : '/api/v1/feeds/trending?page_size=50';
  return api('GET', path).then((page) => showPins(page.items)).catch((e) => say('Could not load pins: ' + e.message));
}

// ---- live ----

function connect() {
  if (state.ws) {
    state.ws.onclose = null;
    state.ws.close();
  }
  // A signed-in page asks for a one-time ticket: its session token never goes into a URL.
  const ticket = state.token
    ? api('POST', '/api/v1/live/tickets').then((t) => '?ticket=' + encodeURIComponent(t.ticket))
    : Promise.resolve('');
  ticket.then((query) => openLive(query), () => {
    state.ws = null;
    setTimeout(connect, state.retry);
    state.retry = Math.min(state.retry * 2, 15000);
  });
}

function openLive(query) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(scheme + '//' + location.host + '/api/v1/live' + query);
  state.ws = ws;
  const subscribe = () => {
    const frame = { type: 'subscribe', topic: topic() };
    if (state.newest && topic() !== 'trending') frame.since = state.newest;
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  };
  ws.onopen = subscribe;
  ws.onmessage = (e) => {
    let m;
    try { m = JSON.parse(e.data); } catch (err) { return; }
    if (m.type === 'subscribed') {
      state.retry = 500;
      $('live-state').textContent = 'live';
      $('live-state').classList.add('on');
    } else if (m.type === 'pin' && m.pin) {
      livePin(m.pin);
    } else if (m.type === 'pin_deleted') {
      removePin(m.pin_id);
    } else if (m.type === 'resync') {
      loadFeed();
    } else if (m.type === 'error' && m.code === 'unavailable' && m.retry_after_ms) {
      setTimeout(subscribe, m.retry_after_ms); // the server is busy: it says when to ask again
    } else if (m.type === 'error') {
      say('Live updates: ' + m.detail);
    }
  };
  ws.onclose = () => {
    $('live-state').textContent = 'reconnecting';
    $('live-state').classList.remove('on');
    // Back off, then come back with `since`: the server replays what was missed.
    setTimeout(connect, state.retry);
    state.retry = Math.min(state.retry * 2, 15000);
  };
}

// ---- accounts ----

function signedIn(session) {
  state.token = session ? session.token : null;
  state.user = session ? session.user : null;
  if (session) {
    sessionStorage.setItem('pinstream.token', session.token);
    sessionStorage.setItem('pinstream.user', JSON.stringify(session.user));
  } else {
    sessionStorage.removeItem('pinstream.token');
    sessionStorage.removeItem('pinstream.user');
  }
  $('login').hidden = !!state.user;
  $('me').hidden = !state.user;
  $('upload').hidden = true;
  $('me-name').textContent = state.user ? state.user.username : '';
  loadFeed().then(connect);
}

$('login').addEventListener('submit', (e) => {
  e.preventDefault();
  const form = e.target;
  const username = form.username.value.trim();
  const password = form.password.value;
  const signup = e.submitter && e.submitter.value === 'signup';
  const created = signup ? api('POST', '/api/v1/accounts', { username, password }) : Promise.resolve();
  created
    .then(() => api('POST', '/api/v1/sessions', { username, password }))
    .then((session) => { say(''); form.reset(); signedIn(session); })
    .catch((err) => say(err.message));
});

$('logout').addEventListener('click', () => {
  api('DELETE', '/api/v1/sessions/current').catch(() => {}).finally(() => signedIn(null));
});

$('new-pins').addEventListener('click', () => {
  state.unseen = 0;
  $('new-pins').hidden = true;
  window.scrollTo({ top: 0, behavior: 'smooth' });
});

// ---- upload ----

$('show-upload').addEventListener('click', () => {
  const form = $('upload');
  form.hidden = !form.hidden;
  if (form.hidden) return;
  api('GET', '/api/v1/users/' + encodeURIComponent(state.user.username) + '/boards?page_size=100').then((page) => {
    const select = form.board_id;
    select.replaceChildren();
    for (const board of page.items) {
      const option = document.createElement('option');
      option.value = board.id;
      option.textContent = board.name;
      select.append(option);
    }
    select.required = page.items.length > 0;
  }).catch((err) => say(err.message));
});

function uploadFile(file, progress, key) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/media');
    xhr.setRequestHeader('Authorization', 'Bearer ' + state.token);
    if (key) xhr.setRequestHeader('Idempotency-Key', key);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100);
    };
    xhr.onload = () => {
      let json = null;
      try { json = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 201 || xhr.status === 202) resolve(json);
      else reject(new Error((json && json.detail) || ('upload failed: HTTP ' + xhr.status)));
    };
    xhr.onerror = () => reject(new Error('upload failed: network error'));
    const body = new FormData();
    body.append('file', file);
    xhr.send(body);
  });
}

// 128 random bits as hex (crypto.randomUUID needs HTTPS; getRandomValues does not).
function newKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

// One key per pin being made: submitting the same form again (after an error, or twice) makes it once.
let pinKey = null;
$('upload').addEventListener('input', () => { pinKey = null; });

$('upload').addEventListener('submit', (e) => {
  e.preventDefault();
  const form = e.target;
  const file = form.file.files[0];
  if (!file) return;
  if (!pinKey) pinKey = newKey();
  const key = pinKey;
  const progress = $('upload-progress');
  progress.hidden = false;
  progress.value = 0;
  const newBoard = form.new_board.value.trim();
  const board = newBoard
    ? api('POST', '/api/v1/boards', { name: newBoard }, key + ':board').then((b) => b.id)
    : Promise.resolve(form.board_id.value);
  Promise.all([board, uploadFile(file, progress, key + ':media')])
    .then(([boardId, media]) => {
      if (!boardId) throw new Error('choose a board or name a new one');
      const pin = { board_id: boardId, media_id: media.id };
      if (form.title.value.trim()) pin.title = form.title.value.trim();
      return api('POST', '/api/v1/pins', pin, key + ':pin');
    })
    .then((pin) => {
      pinKey = null;
      livePin(pin);
      form.reset();
      form.hidden = true;
      progress.hidden = true;
      say('');
    })
    .catch((err) => say(err.message));
});

signedIn(state.token ? { token: state.token, user: state.user } : null);
