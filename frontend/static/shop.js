// The pass shop (#/shop): the products on sale on the web, each with its
// price and what kind of pass it is, a quantity for each, the buyer's name
// and e-mail, and one order for all of them. The price shown is the
// server's, and so is the total the order charges: the page sends product
// ids and quantities only. The order then goes through the same payment step
// as seats: its page (#/order/{id}, order.js with pay.js) shows it waiting
// for its payment, and its passes with their codes and QR codes once paid.
// Loaded by import() on the first visit, never with the other buyer pages.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money } from './format.js';
import { announce, showError, clearError } from './notify.js';

/**
 * @typedef {{id: string, kind: string, name: string, price: number, currency: string, validity?: string,
 *   valid_from?: string, valid_to?: string, valid_days?: number, cards?: number, personalized?: boolean}} Product
 */

/** What each kind of pass is, for buyers (seeds 000 and 002). */
const KIND_TEXT = /** @type {Record<string, string>} */ ({
  day: 'Day ticket: one day within the opening hours.',
  multi_day: 'Multi-day ticket: several day tickets in one.',
  day_choice: 'Day-choice ticket: entry days of your choice within a period.',
  week: 'Week pass: every day of the calendar week, Monday to Sunday.',
  month: 'Month pass: every day of the calendar month.',
  year: 'Year pass: every day of the calendar year.',
  season: 'Season pass: every day of the season.',
  block: 'Block card: several cards in one purchase; refunded only as a whole.',
  time: 'Time card: a stay of a set length; longer stays pay a surcharge at the till.',
  discount: 'Discount card: discounts at the tills.',
  value: 'Value card: a balance that pays.',
  customer: 'Customer card: made out to you.',
  entitlement: 'Entitlement: extra zones on a pass.',
  annual: 'Annual pass: made out to its holder; you personalize it after buying.',
  pass_voucher: 'Pass voucher: exchanged for the pass at the pass counter.',
});

/** The most units of one product in an order (the server's bound too). */
const MAX_QUANTITY = 100;

/**
 * @param {Product} p
 * @returns {string}
 */
function validityText(p) {
  if (p.valid_from && p.valid_to) return `Valid ${p.valid_from} to ${p.valid_to}.`;
  if (p.validity === 'first_use' && p.valid_days) return `Valid ${p.valid_days} day${p.valid_days === 1 ? '' : 's'} from first use.`;
  return '';
}

/**
 * @param {HTMLElement} root
 * @returns {() => void} unmount
 */
