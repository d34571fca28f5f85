// One active (or just ended) conversation: visitor details, live messages,
// typing and read state both ways, the composer, transfer and end.

import * as api from './api.js';
import {
  el, link, telLink, appendText, formatTime, formatDateTime, timeEl, visitorName,
} from './text.js';
import { attachmentNode } from './cards.js';
import { CustomerPanel } from './customer.js';
import { ClosingForm } from './closing-form.js';
import { CustomAppsPanel } from './custom-apps.js';

/** Reserved custom data keys that fill the visitor's identity. */
const IDENTITY = {
  oo1_guest_ident: 'Name',
  oo1_guest_email: 'E-mail',
  oo1_guest_phone: 'Phone',
  oo1_guest_external_id: 'Customer id',
};

/** No App Plugins (before `/plugins` answered, or when it failed). */
export const NO_PLUGINS = {
  productList: false, customerInformation: false, customerAction: false, closingForm: false, health: 'none',
};

/** Typing notifications: at most one "typing" per interval, "stopped" after idle. */
const TYPING_REPEAT_MS = 3000;
const TYPING_IDLE_MS = 4000;
/** A visitor "typing" that never got its "stopped" fades after this. */
const VISITOR_TYPING_MAX_MS = 15000;

let nextId = 1;

/** Renders one stored message as a list item (shared with the history view). */
export function messageItem(m) {
  const who = m.author === 'visitor' ? (m.name || 'Visitor')
    : m.author === 'operator' ? (m.name || 'Operator') : 'System';
  const body = el('div', { className: 'text' });
  // A shared product, a pushed card or carousel (the text is its fallback).
  const attachment = attachmentNode(m);
  if (attachment) body.append(attachment);
  else if (m.bot?.file) body.append(link(m.bot.file.url, m.bot.file.name));
  else appendText(body, m.text);
  // A bot's quick replies, as the visitor saw them (text, not buttons).
  if (m.bot?.quickReplies?.length) {
    body.append(el('div', { className: 'quick' }, `Quick replies: ${m.bot.quickReplies.join(' · ')}`));
  }
  return el('li', { className: `msg ${m.author}`, 'data-seq': String(m.seq) },
    el('div', { className: 'head' },
      el('span', { className: 'author' }, who),
      ' ',
      timeEl(m.at, formatTime(m.at))),
    body);
}

/** A `<dl>` of label → node/string pairs, skipping empty values. */
export function details(pairs) {
  const dl = el('dl', { className: 'details' });
  for (const [label, value] of pairs) {
    if (value === undefined || value === null || value === '') continue;
    dl.append(el('dt', {}, label), el('dd', {}, value));
  }
  return dl;
}

/** Visitor identity, page, language and all custom data of a chat. */
export function chatInfo(chat) {
  const data = chat.customData ?? {};
  const phone = data.oo1_guest_phone;
  const info = details([
    ['E-mail', data.oo1_guest_email],
    ['Customer id', data.oo1_guest_external_id],
    ['Phone', phone ? telLink(phone) : null],
    ['Page', chat.pageUrl ? link(chat.pageUrl) : null],
    ['Language', chat.language],
    ['Started', formatDateTime(chat.createdAt)],
    ['Operator', chat.operatorName],
  ]);
  const extra = Object.entries(data);
  if (extra.length === 0) return info;
  const table = details(extra.map(([k, v]) => [IDENTITY[k] ? `${k} (${IDENTITY[k]})` : k, v]));
  return el('div', {}, info,
    el('details', { className: 'custom' }, el('summary', {}, `Custom data (${extra.length})`), table));
}

