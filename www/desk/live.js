// The desk socket (`/ws/desk?token=`): server → desk events only. It
// reconnects with exponential backoff and random jitter, so that a restarted
// server is not hit by every desk in the same millisecond; after each
// (re)connect the owner refetches what it may have missed.

import { ROOT } from './api.js';

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;

/** The desk socket URL for `token` (ws: or wss: after the page's scheme). */
function socketUrl(token) {
  const url = new URL('ws/desk', ROOT);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('token', token);
  return url.href;
}

export class Live {
  /**
   * @param {object} o
   * @param {() => string|null} o.token current token (read at every connect)
   * @param {(event: object) => void} o.onEvent one parsed DeskEvent
   * @param {(state: 'connecting'|'open'|'closed') => void} o.onState
   */
  constructor({ token, onEvent, onState }) {
    this.token = token;
    this.onEvent = onEvent;
    this.onState = onState;
    this.socket = null;
    this.timer = null;
    this.attempt = 0;
    this.stopped = true;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  /** Closes the socket for good (logout). */
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = null;
    if (this.socket) {
      const s = this.socket;
      this.socket = null;
      s.onclose = s.onmessage = s.onerror = s.onopen = null;
      s.close();
    }
  }

  connect() {
    const token = this.token();
    if (this.stopped || !token) return;
    this.onState('connecting');
    let socket;
    try {
      socket = new WebSocket(socketUrl(token));
    } catch (e) {
      console.error('[owidget desk] cannot open the desk socket', e);
      this.retry();
      return;
    }
    this.socket = socket;
    let announced = false;
    socket.onmessage = (msg) => {
      // The server's first frame proves the token was accepted; only then
      // is the backoff reset (an upgrade refused with 401 also "opens" no
      // socket but would otherwise reset it on every attempt).
      if (!announced) {
        announced = true;
        this.attempt = 0;
        this.onState('open');
      }
      let event;
      try {
        event = JSON.parse(msg.data);
      } catch {
        console.error('[owidget desk] ignored a frame that is not JSON');
        return;
      }
      try {
        this.onEvent(event);
      } catch (e) {
        console.error('[owidget desk] handling a desk event failed', event?.type, e);
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.onState('closed');
      this.retry();
    };
  }

  retry() {
    if (this.stopped) return;
    const cap = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 16);
    const delay = cap / 2 + Math.random() * (cap / 2);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
