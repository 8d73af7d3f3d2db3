// Pinstream's web app: one page, routed on the client with the history API. No framework, no build step.
// Everything a user wrote reaches the page through textContent or a checked attribute, never as HTML.
// The session is an HttpOnly cookie: no script here ever holds a token, and none goes into a URL.
'use strict';

const $ = (id) => document.getElementById(id);

const state = {
  user: null,           // {id, username, display_name, ...} when signed in
  view: 0,              // bumped on every navigation: work begun for an older view is dropped
  sessionEnding: false,
};

// ---------------------------------------------------------------- helpers

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body || {};
  }
}

// key: an Idempotency-Key for a creating POST, the same for every try of one action (a retry, a
// second click) so the server answers it once.
async function api(method, path, body, options) {
  const opts = options || {};
  const headers = { 'Accept': 'application/json' };
  if (opts.key) headers['Idempotency-Key'] = opts.key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let r;
  try {
    r = await fetch(path, { method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (e) {
    throw new ApiError(0, 'network', 'Pinstream cannot be reached. Check your connection and try again.');
  }
  const json = r.status === 204 || r.status === 304 ? null : await r.json().catch(() => null);
  if (!r.ok) {
    const err = new ApiError(r.status, json && json.code,
      (json && (json.detail || json.title)) || ('The server answered ' + r.status), json);
    if (r.status === 401 && state.user && !opts.quiet) sessionEnded();
    throw err;
  }
  return json;
}

function newKey() { // 128 random bits as hex (crypto.randomUUID needs HTTPS; getRandomValues does not)
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function safeUrl(url) {
  if (typeof url !== 'string') return null;
  try {
    const u = new URL(url, location.href);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch (e) {
    return null;
  }
}

function hostOf(url) {
  try { return new URL(url).hostname.replace(/^www\./, ''); } catch (e) { return ''; }
}

function money(minor, currency) {
  try {
    const format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    const digits = format.resolvedOptions().maximumFractionDigits;
    return format.format(minor / Math.pow(10, digits));
  } catch (e) {
    return (minor / 100).toFixed(2) + ' ' + currency;
  }
}

const AVAILABILITY = { in_stock: 'In stock', out_of_stock: 'Out of stock', preorder: 'Preorder' };
const count = (n, one, many) => (n === 1 ? '1 ' + one : (n || 0).toLocaleString() + ' ' + many);

function say(text) { // a page-wide message under the header, cleared by the next navigation or success
  const m = $('message');
  m.textContent = text || '';
  m.hidden = !text;
}

let toastTimer = null;
function toast(text, ms) {
  const t = $('toast');
  clearTimeout(toastTimer);
  t.textContent = text || '';
  t.hidden = !text;
  if (text && ms) toastTimer = setTimeout(() => { t.hidden = true; }, ms);
}

function announce(text) { // for screen readers, once
  const a = $('announce');
  a.textContent = '';
  setTimeout(() => { a.textContent = text; }, 50);
}

function fieldErrors(form, err) { // a 422's errors next to their fields; the rest in the form's error line
  const errors = (err && err.body && err.body.errors) || [];
  let shown = false;
  for (const e of errors) {
    const input = form.elements[e.field];
    if (input && input.setCustomValidity) {
      input.setAttribute('aria-invalid', 'true');
      shown = true;
    }
  }
  return shown;
}

function clearFieldErrors(form) {
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

function showError(node, text) {
  node.textContent = text || '';
  node.hidden = !text;
}

// ---------------------------------------------------------------- pins and the masonry grid

function pinAlt(pin) {
  return pin.alt_text || pin.title || ('Pin by ' + (pin.owner ? pin.owner.username : 'someone'));
}

function pinImage(pin, sizes, eager) {
  const media = pin.media || {};
  const images = media.images || {};
  const box = el('div', { class: 'pin-image' });
  const width = media.width || 4;
  const height = media.height || 3;
  box.style.aspectRatio = width + ' / ' + height;
  if (/^#[0-9a-fA-F]{6}$/.test(media.dominant_color || '')) box.style.backgroundColor = media.dominant_color;
  const candidates = ['236x', '474x', '736x'].filter((k) => images[k] && safeUrl(images[k].url));
  if (candidates.length) {
    const img = el('img', {
      src: safeUrl(images[candidates[0]].url),
      srcset: candidates.map((k) => safeUrl(images[k].url) + ' ' + images[k].width + 'w').join(', '),
      sizes,
      alt: pinAlt(pin),
      width, height,
      loading: eager ? 'eager' : 'lazy',
      decoding: 'async',
    });
    img.addEventListener('load', () => box.classList.add('loaded'));
    box.append(img);
  } else {
    box.setAttribute('role', 'img');
    box.setAttribute('aria-label', pinAlt(pin) + ' (the picture is still being prepared)');
  }
  return box;
}

function card(pin) {
  const owner = pin.owner ? pin.owner.username : '';
  const link = el('a', { class: 'pin-link', href: '/pin/' + encodeURIComponent(pin.id) },
    pinImage(pin, '(max-width: 600px) 50vw, 236px', false));
  if (pin.title) link.append(el('div', { class: 'title', text: pin.title }));
  const meta = el('div', { class: 'meta' }, el('a', { class: 'owner', href: '/u/' + encodeURIComponent(owner), text: owner }));
  if (pin.product && pin.product.price) {
    meta.append(el('span', { class: 'price', text: money(pin.product.price.amount_minor, pin.product.price.currency) }));
  }
  return el('article', { class: 'pin', 'data-id': pin.id }, link, meta);
}

// A grid of pins in columns: each card goes to the shortest column, so nothing already shown ever moves
// when more arrive at the bottom. Heights are known before images load (width/height from the API).
class PinGrid {
  constructor(options) {
    this.load = options.load;              // (bookmark) => Promise<{items, bookmark}>
    this.emptyText = options.emptyText || 'No pins yet.';
    this.skip = options.skip || (() => false);
    this.items = [];                       // {pin, node, height}
    this.ids = new Set();
    this.bookmark = null;
    this.done = false;
    this.loading = false;
    this.root = el('section', { class: 'grid-wrap' });
    this.grid = el('div', { class: 'grid', id: options.id || null });
    this.status = el('div', { class: 'grid-status' });
    this.sentinel = el('div', { class: 'sentinel', 'aria-hidden': 'true' });
    this.root.append(this.grid, this.status, this.sentinel);
    this.columns = [];
    this.view = state.view;
    this.observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) this.more();
    }, { rootMargin: '1200px 0px' });
    this.observer.observe(this.sentinel);
    this.onResize = () => { if (this.columnCount() !== this.columns.length) this.layout(); };
    window.addEventListener('resize', this.onResize);
    this.layout();
  }

  destroy() {
    this.observer.disconnect();
    window.removeEventListener('resize', this.onResize);
  }

  columnCount() {
    const width = this.grid.clientWidth || document.documentElement.clientWidth - 16;
    if (width < 600) return 2;
    return Math.max(2, Math.min(8, Math.floor((width + 16) / (236 + 16))));
  }

  layout() {
    const n = this.columnCount();
    this.columns = [];
    this.grid.replaceChildren();
    for (let i = 0; i < n; i++) {
      const column = el('div', { class: 'column' });
      column.height = 0;
      this.columns.push(column);
      this.grid.append(column);
    }
    for (const item of this.items) this.place(item);
  }

  place(item) {
    let shortest = this.columns[0];
    for (const c of this.columns) if (c.height < shortest.height - 1) shortest = c;
    shortest.append(item.node);
    shortest.height += item.height;
  }

  static height(pin) {
    const m = pin.media || {};
    return (m.height && m.width ? m.height / m.width : 0.75) + (pin.title ? 0.28 : 0.14);
  }

  append(pins) {
    for (const pin of pins) {
      if (this.ids.has(pin.id) || this.skip(pin)) continue;
      this.ids.add(pin.id);
      const item = { pin, node: card(pin), height: PinGrid.height(pin) };
      this.items.push(item);
      this.place(item);
    }
    if (this.items.length && !performance.getEntriesByName('first-pins').length) performance.mark('first-pins');
    this.showState();
  }

  // New pins at the top: the grid is laid out again, so only call this while the reader is at the top.
  prepend(pins) {
    const fresh = [];
    for (const pin of pins) {
      if (this.ids.has(pin.id) || this.skip(pin)) continue;
      this.ids.add(pin.id);
      const node = card(pin);
      node.classList.add('fresh');
      fresh.push({ pin, node, height: PinGrid.height(pin) });
    }
    if (!fresh.length) return 0;
    fresh.sort((a, b) => Number(b.pin.id) - Number(a.pin.id));
    this.items = fresh.concat(this.items);
    this.layout();
    this.showState();
    return fresh.length;
  }

  remove(id) {
    const i = this.items.findIndex((item) => item.pin.id === id);
    if (i < 0) return;
    this.items[i].node.remove();
    this.items.splice(i, 1);
    this.ids.delete(id);
  }

  newest() {
    let best = null;
    for (const item of this.items) if (best === null || Number(item.pin.id) > Number(best)) best = item.pin.id;
    return best;
  }

  showState(error) {
    this.status.replaceChildren();
    if (error) {
      this.status.append(el('p', { class: 'form-error', text: error }),
        el('button', { type: 'button', class: 'secondary', onclick: () => this.more(), text: 'Try again' }));
    } else if (this.loading) {
      this.status.append(el('p', { class: 'muted', text: 'Loading pins…' }));
    } else if (this.done && !this.items.length) {
      this.status.append(el('p', { class: 'muted empty', text: this.emptyText }));
    } else if (this.done) {
      this.status.append(el('p', { class: 'muted end', text: 'You have seen every pin here.' }));
    }
  }

  more() {
    if (this.loading || this.done || this.view !== state.view) return Promise.resolve();
    this.loading = true;
    this.showState();
    return this.load(this.bookmark).then((page) => {
      if (this.view !== state.view) return;
      this.loading = false;
      this.bookmark = page.bookmark || null;
      this.done = !this.bookmark;
      this.append(page.items || []);
      // Still on screen (a short page, a tall window): ask for the next page now.
      if (!this.done && this.sentinel.getBoundingClientRect().top < window.innerHeight + 1200) {
        setTimeout(() => this.more(), 0);
      }
    }, (err) => {
      if (this.view !== state.view) return;
      this.loading = false;
      this.showState('Could not load pins: ' + err.message);
    });
  }
}

function paged(path) {
  return (bookmark) => api('GET', path + (path.includes('?') ? '&' : '?') + 'page_size=25'
    + (bookmark ? '&bookmark=' + encodeURIComponent(bookmark) : ''));
}

// ---------------------------------------------------------------- live updates

// One WebSocket for the page, signed in by the session cookie. The view says which topic it shows and
// where new pins go. Reconnects quickly (at most 2 s apart) and asks for what it missed with `since`.
const live = {
  ws: null, topic: null, sink: null, retry: 0, timer: null, failedOpens: 0, wasLive: false,
};

function setLiveState(name) {
  const node = $('live-state');
  node.textContent = name;
  node.className = 'live-state ' + name;
  if (name === 'live') {
    if (live.wasLost) toast('Back online', 3000);
    live.wasLost = false;
  } else if (name === 'reconnecting' && !live.wasLost) {
    live.wasLost = true;
    toast('Connection lost. Reconnecting…');
  }
}

function liveConnect() {
  clearTimeout(live.timer);
  if (live.ws) {
    live.ws.onclose = null;
    live.ws.close();
  }
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/api/v1/live');
  live.ws = ws;
  let opened = false;
  ws.onopen = () => {
    opened = true;
    live.failedOpens = 0;
    if (live.topic) liveSend('subscribe', live.topic);
    else setLiveState('live');
  };
  ws.onmessage = (e) => {
    let m;
    try { m = JSON.parse(e.data); } catch (err) { return; }
    // A server that numbers each topic's events (epoch, offset) resumes from the last one seen.
    if (m.topic && m.topic === live.topic && m.epoch !== undefined && m.offset !== undefined) {
      live.position = { topic: m.topic, epoch: m.epoch, offset: m.offset };
    }
    if (m.type === 'subscribed' && m.topic === live.topic) {
      live.retry = 0;
      // Trending has no `since`: after a reconnect, its first page brings what was missed meanwhile.
      if (live.wasLost && live.topic === 'trending' && live.sink) live.sink.catchUp();
      setLiveState('live');
    } else if (m.type === 'pin' && m.pin && m.topic === live.topic && live.sink) {
      live.sink.pin(m.pin);
    } else if (m.type === 'pin_deleted' && live.sink) {
      live.sink.deleted(m.pin_id);
    } else if (m.type === 'resync' && live.sink) {
      live.sink.resync();
    } else if (m.type === 'error' && m.retry_after_ms) {
      setTimeout(() => { if (live.topic) liveSend('subscribe', live.topic); }, m.retry_after_ms);
    }
  };
  ws.onclose = (e) => {
    if (live.ws !== ws) return;
    live.ws = null;
    setLiveState('reconnecting');
    // 4003: the session was revoked. A refused handshake (never opened) while signed in may be a session
    // that ended: ask once, and a dead session logs the page out instead of retrying forever.
    if (state.user && (e.code === 4003 || (!opened && ++live.failedOpens >= 2))) {
      live.failedOpens = 0;
      checkSession().catch(() => {}); // unreachable: keep retrying, the session may be fine
    }
    const delay = Math.min(2000, 250 * Math.pow(2, live.retry++));
    live.timer = setTimeout(liveConnect, delay);
  };
}

function liveSend(type, topic) {
  if (!live.ws || live.ws.readyState !== WebSocket.OPEN) return;
  const frame = { type, topic };
  if (type === 'subscribe' && topic !== 'trending' && live.sink && live.sink.since) {
    const since = live.sink.since();
    if (since) frame.since = since;
  }
  if (type === 'subscribe' && live.position && live.position.topic === topic) {
    frame.epoch = live.position.epoch;
    frame.offset = live.position.offset;
  }
  live.ws.send(JSON.stringify(frame));
}

function liveFollow(topic, sink) {
  if (live.topic === topic && live.sink === sink) return;
  if (live.topic && live.topic !== topic) liveSend('unsubscribe', live.topic);
  if (live.topic !== topic) live.position = null;
  live.topic = topic;
  live.sink = sink;
  if (topic) liveSend('subscribe', topic);
}

// New pins for a grid that the reader may be reading: shown at once while they are at the top,
// held behind the "N new pins" button while they are further down (nothing under their eyes moves).
function liveSink(grid, topic) {
  const held = [];
  let unseen = 0;
  const notice = $('new-pins');
  const update = () => {
    notice.textContent = unseen === 1 ? '1 new pin' : unseen + ' new pins';
    notice.hidden = unseen === 0;
  };
  notice.onclick = () => {
    if (held.length) grid.prepend(held.splice(0));
    unseen = 0;
    update();
    window.scrollTo({ top: 0, behavior: 'smooth' });
  };
  const flushIfTop = () => {
    if (held.length && window.scrollY < 80) grid.prepend(held.splice(0));
  };
  window.addEventListener('scroll', flushIfTop, { passive: true });
  return {
    since: () => grid.newest(),
    pin(pin) {
      if (grid.ids.has(pin.id) || held.some((p) => p.id === pin.id)) return;
      if (window.scrollY < 80) grid.prepend([pin]);
      else held.push(pin);
      unseen += 1;
      update();
      announce(unseen === 1 ? '1 new pin' : unseen + ' new pins');
    },
    deleted(id) {
      grid.remove(id);
      const i = held.findIndex((p) => p.id === id);
      if (i >= 0) held.splice(i, 1);
    },
    resync() { render(); },
    catchUp() {
      api('GET', '/api/v1/feeds/trending?page_size=25').then((page) => {
        const newest = grid.newest();
        for (const pin of page.items || []) if (!newest || Number(pin.id) > Number(newest)) this.pin(pin);
      }).catch(() => {});
    },
    stop() {
      window.removeEventListener('scroll', flushIfTop);
      notice.hidden = true;
      notice.onclick = null;
    },
    topic,
  };
}

// ---------------------------------------------------------------- session

function showSignedIn() {
  const user = state.user;
  $('visitor-nav').hidden = !!user;
  $('me').hidden = !user;
  $('me-name').textContent = user ? user.username : '';
  $('me-name').href = user ? '/u/' + encodeURIComponent(user.username) : '/';
  $('menu-profile').href = $('me-name').href;
  if (user) closeAuth();
}

function checkSession() {
  return api('GET', '/api/v1/sessions/current', undefined, { quiet: true })
    .then((s) => s.user, (err) => {
      if (err.status === 401) return null;
      throw err;
    })
    .then((user) => {
      const changed = (user && user.id) !== (state.user && state.user.id);
      if (!user && state.user) {
        sessionEnded();
        return;
      }
      state.user = user;
      showSignedIn();
      if (changed) render();
    });
}

// The session ended under the page (revoked, expired, logged out in another tab): log out cleanly.
function sessionEnded() {
  if (state.sessionEnding) return;
  state.sessionEnding = true;
  state.user = null;
  showSignedIn();
  liveConnect(); // the next connection is anonymous
  render();
  say('Your session has ended. Log in again to see your home feed.');
  state.sessionEnding = false;
}

const tabs = 'BroadcastChannel' in window ? new BroadcastChannel('pinstream-session') : null;
// Another tab logged in or out: this one follows (the cookie is shared; the page must say so too).
if (tabs) tabs.onmessage = () => { checkSession().then(() => liveConnect()).catch(() => {}); };

function signedIn(user) {
  state.user = user;
  showSignedIn();
  say('');
  if (tabs) tabs.postMessage('changed');
  liveConnect(); // the connection now carries the new cookie
  render();
}

function openAuth(mode, reason) {
  const panel = $('auth-panel');
  panel.hidden = false;
  panel.classList.add('modal');
  $('auth-title').textContent = reason || (mode === 'signup' ? 'Sign up to save ideas' : 'Log in to Pinstream');
  showError($('login-error'), '');
  $('login-username').focus();
}

function closeAuth(dismissed) {
  const panel = $('auth-panel');
  if (dismissed === true) state.authDismissed = true;
  panel.classList.remove('modal');
  panel.hidden = !(location.pathname === '/' && !state.user && !state.authDismissed);
  $('auth-title').textContent = 'Welcome to Pinstream';
}

$('open-login').addEventListener('click', () => openAuth('login'));
$('open-signup').addEventListener('click', () => openAuth('signup'));
$('close-auth').addEventListener('click', () => closeAuth(true));
$('auth-panel').addEventListener('click', (e) => { if (e.target === $('auth-panel')) closeAuth(); });

$('login').addEventListener('input', () => {
  showError($('login-error'), '');
  clearFieldErrors($('login'));
});

$('login').addEventListener('submit', (e) => {
  e.preventDefault();
  const form = e.target;
  const signup = e.submitter && e.submitter.value === 'signup';
  const username = form.username.value.trim().toLowerCase();
  const password = form.password.value;
  const error = $('login-error');
  if (!/^[a-z0-9_]{3,30}$/.test(username)) {
    form.username.setAttribute('aria-invalid', 'true');
    showError(error, 'A username is 3 to 30 of a-z, 0-9 and _.');
    form.username.focus();
    return;
  }
  if (password.length < (signup ? 8 : 1)) {
    form.password.setAttribute('aria-invalid', 'true');
    showError(error, signup ? 'Choose a password of at least 8 characters.' : 'Enter your password.');
    form.password.focus();
    return;
  }
  const buttons = form.querySelectorAll('button[type=submit]');
  buttons.forEach((b) => { b.disabled = true; });
  const done = signup
    ? api('POST', '/api/v1/accounts', { username, password, cookie: true })
    : api('POST', '/api/v1/sessions', { username, password, cookie: true }).then((s) => s.user);
  done.then((user) => {
    form.reset();
    showError(error, '');
    signedIn(user);
  }, (err) => {
    fieldErrors(form, err);
    showError(error, err.status === 401 ? 'That username and password do not match.'
      : err.code === 'username_taken' ? 'That username is taken; choose another.' : err.message);
  }).finally(() => buttons.forEach((b) => { b.disabled = false; }));
});

$('logout').addEventListener('click', () => {
  $('menu').open = false;
  api('DELETE', '/api/v1/sessions/current', undefined, { quiet: true }).catch(() => {}).finally(() => {
    state.user = null;
    showSignedIn();
    if (tabs) tabs.postMessage('changed');
    liveConnect();
    navigate('/');
  });
});

// ---------------------------------------------------------------- upload

let myBoards = null; // the signed-in user's boards, loaded when first needed

function loadMyBoards() {
  if (!state.user) return Promise.resolve([]);
  if (myBoards) return Promise.resolve(myBoards);
  return api('GET', '/api/v1/users/' + encodeURIComponent(state.user.username) + '/boards?page_size=100')
    .then((page) => { myBoards = page.items; return myBoards; });
}

function fillBoards(select, boards, chosen) {
  select.replaceChildren();
  if (!boards.length) select.append(el('option', { value: '', text: 'No boards yet: name one below' }));
  for (const b of boards) select.append(el('option', { value: b.id, text: b.name, selected: b.id === chosen }));
}

function openUpload() {
  const form = $('upload');
  $('upload-panel').hidden = false;
  form.hidden = false;
  showError($('upload-error'), '');
  loadMyBoards().then((boards) => fillBoards(form.board_id, boards))
    .catch((err) => showError($('upload-error'), 'Could not load your boards: ' + err.message));
  form.file.focus();
}

function closeUpload() {
  $('upload').hidden = true;
  $('upload-panel').hidden = true;
}

$('show-upload').addEventListener('click', openUpload);
$('close-upload').addEventListener('click', closeUpload);
document.addEventListener('keydown', (e) => {
  if (e.key !== 'Escape') return;
  if (!$('upload-panel').hidden) closeUpload();
  if ($('auth-panel').classList.contains('modal')) closeAuth();
  const zoom = document.querySelector('.zoom');
  if (zoom) zoom.remove();
});

function choosePhoto(file) {
  const preview = $('upload-preview');
  if (preview.src) URL.revokeObjectURL(preview.src);
  if (!file) {
    preview.hidden = true;
    preview.removeAttribute('src');
    $('drop-text').textContent = 'Drag and drop a photo here, or choose one';
    return;
  }
  if (!/^image\/(jpeg|png|webp|gif)$/.test(file.type)) {
    showError($('upload-error'), 'Choose a JPEG, PNG, WebP or GIF photo.');
    return;
  }
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
  $('drop-text').textContent = file.name;
}

const drop = $('drop');
['dragenter', 'dragover'].forEach((type) => drop.addEventListener(type, (e) => {
  e.preventDefault();
  drop.classList.add('over');
}));
['dragleave', 'drop'].forEach((type) => drop.addEventListener(type, () => drop.classList.remove('over')));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  const file = e.dataTransfer.files[0];
  if (!file) return;
  const files = new DataTransfer();
  files.items.add(file);
  $('upload').file.files = files.files;
  pinKey = null;
  showError($('upload-error'), '');
  choosePhoto(file);
});
$('upload-file').addEventListener('change', (e) => choosePhoto(e.target.files[0]));

function uploadFile(file, progress, key) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/media');
    if (key) xhr.setRequestHeader('Idempotency-Key', key);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        progress.value = Math.round((e.loaded / e.total) * 100);
        progress.textContent = progress.value + '%';
      }
    };
    xhr.onload = () => {
      let json = null;
      try { json = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 201 || xhr.status === 202) resolve(json);
      else {
        if (xhr.status === 401 && state.user) sessionEnded();
        reject(new ApiError(xhr.status, json && json.code, (json && json.detail) || ('The upload failed (' + xhr.status + ')'), json));
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'The upload failed: Pinstream cannot be reached.'));
    const body = new FormData();
    body.append('file', file);
    xhr.send(body);
  });
}