export function mountShop(root) {
  let dead = false;
  let busy = false;
  /** One key per attempt; reused when the same order is sent again. */
  /** @type {{key: string, body: string} | null} */
  let attempt = null;
  /** @type {Array<{product: Product, input: HTMLInputElement}>} */
  let rows = [];
  document.title = 'Passes · seatmap';

  const status = h('p', { class: 'shows-status', id: 'shop-status' }, 'Loading passes…');
  const list = h('ul', { class: 'shop-products', id: 'shop-products' });
  const total = h('strong', { id: 'shop-total', class: 'total-amount', 'aria-live': 'polite' }, '—');
  const itemsErr = h('p', { id: 'shop-items-error', class: 'field-error', hidden: true });
  const name = /** @type {HTMLInputElement} */ (h('input', { id: 'shop-name', name: 'name', type: 'text', autocomplete: 'name', required: true,
    maxlength: '200', 'aria-describedby': 'shop-name-error' }));
  const email = /** @type {HTMLInputElement} */ (h('input', { id: 'shop-email', name: 'email', type: 'email', autocomplete: 'email', required: true,
    maxlength: '254', inputmode: 'email', 'aria-describedby': 'shop-email-error' }));
  const nameErr = h('p', { id: 'shop-name-error', class: 'field-error', hidden: true });
  const emailErr = h('p', { id: 'shop-email-error', class: 'field-error', hidden: true });
  const buy = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'shop-buy', class: 'btn btn-primary btn-block' }, 'Buy'));
  const form = /** @type {HTMLFormElement} */ (h('form', { id: 'shop-form', class: 'checkout', novalidate: true, hidden: true,
    onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); submit(); } },
  list,
  itemsErr,
  h('div', { class: 'total' }, h('span', null, 'Total'), total),
  h('h2', null, 'Your details'),
  h('div', { class: 'field' }, h('label', { for: 'shop-name' }, 'Full name'), name, nameErr),
  h('div', { class: 'field' }, h('label', { for: 'shop-email' }, 'E-mail'), email, emailErr,
    h('p', { class: 'hint' }, 'Your passes, and the link to personalize them, are sent to this address.')),
  buy));

  replace(root, h('section', { class: 'shop', 'aria-labelledby': 'shop-title' },
    h('div', { class: 'hero' },
      h('h1', { id: 'shop-title', tabindex: '-1' }, 'Passes'),
      h('p', null, 'Day tickets, annual passes and more: choose how many, pay once, and find your passes with their codes on your order page.')),
    status,
    form));

  /**
   * @param {HTMLInputElement} input
   * @param {HTMLElement} err
   * @param {string} text '' clears
   */
  function fieldError(input, err, text) {
    err.textContent = text;
    err.hidden = !text;
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
  name.addEventListener('input', () => fieldError(name, nameErr, ''));
  email.addEventListener('input', () => fieldError(email, emailErr, ''));

  /** The quantities asked for, as the order's items. */
  function items() {
    return rows.map((r) => ({ product_id: r.product.id, quantity: Number(r.input.value) || 0 }))
      .filter((it) => it.quantity > 0);
  }

  function recount() {
    itemsErr.hidden = true;
    let sum = 0;
    let currency = '';
    for (const r of rows) {
      const q = Number(r.input.value) || 0;
      if (q > 0) {
        sum += q * r.product.price;
        currency = r.product.currency;
      }
    }
    total.textContent = currency ? money(sum, currency) : '—';
    total.dataset.minor = String(sum);
  }

  (async () => {
    /** @type {{items: Product[]}} */
    let page;
    try {
      page = await api.get(paths.products({ on_sale: 'true', channel: 'web' }));
    } catch (err) {
      if (dead) return;
      status.textContent = 'The passes could not be loaded. Please try again in a moment.';
      showError(err);
      return;
    }
    if (dead) return;
    const products = (page.items || []).filter((p) => p.kind !== 'staff');
    if (!products.length) {
      status.textContent = 'No passes are on sale at the moment.';
      return;
    }
    status.hidden = true;
    rows = products.map((p) => ({
      product: p,
      input: /** @type {HTMLInputElement} */ (h('input', { id: `qty-${p.id}`, class: 'shop-qty', type: 'number', inputmode: 'numeric',
        min: '0', max: String(MAX_QUANTITY), step: '1', value: '0', dataset: { product: p.id },
        'aria-describedby': `desc-${p.id}` })),
    }));
    replace(list, rows.map(({ product: p, input }) => h('li', { class: 'shop-product', dataset: { product: p.id, kind: p.kind } },
      h('div', { class: 'shop-product-head' },
        h('h2', { class: 'shop-product-name' }, p.name),
        h('span', { class: 'shop-product-price', dataset: { minor: String(p.price) } },
          money(p.price, p.currency), p.kind === 'block' && p.cards ? ` for ${p.cards} cards` : '')),
      h('p', { id: `desc-${p.id}`, class: 'hint' }, [KIND_TEXT[p.kind] || p.kind, validityText(p)].filter(Boolean).join(' ')),
      h('div', { class: 'field field-inline' }, h('label', { for: `qty-${p.id}` }, 'How many'), input))));
    for (const r of rows) r.input.addEventListener('input', recount);
    form.hidden = false;
    recount();
  })();

  async function submit() {
    if (busy) return;
    clearError();
    const want = items();
    const bad = rows.find((r) => {
      const q = Number(r.input.value);
      return !Number.isInteger(q) || q < 0 || q > MAX_QUANTITY;
    });
    if (bad) {
      itemsErr.textContent = `Choose from 0 to ${MAX_QUANTITY} of each.`;
      itemsErr.hidden = false;
      bad.input.focus();
      return;
    }
    if (!want.length) {
      itemsErr.textContent = 'Choose at least one pass.';
      itemsErr.hidden = false;
      rows[0]?.input.focus();
      return;
    }
    const n = name.value.trim();
    const m = email.value.trim();
    let ok = true;
    if (!n) {
      fieldError(name, nameErr, 'Please enter your name.');
      ok = false;
    }
    if (!m || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(m)) {
      fieldError(email, emailErr, m ? 'This does not look like an e-mail address (name@example.com).' : 'Please enter your e-mail address.');
      ok = false;
    }
    if (!ok) {
      (!n ? name : email).focus();
      return;
    }
    const body = { items: want, buyer: { name: n, email: m } };
    const text = JSON.stringify(body);
    if (!attempt || attempt.body !== text) attempt = { key: api.uuid(), body: text };
    busy = true;
    buy.disabled = true;
    buy.textContent = 'Ordering…';
    try {
      /** @type {{id: string, number: string, access_key?: string}} */
      const order = await api.post(paths.orders(), body, { 'Idempotency-Key': attempt.key });
      if (dead) return;
      announce(`Order ${order.number} made.`);
      location.hash = `#/order/${encodeURIComponent(order.id)}${order.access_key ? `?key=${encodeURIComponent(order.access_key)}` : ''}`;
    } catch (err) {
      if (dead) return;
      const field = err instanceof api.ApiError ? err.field : '';
      const detail = err instanceof api.ApiError ? err.friendly : '';
      if (field === 'buyer.name') fieldError(name, nameErr, detail);
      else if (field === 'buyer.email') fieldError(email, emailErr, detail);
      else if (field.startsWith('items')) {
        itemsErr.textContent = detail;
        itemsErr.hidden = false;
        rows[0]?.input.focus();
      } else showError(err);
    } finally {
      busy = false;
      buy.disabled = false;
      buy.textContent = 'Buy';
    }
  }

  return () => {
    dead = true;
  };
}
