// Past conversations of the company: a paged list, and the transcript of the
// one picked.

import * as api from './api.js';
import { el, formatDateTime, visitorName } from './text.js';
import { messageItem, chatInfo, NO_PLUGINS } from './chat.js';
import { ClosingForm, answersNode } from './closing-form.js';

const PAGE = 30;

export class HistoryView {
  /**
   * @param {HTMLElement} root the history view section (see index.html)
   * @param {(message: string) => void} notice
   * @param {object} [o]
   * @param {() => Promise<object>} [o.plugins] the company's App Plugins
   * @param {(text: string) => void} [o.announce]
   */
  constructor(root, notice, { plugins = async () => NO_PLUGINS, announce = () => {} } = {}) {
    this.notice = notice;
    this.plugins = plugins;
    this.announce = announce;
    this.list = root.querySelector('#history-list');
    this.empty = root.querySelector('#history-empty');
    this.more = root.querySelector('#history-more');
    this.mine = root.querySelector('#history-mine');
    this.transcript = root.querySelector('#history-transcript');
    this.offset = 0;
    this.stale = true;
    this.loading = null;
    root.querySelector('#history-refresh').addEventListener('click', () => this.reload());
    this.mine.addEventListener('change', () => this.reload());
    this.more.addEventListener('click', () => this.load(false));
  }

  /** Reloads on the next `shown` (a chat ended meanwhile). */
  invalidate(visible) {
    this.stale = true;
    if (visible) this.reload();
  }

  /** The view was opened. */
  shown() {
    if (this.stale) this.reload();
  }

  reload() {
    this.stale = false;
    return this.load(true);
  }

  async load(fresh) {
    // One load at a time; a later fresh load wins over an older one.
    const ticket = {};
    this.loading = ticket;
    const offset = fresh ? 0 : this.offset;
    this.more.disabled = true;
    try {
      const page = await api.history({ limit: PAGE, offset, mine: this.mine.checked });
      if (this.loading !== ticket) return;
      if (fresh) this.list.replaceChildren();
      for (const chat of page) this.list.append(this.item(chat));
      this.offset = offset + page.length;
      this.more.hidden = page.length < PAGE;
      this.empty.hidden = this.list.children.length > 0;
    } catch (e) {
      if (this.loading === ticket) this.notice(`Could not load the history: ${e.message}`);
    } finally {
      if (this.loading === ticket) this.more.disabled = false;
    }
  }

  /**
   * The closing form's answers of an ended chat (labels from the connector's
   * form when it answers, else the field ids), with a button to fill the
   * form in or change the answers when the company has one.
   */
  closingSection(id, answers) {
    const box = el('section', { className: 'closing-answers', 'aria-label': 'Closing form answers' },
      el('h4', {}, 'Closing form'));
    const list = el('div', {});
    const show = (a, fields = []) => {
      const has = a && Object.keys(a).length > 0;
      list.replaceChildren(has ? answersNode(fields, a) : el('p', { className: 'meta' }, 'No answers saved.'));
    };
    show(answers);
    box.append(list);
    this.plugins().then((p) => {
      if (!p.closingForm || !box.isConnected) return;
      // Labels for the stored ids (quietly ids only when the connector fails).
      if (answers) api.closingForm(id, api.LOCALE).then((f) => show(answers, f.fields)).catch(() => {});
      const edit = el('button', { type: 'button', className: 'closing-open' },
        answers ? 'Change the answers' : 'Fill in the closing form');
      edit.addEventListener('click', () => {
        const form = new ClosingForm(id, {
          announce: this.announce,
          onSaved: (saved, fields) => { show(saved, fields); },
        });
        edit.replaceWith(form.root);
        form.load();
      });
      box.append(edit);
    });
    return box;
  }

  item(chat) {
    const ended = chat.endedAt ?? chat.createdAt;
    const button = el('button', { type: 'button', className: 'history-open', 'data-id': chat.id },
      el('strong', {}, visitorName(chat)),
      el('span', { className: 'meta' },
        `${formatDateTime(ended)} · ${chat.operatorName ?? 'no operator'} · ${endedBy(chat.endedBy)}`));
    button.addEventListener('click', () => this.open(chat.id, button));
    return el('li', { 'data-id': chat.id }, button);
  }

  async open(id, button) {
    for (const b of this.list.querySelectorAll('button[aria-current]')) b.removeAttribute('aria-current');
    button.setAttribute('aria-current', 'true');
    this.transcript.replaceChildren(el('p', {}, 'Loading…'));
    try {
      const detail = await api.chat(id);
      const { chat, messages } = detail;
      const heading = el('h3', { tabIndex: -1 }, `Conversation with ${visitorName(chat)}`);
      const answers = detail.closingForm ?? chat.closingForm ?? null;
      this.transcript.replaceChildren(
        heading,
        chatInfo(chat),
        el('p', { className: 'chat-state' }, endedBy(chat.endedBy)),
        this.closingSection(id, answers),
        el('ol', { className: 'messages transcript', 'aria-label': 'Transcript' }, messages.map(messageItem)),
      );
      heading.focus();
    } catch (e) {
      this.transcript.replaceChildren(el('p', { className: 'error' }, `Could not load the transcript: ${e.message}`));
    }
  }
}

function endedBy(by) {
  if (by === 'visitor') return 'ended by the visitor';
  if (by === 'operator') return 'ended by the operator';
  return 'ended';
}