// One key per pin being made: submitting the same form again (after an error, or twice) makes it once.
let pinKey = null;
$('upload').addEventListener('input', () => {
  pinKey = null;
  showError($('upload-error'), '');
  clearFieldErrors($('upload'));
});

$('upload').addEventListener('submit', (e) => {
  e.preventDefault();
  const form = e.target;
  const submit = form.querySelector('button[type=submit]');
  if (submit.disabled) return;
  const file = form.file.files[0];
  const error = $('upload-error');
  const newBoard = form.new_board.value.trim();
  const link = form.link.value.trim();
  if (!file) {
    showError(error, 'Choose a photo first.');
    return;
  }
  if (!newBoard && !form.board_id.value) {
    form.new_board.setAttribute('aria-invalid', 'true');
    showError(error, 'Choose a board or name a new one.');
    return;
  }
  if (link && !/^https?:\/\/\S+$/i.test(link)) {
    form.link.setAttribute('aria-invalid', 'true');
    showError(error, 'A link starts with http:// or https://');
    return;
  }
  if (!pinKey) pinKey = newKey();
  const key = pinKey;
  const progress = $('upload-progress');
  progress.hidden = false;
  progress.value = 0;
  submit.disabled = true;
  submit.textContent = 'Pinning…';
  showError(error, '');
  const board = newBoard
    ? api('POST', '/api/v1/boards', { name: newBoard }, { key: key + ':board' }).then((b) => {
      myBoards = null;
      return b.id;
    })
    : Promise.resolve(form.board_id.value);
  Promise.all([board, uploadFile(file, progress, key + ':media')])
    .then(([boardId, media]) => {
      const pin = { board_id: boardId, media_id: media.id };
      if (form.title.value.trim()) pin.title = form.title.value.trim();
      if (form.description.value.trim()) pin.description = form.description.value.trim();
      if (link) pin.link = link;
      return api('POST', '/api/v1/pins', pin, { key: key + ':pin' });
    })
    .then((pin) => {
      pinKey = null;
      form.reset();
      choosePhoto(null);
      progress.hidden = true;
      closeUpload();
      if (live.sink && (live.topic === 'home' || live.topic === 'user:' + state.user.username)) {
        live.sink.pin(pin);
      }
      toast('Your pin is up.', 4000);
    })
    .catch((err) => {
      fieldErrors(form, err);
      progress.hidden = true;
      showError(error, err.message);
    })
    .finally(() => {
      submit.disabled = false;
      submit.textContent = 'Pin it';
    });
});

