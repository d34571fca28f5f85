// The company's product catalog (App Plugins, product list) in a dialog over
// the conversation: categories as a tree through `idParent` with their
// product counts, products paged with limit/offset (a page shorter than the
// limit is the last), search with or without the category, and sharing a
// product with the visitor in one click. Also the product card of a shared
// product in the conversation and the history.
//
// Everything here came from the company's connector: it is set as text,
// and only http(s) URLs become images or links. A failing connector is a
// sentence in the dialog ("the catalog is unavailable: …"), never a broken
// desk.

import * as api from './api.js';
import { el, link, safeUrl } from './text.js';

/** Products per page. */
export const PAGE = 10;
/** Categories per page of one level. */
const CATEGORY_PAGE = 50;

/** An `<img>` for an http(s) URL, else nothing. */
function image(raw, className) {
  const url = safeUrl(raw);
  if (!url) return null;
  return el('img', { className, src: url.href, alt: '', loading: 'lazy', referrerPolicy: 'no-referrer' });
}

function availability(available) {
  if (available === true) return el('span', { className: 'avail yes' }, 'Available');
  if (available === false) return el('span', { className: 'avail no' }, 'Out of stock');
  return null;
}

/**
 * A shared product in a message (`message.card`, see the plugin contract):
 * image, title, availability, the offer with the catalog price struck
 * through, and the product page as a safe link.
 */
export function cardNode(card) {
  const offer = card.offerPrice || null;
  const price = card.price || null;
  const prices = el('p', { className: 'prices' });
  if (offer) {
    prices.append(el('strong', { className: 'offer' }, String(offer)));
    if (price && price !== offer) {
      prices.append(' ', el('s', {}, el('span', { className: 'sr-only' }, 'Catalog price '), String(price)));
    }
  } else if (price) {
    prices.append(el('strong', {}, String(price)));
  }
  const url = safeUrl(card.url);
  return el('div', { className: 'card', role: 'group', 'aria-label': `Shared product: ${card.title ?? ''}` },
    image(card.imageUrl, 'card-img'),
    el('div', { className: 'card-body' },
      el('strong', { className: 'card-title' }, String(card.title ?? '')),
      availability(card.available),
      prices.childNodes.length ? prices : null,
      url ? link(url.href, 'View product') : null));
}

/** Catalog, promotion and special prices of a listed product. */
function productPrices(p) {
  const parts = [];
  const add = (label, value, className) => {
    if (typeof value === 'string' && value !== '') {
      parts.push(el('span', { className }, label ? `${label} ` : '', el('strong', {}, value)));
    }
  };
  add('', p.priceCatalog, (p.pricePromotion || p.priceSpecial) ? 'catalog was' : 'catalog');
  add('Promotion', p.pricePromotion, 'promo');
  add('Special', p.priceSpecial, 'special');
  return el('p', { className: 'prices' }, parts.flatMap((n, i) => (i ? [' · ', n] : [n])));
}

export class CatalogDialog {
  /**
   * @param {object} o
   * @param {(text: string) => void} o.announce
   */
  constructor({ announce }) {
    this.announce = announce;
    this.chat = null; // the ChatView the catalog was opened for
    this.opener = null;
    this.path = []; // [{id, label}] from the root to the shown category
    this.catOffset = 0;
    this.offset = 0;
    this.search = '';
    this.ticket = { cats: null, products: null };
    this.build();
  }

