// Custom Apps (App Plugins, reference §5): a toolbar button per app of the
// company's connector opens it in a side panel of the conversation, one
// iframe per conversation and app (switching chats keeps each app's
// state: the frames stay in their chat's section, hidden).
//
// The bridge to the app's `idzCpa` library (served at /desk/idzcpa.js) is
// postMessage, checked on both sides:
// - a request is only read when `event.source` is one of our app frames and
//   `event.origin` is exactly that app's configured origin; anything else is
//   ignored without an answer;
// - answers go to that frame's window with that origin as targetOrigin
//   (never '*'); the page's `onmessage` is never touched (addEventListener);
// - only the documented commands are run, with their arguments checked;
//   cards go through the server, which applies the text-only and
//   http(s)-only rules of every connector payload.
//
// Wire format (ours; the library hides it):
//   app → desk  {idzCpa: 'request', id: <integer>, command: <name>, args: [...]}
//   desk → app  {idzCpa: 'response', id, result} | {idzCpa: 'response', id, error: {message}}

import * as api from './api.js';
import { el } from './text.js';

/** Longest text an app may insert (the composer's own limit). */
const MAX_INSERT = 2000;

/** Open frames: their window → `{ app, panel }`. */
const frames = new Map();
let listening = false;

function listen() {
  if (listening) return;
  listening = true;
  window.addEventListener('message', (event) => {
    const frame = frames.get(event.source);
    if (!frame || event.origin !== frame.app.origin) return;
    const d = event.data;
    if (!d || typeof d !== 'object' || d.idzCpa !== 'request' || !Number.isSafeInteger(d.id)
      || typeof d.command !== 'string' || !(d.args === undefined || Array.isArray(d.args))) return;
    const reply = (body) => event.source.postMessage({ idzCpa: 'response', id: d.id, ...body }, frame.app.origin);
    const run = Object.hasOwn(COMMANDS, d.command) ? COMMANDS[d.command] : null;
    if (!run) {
      reply({ error: { message: `unknown command ${String(d.command).slice(0, 64)}` } });
      return;
    }
    Promise.resolve()
      .then(() => run(frame, d.args ?? []))
      .then((result) => reply({ result: result ?? null }), (e) => reply({ error: { message: String(e?.message ?? e) } }));
  });
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** JSON copy of plain data (no functions, no prototypes, no cycles). */
function plain(v, what) {
  if (!isObject(v)) throw new TypeError(`${what} must be an object`);
  return JSON.parse(JSON.stringify(v));
}

/**
 * The conversation's id as connectors get it (the bot's `idConversation`,
 * webhooks' `conversationId`): the 32-hex session id as a UUID.
 */
export function conversationUuid(id) {
  const m = /^([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/.exec(String(id));
  return m ? m.slice(1).join('-') : String(id);
}

const COMMANDS = {
  init(frame) {
    const { view, projectId } = frame.panel;
    return {
      context: {
        conversationId: conversationUuid(view.id),
        projectId: projectId ?? null,
        channel: 'CHAT',
        language: view.chat.language || 'en',
      },
    };
  },
  insertTextInComposeBox(frame, [value]) {
    if (typeof value !== 'string' || value === '') throw new TypeError('insertTextInComposeBox: value must be a non-empty string');
    if (value.length > MAX_INSERT) throw new RangeError(`insertTextInComposeBox: at most ${MAX_INSERT} characters`);
    frame.panel.view.insertText(value);
  },
  async pushCardInConversationThread(frame, [card]) {
    const { view } = frame.panel;
    await api.pushCard(view.id, frame.app.id, plain(card, 'card'));
    view.announce(`${frame.name} pushed a card into the conversation.`);
  },
  async pushCardBundleInConversationThread(frame, [bundle]) {
    const { view } = frame.panel;
    await api.pushCardBundle(view.id, frame.app.id, plain(bundle, 'bundle'));
    view.announce(`${frame.name} pushed cards into the conversation.`);
  },
  async getJWT(frame) {
    return (await api.customAppToken(frame.app.id)).jwt;
  },
  pushApplePayPaymentRequestInConversationThread() {
    throw new Error('Apple Pay payment requests are only available on the Apple Messages for Business channel');
  },
};

/** The app's name in the desk's language, else its default name. */
export function appName(app, locale = navigator.language || 'en') {
  const lang = String(locale).toLowerCase();
  return app.name?.[lang] ?? app.name?.[lang.split('-')[0]] ?? app.name?.default ?? app.id;
}

/**
 * The Custom Apps of one chat view: buttons for its header, a side panel
 * with one iframe per app, created when first opened.
 */
export class CustomAppsPanel {
  /**
   * @param {import('./chat.js').ChatView} view
   * @param {{projectId: string|null, apps: object[]}} info `GET /custom-apps`
   */
  constructor(view, info) {
    this.view = view;
    this.projectId = info.projectId;
    this.apps = info.apps;
    this.open = null; // id of the app shown
    this.frames = new Map(); // app id → iframe
    this.buttons = this.apps.map((app) => {
      const b = el('button', {
        type: 'button', className: 'custom-app', 'data-app': app.id, 'data-icon': app.icon,
        'aria-expanded': 'false', 'aria-controls': '',
      }, appName(app));
      b.addEventListener('click', () => this.toggle(app));
      return b;
    });
    this.title = el('h3', { className: 'custom-app-title' });
    this.closeBtn = el('button', { type: 'button', className: 'custom-app-close', 'aria-label': 'Close the app panel' }, '×');
    this.closeBtn.addEventListener('click', () => this.show(null));
    this.root = el('aside', { className: 'custom-app-panel', hidden: true, 'aria-label': 'Custom app' },
      el('div', { className: 'custom-app-head' }, this.title, this.closeBtn));
    this.root.id = `cpa-${view.id}`;
    for (const b of this.buttons) b.setAttribute('aria-controls', this.root.id);
    if (this.apps.length) listen();
  }

  toggle(app) {
    this.show(this.open === app.id ? null : app);
  }

  /** Shows `app`'s frame (creating it the first time), or closes the panel. */
  async show(app) {
    this.open = app?.id ?? null;
    for (const b of this.buttons) b.setAttribute('aria-expanded', String(b.dataset.app === this.open));
    for (const [id, f] of this.frames) f.hidden = id !== this.open;
    this.root.hidden = !app;
    if (!app) return;
    this.title.textContent = appName(app);
    if (this.frames.has(app.id)) return;
    const iframe = el('iframe', {
      className: 'custom-app-frame', title: appName(app),
      referrerPolicy: 'no-referrer',
    });
    iframe.setAttribute('data-app', app.id);
    iframe.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox');
    this.frames.set(app.id, iframe);
    this.root.append(iframe);
    try {
      const { src } = await api.customAppToken(app.id);
      frames.set(iframe.contentWindow, { app, panel: this, name: appName(app) });
      iframe.src = src;
    } catch (e) {
      iframe.remove();
      this.frames.delete(app.id);
      this.root.append(el('p', { className: 'error' }, `Could not open ${appName(app)}: ${e.message}`));
    }
  }

  /** The chat view goes away: forget its frames. */
  dispose() {
    for (const iframe of this.frames.values()) frames.delete(iframe.contentWindow);
    this.frames.clear();
  }
}