// ---------------------------------------------------------------- search box with type-ahead

const searchBox = $('q');
const suggestions = $('suggestions');
let suggestTimer = null;
let suggestSeq = 0;
let activeSuggestion = -1;

function closeSuggestions() {
  suggestions.hidden = true;
  suggestions.replaceChildren();
  searchBox.setAttribute('aria-expanded', 'false');
  searchBox.removeAttribute('aria-activedescendant');
  activeSuggestion = -1;
}

let suggestAbort = null;
function suggest() {
  const q = searchBox.value.trim();
  const seq = ++suggestSeq;
  if (suggestAbort) suggestAbort.abort();
  if (q.length < 2) {
    closeSuggestions();
    return;
  }
  suggestAbort = new AbortController();
  fetch('/api/v1/search/suggest?limit=6&q=' + encodeURIComponent(q), {
    headers: { 'Accept': 'application/json' }, credentials: 'same-origin', signal: suggestAbort.signal,
  }).then((r) => (r.ok ? r.json() : { items: [] })).then((page) => {
    if (seq !== suggestSeq) return;
    suggestions.replaceChildren();
    const options = [{ label: 'Search for “' + q + '”', href: '/search?q=' + encodeURIComponent(q) }];
    const seen = new Set();
    for (const pin of page.items || []) {
      const label = pin.title || '';
      if (!label || seen.has(label.toLowerCase())) continue;
      seen.add(label.toLowerCase());
      const thumb = pin.media && pin.media.images && pin.media.images['236x'];
      options.push({ label, href: '/pin/' + encodeURIComponent(pin.id), thumb: thumb && safeUrl(thumb.url) });
    }
    options.forEach((o, i) => {
      const link = el('a', { href: o.href, tabindex: '-1' });
      if (o.thumb) link.append(el('img', { src: o.thumb, alt: '', width: 32, height: 32, loading: 'lazy' }));
      link.append(el('span', { text: o.label }));
      suggestions.append(el('li', { role: 'option', id: 'suggestion-' + i, 'aria-selected': 'false' }, link));
    });
    suggestions.hidden = false;
    searchBox.setAttribute('aria-expanded', 'true');
  }).catch(() => { if (seq === suggestSeq) closeSuggestions(); });
}