export class ChatView {
  /**
   * @param {object} chat ChatSummary
   * @param {object} o
   * @param {(text: string) => void} o.announce
   * @param {(message: string) => void} o.notice shows an error
   * @param {(id: string) => void} o.onClose the operator closes an ended chat
   * @param {() => void} o.onUnread unread count changed
   * @param {Promise<object>} [o.plugins] the company's App Plugins (`/plugins`)
   * @param {import('./catalog.js').CatalogDialog} [o.catalog] the product dialog
   * @param {Promise<object>} [o.customApps] the company's Custom Apps (`/custom-apps`)
   */
  constructor(chat, { announce, notice, onClose, onUnread, plugins, catalog, customApps }) {
    Object.assign(this, { announce, notice, onClose, onUnread, catalog });
    this.plugins = NO_PLUGINS;
    this.customer = null;
    this.closing = null;
    this.chat = chat;
    this.id = chat.id;
    this.messages = new Map(); // seq → message
    this.readSeq = 0; // visitor has read operator messages up to here
    this.reportedRead = 0; // our read mark sent to the server
    this.unread = 0;
    this.visible = false;
    this.ended = chat.state === 'ended';
    this.typingSentAt = 0;
    this.typingIdle = null;
    this.visitorTypingTimer = null;
    this.build();
    Promise.resolve(plugins ?? NO_PLUGINS).then((p) => this.setPlugins(p ?? NO_PLUGINS));
    Promise.resolve(customApps).then((info) => this.setCustomApps(info));
  }

  /** The company's Custom Apps are known: a button each, and their panel. */
  setCustomApps(info) {
    if (!info || !Array.isArray(info.apps) || info.apps.length === 0 || this.apps) return;
    this.apps = new CustomAppsPanel(this, info);
    this.actionsEl.prepend(...this.apps.buttons);
    this.bodyEl.append(this.apps.root);
  }

  /**
   * Puts `text` into the compose box at the cursor (a Custom App's
   * `insertTextInComposeBox`); the operator still sends it.
   */
  insertText(text) {
    if (this.ended) throw new Error('the conversation has ended');
    const i = this.input;
    if (i.value.length - (i.selectionEnd - i.selectionStart) + text.length > i.maxLength) {
      throw new RangeError(`the compose box holds at most ${i.maxLength} characters`);
    }
    i.setRangeText(text, i.selectionStart, i.selectionEnd, 'end');
    i.dispatchEvent(new Event('input'));
    i.focus();
  }

  build() {
    const n = nextId++;
    this.list = el('ol', { className: 'messages', role: 'log', 'aria-live': 'polite', 'aria-label': 'Messages' });
    this.typingEl = el('p', { className: 'typing', hidden: true }, `${visitorName(this.chat)} is typing…`);
    this.stateEl = el('p', { className: 'chat-state', role: 'status' });
    this.input = el('textarea', { id: `composer-${n}`, rows: 2, maxLength: 2000, className: 'composer-input' });
    this.sendBtn = el('button', { type: 'submit', className: 'primary send' }, 'Send');
    this.composer = el('form', { className: 'composer' },
      el('label', { for: `composer-${n}`, className: 'sr-only' }, `Message to ${visitorName(this.chat)}`),
      this.input, this.sendBtn);
    this.composer.addEventListener('submit', (e) => {
      e.preventDefault();
      this.send();
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.send();
      }
    });
    this.input.addEventListener('input', () => this.typed());

    this.transferInput = el('input', { id: `transfer-${n}`, type: 'text', autocomplete: 'off', spellcheck: false });
    const transferForm = el('form', { className: 'transfer-form' },
      el('label', { for: `transfer-${n}` }, 'Operator username (empty: back to the queue)'),
      this.transferInput,
      el('button', { type: 'submit' }, 'Transfer'));
    transferForm.addEventListener('submit', (e) => {
      e.preventDefault();
      this.transfer(this.transferInput.value.trim());
    });
    this.transferBox = el('details', { className: 'transfer' }, el('summary', {}, 'Transfer'), transferForm);
    this.endBtn = el('button', { type: 'button', className: 'danger end' }, 'End chat');
    this.endBtn.addEventListener('click', () => this.end());
    this.closeBtn = el('button', { type: 'button', className: 'close', hidden: true }, 'Close');
    this.closeBtn.addEventListener('click', () => this.onClose(this.id));
    this.productsBtn = el('button', { type: 'button', className: 'products', hidden: true, 'aria-haspopup': 'dialog' },
      'Products');
    this.productsBtn.addEventListener('click', () => this.catalog?.open(this, this.productsBtn));
    this.formBtn = el('button', { type: 'button', className: 'closing-open', hidden: true }, 'Closing form');
    this.formBtn.addEventListener('click', () => this.showClosingForm(true));

