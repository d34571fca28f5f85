// Visitors who could not chat: offline messages and callback requests, both
// loaded once and then kept live by desk events.

import * as api from './api.js';
import { el, link, mailLink, telLink, appendText, formatDateTime, timeEl } from './text.js';
import { shortUrl } from './queue.js';

const PAGE = 50;

/** Language and page of a contact, as text or a safe link. */
function origin(item) {
  return el('span', { className: 'meta' },
    item.language || '?', ' · ',
    item.pageUrl ? link(item.pageUrl, shortUrl(item.pageUrl)) : 'unknown page');
}

export class OfflineView {
  constructor(root, { notice, badge, announce }) {
    Object.assign(this, { notice, badge, announce });
    this.list = root.querySelector('#offline-list');
    this.empty = root.querySelector('#offline-empty');
    this.ids = new Set();
    this.unseen = 0;
  }

  async load() {
    try {
      const items = await api.offlineMessages({ limit: PAGE });
      this.ids = new Set();
      this.list.replaceChildren();
      for (const m of items) this.append(m, false);
      this.render();
    } catch (e) {
      this.notice(`Could not load offline messages: ${e.message}`);
    }
  }

  /** An `offlineMessage` desk event. */
  add(m) {
    if (this.ids.has(m.id)) return;
    this.append(m, true);
    this.unseen += 1;
    this.render();
    this.announce(`New offline message from ${m.email}.`);
  }

  append(m, atTop) {
    this.ids.add(m.id);
    const text = el('p', { className: 'text' });
    appendText(text, m.text);
    const li = el('li', { className: 'contact offline', 'data-id': String(m.id) },
      el('div', { className: 'row' },
        el('strong', { className: 'email' }, mailLink(m.email)),
        timeEl(m.createdAt, formatDateTime(m.createdAt))),
      origin(m),
      text);
    // Answered (by e-mail): done, and off the list of open ones.
    const done = el('button', { type: 'button', className: 'done', 'aria-label': `Mark the message from ${m.email} done` }, 'Done');
    done.addEventListener('click', () => this.done(m.id, done));
    li.append(done);
    if (atTop) this.list.prepend(li);
    else this.list.append(li);
  }

  async done(id, button) {
    button.disabled = true;
    try {
      await api.offlineDone(id);
      this.ids.delete(id);
      this.list.querySelector(`li[data-id="${CSS.escape(String(id))}"]`)?.remove();
      this.render();
      this.list.querySelector('button.done')?.focus();
    } catch (e) {
      button.disabled = false;
      this.notice(`Could not mark it done: ${e.message}`);
    }
  }

  /** The view was opened: nothing is unseen any more. */
  shown() {
    this.unseen = 0;
    this.render();
  }

  render() {
    this.empty.hidden = this.ids.size > 0;
    this.badge.textContent = this.unseen ? String(this.unseen) : '';
    this.badge.hidden = !this.unseen;
  }
}

export class CallbackView {
  constructor(root, { notice, badge, announce }) {
    Object.assign(this, { notice, badge, announce });
    this.list = root.querySelector('#callback-list');
    this.empty = root.querySelector('#callback-empty');
    this.showDone = root.querySelector('#callback-all');
    this.showDone.addEventListener('change', () => this.load());
    this.items = new Map(); // id → request
  }

  async load() {
    try {
      const items = await api.callbacks({ status: this.showDone.checked ? 'all' : 'open', limit: PAGE });
      this.items = new Map(items.map((r) => [r.id, r]));
      this.list.replaceChildren(...items.map((r) => this.item(r)));
      this.render();
    } catch (e) {
      this.notice(`Could not load callback requests: ${e.message}`);
    }
  }

  /** A `callbackRequest` desk event. */
  add(r) {
    if (this.items.has(r.id)) return;
    this.items.set(r.id, r);
    this.list.prepend(this.item(r));
    this.render();
    this.announce(`New callback request from ${r.name}.`);
  }

  item(r) {
    const li = el('li', { className: `contact callback ${r.status}`, 'data-id': String(r.id) },
      el('div', { className: 'row' },
        el('strong', { className: 'name' }, r.name),
        timeEl(r.createdAt, formatDateTime(r.createdAt))),
      el('p', { className: 'phone' }, telLink(r.phone)),
      origin(r));
    if (r.status === 'done') {
      li.append(el('p', { className: 'done-note' },
        `Done${r.doneBy ? ` by ${r.doneBy}` : ''}${r.doneAt ? `, ${formatDateTime(r.doneAt)}` : ''}`));
    } else {
      const done = el('button', { type: 'button', className: 'done', 'aria-label': `Mark the callback to ${r.name} done` }, 'Done');
      done.addEventListener('click', () => this.done(r.id, done));
      li.append(done);
    }
    return li;
  }

  async done(id, button) {
    button.disabled = true;
    try {
      const r = await api.callbackDone(id);
      const li = this.list.querySelector(`li[data-id="${CSS.escape(String(id))}"]`);
      if (this.showDone.checked) {
        this.items.set(id, r);
        li?.replaceWith(this.item(r));
      } else {
        this.items.delete(id);
        li?.remove();
      }
      this.render();
      this.list.querySelector('button.done')?.focus();
    } catch (e) {
      button.disabled = false;
      this.notice(`Could not mark it done: ${e.message}`);
    }
  }

  render() {
    const open = [...this.items.values()].filter((r) => r.status === 'open').length;
    this.empty.hidden = this.items.size > 0;
    this.badge.textContent = open ? String(open) : '';
    this.badge.hidden = !open;
  }
}