searchBox.addEventListener('input', () => {
  clearTimeout(suggestTimer);
  suggestTimer = setTimeout(suggest, 150);
});
searchBox.addEventListener('keydown', (e) => {
  const options = suggestions.querySelectorAll('[role=option]');
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    if (!options.length) return;
    e.preventDefault();
    activeSuggestion = (activeSuggestion + (e.key === 'ArrowDown' ? 1 : -1) + options.length) % options.length;
    options.forEach((o, i) => o.setAttribute('aria-selected', String(i === activeSuggestion)));
    searchBox.setAttribute('aria-activedescendant', options[activeSuggestion].id);
  } else if (e.key === 'Enter' && activeSuggestion >= 0 && options[activeSuggestion]) {
    e.preventDefault();
    const href = options[activeSuggestion].querySelector('a').getAttribute('href');
    closeSuggestions();
    navigate(href);
  } else if (e.key === 'Escape') {
    closeSuggestions();
  }
});
searchBox.addEventListener('blur', () => setTimeout(closeSuggestions, 200));
$('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const q = searchBox.value.trim();
  closeSuggestions();
  if (q) navigate('/search?q=' + encodeURIComponent(q));
});

// ---------------------------------------------------------------- router

let current = { grid: null, sink: null };

function navigate(href, replace) {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  render();
  window.scrollTo(0, 0);
  $('main').focus({ preventScroll: true }); // a screen reader starts reading the new page, as after a load
}

document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || url.pathname.startsWith('/go/') || url.pathname.startsWith('/api/')
    || url.pathname.startsWith('/i/')) return;
  e.preventDefault();
  $('menu').open = false;
  closeSuggestions();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', render);

const ROUTES = [
  [/^\/$/, feedView],
  [/^\/pin\/(\d+)\/?$/, pinView],
  [/^\/u\/([a-z0-9_]{1,30})\/?$/, profileView],
  [/^\/board\/(\d+)\/?$/, boardView],
  [/^\/search\/?$/, searchView],
  [/^\/shop\/?$/, shopView],
  [/^\/me\/earnings\/?$/, earningsView],
];

