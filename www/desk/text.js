// Safe rendering of untrusted text. Everything that came from a visitor, an
// operator or a connector goes through here: text nodes only, never
// innerHTML, and only http(s) URLs become links.

/** Candidate URLs inside free text; each candidate is re-checked by `safeUrl`. */
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`]+/gi;

/** Punctuation that usually ends the sentence rather than the URL. */
const TRAILING = /[.,;:!?'"]+$/;

/**
 * The URL if `raw` is an absolute http(s) URL, else null. `new URL` does the
 * parsing so that tricks like `javascript:` or `https:\\evil` are judged the
 * way the browser itself would judge them.
 */
export function safeUrl(raw) {
  if (typeof raw !== 'string' || raw === '') return null;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/**
 * A link opening in a new tab without giving it `window.opener`, or a plain
 * text node when `raw` is not an http(s) URL.
 */
export function link(raw, label = raw) {
  const url = safeUrl(raw);
  if (!url) return document.createTextNode(String(label ?? ''));
  const a = document.createElement('a');
  a.href = url.href;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  a.textContent = String(label);
  return a;
}

/** Drops a closing bracket the URL did not open: `(see http://x.cz/a)`. */
function trimUrl(candidate) {
  let url = candidate.replace(TRAILING, '');
  while (/[)\]}]$/.test(url)) {
    const close = url.at(-1);
    const open = { ')': '(', ']': '[', '}': '{' }[close];
    if (url.split(open).length >= url.split(close).length) break;
    url = url.slice(0, -1).replace(TRAILING, '');
  }
  return url;
}

/** Appends `text` to `parent` as text nodes, with http(s) URLs as safe links. */
export function appendText(parent, text) {
  const s = String(text ?? '');
  let last = 0;
  for (const match of s.matchAll(URL_IN_TEXT)) {
    const url = trimUrl(match[0]);
    if (!safeUrl(url)) continue;
    if (match.index > last) parent.append(document.createTextNode(s.slice(last, match.index)));
    parent.append(link(url));
    last = match.index + url.length;
  }
  if (last < s.length) parent.append(document.createTextNode(s.slice(last)));
}

/**
 * Builds an element. `props` are DOM properties (`className`, `type`, …),
 * except keys starting with `data-` or `aria-` and `role`, which are set as
 * attributes. Children are nodes or strings (strings become text nodes).
 * There is deliberately no way to pass HTML.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key.startsWith('data-') || key.startsWith('aria-') || key === 'role' || key === 'for') {
      node.setAttribute(key, String(value));
    } else {
      node[key] = value;
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/**
 * A `mailto:` link for an e-mail address the server validated (else
 * plain text); the address is the link's text, as typed.
 */
export function mailLink(email) {
  const address = String(email ?? '');
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address)) return document.createTextNode(address);
  const a = document.createElement('a');
  a.href = 'mailto:' + encodeURIComponent(address);
  a.textContent = address;
  return a;
}

/**
 * A `tel:` link for a phone number. The href holds only digits, `+` and an
 * `;ext=` of digits, so whatever the stored number contains cannot smuggle
 * anything into it.
 */
export function telLink(phone) {
  const text = String(phone ?? '');
  // An extension (`+420 777 666 555 ext. 12`, GB's `+44 7400 123456 x3`)
  // becomes RFC 3966's `;ext=12` instead of more digits of the number.
  const ext = /^([^A-Za-z#;]*)[A-Za-z#;]\D*(\d+)\s*$/.exec(text);
  const digits = (ext ? ext[1] : text).replace(/[^\d+]/g, '');
  if (!/\d/.test(digits)) return document.createTextNode(text);
  const a = document.createElement('a');
  a.href = 'tel:' + digits + (ext ? ';ext=' + ext[2] : '');
  a.textContent = text;
  return a;
}

/** `14:05` for a Unix-ms timestamp (local time). */
export function formatTime(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** Date and time for lists that span days. */
export function formatDateTime(ms) {
  return new Date(ms).toLocaleString([], {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
  });
}

/** A duration as `m:ss` (or `h:mm:ss`). */
export function formatDuration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** A `<time>` element showing `label`, machine-readable as ISO. */
export function timeEl(ms, label) {
  return el('time', { dateTime: new Date(ms).toISOString() }, label);
}

/** The visitor's display name from the reserved custom data key. */
export function visitorName(chat) {
  const name = chat?.customData?.oo1_guest_ident;
  return typeof name === 'string' && name.trim() !== '' ? name.trim() : 'Visitor';
}
