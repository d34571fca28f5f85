// The live queue: waiting visitors with their waiting time, language, page
// and first message, and an Accept button that is disabled while the
// operator cannot take another chat.

import * as api from './api.js';
import { el, link, formatDuration, visitorName } from './text.js';

/** How often a queue entry without a first message is looked at again. */
const FIRST_MESSAGE_RETRY_MS = 1500;
const FIRST_MESSAGE_TRIES = 5;

export class QueueView {
  /**
   * @param {object} o
   * @param {HTMLElement} o.list `<ul>` of entries
   * @param {HTMLElement} o.count badge with the number waiting
   * @param {HTMLElement} o.empty shown when nobody waits
   * @param {HTMLElement} o.note why Accept is disabled
   * @param {(id: string, button: HTMLButtonElement) => void} o.onAccept
   * @param {(text: string) => void} o.announce
   */
  constructor({ list, count, empty, note, onAccept, announce }) {
    Object.assign(this, { list, count, empty, note, onAccept, announce });
    this.queue = [];
    this.known = new Set();
    this.first = new Map(); // id → { text, tries, next, pending }
    this.primed = false;
    this.blocked = 'Set yourself online to accept chats.';
  }

  /** Replaces the queue with the server's (a `queue` desk event). */
  update(queue) {
    const fresh = queue.filter((c) => !this.known.has(c.id));
    this.queue = queue;
    this.known = new Set(queue.map((c) => c.id));
    for (const id of this.first.keys()) if (!this.known.has(id)) this.first.delete(id);
    // The queue found at login is not news; later arrivals are.
    const primed = this.primed;
    this.primed = true;
    if (!primed) fresh.length = 0;
    if (fresh.length === 1) this.announce(`${visitorName(fresh[0])} is waiting in the queue.`);
    else if (fresh.length > 1) this.announce(`${fresh.length} new visitors are waiting in the queue.`);
    this.render();
    this.loadFirstMessages();
  }

  /**
   * A chat joined the queue (a `queueJoined` desk event): inserted at its
   * `queuePosition` (1 after a transfer back, else the end), then the list
   * is renumbered.
   */
  join(chat) {
    const rest = this.queue.filter((c) => c.id !== chat.id);
    const wanted = (chat.queuePosition ?? rest.length + 1) - 1;
    rest.splice(Math.min(Math.max(wanted, 0), rest.length), 0, chat);
    this.update(renumber(rest));
  }

  /** A chat left the queue (a `queueLeft` desk event). */
  leave(id) {
    if (!this.known.has(id)) return;
    this.update(renumber(this.queue.filter((c) => c.id !== id)));
  }

  /** `reason` is null when the operator can accept, else why not. */
  setBlocked(reason) {
    if (reason === this.blocked) return;
    this.blocked = reason;
    this.note.textContent = reason ?? '';
    this.note.hidden = !reason;
    for (const b of this.list.querySelectorAll('button.accept')) b.disabled = Boolean(reason);
  }

  render() {
    const focusedId = document.activeElement?.closest?.('#queue-list li')?.dataset.id;
    this.list.replaceChildren(...this.queue.map((c) => this.item(c)));
    this.count.textContent = String(this.queue.length);
    this.empty.hidden = this.queue.length > 0;
    if (focusedId) this.list.querySelector(`li[data-id="${CSS.escape(focusedId)}"] button`)?.focus();
    this.tick();
  }

  item(chat) {
    const accept = el('button', {
      type: 'button',
      className: 'accept primary',
      disabled: Boolean(this.blocked),
      'aria-label': `Accept chat with ${visitorName(chat)}`,
    }, 'Accept');
    accept.addEventListener('click', () => this.onAccept(chat.id, accept));
    const first = el('p', { className: 'first' });
    this.fillFirst(first, chat.id);
    return el('li', { className: 'queue-item', 'data-id': chat.id },
      el('div', { className: 'row' },
        el('strong', {}, `${chat.queuePosition ?? '?'}. ${visitorName(chat)}`),
        el('span', { className: 'wait', 'data-since': String(chat.createdAt) })),
      el('div', { className: 'meta' },
        el('span', { className: 'lang', title: 'Language' }, chat.language || '?'),
        ' · ',
        el('span', { className: 'page' }, link(chat.pageUrl, shortUrl(chat.pageUrl)))),
      first,
      accept);
  }

  fillFirst(p, id) {
    const entry = this.first.get(id);
    p.classList.toggle('none', !entry?.text);
    p.textContent = entry?.text ?? (entry && entry.tries >= FIRST_MESSAGE_TRIES ? 'No message yet.' : '…');
  }

  /** Updates the waiting times (called every second). */
  tick() {
    const now = Date.now();
    for (const span of this.list.querySelectorAll('.wait')) {
      span.textContent = `waiting ${formatDuration(now - Number(span.dataset.since))}`;
    }
    this.loadFirstMessages();
  }

  /**
   * The first message is not part of the queue entry, and the server stores
   * it just after announcing the queue, so it is fetched per chat and
   * re-fetched a few times while still missing.
   */
  loadFirstMessages() {
    const now = Date.now();
    for (const chat of this.queue) {
      let entry = this.first.get(chat.id);
      if (!entry) {
        entry = { text: null, tries: 0, next: 0, pending: false };
        this.first.set(chat.id, entry);
      }
      if (entry.text || entry.pending || entry.tries >= FIRST_MESSAGE_TRIES || now < entry.next) continue;
      entry.pending = true;
      entry.tries += 1;
      api.chat(chat.id).then((detail) => {
        const m = detail.messages.find((x) => x.author === 'visitor');
        if (m) entry.text = m.text;
      }).catch(() => {
        // Accepted or ended meanwhile; the next queue event removes it.
      }).finally(() => {
        entry.pending = false;
        entry.next = Date.now() + FIRST_MESSAGE_RETRY_MS;
        const p = this.list.querySelector(`li[data-id="${CSS.escape(chat.id)}"] .first`);
        if (p) this.fillFirst(p, chat.id);
      });
    }
  }
}

/** Queue places after a change: 1, 2, 3, … in list order. */
function renumber(queue) {
  return queue.map((c, i) => ({ ...c, queuePosition: i + 1 }));
}

/** Host and path of a URL for a compact list (the full URL stays the link). */
export function shortUrl(raw) {
  try {
    const u = new URL(raw);
    return u.host + (u.pathname === '/' ? '' : u.pathname);
  } catch {
    return String(raw ?? '');
  }
}