function render() {
  state.view += 1;
  if (current.grid) current.grid.destroy();
  if (current.sink) current.sink.stop();
  current = { grid: null, sink: null };
  say('');
  closeUpload();
  const main = $('main');
  main.replaceChildren();
  closeAuth();
  const status = document.querySelector('meta[name=pinstream-status]');
  if (status && status.content === '404') {
    status.content = '200'; // the server's 404 is for this first load only
    liveFollow(null, null);
    notFoundView(main);
    return;
  }
  for (const [pattern, view] of ROUTES) {
    const match = location.pathname.match(pattern);
    if (match) {
      view(main, decodeURIComponent(match[1] || ''));
      return;
    }
  }
  liveFollow(null, null);
  notFoundView(main);
}

function setTitle(text) {
  document.title = text ? text + ' · Pinstream' : 'Pinstream';
}

function notFoundView(main, what) {
  setTitle('Not found');
  main.append(el('section', { class: 'not-found' },
    el('h1', { text: 'Page not found' }),
    el('p', { text: what || 'We could not find that page. It may have been deleted, or the link is wrong.' }),
    el('a', { class: 'button', href: '/', text: 'Back to the home feed' })));
}

function failed(main, err, what) {
  if (err.status === 404) notFoundView(main, what);
  else main.append(el('p', { class: 'form-error', role: 'alert', text: 'Could not load this page: ' + err.message }));
}

function grid(main, options, topic) {
  const g = new PinGrid(options);
  main.append(g.root);
  current.grid = g;
  if (topic) {
    current.sink = liveSink(g, topic);
    liveFollow(topic, current.sink);
  } else {
    liveFollow(null, null);
  }
  g.more();
  return g;
}

// ---------------------------------------------------------------- views

function feedView(main) {
  const home = !!state.user;
  setTitle(home ? 'Home' : '');
  main.append(el('h1', { id: 'feed-name', class: 'feed-name', text: home ? 'Home' : 'Trending' }));
  grid(main, {
    id: 'grid',
    load: paged(home ? '/api/v1/feeds/home' : '/api/v1/feeds/trending'),
    emptyText: home ? 'Your home feed is empty. Follow people and boards, or create a pin.' : 'No pins yet.',
  }, home ? 'home' : 'trending');
}

function followButton(label, followed, path, onChange) {
  const button = el('button', { type: 'button', class: 'follow', 'aria-pressed': String(!!followed) });
  let now = !!followed;
  const show = () => {
    button.textContent = now ? 'Following' : 'Follow';
    button.className = now ? 'follow secondary' : 'follow';
    button.setAttribute('aria-pressed', String(now));
    button.setAttribute('aria-label', (now ? 'Following ' : 'Follow ') + label);
  };
  show();
  button.addEventListener('click', () => {
    if (!state.user) {
      openAuth('signup', 'Log in or sign up to follow ' + label);
      return;
    }
    button.disabled = true;
    api(now ? 'DELETE' : 'PUT', path).then(() => {
      now = !now;
      show();
      onChange(now);
    }, (err) => say(err.message)).finally(() => { button.disabled = false; });
  });
  return button;
}

function pinView(main, id) {
  const view = state.view;
  liveFollow(null, null);
  api('GET', '/api/v1/pins/' + id).then((pin) => {
    if (view !== state.view) return;
    setTitle(pin.title || pinAlt(pin));
    const owner = pin.owner ? pin.owner.username : '';
    const media = pin.media || {};
    const images = media.images || {};
    const picture = pinImage(pin, '(max-width: 800px) 100vw, 736px', true);
    picture.classList.add('zoomable');
    const orig = images.orig && safeUrl(images.orig.url);
    const zoomButton = orig ? el('button', { type: 'button', class: 'secondary zoom-button', text: 'Zoom',
      'aria-label': 'Show the full-size photo' }) : null;
    const zoom = () => {
      if (!orig) return;
      const layer = el('div', { class: 'zoom', role: 'dialog', 'aria-label': 'Full-size photo', tabindex: '-1' },
        el('img', { src: orig, alt: pinAlt(pin) }),
        el('button', { type: 'button', class: 'close', 'aria-label': 'Close', text: '×' }));
      layer.addEventListener('click', () => layer.remove());
      document.body.append(layer);
      layer.focus();
    };
    picture.addEventListener('click', zoom);
    if (zoomButton) zoomButton.addEventListener('click', zoom);

    const details = el('div', { class: 'pin-details' });
    const actions = el('div', { class: 'pin-actions' });
    const saveCount = el('span', { class: 'save-count', text: count(pin.save_count, 'save', 'saves') });
    const saveButton = el('button', { type: 'button', id: 'save', text: 'Save' });
    actions.append(saveButton, saveCount);
    const link = safeUrl(pin.link);
    if (link) {
      actions.append(el('a', { class: 'button secondary visit', href: '/go/' + encodeURIComponent(pin.id),
        rel: 'nofollow noopener', text: pin.product ? 'Visit site' : 'Visit ' + hostOf(link) }));
    }
    details.append(actions);
    if (state.user && pin.owner && state.user.id === pin.owner.id) {
      const editButton = el('button', { type: 'button', id: 'edit-pin', class: 'secondary', text: 'Edit',
        'aria-expanded': 'false', 'aria-controls': 'edit-box' });
      actions.append(editButton);
      const editForm = editBox(pin, view);
      details.append(editForm);
      editButton.addEventListener('click', () => {
        editForm.hidden = !editForm.hidden;
        editButton.setAttribute('aria-expanded', String(!editForm.hidden));
        if (!editForm.hidden) editForm.elements.namedItem('title').focus();
      });
    }
    const saveForm = saveBox(pin, () => {
      pin.save_count = (pin.save_count || 0) + 1;
      saveCount.textContent = count(pin.save_count, 'save', 'saves');
    });
    details.append(saveForm);
    saveButton.addEventListener('click', () => {
      if (!state.user) {
        openAuth('signup', 'Log in or sign up to save this pin');
        return;
      }
      saveForm.hidden = !saveForm.hidden;
      if (!saveForm.hidden) saveForm.open();
    });
    if (link) {
      details.append(el('a', { class: 'outbound', href: '/go/' + encodeURIComponent(pin.id), rel: 'nofollow noopener',
        text: hostOf(link) }));
    }
    details.append(el('h1', { class: 'pin-title', text: pin.title || 'Untitled pin' }));
    if (pin.product && pin.product.price) {
      details.append(el('p', { class: 'product' },
        el('span', { class: 'price', text: money(pin.product.price.amount_minor, pin.product.price.currency) }),
        ' ',
        el('span', { class: 'availability ' + (pin.product.availability || ''),
          text: AVAILABILITY[pin.product.availability] || '' })));
    }
    if (pin.description) details.append(el('p', { class: 'description', text: pin.description }));
    const byline = el('p', { class: 'byline' }, 'Pinned by ',
      el('a', { href: '/u/' + encodeURIComponent(owner), class: 'pinner', text: owner }));
    details.append(byline);
    const boardLine = el('p', { class: 'board-line' });
    details.append(boardLine);
    if (zoomButton) details.append(zoomButton);

    main.append(el('article', { class: 'pin-page' }, el('div', { class: 'pin-picture' }, picture), details));
    const more = el('h2', { class: 'more-title', text: 'More from this board' });
    main.append(more);
    api('GET', '/api/v1/boards/' + pin.board_id).then((board) => {
      if (view !== state.view) return;
      boardLine.append('On ', el('a', { href: '/board/' + board.id, class: 'board-link', text: board.name }));
      more.textContent = 'More from ' + board.name;
    }).catch(() => {});
    grid(main, {
      load: paged('/api/v1/boards/' + pin.board_id + '/pins'),
      skip: (p) => p.id === pin.id,
      emptyText: 'Nothing else on this board yet.',
    }, null);
  }, (err) => { if (view === state.view) failed(main, err, 'This pin does not exist, or was deleted.'); });
}

