// The desk page: login, the operator bar, view switching, and the wiring of
// desk socket events to the queue, chat, history and contact views.

import * as api from './api.js';
import { Live } from './live.js';
import { QueueView } from './queue.js';
import { ChatView, NO_PLUGINS } from './chat.js';
import { HistoryView } from './history.js';
import { OfflineView, CallbackView } from './contacts.js';
import { CatalogDialog } from './catalog.js';
import { ConnectorLogView } from './connector-log.js';
import { el } from './text.js';
import { BotChatsView } from './bots.js';

const $ = (id) => document.getElementById(id);
const FLASH_KEY = 'owidget.desk.flash';
const REMEMBER_COMPANY = 'owidget.desk.company';
const REMEMBER_USER = 'owidget.desk.username';
const NOTICE_MS = 10_000;

// ---- small page-wide helpers ------------------------------------------------

let announceTimer = null;
/** Says `text` to screen readers (polite), even when it repeats. */
function announce(text) {
  const box = $('announcer');
  box.textContent = '';
  clearTimeout(announceTimer);
  announceTimer = setTimeout(() => { box.textContent = text; }, 60);
}

let noticeTimer = null;
/** Shows an error to everyone (role=alert) for a while. */
function notice(text) {
  $('notice-text').textContent = text;
  $('notice').hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { $('notice').hidden = true; }, NOTICE_MS);
}
$('notice-close').addEventListener('click', () => { $('notice').hidden = true; });

/** Back to the login form with a message, dropping all desk state. */
function expired(message) {
  live?.stop();
  sessionStorage.setItem(FLASH_KEY, `You were logged out: ${message}`);
  location.reload();
}
api.setExpiredHandler(expired);

// ---- login --------------------------------------------------------------------

function showLogin() {
  $('desk').hidden = true;
  $('login').hidden = false;
  const flash = sessionStorage.getItem(FLASH_KEY);
  sessionStorage.removeItem(FLASH_KEY);
  $('login-flash').textContent = flash ?? '';
  $('login-flash').hidden = !flash;
  $('login-company').value = localStorage.getItem(REMEMBER_COMPANY) ?? '';
  $('login-username').value = localStorage.getItem(REMEMBER_USER) ?? '';
  focusLogin();
  prefillDemo();
}

function focusLogin() {
  ($('login-company').value ? ($('login-username').value ? $('login-password') : $('login-username'))
    : $('login-company')).focus();
}

/** In demo mode, fills in the demo company (and says so) unless the form holds a login already. */
async function prefillDemo() {
  const demo = await api.demoLogin();
  if (!demo || typeof demo.company !== 'string') return;
  $('login-demo').textContent = `Demo mode: the demo company is filled in. Log in as ${demo.username} `
    + `with the password ${demo.password}.`;
  $('login-demo').hidden = false;
  if (!$('login-company').value) {
    $('login-company').value = demo.company;
    if (!$('login-username').value) $('login-username').value = demo.username;
    if (!$('login').hidden) focusLogin();
  }
}

function loginError(text) {
  $('login-error').textContent = text;
  $('login-error').hidden = !text;
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const company = $('login-company').value.trim();
  const username = $('login-username').value.trim();
  const password = $('login-password').value;
  const missing = [[company, 'company ID'], [username, 'username'], [password, 'password']]
    .filter(([v]) => !v).map(([, name]) => name);
  if (missing.length) {
    loginError(`Fill in the ${missing.join(', ')}.`);
    return;
  }
  loginError('');
  $('login-submit').disabled = true;
  try {
    const operator = await api.login(company, username, password);
    localStorage.setItem(REMEMBER_COMPANY, company);
    localStorage.setItem(REMEMBER_USER, username);
    $('login-password').value = '';
    enterDesk(operator);
  } catch (err) {
    loginError(err.message);
    $('login-password').select();
  } finally {
    $('login-submit').disabled = false;
  }
});

// ---- the desk -----------------------------------------------------------------

let live = null;
let operator = null;
/** The view on screen: `home`, `history`, `offline`, `callbacks` or `chat:<id>`. */
let current = 'home';
const chats = new Map(); // id → ChatView
const tabs = new Map(); // id → tab button

const botChats = new BotChatsView({
  list: $('bots-list'),
  count: $('bots-count'),
  empty: $('bots-empty'),
  notice: (t) => notice(t),
});

const queue = new QueueView({
  list: $('queue-list'),
  count: $('queue-count'),
  empty: $('queue-empty'),
  note: $('queue-note'),
  onAccept: accept,
  announce,
});
// ---- App Plugins ------------------------------------------------------------------

let pluginsAnswer = null;
/**
 * The company's App Plugins (`GET /plugins`), asked once (again with
 * `fresh`). Rejects when the server cannot say; `pluginsOrNone` then means
 * "no plugin panels", never a broken chat.
 */
