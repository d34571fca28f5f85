// The conversation closing form of the company's connector (App Plugins),
// filled by the operator when a chat ends (or later, from the ended chat or
// the history): TEXT, CHECKBOX, SELECT, TEXTAREA, INTEGER and DECIMAL
// fields; required fields enforced; a field with `idParent` shown, and
// required, only while its parent is active (checkbox checked, an option
// chosen, text not empty); at most 1024 characters a field, with a counter
// that says so before the limit is reached; numbers checked. The server
// checks all of it again and its errors are shown on the field they name.
//
// The form is loaded after the chat has ended: a failing connector is a
// sentence in this panel with a retry, and never keeps a chat open.
// Labels and options came from the connector and are set as text.

import * as api from './api.js';
import { el } from './text.js';

/** What the platform stores per field (reference §3.3). */
export const MAX_CHARS = 1024;
/** From here on the counter warns. */
const WARN_AT = 900;

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+([.,]\d+)?$/;

let nextForm = 1;

/** Whether `field` with `value` makes its children appear. */
export function isActive(field, value) {
  if (field.fieldType === 'CHECKBOX') return value === 'true';
  return typeof value === 'string' && value.trim() !== '';
}

/** Length in characters (code points), as the server counts. */
export function chars(s) {
  return [...(s ?? '')].length;
}

/**
 * Whether `field` is shown: no parent, or a parent that is itself shown and
 * active. A parent the form does not have can never be active (as on the
 * server); cycles count as hidden.
 */
export function isShown(field, byId, values, seen = new Set()) {
  const parentId = field.idParent;
  if (parentId === null || parentId === undefined || parentId === '') return true;
  const parent = byId.get(String(parentId));
  if (!parent) return false;
  if (seen.has(field.id)) return false;
  seen.add(field.id);
  return isShown(parent, byId, values, seen) && isActive(parent, values.get(String(parent.id)) ?? '');
}

/** The error of one shown field, or null. */
export function fieldError(field, value) {
  const v = field.fieldType === 'CHECKBOX' ? value : (value ?? '').trim();
  if (field.isRequired && !isActive(field, v)) {
    return field.fieldType === 'CHECKBOX' ? 'Required: tick this box.' : 'Required.';
  }
  if (chars(value) > MAX_CHARS) {
    return `At most ${MAX_CHARS} characters (now ${chars(value)}).`;
  }
  if (field.fieldType === 'CHECKBOX' || v === '') return null;
  if (field.fieldType === 'INTEGER' && !INTEGER.test(v)) return 'A whole number, e.g. 42 or -3.';
  if (field.fieldType === 'DECIMAL' && !DECIMAL.test(v)) return 'A number, e.g. 4.5 or 4,5.';
  if (field.fieldType === 'SELECT' && !(field.options ?? []).some((o) => String(o.value) === v)) {
    return 'Choose one of the options.';
  }
  return null;
}

/** A read-only list of stored answers, with the form's labels when known. */
export function answersNode(fields, answers) {
  const byId = new Map((fields ?? []).map((f) => [String(f.id), f]));
  const dl = el('dl', { className: 'details answers' });
  for (const [id, value] of Object.entries(answers ?? {})) {
    const f = byId.get(id);
    let shown = String(value);
    if (f?.fieldType === 'CHECKBOX') shown = value === 'true' ? 'Yes' : 'No';
    if (f?.fieldType === 'SELECT') {
      const o = (f.options ?? []).find((opt) => String(opt.value) === String(value));
      if (o) shown = String(o.label ?? value);
    }
    dl.append(el('dt', { className: 'label' }, f ? String(f.label ?? id) : id), el('dd', {}, shown));
  }
  return dl;
}