// The owner's edit of a pin's words and link, and its deletion (confirmed in place, not by a browser dialog).
function editBox(pin, view) {
  const form = el('form', { class: 'edit-box', id: 'edit-box', hidden: true, novalidate: true, 'aria-label': 'Edit this pin' });
  const error = el('p', { class: 'form-error', role: 'alert', hidden: true });
  const submit = el('button', { type: 'submit', text: 'Save changes' });
  const cancel = el('button', { type: 'button', class: 'secondary', text: 'Cancel' });
  const remove = el('button', { type: 'button', class: 'danger', id: 'delete-pin', text: 'Delete pin' });
  const confirm = el('div', { class: 'confirm-delete', role: 'alertdialog', 'aria-label': 'Delete this pin?', hidden: true },
    el('p', { text: 'Delete this pin? It leaves its board and every feed, and cannot be undone.' }),
    el('div', { class: 'row' },
      el('button', { type: 'button', class: 'danger', id: 'confirm-delete', text: 'Delete' }),
      el('button', { type: 'button', class: 'secondary', id: 'keep-pin', text: 'Keep it' })));
  const link = pin.product
    ? el('p', { class: 'muted', text: 'Its link is the product\'s page, which the shop sets.' })
    : el('input', { id: 'edit-link', name: 'link', type: 'url', maxlength: 2048, inputmode: 'url', autocapitalize: 'none',
      value: pin.link || '', placeholder: 'https://' });
  form.append(
    el('label', { for: 'edit-title', text: 'Title' }),
    el('input', { id: 'edit-title', name: 'title', maxlength: 100, value: pin.title || '' }),
    el('label', { for: 'edit-description', text: 'Description' }),
    el('textarea', { id: 'edit-description', name: 'description', maxlength: 800, rows: 3, text: pin.description || '' }),
    pin.product ? null : el('label', { for: 'edit-link', text: 'Link' }), link,
    el('label', { for: 'edit-alt', text: 'Alt text (describes the photo to people who cannot see it)' }),
    el('input', { id: 'edit-alt', name: 'alt_text', maxlength: 500, value: pin.alt_text || '' }),
    error, el('div', { class: 'row' }, submit, cancel, remove), confirm);
  form.addEventListener('input', () => { showError(error, ''); clearFieldErrors(form); });
  cancel.addEventListener('click', () => {
    form.reset();
    form.hidden = true;
    confirm.hidden = true;
    const toggle = $('edit-pin');
    if (toggle) { toggle.setAttribute('aria-expanded', 'false'); toggle.focus(); }
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (submit.disabled) return;
    const field = (name) => form.elements.namedItem(name).value.trim(); // (form.title is the form's own attribute)
    const changes = { title: field('title'), description: field('description'), alt_text: field('alt_text') };
    if (!pin.product) changes.link = field('link');
    submit.disabled = true;
    api('PATCH', '/api/v1/pins/' + pin.id, changes).then(() => {
      if (view !== state.view) return;
      toast('Pin updated', 4000);
      render(); // the page again, from the pin as it is now
    }, (err) => {
      fieldErrors(form, err);
      showError(error, err.message);
    }).finally(() => { submit.disabled = false; });
  });
  remove.addEventListener('click', () => {
    confirm.hidden = false;
    $('keep-pin').focus();
  });
  confirm.addEventListener('click', (e) => {
    if (e.target.id === 'keep-pin') {
      confirm.hidden = true;
      remove.focus();
    } else if (e.target.id === 'confirm-delete') {
      e.target.disabled = true;
      api('DELETE', '/api/v1/pins/' + pin.id).then(() => {
        toast('Pin deleted', 4000);
        if (view === state.view) navigate('/board/' + pin.board_id, true);
      }, (err) => {
        e.target.disabled = false;
        confirm.hidden = true;
        showError(error, err.message);
      });
    }
  });
  return form;
}

// Save to one of your boards, or to a new one.
function saveBox(pin, saved) {
  const form = el('form', { class: 'save-box', hidden: true });
  const select = el('select', { id: 'save-board', name: 'board_id' });
  const newBoard = el('input', { id: 'save-new-board', name: 'new_board', maxlength: 50, placeholder: 'Board name' });
  const error = el('p', { class: 'form-error', role: 'alert', hidden: true });
  const done = el('p', { class: 'saved', role: 'status', hidden: true });
  const submit = el('button', { type: 'submit', text: 'Save to board' });
  form.append(el('label', { for: 'save-board', text: 'Board' }), select,
    el('label', { for: 'save-new-board', text: 'Or a new board' }), newBoard, error, el('div', { class: 'row' }, submit), done);
  let key = null;
  form.addEventListener('input', () => { key = null; showError(error, ''); });
  form.open = () => {
    done.hidden = true;
    loadMyBoards().then((boards) => fillBoards(select, boards), (err) => showError(error, err.message));
    select.focus();
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (submit.disabled) return;
    const name = newBoard.value.trim();
    if (!name && !select.value) {
      showError(error, 'Choose a board or name a new one.');
      return;
    }
    if (!key) key = newKey();
    submit.disabled = true;
    const board = name
      ? api('POST', '/api/v1/boards', { name }, { key: key + ':board' }).then((b) => { myBoards = null; return b; })
      : Promise.resolve((myBoards || []).find((b) => b.id === select.value) || { id: select.value, name: 'your board' });
    board.then((b) => api('POST', '/api/v1/pins/' + pin.id + '/save', { board_id: b.id }, { key: key + ':save' })
      .then((copy) => ({ b, copy })))
      .then(({ b, copy }) => {
        key = null;
        newBoard.value = '';
        form.hidden = true;
        if (copy && copy.parent_pin_id) saved();
        const status = document.querySelector('.pin-details .saved-note') || el('p', { class: 'saved-note', role: 'status' });
        status.replaceChildren('Saved to ', el('a', { href: '/board/' + b.id, text: b.name }));
        form.after(status);
      }, (err) => showError(error, err.message))
      .finally(() => { submit.disabled = false; });
  });
  return form;
}

function profileView(main, username) {
  const view = state.view;
  const path = '/api/v1/users/' + encodeURIComponent(username);
  // The profile and its boards together, so the boards never push the pins down once they show.
  Promise.all([api('GET', path), api('GET', path + '/boards?page_size=24').catch((err) => err)]).then(([user, boards]) => {
    if (view !== state.view) return;
    setTitle(user.display_name + ' (@' + user.username + ')');
    const followers = el('span', { class: 'followers', text: count(user.follower_count, 'follower', 'followers') });
    const head = el('header', { class: 'profile' },
      el('div', { class: 'avatar', 'aria-hidden': 'true', text: (user.display_name || user.username).slice(0, 1).toUpperCase() }),
      el('h1', { text: user.display_name || user.username }),
      el('p', { class: 'muted', text: '@' + user.username }),
      el('p', { class: 'counts' }, followers, ' · ', count(user.following_count, 'following', 'following'),
        ' · ', count(user.pin_count, 'pin', 'pins')));
    if (!state.user || state.user.username !== user.username) {
      head.append(followButton(user.username, user.viewer_follows, path + '/follow', (now) => {
        user.follower_count += now ? 1 : -1;
        followers.textContent = count(user.follower_count, 'follower', 'followers');
      }));
    }
    main.append(head);
    const boardsSection = el('section', { class: 'boards', 'aria-labelledby': 'boards-title' },
      el('h2', { id: 'boards-title', text: 'Boards' }));
    if (boards instanceof Error) boardsSection.append(el('p', { class: 'form-error', text: boards.message }));
    else if (!boards.items.length) boardsSection.append(el('p', { class: 'muted', text: 'No boards yet.' }));
    else boardsSection.append(el('ul', { class: 'board-list' }, ...boards.items.map((b) => boardTile(b, view))));
    main.append(boardsSection, el('h2', { text: 'Pins' }));
    grid(main, { load: paged(path + '/pins'), emptyText: user.username + ' has no pins yet.' }, 'user:' + user.username);
  }, (err) => { if (view === state.view) failed(main, err, 'Nobody here goes by ' + username + '.'); });
}

