// The desk socket (`/ws/desk?token=`): server → desk events, plus a
// heartbeat both ways (as Phoenix channels do): the desk sends
// `{"type":"heartbeat"}` every `intervalMs` (told by the server) and the
// server answers each. A heartbeat still unanswered when the next is due
// means the connection is dead even if the browser has not noticed: the
// desk says "reconnecting" and reconnects. It reconnects with exponential
// backoff and random jitter, so that a restarted server is not hit by every
// desk in the same millisecond; after each (re)connect the owner catches up
// on what it may have missed.

import { ROOT } from './api.js';

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 30_000;
/** Until the server says otherwise (its `heartbeat` event). */
const DEFAULT_HEARTBEAT_MS = 15_000;

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
    this.beatTimer = null;
    this.interval = DEFAULT_HEARTBEAT_MS;
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
    this.drop();
  }

  /** Forgets the current socket without waiting for its close. */
  drop() {
    clearInterval(this.beatTimer);
    this.beatTimer = null;
    if (this.socket) {
      const s = this.socket;
      this.socket = null;
      s.onclose = s.onmessage = s.onerror = s.onopen = null;
      try {
        s.close();
      } catch {
        // Already closing.
      }
    }
  }

  /** Sends heartbeats on `socket`; an unanswered one means it is dead. */
  beat(socket) {
    clearInterval(this.beatTimer);
    let pending = false;
    this.heard = () => { pending = false; };
    this.beatTimer = setInterval(() => {
      if (this.socket !== socket) return;
      if (pending) {
        console.warn('[owidget desk] no heartbeat answer; reconnecting');
        this.drop();
        this.onState('closed');
        this.retry();
        return;
      }
      pending = true;
      try {
        socket.send('{"type":"heartbeat"}');
      } catch {
        // Closing; onclose follows.
      }
    }, this.interval);
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
      this.heard?.();
      if (!announced) {
        announced = true;
        this.attempt = 0;
        this.beat(socket);
        this.onState('open');
      }
      let event;
      try {
        event = JSON.parse(msg.data);
      } catch {
        console.error('[owidget desk] ignored a frame that is not JSON');
        return;
      }
      if (event?.type === 'heartbeat') {
        const ms = Number(event.intervalMs);
        if (ms >= 100 && ms !== this.interval) {
          this.interval = ms;
          this.beat(socket);
        }
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
      clearInterval(this.beatTimer);
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
