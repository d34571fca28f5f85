// The company's connector as the server sees it: which App Plugins it
// declares, its health (the health-check URL the server polls) and the log
// of the newest calls (time, plugin, endpoint, status, latency, error), so
// that a connector author can see why a call failed. Errors and URLs are
// shown as text.

import * as api from './api.js';
import { el, timeEl } from './text.js';

const HEALTH = {
  up: 'up (the health check answers)',
  down: 'down (the health check fails)',
  unknown: 'not checked yet',
  none: 'no health-check URL declared',
};

const PLUGINS = [
  ['productList', 'product list'],
  ['customerInformation', 'customer information'],
  ['customerAction', 'customer action'],
  ['closingForm', 'closing form'],
];

/** Date and time to the second: calls come in bursts. */
function stamp(ms) {
  return new Date(ms).toLocaleString([], {
    month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
}

export class ConnectorLogView {
  /**
   * @param {HTMLElement} root the connector view section (see index.html)
   * @param {object} o
   * @param {() => Promise<object>} o.plugins the `/plugins` answer (cached)
   */
  constructor(root, { plugins }) {
    this.plugins = plugins;
    this.summary = root.querySelector('#connector-summary');
    this.health = root.querySelector('#connector-health');
    this.status = root.querySelector('#connector-status');
    this.body = root.querySelector('#connector-calls tbody');
    root.querySelector('#connector-refresh').addEventListener('click', () => this.load(true));
    this.ticket = null;
  }

  shown() {
    this.load(true);
  }

  async load(fresh) {
    const ticket = {};
    this.ticket = ticket;
    this.status.className = 'meta';
    this.status.textContent = 'Loading…';
    try {
      const [plugins, log] = await Promise.all([this.plugins(fresh), api.connectorLog({ limit: 100 })]);
      if (this.ticket !== ticket) return;
      this.renderPlugins(plugins);
      const calls = Array.isArray(log?.calls) ? log.calls : [];
      this.body.replaceChildren(...calls.map((c) => this.row(c)));
      this.status.textContent = calls.length ? `The newest ${calls.length} calls, newest first.`
        : 'No connector calls yet.';
    } catch (e) {
      if (this.ticket !== ticket) return;
      this.status.className = 'error';
      this.status.textContent = `Could not load the connector log: ${e.message}`;
    }
  }

  renderPlugins(p) {
    const on = PLUGINS.filter(([key]) => p?.[key]).map(([, name]) => name);
    this.summary.textContent = on.length ? `Declared plugins: ${on.join(', ')}.`
      : 'Your company has no connector (or it declares no plugin).';
    const health = typeof p?.health === 'string' ? p.health : 'none';
    this.health.textContent = `Health: ${HEALTH[health] ?? health}`;
    this.health.dataset.health = health;
  }

  row(c) {
    const ok = c.ok === true;
    const status = c.status === null || c.status === undefined ? '—' : String(c.status);
    return el('tr', { className: ok ? 'ok' : 'failed' },
      el('td', {}, Number.isFinite(c.at) ? timeEl(c.at, stamp(c.at)) : ''),
      el('td', {}, String(c.plugin ?? '')),
      el('td', { className: 'endpoint' }, `${c.method ?? ''} ${c.url ?? ''}`.trim()),
      el('td', {}, status),
      el('td', { className: 'num' }, Number.isFinite(c.latencyMs) ? `${c.latencyMs} ms` : ''),
      el('td', { className: 'err' }, ok ? '' : String(c.error ?? 'failed')));
  }
}