    this.heading = el('h2', { id: `chat-h-${n}` }, visitorName(this.chat));
    this.infoBox = el('div', { className: 'info' }, chatInfo(this.chat));
    this.side = el('aside', { className: 'chat-side', 'aria-label': 'About the visitor' }, this.infoBox);
    this.formSlot = el('div', { className: 'form-slot' });
    this.root = el('section', {
      className: 'view chat', 'data-id': this.id, 'aria-labelledby': `chat-h-${n}`, hidden: true,
    },
    el('header', { className: 'chat-head' },
      this.heading,
      this.actionsEl = el('div', { className: 'actions' },
        this.productsBtn, this.transferBox, this.endBtn, this.formBtn, this.closeBtn)),
    this.bodyEl = el('div', { className: 'chat-body' },
      el('div', { className: 'chat-main' },
        this.stateEl,
        this.formSlot,
        this.list,
        this.typingEl,
        this.composer),
      this.side));
    this.renderState();
  }

  /** The company's App Plugins are known: add their panels. */
  setPlugins(p) {
    this.plugins = p;
    if (p.customerInformation && !this.customer) {
      this.customer = new CustomerPanel(this.id, { announce: this.announce, actions: p.customerAction });
      this.side.append(this.customer.root);
      this.customer.load();
    }
    if (this.ended && p.closingForm) this.showClosingForm(false);
    this.renderState();
  }

  /**
   * Shows the connector's closing form (loaded once; `focus` moves there).
   * Only after the chat has ended, so a failing connector cannot keep it open.
   */
  showClosingForm(focus) {
    if (!this.plugins.closingForm || !this.ended) return;
    if (!this.closing) {
      this.closing = new ClosingForm(this.id, { announce: this.announce });
      this.formSlot.append(this.closing.root);
      this.closing.load();
    }
    if (focus) {
      const h = this.closing.root.querySelector('h3');
      h.tabIndex = -1;
      h.focus();
    }
  }

  /** Title for the tab list. */
  get title() {
    return visitorName(this.chat);
  }

  /** New summary from the server (accept, reconnect). */
  setChat(chat) {
    this.chat = chat;
    this.heading.textContent = visitorName(chat);
    this.typingEl.textContent = `${visitorName(chat)} is typing…`;
    this.infoBox.replaceChildren(chatInfo(chat));
    if (chat.state === 'ended') this.ended = true;
    this.renderState();
    this.showClosingForm(false);
  }

  /**
   * All messages from `GET /chats/{id}`, merged with live ones, and the
   * visitor's stored read mark. Messages loaded while the chat is shown
   * (those written while waiting, say) count as read by the operator.
   */
  setMessages(messages, visitorReadSeq = 0) {
    for (const m of messages) this.add(m, false);
    this.setRead(visitorReadSeq);
    this.markRead();
  }

  /** A live message event. */
  addMessage(m) {
    const isNew = this.add(m, true);
    if (!isNew || m.author !== 'visitor') return;
    this.setTyping(false);
    if (this.visible && document.visibilityState === 'visible') {
      this.markRead();
    } else {
      this.unread += 1;
      this.onUnread();
      this.announce(`New message from ${m.name || visitorName(this.chat)}: ${m.text}`);
    }
  }

  /** Inserts a message in `seq` order; false when it was already shown. */
  add(m, live) {
    if (this.messages.has(m.seq)) return false;
    this.messages.set(m.seq, m);
    const item = messageItem(m);
    if (m.author === 'operator') item.append(el('span', { className: 'receipt' }));
    const after = [...this.list.children].find((li) => Number(li.dataset.seq) > m.seq);
    const stick = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
    this.list.insertBefore(item, after ?? null);
    this.renderReceipts();
    if (stick || !live || m.author === 'operator') this.list.scrollTop = this.list.scrollHeight;
    return true;
  }

  /** The visitor has read our messages up to `seq`. */
  setRead(seq) {
    this.readSeq = Math.max(this.readSeq, seq);
    this.renderReceipts();
  }

  renderReceipts() {
    for (const span of this.list.querySelectorAll('.msg.operator .receipt')) {
      const seq = Number(span.parentElement.dataset.seq);
      span.textContent = seq <= this.readSeq ? 'Read' : 'Sent';
      span.classList.toggle('read', seq <= this.readSeq);
    }
  }

  setTyping(on) {
    clearTimeout(this.visitorTypingTimer);
    this.typingEl.hidden = !on || this.ended;
    if (on) this.visitorTypingTimer = setTimeout(() => this.setTyping(false), VISITOR_TYPING_MAX_MS);
  }

  setPresence(online) {
    this.chat.visitorOnline = online;
    this.renderState();
  }

  /** The chat is over (`chatEnded` event or our End). */
  setEnded(by) {
    if (this.ended && this.chat.endedBy) return;
    this.ended = true;
    this.chat.state = 'ended';
    this.chat.endedBy = by;
    this.setTyping(false);
    this.stopTyping();
    this.renderState();
    if (this.catalog?.chat === this) this.catalog.close();
    this.showClosingForm(false);
    if (by === 'visitor') this.announce(`${visitorName(this.chat)} ended the chat.`);
  }

  renderState() {
    const ended = this.ended;
    this.input.disabled = ended;
    this.sendBtn.disabled = ended;
    this.endBtn.hidden = ended;
    this.transferBox.hidden = ended;
    this.closeBtn.hidden = !ended;
    this.productsBtn.hidden = ended || !this.plugins.productList;
    this.formBtn.hidden = !ended || !this.plugins.closingForm;
    this.root.classList.toggle('ended', ended);
    let text;
    if (ended) {
      text = this.chat.endedBy === 'visitor' ? 'The visitor ended the chat.'
        : this.chat.endedBy === 'operator' ? 'The chat was ended by the operator.' : 'The chat has ended.';
    } else {
      text = this.chat.visitorOnline === false ? 'The visitor is offline (page closed or connection lost).'
        : 'The visitor is connected.';
    }
    this.stateEl.textContent = text;
  }

  show() {
    this.visible = true;
    this.root.hidden = false;
    this.list.scrollTop = this.list.scrollHeight;
    if (this.unread) {
      this.unread = 0;
      this.onUnread();
    }
    this.markRead();
  }

  hide() {
    this.visible = false;
    this.root.hidden = true;
  }

  focus() {
    (this.ended ? this.closeBtn : this.input).focus();
  }

  /** Tells the server (and so the visitor) what we have seen. */
  markRead() {
    if (this.ended || !this.visible || document.visibilityState !== 'visible') return;
    let max = 0;
    for (const m of this.messages.values()) if (m.author === 'visitor') max = Math.max(max, m.seq);
    if (max <= this.reportedRead) return;
    this.reportedRead = max;
    api.read(this.id, max).catch((e) => console.error('[owidget desk] read mark failed', e));
  }

  async send() {
    const text = this.input.value;
    if (this.ended || text.trim() === '') return;
    this.sendBtn.disabled = true;
    this.stopTyping();
    try {
      const m = await api.sendMessage(this.id, text, api.newClientId());
      if (this.input.value === text) this.input.value = '';
      this.add(m, true);
    } catch (e) {
      this.notice(`Message not sent: ${e.message}`);
    } finally {
      this.sendBtn.disabled = this.ended;
      this.input.focus();
    }
  }

  typed() {
    if (this.ended) return;
    const now = Date.now();
    if (this.input.value.trim() !== '' && now - this.typingSentAt > TYPING_REPEAT_MS) {
      this.typingSentAt = now;
      api.typing(this.id, true).catch(() => {});
    }
    clearTimeout(this.typingIdle);
    this.typingIdle = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  stopTyping() {
    clearTimeout(this.typingIdle);
    this.typingIdle = null;
    if (!this.typingSentAt) return;
    this.typingSentAt = 0;
    if (!this.ended) api.typing(this.id, false).catch(() => {});
  }

  async transfer(to) {
    try {
      await api.transfer(this.id, to);
      // The `chatUnassigned` event removes the view; nothing else to do.
      this.announce(to ? `Chat transferred to ${to}.` : 'Chat returned to the queue.');
    } catch (e) {
      this.notice(`Transfer failed: ${e.message}`);
    }
  }

  async end() {
    this.endBtn.disabled = true;
    try {
      await api.end(this.id);
      this.setEnded('operator');
      if (this.closing) this.showClosingForm(true);
      else this.closeBtn.focus();
    } catch (e) {
      this.notice(`Could not end the chat: ${e.message}`);
    } finally {
      this.endBtn.disabled = false;
    }
  }

  /** Stops timers before the view is dropped. */
  dispose() {
    this.apps?.dispose();
    clearTimeout(this.visitorTypingTimer);
    clearTimeout(this.typingIdle);
    this.root.remove();
  }
}
