// The till (#/till): the box office sells access products at the counter —
// day tickets, block cards, value cards, pass vouchers, annual passes — as
// the web shop does, on the box office's channel (or a named one the
// product is sold on), paid in cash or by card. The page sends product ids
// and quantities; prices, discounts and the receipt are the server's. The
// receipt shows each pass on its own line (a block card's first card at the
// price, the others at 0, seed 002), its code and QR code, and the
// personalization link where passes need a holder (seed 000).
// Loaded with the staff pages (staff.js).

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, codeReason, passState } from './format.js';
import { showError, clearError, announce } from './notify.js';
import { signedOut } from './session.js';

/**
 * @typedef {{id: string, kind: string, name: string, price: number, currency: string, channels: string[],
 *   cards?: number, on_sale: boolean}} Product
 * @typedef {{id: string, code: string | null, state: string, product_name: string, kind: string, price: number,
 *   line: number, unit: number, personalize: boolean}} Pass
 * @typedef {{id: string, number: string, total: number, discount?: number, voucher_code?: string, currency: string,
 *   status: string, passes: Pass[], personalize_url?: string, payment?: {method: string}}} Order
 */

/** The most units of one product in an order (the server's bound too). */
const MAX_QUANTITY = 100;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * @param {HTMLElement} root
 * @returns {() => void} unmount
 */