  build() {
    this.heading = el('h2', { id: 'catalog-h' }, 'Products');
    this.forWhom = el('span', { className: 'meta' });
    this.closeBtn = el('button', { type: 'button', className: 'close' }, 'Close');
    this.closeBtn.addEventListener('click', () => this.close());

    this.query = el('input', { id: 'catalog-q', type: 'search', autocomplete: 'off', spellcheck: false });
    this.inCategory = el('input', { id: 'catalog-in', type: 'checkbox', checked: true });
    this.inLabel = el('label', { for: 'catalog-in', className: 'in-category' });
    this.inBox = el('span', { className: 'field' }, this.inCategory, this.inLabel);
    this.clearBtn = el('button', { type: 'button', className: 'clear', hidden: true }, 'Clear search');
    const form = el('form', { className: 'search', role: 'search' },
      el('label', { for: 'catalog-q' }, 'Search products'),
      this.query,
      this.inBox,
      el('button', { type: 'submit', className: 'primary' }, 'Search'),
      this.clearBtn);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.search = this.query.value.trim();
      this.offset = 0;
      this.renderSearch();
      this.loadProducts();
    });
    this.clearBtn.addEventListener('click', () => {
      this.query.value = '';
      this.search = '';
      this.offset = 0;
      this.renderSearch();
      this.loadProducts();
      this.query.focus();
    });

    this.crumbs = el('ol', { className: 'crumbs' });
    this.error = el('p', { className: 'catalog-error error', role: 'alert', hidden: true });
    this.cats = el('ul', { className: 'categories' });
    this.catsMore = el('button', { type: 'button', className: 'more', hidden: true }, 'More categories');
    this.catsMore.addEventListener('click', () => this.loadCategories(false));
    this.catsNote = el('p', { className: 'cats-note meta', role: 'status' });
    this.productsHead = el('h3', { className: 'products-h' });
    this.productsNote = el('p', { className: 'products-note meta', role: 'status' });
    this.list = el('ul', { className: 'products items', 'aria-labelledby': 'catalog-products-h' });
    this.productsHead.id = 'catalog-products-h';
    this.prev = el('button', { type: 'button', className: 'prev' }, 'Previous page');
    this.next = el('button', { type: 'button', className: 'next' }, 'Next page');
    this.pageLabel = el('span', { className: 'page' });
    this.prev.addEventListener('click', () => this.page(-1));
    this.next.addEventListener('click', () => this.page(1));

    this.root = el('dialog', { className: 'catalog', 'aria-labelledby': 'catalog-h' },
      el('header', { className: 'catalog-head' }, el('div', {}, this.heading, ' ', this.forWhom), this.closeBtn),
      form,
      el('nav', { 'aria-label': 'Category path' }, this.crumbs),
      this.error,
      el('section', { className: 'cat-section', 'aria-label': 'Categories' }, this.cats, this.catsNote, this.catsMore),
      el('section', { className: 'product-section' },
        this.productsHead, this.productsNote, this.list,
        el('div', { className: 'pager' }, this.prev, this.pageLabel, this.next)));
    this.root.addEventListener('close', () => this.closed());
    document.body.append(this.root);
  }

  /** Opens the catalog for `chat` (a ChatView); `opener` gets the focus back. */
  open(chat, opener) {
    this.chat = chat;
    this.opener = opener ?? null;
    this.forWhom.textContent = `to share with ${chat.title}`;
    this.error.hidden = true;
    if (!this.root.open) this.root.showModal();
    this.query.focus();
    // First time, or after a failure (the connector may be back): load.
    if (!this.loaded || this.failed) {
      this.loaded = true;
      this.go(this.path.length);
    }
  }

  close() {
    if (this.root.open) this.root.close();
  }

  closed() {
    this.opener?.focus();
    this.opener = null;
  }

  get category() {
    return this.path.at(-1) ?? null;
  }

  /** Shows the category at depth `depth` of the path (0 = the root). */
  go(depth) {
    this.failed = false;
    this.path = this.path.slice(0, depth);
    this.offset = 0;
    this.renderCrumbs();
    this.renderSearch();
    this.loadCategories(true);
    this.loadProducts();
  }

  enter(category) {
    const count = Number.isInteger(category.productsCount) ? category.productsCount : null;
    this.path.push({ id: String(category.id), label: String(category.label ?? ''), count });
    this.go(this.path.length);
  }

  renderCrumbs() {
    const items = [{ label: 'All products' }, ...this.path];
    this.crumbs.replaceChildren(...items.map((c, i) => {
      if (i === items.length - 1) return el('li', {}, el('span', { 'aria-current': 'location' }, c.label));
      const b = el('button', { type: 'button', className: 'crumb' }, c.label);
      b.addEventListener('click', () => this.go(i));
      return el('li', {}, b);
    }));
  }

  renderSearch() {
    const cat = this.category;
    this.inBox.hidden = !cat;
    this.inLabel.textContent = cat ? `only in “${cat.label}”` : '';
    this.clearBtn.hidden = this.search === '';
  }

  /** Shows `text` as an error in `node` (a note of the dialog), or clears it. */
  note(node, text, isError = false) {
    node.textContent = text;
    node.classList.toggle('error', isError);
  }

  showError(e) {
    this.error.textContent = e.message;
    this.error.hidden = false;
  }

  async loadCategories(fresh) {
    const ticket = {};
    this.ticket.cats = ticket;
    const offset = fresh ? 0 : this.catOffset;
    if (fresh) {
      this.cats.replaceChildren();
      this.note(this.catsNote, 'Loading categories…');
    }
    this.catsMore.hidden = true;
    try {
      const page = await api.categories({ idParent: this.category?.id, limit: CATEGORY_PAGE, offset });
      if (this.ticket.cats !== ticket) return;
      for (const c of page.items) this.cats.append(this.categoryItem(c));
      this.catOffset = offset + page.items.length;
      this.catsMore.hidden = page.items.length < page.limit;
      this.note(this.catsNote, this.cats.children.length ? ''
        : (this.category ? 'No subcategories.' : 'No categories.'));
    } catch (e) {
      if (this.ticket.cats !== ticket) return;
      this.failed = true;
      this.note(this.catsNote, e.message, true);
    }
  }

  categoryItem(c) {
    const count = Number.isFinite(c.productsCount) ? c.productsCount : null;
    const b = el('button', { type: 'button', className: 'category', 'data-id': String(c.id) },
      el('span', { className: 'label' }, String(c.label ?? '')),
      count === null ? null : el('span', { className: 'badge', 'aria-label': `${count} products` }, String(count)));
    b.addEventListener('click', () => this.enter(c));
    return el('li', {}, b);
  }

  page(step) {
    this.offset = Math.max(0, this.offset + step * PAGE);
    this.loadProducts(true);
  }

  async loadProducts(focusList = false) {
    const ticket = {};
    this.ticket.products = ticket;
    const cat = this.category;
    const scoped = cat && (!this.search || this.inCategory.checked);
    this.productsHead.textContent = this.search
      ? `Products matching “${this.search}”${scoped ? ` in ${cat.label}` : ''}`
      : (cat ? `Products in ${cat.label}` : 'All products');
    this.note(this.productsNote, 'Loading products…');
    this.prev.disabled = true;
    this.next.disabled = true;
    try {
      const page = await api.products({
        idCategory: scoped ? cat.id : undefined,
        searchQuery: this.search || undefined,
        limit: PAGE,
        offset: this.offset,
      });
      if (this.ticket.products !== ticket) return;
      this.list.replaceChildren(...page.items.map((p) => this.productItem(p)));
      const n = page.items.length;
      // A page shorter than the limit is the last; browsing a category, its
      // productsCount says so too (a search has no total).
      const total = scoped && !this.search && cat.count !== null ? cat.count : null;
      const last = n < page.limit || (total !== null && this.offset + n >= total);
      const of = total !== null ? ` of ${total}` : '';
      this.note(this.productsNote, n === 0
        ? (this.offset ? 'No more products.' : 'No products found.')
        : `Products ${this.offset + 1}–${this.offset + n}${of}${last ? ' (last page)' : ''}`);
      this.pageLabel.textContent = `Page ${Math.floor(this.offset / PAGE) + 1}`;
      this.prev.disabled = this.offset === 0;
      this.next.disabled = last;
      if (focusList) (this.list.querySelector('button.share') ?? this.next).focus();
    } catch (e) {
      if (this.ticket.products !== ticket) return;
      this.failed = true;
      this.list.replaceChildren();
      this.note(this.productsNote, e.message, true);
      this.prev.disabled = this.offset === 0;
    }
  }

  productItem(p) {
    const title = String(p.title ?? '');
    const facts = [];
    if (p.brand) facts.push(el('span', { className: 'brand' }, String(p.brand)));
    if (p.reference) facts.push(el('span', { className: 'ref' }, `Ref. ${p.reference}`));
    const avail = availability(p.available);
    if (avail) facts.push(avail);
    const share = el('button', { type: 'button', className: 'primary share', 'aria-label': `Share ${title}` }, 'Share');
    share.addEventListener('click', () => this.share(p, share));
    const page = safeUrl(p.productUrl);
    return el('li', { className: 'product', 'data-id': String(p.id) },
      image(p.imageUrl, 'product-img') ?? el('span', { className: 'product-img none', 'aria-hidden': 'true' }),
      el('div', { className: 'product-body' },
        el('strong', { className: 'title' }, page ? link(page.href, title) : title),
        el('p', { className: 'facts meta' }, facts.flatMap((n, i) => (i ? [' · ', n] : [n]))),
        p.shortDescription ? el('p', { className: 'desc' }, String(p.shortDescription)) : null,
        productPrices(p)),
      share);
  }

  async share(product, button) {
    const chat = this.chat;
    if (!chat || chat.ended) {
      this.showError(new Error('This chat has ended; the product was not shared.'));
      return;
    }
    button.disabled = true;
    try {
      const message = await api.shareProduct(chat.id, product);
      chat.add(message, true);
      this.announce(`Shared “${product.title}” with ${chat.title}.`);
      this.close();
    } catch (e) {
      this.showError(new Error(`Not shared: ${e.message}`));
    } finally {
      button.disabled = false;
    }
  }
}