function plugins(fresh = false) {
  if (!pluginsAnswer || fresh) {
    pluginsAnswer = api.plugins();
    pluginsAnswer.then(renderHealth, () => { pluginsAnswer = null; });
  }
  return pluginsAnswer;
}
const pluginsOrNone = () => plugins().catch(() => NO_PLUGINS);

let customAppsAnswer = null;
/** The company's Custom Apps (`GET /custom-apps`), asked once per login; none when it fails. */
function customAppsOrNone() {
  if (!customAppsAnswer) {
    customAppsAnswer = api.customApps().catch(() => {
      customAppsAnswer = null;
      return { projectId: null, apps: [] };
    });
  }
  return customAppsAnswer;
}

function renderHealth(p) {
  const badge = $('connector-badge');
  badge.textContent = p.health === 'down' ? 'down' : '';
  badge.classList.toggle('error', p.health === 'down');
}

const catalog = new CatalogDialog({ announce });
const connectorView = new ConnectorLogView($('view-connector'), { plugins });

const historyView = new HistoryView($('view-history'), notice, { plugins: pluginsOrNone, announce });
const offline = new OfflineView($('view-offline'), { notice, announce, badge: $('offline-badge') });
const callbacks = new CallbackView($('view-callbacks'), { notice, announce, badge: $('callback-badge') });

function enterDesk(op) {
  $('login').hidden = true;
  $('desk').hidden = false;
  renderOperator(op);
  select('home');
  plugins().catch(() => {});
  customAppsAnswer = null;
  live = new Live({ token: api.currentToken, onEvent, onState });
  live.start();
  offline.load();
  callbacks.load();
  setInterval(() => queue.tick(), 1000);
  botChats.start();
  $('availability').focus();
}

function renderOperator(op) {
  operator = op;
  $('me').textContent = `${op.name} · ${op.companyName}`;
  const select = $('availability');
  // While a change is in flight the select shows the wanted value.
  if (!select.disabled) select.value = op.availability;
  select.dataset.value = op.availability;
  $('load').textContent = `${op.activeChats} / ${op.capacity} chats`;
  $('load').dataset.active = String(op.activeChats);
  let reason = null;
  if (op.availability !== 'online') reason = 'Set yourself online to accept chats.';
  else if (op.activeChats >= op.capacity) reason = `You are at your capacity (${op.capacity} chats).`;
  queue.setBlocked(reason);
}

$('availability').addEventListener('change', async () => {
  const select = $('availability');
  const wanted = select.value;
  select.disabled = true;
  try {
    renderOperator(await api.setAvailability(wanted));
    announce(`You are ${wanted}.`);
  } catch (e) {
    select.value = operator.availability;
    notice(`Could not change the availability: ${e.message}`);
  } finally {
    select.disabled = false;
  }
});

$('logout').addEventListener('click', async () => {
  live?.stop();
  botChats.stop();
  try {
    await api.logout();
  } catch {
    // The token is forgotten either way; the server expires it on its own.
  }
  location.reload();
});

function onState(state) {
  const conn = $('conn');
  conn.dataset.state = state;
  conn.textContent = state === 'open' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Reconnecting…';
  if (state === 'open') resync();
  // A refused socket gives no status; ask the API whether the login is still good.
  if (state === 'closed') api.me().then(renderOperator).catch(() => {});
}

let connections = 0;

/** After (re)connecting: refetch whatever events may have been missed. */
async function resync() {
  connections += 1;
  try {
    const mine = await api.myChats();
    const ids = new Set(mine.map((c) => c.id));
    for (const chat of mine) openChat(chat, true);
    for (const [id, view] of chats) {
      if (!ids.has(id) && !view.ended) {
        // Ended or transferred while the socket was down.
        api.chat(id).then(({ chat }) => {
          if (chat.state === 'ended') {
            view.setEnded(chat.endedBy);
            updateTab(id);
          } else {
            dropChat(id);
          }
        }).catch(() => dropChat(id));
      }
    }
  } catch (e) {
    notice(`Could not load your chats: ${e.message}`);
  }
  // The first connection follows the loads of `enterDesk`.
  if (connections > 1) {
    offline.load();
    callbacks.load();
    historyView.invalidate(current === 'history');
  }
}

function onEvent(ev) {
  const view = ev.sessionId ? chats.get(ev.sessionId) : undefined;
  switch (ev.type) {
    case 'operator': renderOperator(ev.operator); break;
    case 'queue': queue.update(ev.queue); break;
    case 'queueJoined': queue.join(ev.chat); break;
    case 'queueLeft': queue.leave(ev.sessionId); break;
    case 'chatAssigned':
      openChat(ev.chat);
      announce(`Chat with ${chats.get(ev.chat.id).title} started.`);
      break;
    case 'chatUnassigned': dropChat(ev.sessionId); break;
    case 'message': view?.addMessage(ev.message); if (view) updateTab(view.id); break;
    case 'typing': view?.setTyping(ev.typing); break;
    case 'read': view?.setRead(ev.seq); break;
    case 'presence': view?.setPresence(ev.online); break;
    case 'chatEnded':
      view?.setEnded(ev.by);
      if (view) updateTab(view.id);
      historyView.invalidate(current === 'history');
      break;
    case 'offlineMessage': offline.add(ev.message); break;
    case 'callbackRequest': callbacks.add(ev.request); break;
    default: console.warn('[owidget desk] unknown desk event', ev.type);
  }
}

