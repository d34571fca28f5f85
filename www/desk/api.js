// HTTP client of the operator API (`/api/operator/*`). The bearer token lives
// in sessionStorage: a reload keeps the session, closing the tab ends it, and
// it never goes into a cookie (the API is CORS-open without credentials).

const TOKEN_KEY = 'owidget.desk.token';

/** The server root, derived from where this module is served (`<root>/desk/api.js`). */
export const ROOT = new URL('../', import.meta.url);

const API = new URL('api/operator', ROOT).href;

/**
 * A failed call: `status` is the HTTP status (0 when the server was
 * unreachable); `field` the id of the form field a 400 points at, if any.
 */
export class ApiError extends Error {
  constructor(status, message, field = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.field = field;
  }
}

let token = sessionStorage.getItem(TOKEN_KEY);
let onExpired = () => {};

/** The current token, or null when logged out. */
export function currentToken() {
  return token;
}

/** Called once when the server rejects the token (expired or revoked). */
export function setExpiredHandler(fn) {
  onExpired = fn;
}

function storeToken(value) {
  token = value;
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Forgets the token locally (no server call). */
export function forget() {
  storeToken(null);
}

async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(API + path, init);
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check your connection and try again.');
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const message = typeof data?.message === 'string' && data.message
      ? data.message
      : `The request failed (HTTP ${res.status}).`;
    if (res.status === 401 && token && path !== '/login') {
      storeToken(null);
      onExpired(message);
    }
    const field = typeof data?.field === 'string' ? data.field : null;
    throw new ApiError(res.status, message, field);
  }
  return data;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== false) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

const chatPath = (id) => `/chats/${encodeURIComponent(id)}`;

/** Logs in and keeps the token; returns the operator. */
export async function login(company, username, password) {
  const res = await call('POST', '/login', { company, username, password });
  storeToken(res.token);
  return res.operator;
}

/** Ends the session on the server (best effort) and forgets the token. */
export async function logout() {
  try {
    if (token) await call('POST', '/logout');
  } finally {
    storeToken(null);
  }
}

export const me = () => call('GET', '/me');
export const setAvailability = (availability) => call('PUT', '/availability', { availability });
export const queue = () => call('GET', '/queue');
export const myChats = () => call('GET', '/chats');
/** Messages per page of `chat()` (the server's default). */
export const MESSAGE_PAGE = 500;
export const chat = (id, { afterSeq = 0 } = {}) =>
  call('GET', `${chatPath(id)}?afterSeq=${afterSeq}&limit=${MESSAGE_PAGE}`);
export const accept = (id) => call('POST', `${chatPath(id)}/accept`);
export const sendMessage = (id, text, clientId) =>
  call('POST', `${chatPath(id)}/messages`, { text, clientId });
export const typing = (id, on) => call('POST', `${chatPath(id)}/typing`, { typing: on });
export const read = (id, seq) => call('POST', `${chatPath(id)}/read`, { seq });
export const transfer = (id, to) => call('POST', `${chatPath(id)}/transfer`, { to: to || null });
export const end = (id) => call('POST', `${chatPath(id)}/end`);
export const botChats = () => call('GET', '/bot-chats');
export const takeOver = (id) => call('POST', `${chatPath(id)}/take-over`);
export const history = ({ limit = 50, offset = 0, mine = false } = {}) =>
  call('GET', `/history${query({ limit, offset, mine })}`);
export const offlineMessages = ({ limit = 50, offset = 0 } = {}) =>
  call('GET', `/offline-messages${query({ limit, offset })}`);
export const callbacks = ({ status = 'open', limit = 50, offset = 0 } = {}) =>
  call('GET', `/callbacks${query({ status, limit, offset })}`);
export const offlineDone = (id) => call('POST', `/offline-messages/${encodeURIComponent(id)}/done`);
export const callbackDone = (id) => call('POST', `/callbacks/${encodeURIComponent(id)}/done`);

// ---- App Plugins (the company's connector, through the server) ----------------

/** `{productList, customerInformation, customerAction, closingForm, health}`. */
export const plugins = () => call('GET', '/plugins');
/** A page of categories under `idParent` (root when absent): `{items, limit, offset}`. */
export const categories = ({ idParent, limit, offset } = {}) =>
  call('GET', `/plugins/product-list/categories${query({ idParent, limit, offset })}`);
/** A page of products (of a category and/or matching a search): `{items, limit, offset}`. */
export const products = ({ idCategory, searchQuery, limit, offset } = {}) =>
  call('GET', `/plugins/product-list/products${query({ idCategory, searchQuery, limit, offset })}`);
/** Shares `product` (as listed) in the chat: the stored message, with its `card`. */
export const shareProduct = (id, product) =>
  call('POST', `${chatPath(id)}/share-product`, { product });
/** `{fields, identified}` for the chat's visitor. */
export const customerInformation = (id, locale) =>
  call('GET', `${chatPath(id)}/customer-information${query({ locale })}`);
/** Runs an ACTION field (`action` = its value): `{success, message}`. */
export const customerAction = (id, action) =>
  call('POST', `${chatPath(id)}/customer-information/action`, { action });
/** `{fields, answers}` of the chat's closing form. */
export const closingForm = (id, locale) =>
  call('GET', `${chatPath(id)}/closing-form${query({ locale })}`);
/** Stores the closing form's answers (`{fieldId: string}`): `{answers}`. */
export const saveClosingForm = (id, answers) =>
  call('PUT', `${chatPath(id)}/closing-form`, { answers });
/** My company's Custom Apps: `{projectId, apps: [{id, name, icon, url, origin, useAuthentication}]}`. */
export const customApps = () => call('GET', '/custom-apps');
/** A fresh token for an app and its iframe URL: `{jwt, expiresAt, src}`. */
export const customAppToken = (app) => call('GET', `/custom-apps/${encodeURIComponent(app)}/token`);
/** Pushes an app's content card into the chat: the stored message. */
export const pushCard = (id, app, card) =>
  call('POST', `${chatPath(id)}/custom-apps/${encodeURIComponent(app)}/card`, card);
/** Pushes an app's card bundle (carousel) into the chat: the stored message. */
export const pushCardBundle = (id, app, bundle) =>
  call('POST', `${chatPath(id)}/custom-apps/${encodeURIComponent(app)}/card-bundle`, bundle);
/** The newest connector calls: `{calls: [...]}`. */
export const connectorLog = ({ limit = 100 } = {}) => call('GET', `/connector-log${query({ limit })}`);

/** The desk's language, sent to connectors as `operatorLocale`. */
export const LOCALE = document.documentElement.lang || 'en';

/** A random idempotency key for a message (works outside secure contexts too). */
export function newClientId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The demo login `{ company, username, password }` (`GET /api/demo`), or null
 * when the server runs its own configuration. */
export async function demoLogin() {
  try {
    const res = await fetch(new URL('api/demo', ROOT).href, { headers: { Accept: 'application/json' } });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}
