// Cards in the conversation (cards-contract.md): a shared product, a content
// card (title, text, image with its alt text, LINK actions) and a carousel of
// either, as the visitor's widget shows them. Pushed by the operator's Custom
// Apps or by a bot, so everything is set as text and only http(s) URLs
// become images or links.

import { el, link, safeUrl } from './text.js';
import { cardNode } from './catalog.js';

/** An `<img>` for an http(s) URL with its alt text, else nothing. */
function image(raw, alt) {
  const url = safeUrl(raw);
  if (!url) return null;
  return el('img', {
    className: 'card-img', src: url.href, alt: typeof alt === 'string' ? alt : '',
    loading: 'lazy', referrerPolicy: 'no-referrer',
  });
}

/** LINK actions: one safe link each (other schemes are left out). */
function actions(list) {
  if (!Array.isArray(list)) return null;
  const links = list
    .filter((a) => a && typeof a.url === 'string' && safeUrl(a.url))
    .map((a) => link(a.url, typeof a.title === 'string' && a.title.trim() ? a.title : a.url));
  return links.length ? el('p', { className: 'card-actions' }, links) : null;
}

/** A content card (`kind: "content"`). */
export function contentCardNode(card) {
  const title = typeof card.title === 'string' && card.title.trim() ? card.title : null;
  const text = typeof card.text === 'string' && card.text.trim() ? card.text : null;
  return el('div', { className: 'card content', role: 'group', 'aria-label': `Card: ${title ?? text ?? ''}` },
    image(card.imageUrl, card.imageAlt),
    el('div', { className: 'card-body' },
      title ? el('strong', { className: 'card-title' }, title) : null,
      text ? el('p', { className: 'card-text' }, text) : null,
      actions(card.actions)));
}

/** Any card of a known kind, else `null` (the message text is shown). */
export function anyCardNode(card) {
  if (!card || typeof card !== 'object') return null;
  if (card.kind === 'product') {
    const node = cardNode(card);
    // A bot's product offer: its description and its own actions.
    const body = node.querySelector('.card-body');
    if (typeof card.text === 'string' && card.text.trim()) {
      body.insertBefore(el('p', { className: 'card-text' }, card.text), body.children[1] ?? null);
    }
    const own = actions(card.actions);
    if (own) {
      body.querySelectorAll(':scope > a').forEach((a) => a.remove());
      body.append(own);
    }
    return node;
  }
  if (card.kind === 'content') return contentCardNode(card);
  return null;
}

/** A carousel: a titled, keyboard-scrollable row of cards; `null` if empty. */
export function carouselNode(carousel) {
  if (!carousel || !Array.isArray(carousel.cards)) return null;
  const cards = carousel.cards.map(anyCardNode).filter(Boolean);
  if (cards.length === 0) return null;
  const title = typeof carousel.title === 'string' && carousel.title.trim() ? carousel.title : null;
  return el('section', { className: 'carousel', 'aria-label': title ?? 'Cards' },
    title ? el('strong', { className: 'carousel-title' }, title) : null,
    el('ul', { className: 'carousel-row', tabIndex: 0 },
      cards.map((c) => el('li', {}, c))));
}

/** The card or carousel of a stored message, or `null` for plain text. */
export function attachmentNode(m) {
  return carouselNode(m.carousel) ?? (m.card ? anyCardNode(m.card) : null);
}