function boardTile(board, view) {
  const cover = el('div', { class: 'cover' });
  const tile = el('li', {}, el('a', { class: 'board-tile', href: '/board/' + board.id }, cover,
    el('span', { class: 'board-name', text: board.name }),
    el('span', { class: 'muted', text: count(board.pin_count, 'pin', 'pins') })));
  if (board.pin_count > 0) {
    api('GET', '/api/v1/boards/' + board.id + '/pins?page_size=1').then((page) => {
      if (view !== state.view || !page.items.length) return;
      const pin = page.items[0];
      const image = pinImage(pin, '240px', false);
      image.querySelector('img') && image.querySelector('img').setAttribute('alt', 'Cover of ' + board.name);
      cover.append(image);
    }).catch(() => {});
  }
  return tile;
}

function boardView(main, id) {
  const view = state.view;
  api('GET', '/api/v1/boards/' + id).then((board) => {
    if (view !== state.view) return;
    setTitle(board.name);
    const followers = el('span', { text: count(board.follower_count, 'follower', 'followers') });
    const head = el('header', { class: 'board-head' },
      el('h1', { text: board.name }),
      board.description ? el('p', { class: 'description', text: board.description }) : null,
      el('p', { class: 'counts' }, 'By ', el('a', { href: '/u/' + encodeURIComponent(board.owner.username), text: board.owner.username }),
        ' · ', count(board.pin_count, 'pin', 'pins'), ' · ', followers));
    if (!state.user || state.user.id !== board.owner.id) {
      head.append(followButton(board.name, board.viewer_follows, '/api/v1/boards/' + board.id + '/follow', (now) => {
        board.follower_count += now ? 1 : -1;
        followers.textContent = count(board.follower_count, 'follower', 'followers');
      }));
    }
    main.append(head);
    grid(main, { load: paged('/api/v1/boards/' + board.id + '/pins'), emptyText: 'This board has no pins yet.' },
      'board:' + board.id);
  }, (err) => { if (view === state.view) failed(main, err, 'This board does not exist, or was deleted.'); });
}

function searchView(main) {
  const q = (new URLSearchParams(location.search).get('q') || '').trim();
  searchBox.value = q;
  setTitle(q ? q + ' (search)' : 'Search');
  if (!q) {
    main.append(el('h1', { text: 'Search' }), el('p', { class: 'muted', text: 'Type what you are looking for in the search box.' }));
    liveFollow(null, null);
    return;
  }
  main.append(el('h1', { class: 'feed-name', text: 'Pins for “' + q + '”' }));
  grid(main, { load: paged('/api/v1/search/pins?q=' + encodeURIComponent(q)),
    emptyText: 'No pins match “' + q + '”. Try other words.' }, null);
}

function needsLogIn(main, what) {
  main.append(el('h1', { text: what }), el('p', {}, 'Log in to see this page. ',
    el('button', { type: 'button', onclick: () => openAuth('login'), text: 'Log in' })));
  liveFollow(null, null);
}

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

function table(caption, columns, rows) {
  const t = el('table', {}, el('caption', { text: caption }));
  t.append(el('thead', {}, el('tr', {}, ...columns.map((c) => el('th', { scope: 'col', text: c })))));
  const body = el('tbody');
  for (const row of rows) body.append(el('tr', {}, ...row.map((cell) => el('td', {}, cell))));
  t.append(body);
  return el('div', { class: 'table-wrap' }, t);
}

function shopView(main) {
  setTitle('Shop');
  liveFollow(null, null);
  if (!state.user) {
    needsLogIn(main, 'Your shop');
    return;
  }
  const view = state.view;
  main.append(el('h1', { text: 'Your shop' }));
  const body = el('div', { class: 'shop' });
  main.append(body);
  api('GET', '/api/v1/users/me/merchants').then((page) => {
    if (view !== state.view) return;
    if (!page.items.length) {
      body.append(merchantForm(view));
      return;
    }
    // Several shops: one at a time, chosen in the address (/shop?merchant=<id>), so each has its own link.
    const chosen = new URLSearchParams(location.search).get('merchant');
    const merchant = page.items.find((m) => m.id === chosen) || page.items[0];
    if (page.items.length > 1) {
      body.append(el('nav', { class: 'shop-picker', 'aria-label': 'Your shops' },
        ...page.items.map((m) => el('a', { href: '/shop?merchant=' + encodeURIComponent(m.id), class: 'chip',
          'aria-current': m.id === merchant.id ? 'page' : null, text: m.name }))));
    }
    body.append(merchantPanel(merchant, view));
    const another = el('button', { type: 'button', class: 'secondary', id: 'open-another-shop', text: 'Open another shop' });
    another.addEventListener('click', () => {
      const form = merchantForm(view);
      another.replaceWith(form);
      form.querySelector('input').focus();
    });
    body.append(el('div', { class: 'row' }, another));
  }, (err) => body.append(el('p', { class: 'form-error', text: err.message })));
}

function keyNotice(key) {
  return el('div', { class: 'api-key', role: 'status' },
    el('p', {}, el('strong', { text: 'Your API key. ' }), 'Copy it now: it is shown only once. Your server sends it as ',
      el('code', { text: 'Authorization: Bearer <key>' }), ' when it reports conversions.'),
    el('input', { readonly: true, value: key, 'aria-label': 'API key', class: 'key', onfocus: (e) => e.target.select() }),
    el('button', { type: 'button', class: 'secondary', text: 'Copy',
      onclick: (e) => navigator.clipboard && navigator.clipboard.writeText(key).then(() => { e.target.textContent = 'Copied'; }) }));
}

function merchantForm(view) {
  const form = el('form', { class: 'stacked', novalidate: true });
  const error = el('p', { class: 'form-error', role: 'alert', hidden: true });
  form.append(el('h2', { text: 'Open a shop' }),
    el('p', { class: 'muted', text: 'Pin your products; when people click through and buy, you pay a commission.' }),
    el('label', { for: 'm-name', text: 'Shop name' }), el('input', { id: 'm-name', name: 'name', required: true, maxlength: 100 }),
    el('label', { for: 'm-domain', text: 'Domain (e.g. shop.example.com)' }),
    el('input', { id: 'm-domain', name: 'domain', required: true, maxlength: 253, autocapitalize: 'none' }),
    el('label', { for: 'm-rate', text: 'Commission (%)' }),
    el('input', { id: 'm-rate', name: 'commission_rate', type: 'number', min: 0, max: 100, step: '0.01', value: '8', required: true }),
    el('label', { for: 'm-currency', text: 'Currency (ISO 4217, e.g. CNY)' }),
    el('input', { id: 'm-currency', name: 'currency', maxlength: 3, value: 'CNY', autocapitalize: 'characters' }),
    error, el('div', { class: 'row' }, el('button', { type: 'submit', text: 'Open shop' })));
  let key = null;
  form.addEventListener('input', () => { key = null; showError(error, ''); clearFieldErrors(form); });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const button = form.querySelector('button[type=submit]');
    if (button.disabled) return;
    if (!key) key = newKey();
    button.disabled = true;
    api('POST', '/api/v1/merchants', {
      name: form.name.value.trim(), domain: form.domain.value.trim().toLowerCase(),
      commission_rate_bps: Math.round(Number(form.commission_rate.value) * 100),
      currency: form.currency.value.trim().toUpperCase() || undefined,
    }, { key }).then((merchant) => {
      if (view !== state.view) return;
      const panel = merchantPanel(merchant, view);
      panel.prepend(keyNotice(merchant.api_key));
      form.replaceWith(panel);
    }, (err) => {
      fieldErrors(form, err);
      showError(error, err.message);
    }).finally(() => { button.disabled = false; });
  });
  return form;
}

