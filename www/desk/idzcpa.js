// idzCpa: the client library of Custom Apps (conversation panel apps), with
// the same global and API as iAdvize's (reference §5.3, library 2.9.0), for
// apps framed by the owidget desk. An app includes it from the desk it runs
// in:
//
//   <script src="https://<your owidget server>/desk/idzcpa.js"></script>
//   window.idzCpa.init().then((client) => { client.context; … });
//
// The desk's origin is where this script came from: requests go only to
// the parent window with that origin as targetOrigin (never '*'), and only
// answers whose event.origin is that origin and whose source is the parent
// window are read. The page's own `onmessage` is left alone.
(function () {
  'use strict';
  if (window.idzCpa) return;

  var script = document.currentScript;
  var deskOrigin = null;
  try {
    deskOrigin = script && script.src ? new URL(script.src, location.href).origin : null;
  } catch (e) {
    deskOrigin = null;
  }
  var inDesk = window.parent !== window && !!deskOrigin && deskOrigin !== 'null';
  var TIMEOUT_MS = 30000;
  var pending = new Map();
  var nextId = 1;
  var listening = false;

  /** An error of a command, as iAdvize's library rejects with. */
  function ActionError(message, details) {
    var e = new Error(message);
    e.name = 'ActionError';
    if (details !== undefined) e.details = details;
    return e;
  }

  function listen() {
    if (listening) return;
    listening = true;
    window.addEventListener('message', function (event) {
      if (event.origin !== deskOrigin || event.source !== window.parent) return;
      var d = event.data;
      if (!d || typeof d !== 'object' || d.idzCpa !== 'response' || typeof d.id !== 'number') return;
      var p = pending.get(d.id);
      if (!p) return;
      pending.delete(d.id);
      clearTimeout(p.timer);
      if (d.error) p.reject(ActionError(String(d.error.message || 'the desk refused the command')));
      else p.resolve(d.result);
    });
  }

  function call(command, args) {
    if (!inDesk) {
      return Promise.reject(ActionError('idzCpa: not inside the owidget desk (load /desk/idzcpa.js from the desk that frames this app)'));
    }
    listen();
    var id = nextId++;
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        pending.delete(id);
        reject(ActionError('idzCpa: the desk did not answer ' + command));
      }, TIMEOUT_MS);
      pending.set(id, { resolve: resolve, reject: reject, timer: timer });
      window.parent.postMessage({ idzCpa: 'request', id: id, command: command, args: args }, deskOrigin);
    });
  }

  function isObject(v) {
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  }

  function checkCard(card, what) {
    if (!isObject(card)) return what + ' must be an object';
    if (!Array.isArray(card.actions) || card.actions.length === 0) return what + '.actions: at least one LINK action';
    return null;
  }

  function reject(message) {
    return Promise.reject(new TypeError('idzCpa: ' + message));
  }

  function client(context) {
    return Object.freeze({
      context: Object.freeze(context),
      insertTextInComposeBox: function (value) {
        if (typeof value !== 'string' || value === '') return reject('insertTextInComposeBox(value): value must be a non-empty string');
        return call('insertTextInComposeBox', [value]);
      },
      pushCardInConversationThread: function (card) {
        var bad = checkCard(card, 'card');
        if (bad) return reject('pushCardInConversationThread: ' + bad);
        return call('pushCardInConversationThread', [JSON.parse(JSON.stringify(card))]);
      },
      pushCardBundleInConversationThread: function (bundle) {
        if (!isObject(bundle) || !Array.isArray(bundle.cards) || bundle.cards.length === 0) {
          return reject('pushCardBundleInConversationThread: {title?, cards: Card[]} with at least one card');
        }
        for (var i = 0; i < bundle.cards.length; i++) {
          var bad = checkCard(bundle.cards[i], 'cards[' + i + ']');
          if (bad) return reject('pushCardBundleInConversationThread: ' + bad);
        }
        return call('pushCardBundleInConversationThread', [JSON.parse(JSON.stringify(bundle))]);
      },
      pushApplePayPaymentRequestInConversationThread: function () {
        return Promise.reject(ActionError('Apple Pay payment requests are only available on the Apple Messages for Business channel'));
      },
      getJWT: function () {
        return call('getJWT', []).then(function (jwt) {
          if (typeof jwt !== 'string') throw ActionError('idzCpa: no token');
          return jwt;
        });
      },
    });
  }

  var ready = null;

  window.idzCpa = Object.freeze({
    /**
     * Connects to the desk: a Promise of the client. `options.onIntent` and
     * `options.onTrigger` are accepted (intents are not sent by this desk).
     */
    init: function (options) {
      if (options !== undefined && !isObject(options)) return reject('init(options): options must be an object');
      if (!ready) {
        ready = call('init', []).then(function (r) {
          if (!r || !isObject(r.context)) throw ActionError('idzCpa: the desk sent no context');
          return client(r.context);
        });
        ready.catch(function () { ready = null; });
      }
      return ready;
    },
  });
})();
