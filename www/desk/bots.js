// Conversations held by bots (External Bot): listed read-only for the
// operators of their groups, with the transcript on demand and a Take over
// button (the chat then opens as one of mine, like an accepted one).

import * as api from './api.js';
import { el, visitorName } from './text.js';
import { messageItem } from './chat.js';

/** How often the list is refreshed while the desk is open. */
const REFRESH_MS = 3000;

export class BotChatsView {
  /**
   * @param {object} o
   * @param {HTMLElement} o.list `<ul>` of bot conversations
   * @param {HTMLElement} o.count badge
   * @param {HTMLElement} o.empty shown when no bot holds a chat
   * @param {(text: string) => void} o.notice error line
   */
  constructor({ list, count, empty, notice }) {
    Object.assign(this, { list, count, empty, notice });
    this.open = new Set();
    this.timer = null;
  }

  start() {
    this.stop();
    this.refresh();
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async refresh() {
    let chats;
    try {
      chats = await api.botChats();
    } catch {
      return; // the connection state shows elsewhere
    }
    this.count.textContent = String(chats.length);
    this.empty.hidden = chats.length > 0;
    const items = [];
    for (const c of chats) items.push(await this.item(c));
    this.list.replaceChildren(...items);
  }

  async item(chat) {
    const li = el('li', { className: 'item bot-chat', 'data-id': chat.id });
    const view = el('button', { type: 'button', className: 'link' },
      this.open.has(chat.id) ? 'Hide' : 'View');
    const take = el('button', { type: 'button' }, 'Take over');
    view.addEventListener('click', () => {
      if (this.open.has(chat.id)) this.open.delete(chat.id);
      else this.open.add(chat.id);
      this.refresh();
    });
    take.addEventListener('click', async () => {
      take.disabled = true;
      try {
        await api.takeOver(chat.id);
        this.open.delete(chat.id);
        this.refresh();
      } catch (e) {
        take.disabled = false;
        this.notice(`Could not take the chat over: ${e.message}`);
      }
    });
    li.append(
      el('div', {}, el('strong', {}, visitorName(chat)), ` · with ${chat.operatorName ?? 'a bot'}`),
      el('div', { className: 'actions' }, view, ' ', take),
    );
    if (this.open.has(chat.id)) {
      try {
        const detail = await api.chat(chat.id);
        li.append(el('ol', { className: 'messages readonly', 'aria-label': 'Bot conversation (read-only)' },
          detail.messages.map(messageItem)));
      } catch (e) {
        li.append(el('p', { className: 'error' }, e.message));
      }
    }
    return li;
  }
}