function merchantPanel(merchant, view) {
  const panel = el('section', { class: 'merchant' });
  const verified = merchant.domain_verified === true;
  panel.append(el('h2', { text: merchant.name }),
    el('p', { class: 'counts' }, merchant.domain, ' · commission ', (merchant.commission_rate_bps / 100) + '%',
      ' · attribution ', merchant.attribution_window_days + ' days'));
  const verification = merchant.verification;
  if (!verified && verification) {
    const status = el('p', { class: 'form-error', role: 'alert', hidden: true });
    panel.append(el('div', { class: 'notice' },
      el('p', {}, 'Prove that ', el('strong', { text: merchant.domain }), ' is yours before clicks are sent to it: serve ',
        el('code', { text: verification.token }), ' at ', el('code', { text: verification.file_url || '' }),
        ' or publish a TXT record ', el('code', { text: verification.dns_txt_record || '' }), '.'),
      el('button', { type: 'button', class: 'secondary', text: 'Check my domain', onclick: (e) => {
        e.target.disabled = true;
        api('POST', '/api/v1/merchants/' + merchant.id + '/verification').then(() => {
          e.target.replaceWith(el('span', { class: 'ok', text: 'Verified' }));
          showError(status, '');
        }, (err) => showError(status, err.message)).finally(() => { e.target.disabled = false; });
      } }), status));
  }
  const keyArea = el('div');
  const replaceKey = el('button', { type: 'button', class: 'secondary', text: 'Replace API key' });
  replaceKey.addEventListener('click', () => {
    if (!confirm('Replace the API key? The current key stops working at once.')) return;
    replaceKey.disabled = true;
    api('POST', '/api/v1/merchants/' + merchant.id + '/api_key').then((m) => {
      keyArea.replaceChildren(keyNotice(m.api_key));
    }, (err) => say(err.message)).finally(() => { replaceKey.disabled = false; });
  });
  panel.append(el('div', { class: 'row' }, replaceKey), keyArea);

  const today = new Date();
  const from = el('input', { type: 'date', id: 'r-from', name: 'from', value: isoDay(new Date(today.getTime() - 29 * 86400000)) });
  const to = el('input', { type: 'date', id: 'r-to', name: 'to', value: isoDay(today) });
  const report = el('div', { class: 'report', 'aria-live': 'off' });
  const range = el('form', { class: 'range' }, el('label', { for: 'r-from', text: 'From' }), from,
    el('label', { for: 'r-to', text: 'To' }), to, el('button', { type: 'submit', text: 'Show' }));
  const load = () => {
    report.replaceChildren(el('p', { class: 'muted', text: 'Loading the report…' }));
    api('GET', '/api/v1/merchants/' + merchant.id + '/report?from=' + from.value + '&to=' + to.value).then((r) => {
      if (view !== state.view) return;
      const cur = r.currency || merchant.currency || 'CNY';
      const m = (v) => money(v, cur);
      report.replaceChildren(
        el('dl', { class: 'totals' },
          el('div', {}, el('dt', { text: 'Clicks' }), el('dd', { id: 'report-clicks', text: String(r.clicks) })),
          el('div', {}, el('dt', { text: 'Counted clicks' }), el('dd', { text: String(r.counted_clicks) })),
          el('div', {}, el('dt', { text: 'Conversions' }), el('dd', { text: String(r.conversions) })),
          el('div', {}, el('dt', { text: 'Revenue' }), el('dd', { text: m(r.revenue_minor) })),
          el('div', {}, el('dt', { text: 'Commission' }), el('dd', { text: m(r.commission_minor) }))),
        table('By day', ['Day', 'Clicks', 'Counted', 'Conversions', 'Revenue', 'Commission'],
          (r.by_day || []).map((d) => [d.date, String(d.clicks), String(d.counted_clicks), String(d.conversions),
            m(d.revenue_minor), m(d.commission_minor)])),
        table('By pin', ['Pin', 'Clicks', 'Counted', 'Conversions', 'Revenue', 'Commission'],
          (r.by_pin || []).map((p) => [el('a', { href: '/pin/' + p.pin_id, text: p.pin_id }), String(p.clicks),
            String(p.counted_clicks), String(p.conversions), m(p.revenue_minor), m(p.commission_minor)])));
    }, (err) => report.replaceChildren(el('p', { class: 'form-error', role: 'alert', text: err.message })));
  };
  range.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  panel.append(el('h2', { text: 'Report' }), range, report);
  load();
  return panel;
}

function earningsView(main) {
  setTitle('Earnings');
  liveFollow(null, null);
  if (!state.user) {
    needsLogIn(main, 'Your earnings');
    return;
  }
  const view = state.view;
  main.append(el('h1', { text: 'Your earnings' }),
    el('p', { class: 'muted', text: 'Your share of the commission when people buy through your product pins.' }));
  const totals = el('div', { class: 'earnings' });
  const entries = el('div');
  const moreButton = el('button', { type: 'button', class: 'secondary', text: 'Show more', hidden: true });
  main.append(totals, entries, moreButton);
  const rows = [];
  let bookmark = null;
  const load = () => api('GET', '/api/v1/users/me/earnings?page_size=25' + (bookmark ? '&bookmark=' + encodeURIComponent(bookmark) : ''))
    .then((page) => {
      if (view !== state.view) return;
      if (!bookmark) {
        totals.replaceChildren();
        const list = page.totals || [];
        if (!list.length) totals.append(el('p', { class: 'muted', text: 'No earnings yet. Pin products from shops to earn a share.' }));
        for (const t of list) {
          totals.append(el('dl', { class: 'totals' },
            el('div', {}, el('dt', { text: 'Net' }), el('dd', { text: money(t.net_minor, t.currency) })),
            el('div', {}, el('dt', { text: 'Pending' }), el('dd', { text: money(t.pending_minor, t.currency) })),
            el('div', {}, el('dt', { text: 'Approved' }), el('dd', { text: money(t.approved_minor, t.currency) })),
            el('div', {}, el('dt', { text: 'Refunded' }), el('dd', { text: money(t.refunded_minor, t.currency) }))));
        }
      }
      for (const e of page.items || []) {
        rows.push([new Date(e.created_at).toLocaleDateString(), el('a', { href: '/pin/' + e.pin_id, text: e.pin_id }),
          e.kind, e.status, money(e.amount_minor, e.currency)]);
      }
      entries.replaceChildren(table('Entries', ['Date', 'Pin', 'Kind', 'Status', 'Amount'], rows));
      bookmark = page.bookmark || null;
      moreButton.hidden = !bookmark;
    }, (err) => entries.replaceChildren(el('p', { class: 'form-error', role: 'alert', text: err.message })));
  moreButton.addEventListener('click', load);
  load();
}

// ---------------------------------------------------------------- start

setLiveState('connecting');
checkSession().catch(() => {
  state.user = null;
  showSignedIn();
  render();
}).finally(() => {
  if (!current.grid && !$('main').childElementCount) render();
  liveConnect();
});