// ---- chats ------------------------------------------------------------------------

/**
 * Shows a chat of this operator (new or known). Messages are loaded for a
 * new view, and again with `reload` (after a reconnect, when live messages
 * may have been missed).
 */
function openChat(chat, reload = false) {
  let view = chats.get(chat.id);
  const known = Boolean(view);
  if (view) {
    view.setChat(chat);
  } else {
    view = new ChatView(chat, {
      announce,
      notice,
      onClose: (id) => { dropChat(id); },
      onUnread: () => updateTab(chat.id),
      plugins: pluginsOrNone(),
      catalog,
      customApps: customAppsOrNone(),
    });
    chats.set(chat.id, view);
    $('main').append(view.root);
    const tab = el('button', { type: 'button', className: 'tab', 'data-view': `chat:${chat.id}` });
    tab.addEventListener('click', () => select(`chat:${chat.id}`, true));
    tabs.set(chat.id, tab);
    $('chat-tabs').append(el('li', {}, tab));
    if (!current.startsWith('chat:')) select(`chat:${chat.id}`);
  }
  updateTab(chat.id);
  if (!known || reload) {
    catchUp(view).catch((e) => notice(`Could not load the messages: ${e.message}`));
  }
  return view;
}

/** Loads the messages after the last `seq` the view has, a page at a time. */
async function catchUp(view) {
  for (;;) {
    let after = 0;
    for (const seq of view.messages.keys()) after = Math.max(after, seq);
    const d = await api.chat(view.id, { afterSeq: after });
    view.setMessages(d.messages, d.visitorReadSeq);
    if (d.messages.length < api.MESSAGE_PAGE) return;
  }
}

function updateTab(id) {
  const view = chats.get(id);
  const tab = tabs.get(id);
  if (!view || !tab) return;
  const parts = [view.title];
  if (view.ended) parts.push(el('span', { className: 'tag' }, 'ended'));
  if (view.unread) parts.push(el('span', { className: 'badge', 'aria-label': `${view.unread} unread` }, String(view.unread)));
  tab.replaceChildren(...parts.flatMap((p, i) => (i ? [' ', p] : [p])));
  $('chats-empty').hidden = chats.size > 0;
  const unread = [...chats.values()].reduce((n, v) => n + v.unread, 0);
  document.title = `${unread ? `(${unread}) ` : ''}owidget operator desk`;
}

function dropChat(id) {
  const view = chats.get(id);
  if (!view) return;
  view.dispose();
  chats.delete(id);
  tabs.get(id)?.closest('li').remove();
  tabs.delete(id);
  $('chats-empty').hidden = chats.size > 0;
  if (current === `chat:${id}`) {
    const next = chats.keys().next();
    select(next.done ? 'home' : `chat:${next.value}`, true);
  }
}

async function accept(id, button) {
  button.disabled = true;
  try {
    const chat = await api.accept(id);
    openChat(chat);
    select(`chat:${id}`, true);
  } catch (e) {
    notice(`Could not accept the chat: ${e.message}`);
    button.disabled = false;
  }
}

// ---- views --------------------------------------------------------------------------

/** Puts one view on screen; `focus` moves the keyboard focus into it. */
function select(key, focus = false) {
  current = key;
  for (const section of document.querySelectorAll('#main > .view:not(.chat)')) {
    section.hidden = section.id !== `view-${key}`;
  }
  for (const [id, view] of chats) {
    if (key === `chat:${id}`) view.show();
    else view.hide();
  }
  for (const tab of document.querySelectorAll('.tab')) {
    if (tab.dataset.view === key) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  if (key === 'history') historyView.shown();
  if (key === 'offline') offline.shown();
  if (key === 'connector') connectorView.shown();
  const chat = key.startsWith('chat:') ? chats.get(key.slice(5)) : null;
  if (!focus) return;
  if (chat) {
    chat.focus();
    return;
  }
  const heading = document.querySelector(`#view-${key} h2`);
  if (heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
}

for (const tab of document.querySelectorAll('.tab[data-view]')) {
  tab.addEventListener('click', () => select(tab.dataset.view, true));
}

document.addEventListener('visibilitychange', () => {
  if (current.startsWith('chat:')) chats.get(current.slice(5))?.markRead();
});

// ---- start ----------------------------------------------------------------------------

async function boot() {
  if (!api.currentToken()) {
    showLogin();
    return;
  }
  try {
    enterDesk(await api.me());
  } catch (e) {
    if (e.status !== 401) {
      // Server down: keep the token, the login form says why.
      sessionStorage.setItem(FLASH_KEY, e.message);
    }
    showLogin();
  }
}

boot();