export class ClosingForm {
  /**
   * @param {string} chatId
   * @param {object} o
   * @param {(text: string) => void} o.announce
   * @param {(answers: object) => void} [o.onSaved]
   */
  constructor(chatId, { announce, onSaved = () => {} }) {
    this.chatId = chatId;
    this.announce = announce;
    this.onSaved = onSaved;
    this.n = nextForm++;
    this.fields = [];
    this.inputs = new Map(); // id → {field, input, wrap, error, counter}
    this.status = el('p', { className: 'meta', role: 'status' });
    this.retry = el('button', { type: 'button', className: 'retry', hidden: true }, 'Try again');
    this.retry.addEventListener('click', () => this.load());
    this.form = el('form', { className: 'closing', noValidate: true, hidden: true });
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.save();
    });
    this.form.addEventListener('input', () => this.refresh());
    this.form.addEventListener('change', () => this.refresh());
    this.live = el('p', { className: 'sr-only', 'aria-live': 'polite' });
    this.root = el('section', { className: 'closing-form', 'aria-labelledby': `closing-h-${this.n}` },
      el('h3', { id: `closing-h-${this.n}` }, 'Closing form'),
      this.status, this.retry, this.form, this.live);
  }

  async load() {
    this.retry.hidden = true;
    this.form.hidden = true;
    this.setStatus('Loading the closing form…');
    try {
      const { fields, answers } = await api.closingForm(this.chatId, api.LOCALE);
      this.build(Array.isArray(fields) ? fields : [], answers ?? {});
      this.setStatus(answers ? 'Saved answers are filled in; you can change them.' : '');
    } catch (e) {
      this.setStatus(e.message, true);
      this.retry.hidden = false;
    }
  }

  setStatus(text, isError = false) {
    this.status.textContent = text;
    this.status.className = isError ? 'error' : 'meta';
  }

  build(fields, answers) {
    this.fields = fields;
    this.byId = new Map(fields.map((f) => [String(f.id), f]));
    this.inputs.clear();
    const rows = fields.map((f, i) => this.row(f, i, answers[String(f.id)]));
    this.formError = el('p', { className: 'error', role: 'alert', hidden: true });
    this.saveBtn = el('button', { type: 'submit', className: 'primary' }, 'Save answers');
    this.form.replaceChildren(...rows, this.formError, this.saveBtn);
    this.form.hidden = fields.length === 0;
    if (fields.length === 0) this.setStatus('The connector asks nothing at the end of a chat.');
    this.refresh();
  }

  row(f, i, answer) {
    const id = `cf-${this.n}-${i}`;
    const type = f.fieldType;
    const label = el('label', { for: id, className: 'label' }, String(f.label ?? ''));
    if (f.isRequired) label.append(' ', el('span', { className: 'req' }, '(required)'));
    let input;
    if (type === 'TEXTAREA') {
      input = el('textarea', { id, rows: 3 });
    } else if (type === 'SELECT') {
      input = el('select', { id },
        el('option', { value: '' }, '— choose —'),
        (f.options ?? []).map((o) => el('option', { value: String(o.value) }, String(o.label ?? o.value))));
    } else if (type === 'CHECKBOX') {
      input = el('input', { id, type: 'checkbox' });
    } else {
      input = el('input', {
        id,
        type: 'text',
        inputMode: type === 'INTEGER' ? 'numeric' : type === 'DECIMAL' ? 'decimal' : 'text',
        autocomplete: 'off',
      });
    }
    input.dataset.field = String(f.id);
    if (type === 'CHECKBOX') input.checked = answer === 'true';
    else if (typeof answer === 'string') input.value = answer;
    const error = el('p', { className: 'error field-error', id: `${id}-err`, hidden: true });
    // Free text gets a counter of the 1024 characters (numbers are checked
    // on saving; a counter under them would only be noise).
    const counter = type === 'TEXT' || type === 'TEXTAREA'
      ? el('span', { className: 'counter meta', id: `${id}-count` }) : null;
    input.setAttribute('aria-describedby', [counter?.id, error.id].filter(Boolean).join(' '));
    const wrap = type === 'CHECKBOX'
      ? el('div', { className: `cf-field checkbox`, 'data-id': String(f.id), 'data-type': type }, input, label, error)
      : el('div', { className: 'cf-field', 'data-id': String(f.id), 'data-type': type }, label, input, counter, error);
    this.inputs.set(String(f.id), { field: f, input, wrap, error, counter, warned: 0 });
    return wrap;
  }

  value(entry) {
    return entry.field.fieldType === 'CHECKBOX' ? String(entry.input.checked) : entry.input.value;
  }

  values() {
    const values = new Map();
    for (const [id, entry] of this.inputs) values.set(id, this.value(entry));
    return values;
  }

  /** Shows and hides dependent fields; updates the counters. */
  refresh() {
    const values = this.values();
    for (const entry of this.inputs.values()) {
      const shown = isShown(entry.field, this.byId, values);
      entry.wrap.hidden = !shown;
      if (entry.counter) this.count(entry);
    }
  }

  count(entry) {
    const len = chars(entry.input.value);
    const left = MAX_CHARS - len;
    entry.counter.textContent = left >= 0 ? `${len} / ${MAX_CHARS} characters`
      : `${-left} characters over the limit of ${MAX_CHARS}`;
    entry.counter.classList.toggle('warn', len >= WARN_AT && left >= 0);
    entry.counter.classList.toggle('over', left < 0);
    // Said once when nearing the limit and once when over it, not per key.
    const level = left < 0 ? 2 : len >= WARN_AT ? 1 : 0;
    if (level > entry.warned) {
      this.live.textContent = level === 2
        ? `${entry.field.label}: over the limit of ${MAX_CHARS} characters.`
        : `${entry.field.label}: ${left} characters left.`;
    }
    entry.warned = level;
  }

  setFieldError(entry, text) {
    entry.error.textContent = text ?? '';
    entry.error.hidden = !text;
    if (text) entry.input.setAttribute('aria-invalid', 'true');
    else entry.input.removeAttribute('aria-invalid');
  }

  /** Checks every shown field; the answers to send, or null when one is wrong. */
  collect() {
    const values = this.values();
    const answers = {};
    let first = null;
    for (const [id, entry] of this.inputs) {
      if (!isShown(entry.field, this.byId, values)) {
        this.setFieldError(entry, null);
        continue;
      }
      const raw = values.get(id);
      const error = fieldError(entry.field, raw);
      this.setFieldError(entry, error);
      if (error && !first) first = entry;
      const v = entry.field.fieldType === 'TEXTAREA' || entry.field.fieldType === 'TEXT' ? raw : raw.trim();
      if (entry.field.fieldType === 'CHECKBOX' || v.trim() !== '') answers[id] = v;
    }
    if (first) {
      first.input.focus();
      return null;
    }
    return answers;
  }

  async save() {
    this.formError.hidden = true;
    const answers = this.collect();
    if (!answers) {
      this.setStatus('Check the marked fields.', true);
      return;
    }
    this.saveBtn.disabled = true;
    this.setStatus('Saving…');
    try {
      const res = await api.saveClosingForm(this.chatId, answers);
      this.setStatus('Answers saved.');
      this.announce('Closing form saved.');
      this.onSaved(res?.answers ?? answers, this.fields);
    } catch (e) {
      const entry = e.field ? this.inputs.get(e.field) : null;
      if (entry && !entry.wrap.hidden) {
        this.setFieldError(entry, e.message);
        entry.input.focus();
        this.setStatus('The server refused an answer.', true);
      } else {
        this.formError.textContent = e.message;
        this.formError.hidden = false;
        this.setStatus('Not saved.', true);
      }
    } finally {
      this.saveBtn.disabled = false;
    }
  }
}
