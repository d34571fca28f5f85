// Customer information of the company's connector (App Plugins) beside a
// chat: the fields the connector returns for the visitor, identified by the
// page through `oo1_guest_email` / `oo1_guest_external_id`. TEXT fields are
// text, URL fields safe links (http(s) only, else text), ACTION fields
// buttons that run the action through the server and show the connector's
// success and message, disabled while the call runs.
//
// Everything here came from the connector and is set as text. A failing
// connector is a sentence in this panel, with a retry, never a broken desk.

import * as api from './api.js';
import { el, link } from './text.js';

let nextId = 1;

export class CustomerPanel {
  /**
   * @param {string} chatId
   * @param {object} o
   * @param {(text: string) => void} o.announce
   * @param {boolean} o.actions whether the connector has an action URL
   */
  constructor(chatId, { announce, actions = true }) {
    this.chatId = chatId;
    this.announce = announce;
    this.actions = actions;
    const n = nextId++;
    this.status = el('p', { className: 'meta', role: 'status' });
    this.retry = el('button', { type: 'button', className: 'retry', hidden: true }, 'Try again');
    this.retry.addEventListener('click', () => this.load());
    this.refresh = el('button', { type: 'button', className: 'refresh', 'aria-label': 'Reload the customer information' }, 'Reload');
    this.refresh.addEventListener('click', () => this.load());
    this.body = el('div', { className: 'customer-fields' });
    this.root = el('section', { className: 'customer', 'aria-labelledby': `customer-h-${n}` },
      el('div', { className: 'row' }, el('h3', { id: `customer-h-${n}` }, 'Customer information'), this.refresh),
      this.status,
      this.retry,
      this.body);
    this.ticket = null;
  }

  async load() {
    const ticket = {};
    this.ticket = ticket;
    this.retry.hidden = true;
    this.refresh.disabled = true;
    this.status.className = 'meta';
    this.status.textContent = 'Loading…';
    try {
      const info = await api.customerInformation(this.chatId, api.LOCALE);
      if (this.ticket !== ticket) return;
      this.render(info);
    } catch (e) {
      if (this.ticket !== ticket) return;
      this.body.replaceChildren();
      this.status.className = 'error';
      this.status.textContent = e.message;
      this.retry.hidden = false;
    } finally {
      if (this.ticket === ticket) this.refresh.disabled = false;
    }
  }

  render(info) {
    const fields = Array.isArray(info?.fields) ? info.fields : [];
    if (info?.identified === false) {
      this.status.className = 'meta not-identified';
      this.status.textContent = 'Visitor not identified: the page did not give an e-mail or customer id '
        + '(custom data oo1_guest_email / oo1_guest_external_id).';
      this.body.replaceChildren();
      return;
    }
    this.status.textContent = fields.length ? '' : 'The connector has no information about this visitor.';
    const dl = el('dl', { className: 'details' });
    for (const f of fields) dl.append(...this.field(f));
    this.body.replaceChildren(dl);
  }

  /** `<dt>` + `<dd>` of one field. */
  field(f) {
    const label = String(f.label ?? '');
    const value = String(f.value ?? '');
    let dd;
    switch (f.fieldType) {
      case 'URL':
        dd = el('dd', { 'data-type': 'URL' }, link(value));
        break;
      case 'ACTION':
        dd = el('dd', { 'data-type': 'ACTION' }, ...this.action(label, value));
        return [el('dt', { className: 'sr-only' }, label), dd];
      default:
        dd = el('dd', { 'data-type': 'TEXT' }, value);
    }
    return [el('dt', {}, label), dd];
  }

  /** The button of an ACTION field and the place its answer goes. */
  action(label, code) {
    const button = el('button', { type: 'button', className: 'action', 'data-action': code }, label);
    const result = el('span', { className: 'action-result', role: 'status' });
    if (!this.actions) {
      button.disabled = true;
      button.title = 'The connector has no action URL.';
    }
    button.addEventListener('click', async () => {
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
      result.className = 'action-result meta';
      result.textContent = 'Running…';
      try {
        const r = await api.customerAction(this.chatId, code);
        const ok = r?.success === true;
        const message = typeof r?.message === 'string' && r.message !== '' ? r.message : null;
        result.className = `action-result ${ok ? 'ok' : 'error'}`;
        result.textContent = message ?? (ok ? 'Done.' : 'The action failed.');
        this.announce(`${label}: ${result.textContent}`);
      } catch (e) {
        result.className = 'action-result error';
        result.textContent = e.message;
      } finally {
        button.disabled = false;
        button.removeAttribute('aria-busy');
      }
    });
    return [button, ' ', result];
  }
}