export function mountTill(root) {
  let dead = false;
  let busy = false;
  /** One key per attempt; a retry of the same sale keeps it: the server sells once. */
  /** @type {{key: string, body: string} | null} */
  let attempt = null;
  /** @type {Product[]} */
  let products = [];
  /** @type {Array<{product: Product, input: HTMLInputElement}>} */
  let rows = [];
  document.title = 'Till · seatmap staff';

  const status = h('p', { class: 'hint', id: 'till-status' }, 'Loading products…');
  const channel = /** @type {HTMLSelectElement} */ (h('select', { id: 'till-channel' }));
  const list = h('ul', { class: 'shop-products', id: 'till-products' });
  const itemsErr = h('p', { id: 'till-items-error', class: 'field-error', role: 'alert', hidden: true });
  const total = h('strong', { id: 'till-total', class: 'total-amount', 'aria-live': 'polite' }, '—');
  const name = /** @type {HTMLInputElement} */ (h('input', { id: 'till-name', type: 'text', autocomplete: 'off', maxlength: '200' }));
  const email = /** @type {HTMLInputElement} */ (h('input', { id: 'till-email', type: 'email', autocomplete: 'off', maxlength: '254', inputmode: 'email' }));
  const code = /** @type {HTMLInputElement} */ (h('input', { id: 'till-code', type: 'text', autocomplete: 'off', maxlength: '64', spellcheck: 'false' }));
  const method = /** @type {HTMLSelectElement} */ (h('select', { id: 'till-method' },
    h('option', { value: 'cash' }, 'Cash'), h('option', { value: 'card' }, 'Card')));
  const saleErr = h('p', { id: 'till-error', class: 'form-error', role: 'alert', hidden: true });
  const sell = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'till-sell', class: 'btn btn-primary btn-block' }, 'Take payment'));
  const receipt = h('section', { id: 'till-receipt', class: 'card receipt', tabindex: '-1', hidden: true, 'aria-label': 'Receipt' });

  const form = /** @type {HTMLFormElement} */ (h('form', { id: 'till-form', class: 'card', novalidate: true, hidden: true,
    onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); submit(); } },
  h('div', { class: 'field' }, h('label', { for: 'till-channel' }, 'Sold on'), channel),
  list,
  itemsErr,
  h('div', { class: 'total' }, h('span', null, 'Total'), total),
  h('div', { class: 'field' }, h('label', { for: 'till-code' }, 'Voucher or promotion code (optional)'), code),
  h('div', { class: 'field' }, h('label', { for: 'till-name' }, 'Buyer’s name (optional)'), name),
  h('div', { class: 'field' }, h('label', { for: 'till-email' }, 'Buyer’s e-mail (optional)'), email,
    h('p', { class: 'hint' }, 'With an address the buyer gets the passes and the personalization link by e-mail.')),
  h('div', { class: 'field' }, h('label', { for: 'till-method' }, 'Payment'), method),
  saleErr,
  sell));

  // A time card that overstayed pays its surcharge here, which opens the
  // exit for it (GET /surcharges/{code}, then POST /surcharges).
  const scCode = /** @type {HTMLInputElement} */ (h('input', { id: 'surcharge-code', type: 'text', autocomplete: 'off', spellcheck: 'false', maxlength: '128' }));
  const scNote = h('p', { id: 'surcharge-note', class: 'hint', role: 'status' });
  const scTake = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'surcharge-take', class: 'btn btn-primary btn-block', hidden: true }));
  /** @type {{code: string, due: number, currency: string} | null} */
  let owed = null;
  const surcharge = h('form', { class: 'card', id: 'surcharge-form', novalidate: true, onsubmit: async (/** @type {Event} */ e) => {
    e.preventDefault();
    const c = scCode.value.trim();
    owed = null;
    scTake.hidden = true;
    if (!c) {
      scNote.textContent = 'Scan or type the time card’s code.';
      scCode.focus();
      return;
    }
    try {
      /** @type {{due: number, currency: string}} */
      const d = await api.get(paths.surchargeDue(c));
      if (dead) return;
      if (!d.due) {
        scNote.textContent = 'Nothing is due: the card may leave.';
        return;
      }
      owed = { code: c, due: d.due, currency: d.currency };
      scNote.textContent = `${money(d.due, d.currency)} is due for the time over its stay.`;
      scTake.textContent = `Take ${money(d.due, d.currency)}`;
      scTake.hidden = false;
      scTake.focus();
    } catch (err) {
      if (dead || signedOut(err)) return;
      scNote.textContent = err instanceof api.ApiError && err.status === 409 ? 'No time card has this code.' : (err instanceof api.ApiError ? err.friendly : String(err));
    }
  } },
  h('h2', null, 'Time card surcharge'),
  h('div', { class: 'field' }, h('label', { for: 'surcharge-code' }, 'Card code'), scCode),
  h('button', { type: 'submit', class: 'btn btn-secondary btn-block', id: 'surcharge-check' }, 'What is due?'),
  scNote,
  scTake);
  scTake.addEventListener('click', async () => {
    if (!owed) return;
    const o = owed;
    scTake.disabled = true;
    try {
      /** @type {{paid: number, currency: string}} */
      const r = await api.post(paths.surcharges(), { code: o.code, amount: o.due });
      if (dead) return;
      owed = null;
      scTake.hidden = true;
      scCode.value = '';
      scNote.textContent = `Paid ${money(r.paid, r.currency)}: the card may leave now.`;
      announce(scNote.textContent);
    } catch (err) {
      if (dead || signedOut(err)) return;
      scNote.textContent = err instanceof api.ApiError ? `${err.friendly} Ask again what is due.` : String(err);
      scTake.hidden = true;
    } finally {
      scTake.disabled = false;
    }
  });

  replace(root, h('section', { class: 'till', 'aria-labelledby': 'till-title' },
    h('div', { class: 'page-head' },
      h('div', null, h('h1', { id: 'till-title', tabindex: '-1' }, 'Till'),
        h('p', { class: 'hint' }, 'Sell passes and access products at the counter.'))),
    status,
    h('div', { class: 'till-grid' }, form, receipt),
    surcharge));

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
    sell.textContent = currency ? `Take payment · ${money(sum, currency)}` : 'Take payment';
  }

  /** Lists the products sold on the chosen channel. */
  function renderProducts() {
    const ch = channel.value;
    const shown = products.filter((p) => p.channels.includes(ch));
    rows = shown.map((p) => ({
      product: p,
      input: /** @type {HTMLInputElement} */ (h('input', { id: `till-qty-${p.id}`, class: 'shop-qty till-qty', type: 'number', inputmode: 'numeric',
        min: '0', max: String(MAX_QUANTITY), step: '1', value: '0', dataset: { product: p.id } })),
    }));
    replace(list, rows.length ? rows.map(({ product: p, input }) => h('li', { class: 'shop-product', dataset: { product: p.id, kind: p.kind } },
      h('div', { class: 'shop-product-head' },
        h('h2', { class: 'shop-product-name' }, p.name),
        h('span', { class: 'shop-product-price' }, money(p.price, p.currency), p.kind === 'block' && p.cards ? ` for ${p.cards} cards` : '')),
      h('div', { class: 'field field-inline' }, h('label', { for: `till-qty-${p.id}` }, 'How many'), input)))
      : h('li', { class: 'hint' }, 'No product is on sale on this channel.'));
    for (const r of rows) r.input.addEventListener('input', recount);
    recount();
  }
  channel.addEventListener('change', renderProducts);

  (async () => {
    try {
      /** @type {{items: Product[]}} */
      const page = await api.get(paths.products({ on_sale: 'true', limit: '200' }));
      if (dead) return;
      products = (page.items || []).filter((p) => p.kind !== 'staff' && p.channels.some((c) => c !== 'web'));
    } catch (err) {
      if (dead || signedOut(err)) return;
      status.textContent = 'The products could not be loaded.';
      showError(err);
      return;
    }
    if (!products.length) {
      status.textContent = 'No product is on sale at the box office. Put one on sale on the Products page.';
      return;
    }
    const channels = [...new Set(products.flatMap((p) => p.channels).filter((c) => c !== 'web'))].sort((a, b) =>
      a === 'box_office' ? -1 : b === 'box_office' ? 1 : a.localeCompare(b));
    replace(channel, channels.map((c) => h('option', { value: c }, c === 'box_office' ? 'Box office' : c)));
    status.hidden = true;
    form.hidden = false;
    renderProducts();
  })();

  async function submit() {
    if (busy) return;
    clearError();
    saleErr.hidden = true;
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
    const items = rows.map((r) => ({ product_id: r.product.id, quantity: Number(r.input.value) || 0 })).filter((it) => it.quantity > 0);
    if (!items.length) {
      itemsErr.textContent = 'Choose at least one product.';
      itemsErr.hidden = false;
      rows[0]?.input.focus();
      return;
    }
    const m = email.value.trim();
    if (m && !EMAIL.test(m)) {
      saleErr.textContent = 'This does not look like an e-mail address (name@example.com). Leave it empty to sell without one.';
      saleErr.hidden = false;
      email.focus();
      return;
    }
    /** @type {Record<string, any>} */
    const body = { items, channel: channel.value, buyer: { name: name.value.trim(), email: m }, payment: { method: method.value } };
    const c = code.value.trim();
    if (c) body.voucher_code = c;
    const text = JSON.stringify(body);
    if (!attempt || attempt.body !== text) attempt = { key: api.uuid(), body: text };
    busy = true;
    sell.disabled = true;
    sell.setAttribute('aria-busy', 'true');
    try {
      /** @type {Order} */
      const order = await api.post(paths.orders(), body, { 'Idempotency-Key': attempt.key });
      if (dead) return;
      attempt = null;
      showReceipt(order);
      for (const r of rows) r.input.value = '0';
      name.value = email.value = code.value = '';
      recount();
    } catch (err) {
      if (dead || signedOut(err)) return;
      const e = err instanceof api.ApiError ? err : new api.ApiError(0, { detail: String(err) });
      if (e.status === 0 || e.status >= 500) saleErr.textContent = `${e.friendly} Selling again is safe: it never sells twice.`;
      else if (e.reason) saleErr.textContent = `${codeReason(e.reason)} Remove the code to sell without it.`;
      else saleErr.textContent = e.friendly;
      saleErr.hidden = false;
      if (e.field?.startsWith('items')) rows[0]?.input.focus();
      else if (e.reason || e.field === 'voucher_code') code.focus();
    } finally {
      busy = false;
      sell.disabled = false;
      sell.removeAttribute('aria-busy');
    }
  }

  /** @param {Order} order */
  function showReceipt(order) {
    const cur = order.currency;
    const passes = order.passes || [];
    replace(receipt,
      h('div', { class: 'receipt-ok', 'aria-hidden': 'true' }, '✓'),
      h('h2', { class: 'receipt-title' }, `Paid by ${order.payment?.method || 'cash'}`),
      h('div', { class: 'order-number-box' },
        h('span', { class: 'order-number-label' }, 'Order number'),
        h('a', { id: 'till-order-number', class: 'order-number order-number-sm', href: `#/orders/${encodeURIComponent(order.id)}` }, order.number)),
      h('div', { class: 'table-scroll', tabindex: '0', 'aria-label': 'Receipt lines' }, h('table', { class: 'data-table receipt-lines', id: 'till-lines' },
        h('caption', { class: 'sr-only' }, 'Receipt lines'),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Pass'), h('th', { scope: 'col' }, 'State'),
          h('th', { scope: 'col' }, 'Code'), h('th', { scope: 'col', class: 'num' }, 'Price'))),
        h('tbody', null, passes.map((p) => h('tr', { dataset: { pass: p.id } },
          h('th', { scope: 'row' }, h('a', { href: `#/passes/${encodeURIComponent(p.id)}` }, p.product_name)),
          h('td', null, passState(p.state)),
          h('td', null, p.code
            ? h('a', { href: paths.passQR(order.id, p.id), target: '_blank', rel: 'noopener', class: 'ticket-code-link',
              'aria-label': `QR code of ${p.product_name}, pass code ${p.code.slice(0, 6)}…` }, h('code', null, p.code))
            : '—'),
          h('td', { class: 'num', dataset: { minor: String(p.price) } }, money(p.price, cur))))))),
      order.discount ? h('p', { class: 'receipt-discount muted' }, `${money(order.discount, cur)} off with ${order.voucher_code}`) : null,
      h('p', { class: 'receipt-total', id: 'till-receipt-total', dataset: { minor: String(order.total) } }, `Total ${money(order.total, cur)}`),
      order.personalize_url
        ? h('p', { class: 'hint', id: 'till-personalize' }, 'These passes need a holder before they are produced: ',
          h('a', { href: `#/personalize/${encodeURIComponent(order.personalize_url.split('/').pop() || '')}` }, 'personalize them now'),
          ' (the buyer got the link too if an e-mail was given).')
        : null,
      h('button', { type: 'button', id: 'till-next', class: 'btn btn-secondary btn-block', onclick: () => {
        receipt.hidden = true;
        (rows[0]?.input || sell).focus();
      } }, 'Next sale'));
    receipt.hidden = false;
    receipt.focus();
    announce(`Sold. Order ${order.number}, ${money(order.total, cur)}.`);
  }

  return () => {
    dead = true;
  };
}
