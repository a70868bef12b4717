// The staff order table (#/orders) and one order's page (#/orders/{id}).
//
// The table filters by performance, status, channel, buyer and the day the
// order was made, and pages with the API's cursor; "Previous" goes back to the
// cursor it came from. The filters and page survive a visit to an order and
// back (module state, not the URL: the router keeps the hash simple).
//
// The order page shows the tickets, the money, the payment, refunds, the
// history and the e-mails, and acts on the order: refund chosen seats or an
// amount, send the e-mail again, and for reservations extend, pay or annul.
// A refund form takes one Idempotency-Key when it opens, so a double click or
// a retry after a lost answer never refunds twice.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, dateTime, count, orderStatus, passState, parseMoney, amountExample, amountPlaceholder, amountHelp } from './format.js';
import { showError, clearError, announce } from './notify.js';
import { signedOut } from './session.js';
import { channelLabel, seatNames } from './staffmap.js';
import { loadPerformances, performanceOptions, zoneNames, dayStart } from './catalog.js';

/**
 * @typedef {import('./session.js').StaffUser} StaffUser
 * @typedef {import('./checkout.js').Order} Order
 * @typedef {import('./catalog.js').PerformanceInfo} PerformanceInfo
 * @typedef {{at: string, action: string, actor: string, reason: string, status: string, detail: string}} HistoryEvent
 * @typedef {{id: string, order_id: string, amount: number, seats: string[], reason: string, method: string, actor: string, created_at: string}} Refund
 * @typedef {{id: string, kind: string, to: string, subject: string, created_at: string, sent_at: string | null, attempts: number, last_error?: string, gave_up?: boolean}} Message
 * @typedef {{performance: string, status: string, channel: string, buyer: string, from: string, to: string, limit: string}} Filters
 */

const STATUSES = ['reserved', 'paid', 'partially_refunded', 'refunded', 'expired', 'annulled'];
const CHANNELS = ['web', 'box_office'];
const PAGE_SIZES = ['10', '25', '50', '100'];
const BUYER_DEBOUNCE_MS = 300;

/** @returns {Filters} */
function noFilters() {
  return { performance: '', status: '', channel: '', buyer: '', from: '', to: '', limit: '25' };
}

/** The table's last filters and page, for coming back from an order. */
/** @type {{filters: Filters, cursors: Array<string | null>} | null} */
let lastView = null;

/**
 * What an order of passes alone sold, where a performance would stand.
 * @param {Order} o
 */
function passesText(o) {
  const passes = /** @type {any} */ (o).passes || [];
  return `Passes: ${[...new Set(passes.map((/** @type {any} */ p) => p.product_name))].join(', ')} (${passes.length})`;
}

/**
 * An order status as a coloured pill.
 * @param {string} status
 */
export function orderPill(status) {
  return h('span', { class: `order-status order-${status}`, dataset: { status } }, orderStatus(status));
}

/** @param {unknown} err */
function problemText(err) {
  return err instanceof api.ApiError ? err.friendly : err instanceof Error ? err.message : String(err);
}

// ---- the table ----

/**
 * @param {HTMLElement} root
 * @param {StaffUser} _user
 * @returns {() => void} unmount
 */
export function mountOrders(root, _user) {
  let dead = false;
  let generation = 0;
  document.title = 'Orders · seatmap staff';
  const filters = lastView ? { ...lastView.filters } : noFilters();
  /** Cursors of the pages shown so far; the last is the current page's. */
  /** @type {Array<string | null>} */
  let cursors = lastView ? [...lastView.cursors] : [null];
  /** @type {string | null} */
  let next = null;
  /** @type {Map<string, PerformanceInfo>} */
  const perfs = new Map();
  /** @type {number | undefined} */
  let buyerTimer;

  /**
   * @param {string} id
   * @param {string} label
   * @param {HTMLElement} control
   * @param {string} [cls]
   */
  const field = (id, label, control, cls = '') => h('div', { class: `field ${cls}` }, h('label', { for: id }, label), control);
  const perfSel = /** @type {HTMLSelectElement} */ (h('select', { id: 'orders-performance', name: 'performance' }, h('option', { value: filters.performance }, 'All performances')));
  const statusSel = /** @type {HTMLSelectElement} */ (h('select', { id: 'orders-status', name: 'status' },
    h('option', { value: '' }, 'Any status'), STATUSES.map((s) => h('option', { value: s }, orderStatus(s)))));
  const channelSel = /** @type {HTMLSelectElement} */ (h('select', { id: 'orders-channel', name: 'channel' },
    h('option', { value: '' }, 'Any channel'), CHANNELS.map((c) => h('option', { value: c }, channelLabel(c)))));
  const buyer = /** @type {HTMLInputElement} */ (h('input', { id: 'orders-buyer', name: 'buyer', type: 'search', maxlength: '200', placeholder: 'Name or e-mail', autocomplete: 'off', spellcheck: 'false' }));
  const from = /** @type {HTMLInputElement} */ (h('input', { id: 'orders-from', name: 'from', type: 'date' }));
  const to = /** @type {HTMLInputElement} */ (h('input', { id: 'orders-to', name: 'to', type: 'date' }));
  const limit = /** @type {HTMLSelectElement} */ (h('select', { id: 'orders-limit', name: 'limit' }, PAGE_SIZES.map((n) => h('option', { value: n }, n))));
  const clear = h('button', { type: 'button', id: 'orders-clear', class: 'btn btn-ghost', 'aria-label': 'Clear the filters' }, 'Clear');
  statusSel.value = filters.status;
  channelSel.value = filters.channel;
  buyer.value = filters.buyer;
  from.value = filters.from;
  to.value = filters.to;
  limit.value = filters.limit;

  const list = h('tbody');
  const status = h('p', { class: 'shows-status', id: 'orders-status-text', role: 'status' }, 'Loading orders…');
  const table = h('table', { class: 'data-table orders-table', id: 'orders-table', hidden: true },
    h('caption', { class: 'sr-only' }, 'Orders'),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Number'),
      h('th', { scope: 'col' }, 'Date'),
      h('th', { scope: 'col' }, 'Performance'),
      h('th', { scope: 'col' }, 'Buyer'),
      h('th', { scope: 'col', class: 'num' }, 'Seats'),
      h('th', { scope: 'col', class: 'num' }, 'Total'),
      h('th', { scope: 'col', class: 'num' }, 'Refunded'),
      h('th', { scope: 'col' }, 'Status'),
      h('th', { scope: 'col' }, 'Channel'))),
    list);
  const prev = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'orders-prev', class: 'btn btn-secondary' }, '← Previous'));
  const nextBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'orders-next', class: 'btn btn-secondary' }, 'Next →'));
  const pageNo = h('span', { class: 'page-no', id: 'orders-page', 'aria-live': 'polite' });

  replace(root, h('section', { class: 'staff-page' },
    h('div', { class: 'staff-home-head' },
      h('div', null, h('h1', null, 'Orders'), h('p', { class: 'hint' }, 'Newest first. Open an order to refund, resend or change it.'))),
    h('form', { class: 'filters orders-filters', role: 'search', 'aria-label': 'Filter orders', onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); apply(); } },
      field('orders-performance', 'Performance', perfSel),
      field('orders-status', 'Status', statusSel),
      field('orders-channel', 'Channel', channelSel),
      field('orders-buyer', 'Buyer', buyer),
      field('orders-from', 'Made from', from, 'field-date'),
      field('orders-to', 'Made until', to, 'field-date'),
      h('div', { class: 'field field-narrow' }, h('label', { for: 'orders-limit' }, 'Per page'), limit),
      clear),
    h('div', { class: 'card' },
      status,
      h('div', { class: 'table-scroll', tabindex: '0' }, table),
      h('div', { class: 'pager' }, prev, pageNo, nextBtn))));

  for (const el of [perfSel, statusSel, channelSel, from, to, limit]) el.addEventListener('change', apply);
  buyer.addEventListener('input', () => {
    clearTimeout(buyerTimer);
    buyerTimer = window.setTimeout(apply, BUYER_DEBOUNCE_MS);
  });
  clear.addEventListener('click', () => {
    perfSel.value = statusSel.value = channelSel.value = buyer.value = from.value = to.value = '';
    apply();
  });
  prev.addEventListener('click', () => {
    if (cursors.length < 2) return;
    cursors = cursors.slice(0, -1);
    load();
  });
  nextBtn.addEventListener('click', () => {
    if (!next) return;
    cursors = [...cursors, next];
    load();
  });

  /** The filters changed: back to the first page. */
  function apply() {
    clearTimeout(buyerTimer);
    Object.assign(filters, {
      performance: perfSel.value, status: statusSel.value, channel: channelSel.value,
      buyer: buyer.value.trim(), from: from.value, to: to.value, limit: limit.value,
    });
    cursors = [null];
    load();
  }

  async function load() {
    const gen = ++generation;
    lastView = { filters: { ...filters }, cursors: [...cursors] };
    const params = new URLSearchParams({ limit: filters.limit });
    if (filters.performance) params.set('performance', filters.performance);
    if (filters.status) params.set('status', filters.status);
    if (filters.channel) params.set('channel', filters.channel);
    if (filters.buyer) params.set('buyer', filters.buyer);
    if (filters.from) params.set('from', dayStart(filters.from));
    if (filters.to) params.set('to', dayStart(filters.to, true));
    const cursor = cursors[cursors.length - 1];
    if (cursor) params.set('cursor', cursor);
    prev.disabled = nextBtn.disabled = true;
    table.setAttribute('aria-busy', 'true');
    try {
      const page = await api.get(paths.orders(params));
      if (dead || gen !== generation) return;
      /** @type {Order[]} */
      const items = page.items || [];
      next = page.next || null;
      replace(list, items.map(row));
      table.hidden = items.length === 0;
      status.hidden = items.length > 0;
      status.textContent = cursors.length > 1 ? 'No more orders.' : 'No orders match these filters.';
      prev.disabled = cursors.length < 2;
      nextBtn.disabled = !next;
      pageNo.textContent = `Page ${cursors.length}`;
      root.dataset.loaded = String(gen);
    } catch (err) {
      if (dead || gen !== generation || signedOut(err)) return;
      status.hidden = false;
      status.textContent = 'The orders could not be loaded.';
      showError(err);
      prev.disabled = cursors.length < 2;
    } finally {
      if (gen === generation) table.removeAttribute('aria-busy');
    }
  }

  /** @param {Order} o */
  function row(o) {
    const href = `#/orders/${encodeURIComponent(o.id)}`;
    const p = perfs.get(o.performance_id);
    const tickets = o.tickets || [];
    const refundedSeats = tickets.filter((t) => t.status === 'refunded').length;
    const tr = h('tr', { class: 'click-row', dataset: { id: o.id, number: o.number } },
      h('th', { scope: 'row' }, h('a', { href, class: 'cell-strong order-link' }, o.number),
        o.notes ? h('span', { class: 'sub order-notes' }, o.notes) : null),
      h('td', { class: 'nowrap' }, dateTime(o.created_at)),
      h('td', { class: 'perf-cell', dataset: { perf: o.performance_id } }, p ? p.name : o.performance_id || passesText(o)),
      h('td', { class: 'buyer-cell' }, o.buyer?.name || h('span', { class: 'muted' }, '—'), o.buyer?.email ? h('span', { class: 'sub' }, o.buyer.email) : null),
      h('td', { class: 'num' }, count(tickets.length || o.seats.length), refundedSeats ? h('span', { class: 'sub' }, `${refundedSeats} refunded`) : null),
      h('td', { class: 'num' }, money(o.total, o.currency)),
      h('td', { class: 'num' }, o.refunded ? money(o.refunded, o.currency) : h('span', { class: 'muted' }, '—')),
      h('td', null, orderPill(o.status)),
      h('td', null, channelLabel(o.channel || '')));
    // The whole row opens the order; the number is the link for keyboards.
    tr.addEventListener('click', (e) => {
      if (!(/** @type {Element} */ (e.target).closest('a'))) location.hash = href;
    });
    return tr;
  }

  (async () => {
    try {
      const all = await loadPerformances();
      if (dead) return;
      for (const p of all) perfs.set(p.id, p);
      replace(perfSel, performanceOptions(all, 'All performances'));
      perfSel.value = filters.performance;
      for (const td of /** @type {NodeListOf<HTMLElement>} */ (list.querySelectorAll('td.perf-cell'))) {
        const p = perfs.get(td.dataset.perf || '');
        if (p) td.textContent = p.name;
      }
    } catch (err) {
      if (!dead && !signedOut(err)) showError(err);
    }
  })();
  load();
  return () => {
    dead = true;
    clearTimeout(buyerTimer);
  };
}

// ---- one order ----

const ACTIONS = /** @type {Record<string, string>} */ ({
  created: 'Created', paid: 'Paid', extended: 'Extended', annulled: 'Annulled',
  expired: 'Expired', refunded: 'Refunded', resent: 'E-mail sent again', reminded: 'Reminded of the deadline', printed: 'Tickets printed',
  payment_failed: 'Payment failed', payment_returned: 'Paid too late: money given back', refund_settled: 'Refund settled at the provider',
});
/** A payment's or refund's state at the provider. */
const PAY_STATES = /** @type {Record<string, string>} */ ({ pending: 'Pending', succeeded: 'Succeeded', failed: 'Failed', canceled: 'Cancelled' });
const MESSAGE_KINDS = /** @type {Record<string, string>} */ ({
  confirmation: 'Confirmation', reservation: 'Reservation', refund: 'Refund', resend: 'Sent again',
  reminder: 'Deadline reminder', reservation_ended: 'Reservation ended',
});
const METHODS = /** @type {Record<string, string>} */ ({ cash: 'Cash', card: 'Card', online: 'Online', none: 'None (no payment step)' });

/** @param {string} actor "staff:olga" or "buyer" */
function actorText(actor) {
  if (!actor) return 'System';
  if (actor === 'buyer') return 'Buyer';
  if (actor === 'system') return 'System';
  return actor.replace(/^staff:/, '');
}

/**
 * @param {HTMLElement} root
 * @param {string} id order id
 * @param {StaffUser} _user
 * @returns {() => void} unmount
 */
export function mountOrderPage(root, id, _user) {
  let dead = false;
  let generation = 0;
  document.title = 'Order · seatmap staff';
  /** @type {PerformanceInfo | null} */
  let perf = null;
  /** Seat names of the order's performance, by id (ids when the map cannot be had). */
  /** @type {Map<string, string>} */
  let names = new Map();
  /** The open refund form's key and the body it was last sent with. */
  /** @type {{key: string, body: string, settled: boolean} | null} */
  let refundAttempt = null;
  const body = h('div', { class: 'order-page-body' }, h('p', { class: 'shows-status' }, 'Loading the order…'));
  const notice = h('p', { class: 'notice', id: 'order-notice', role: 'status', hidden: true });
  replace(root, h('section', { class: 'staff-page order-page' },
    h('a', { class: 'back', href: '#/orders' }, '← All orders'),
    notice,
    body));

  /** @param {string} text */
  function say(text) {
    notice.textContent = text;
    notice.hidden = !text;
    if (text) announce(text);
  }

  async function load() {
    const gen = ++generation;
    /** @type {{order: Order, history: HistoryEvent[], refunds: Refund[], messages: Message[]}} */
    let d;
    try {
      d = await api.get(paths.orderHistory(id));
    } catch (err) {
      if (dead || gen !== generation || signedOut(err)) return;
      replace(body, h('div', { class: 'card' },
        h('h1', null, err instanceof api.ApiError && err.status === 404 ? 'Order not found' : 'The order could not be loaded'),
        h('p', { class: 'form-error' }, problemText(err))));
      return;
    }
    if (d.order.performance_id && (!perf || perf.id !== d.order.performance_id)) {
      try {
        perf = await api.get(paths.performance(d.order.performance_id));
      } catch {
        perf = null; // the order is what matters
      }
      names = await seatNames(d.order.performance_id).catch(() => new Map());
    }
    if (dead || gen !== generation) return;
    render(d);
  }

  /** @param {{order: Order, history: HistoryEvent[], refunds: Refund[], messages: Message[]}} d */
  function render(d) {
    const o = d.order;
    const cur = o.currency;
    document.title = `Order ${o.number} · seatmap staff`;
    const zones = perf ? zoneNames([perf]) : new Map();
    const tickets = o.tickets || o.seats.map((s) => ({ seat: s, zone: '', price: 0, status: 'live' }));
    const refundable = o.status === 'paid' || o.status === 'partially_refunded';
    const subtotal = o.subtotal ?? o.total + (o.discount || 0);
    const refunded = o.refunded || 0;

    /** @type {HTMLInputElement[]} */
    const boxes = [];
    const seatRows = tickets.map((t) => {
      const live = t.status === 'live' || !t.status;
      let box = null;
      if (refundable && live) {
        box = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', class: 'refund-seat', value: t.seat, 'aria-label': `Refund ${seatName(t.seat)}` }));
        boxes.push(box);
      }
      return h('tr', { dataset: { seat: t.seat, status: t.status || 'live' } },
        refundable ? h('td', { class: 'check-cell' }, box) : null,
        h('th', { scope: 'row' }, seatName(t.seat)),
        h('td', null, zones.get(t.zone) || t.zone,
          // The fare it was sold at (issue 16), when not the normal one.
          /** @type {any} */ (t).fare && /** @type {any} */ (t).fare !== 'normal'
            ? h('span', { class: 'ticket-fare-note', dataset: { fare: /** @type {any} */ (t).fare } }, ` · ${/** @type {any} */ (t).fare_name || /** @type {any} */ (t).fare}`)
            : null),
        h('td', { class: 'num' }, money(t.price, cur)),
        h('td', null, h('span', { class: `ticket-status ticket-${t.status || 'live'}` }, ticketStatus(t.status || 'live'))),
        h('td', { class: 'ticket-code-cell' }, t.code && live && t.id
          ? h('a', { href: paths.ticketQR(o.id, t.id), target: '_blank', rel: 'noopener', class: 'ticket-code-link', title: 'Open the ticket’s QR code',
            'aria-label': `QR code of ${seatName(t.seat)}, ticket code ${t.code.slice(0, 6)}…` }, `${t.code.slice(0, 6)}…`)
          : '—'));
    });

    // Passes: one box per refundable unit. A block card's cards (one line,
    // one unit) are refunded together, so its first card carries the box and
    // the box stands for all of them.
    const passes = /** @type {any[]} */ (/** @type {any} */ (o).passes || []);
    /** @type {Map<string, string[]>} */
    const units = new Map();
    for (const p of passes) {
      const k = `${p.line}.${p.unit}`;
      units.set(k, [...(units.get(k) || []), p.id]);
    }
    const passRows = passes.map((p) => {
      const ids = units.get(`${p.line}.${p.unit}`) || [p.id];
      const first = ids[0] === p.id;
      const live = p.state !== 'void' && p.state !== 'replaced';
      let box = null;
      if (refundable && live && first) {
        const what = ids.length > 1 ? `${p.product_name} (block of ${ids.length} cards)` : p.product_name;
        box = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', class: 'refund-pass', value: ids.join(' '), 'aria-label': `Refund ${what}` }));
        boxes.push(box);
      }
      return h('tr', { dataset: { pass: p.id, state: p.state } },
        refundable ? h('td', { class: 'check-cell' }, box) : null,
        h('th', { scope: 'row' }, h('a', { href: `#/passes/${encodeURIComponent(p.id)}` }, p.product_name),
          ids.length > 1 ? h('span', { class: 'sub' }, `card ${ids.indexOf(p.id) + 1} of ${ids.length}`) : null),
        h('td', null, p.holder?.name || '—'),
        h('td', { class: 'num' }, money(p.price, cur)),
        h('td', null, h('span', { class: `ticket-status pass-state-${p.state}` }, passState(p.state))),
        h('td', { class: 'ticket-code-cell' }, p.code && live
          ? h('a', { href: paths.passQR(o.id, p.id), target: '_blank', rel: 'noopener', class: 'ticket-code-link', title: 'Open the pass’s QR code',
            'aria-label': `QR code of ${p.product_name}, pass code ${p.code.slice(0, 6)}…` }, `${p.code.slice(0, 6)}…`)
          : '—'));
    });

    const facts = h('dl', { class: 'facts' },
      h('dt', null, 'Performance'),
      h('dd', null, perf && o.performance_id ? [h('strong', null, perf.name), h('br'), dateTime(perf.starts_at)] : o.performance_id || passesText(o)),
      h('dt', null, 'Buyer'),
      h('dd', null, o.buyer?.name || '—', o.buyer?.email ? [h('br'), h('a', { href: `mailto:${o.buyer.email}` }, o.buyer.email)] : null),
      h('dt', null, 'Made'),
      h('dd', null, dateTime(o.created_at), ' · ', channelLabel(o.channel || '')),
      h('dt', null, 'Payment'),
      h('dd', { id: 'order-payment' }, o.payment ? METHODS[o.payment.method] || o.payment.method
        : o.status === 'reserved' || o.status === 'pending_payment' ? 'Not paid yet' : '—'),
      o.deadline ? [h('dt', null, 'Pay by'), h('dd', { id: 'order-deadline' }, dateTime(o.deadline))] : null,
      o.notes ? [h('dt', null, 'Notes'), h('dd', { id: 'order-notes', class: 'order-notes' }, o.notes)] : null);

    const sums = h('dl', { class: 'facts sums', id: 'order-sums' },
      h('dt', null, 'Subtotal'), h('dd', { class: 'num', id: 'order-subtotal' }, money(subtotal, cur)),
      h('dt', null, o.voucher_code ? `Discount (${o.voucher_code})` : 'Discount'), h('dd', { class: 'num', id: 'order-discount' }, o.discount ? `−${money(o.discount, cur)}` : '—'),
      h('dt', null, 'Total'), h('dd', { class: 'num' }, h('strong', { id: 'order-total', dataset: { minor: String(o.total) } }, money(o.total, cur))),
      h('dt', null, 'Refunded'), h('dd', { class: 'num', id: 'order-refunded', dataset: { minor: String(refunded) } }, refunded ? money(refunded, cur) : '—'),
      refunded ? [h('dt', null, 'Kept'), h('dd', { class: 'num' }, money(o.total - refunded, cur))] : null);

    replace(body,
      h('div', { class: 'order-page-head' },
        h('h1', null, 'Order ', h('span', { id: 'order-number', class: 'order-number-inline' }, o.number)),
        h('span', { id: 'order-status' }, orderPill(o.status))),
      h('div', { class: 'order-page-grid' },
        h('div', { class: 'order-page-main' },
          h('div', { class: 'card' }, h('h2', null, 'Order'), facts),
          passes.length ? h('div', { class: 'card' },
            h('h2', null, passes.length === 1 ? 'Pass' : `Passes (${passes.length})`),
            h('div', { class: 'table-scroll', tabindex: '0' }, h('table', { class: 'data-table', id: 'order-passes' },
              h('caption', { class: 'sr-only' }, 'Passes of the order'),
              h('thead', null, h('tr', null,
                refundable ? h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Refund')) : null,
                h('th', { scope: 'col' }, 'Product'), h('th', { scope: 'col' }, 'Holder'),
                h('th', { scope: 'col', class: 'num' }, 'Price'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Code'))),
              h('tbody', null, passRows))),
            tickets.length ? null : sums) : null,
          tickets.length || !passes.length ? h('div', { class: 'card' },
            h('h2', null, tickets.length === 1 ? 'Seat' : `Seats (${tickets.length})`),
            h('div', { class: 'table-scroll', tabindex: '0' }, h('table', { class: 'data-table', id: 'order-seats' },
              h('caption', { class: 'sr-only' }, 'Seats of the order'),
              h('thead', null, h('tr', null,
                refundable ? h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Refund')) : null,
                h('th', { scope: 'col' }, 'Seat'), h('th', { scope: 'col' }, 'Zone · fare'),
                h('th', { scope: 'col', class: 'num' }, 'Price'), h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Ticket'))),
              h('tbody', null, seatRows))),
            sums) : null,
          refundsCard(d.refunds, cur),
          o.payments && o.payments.length ? paymentsCard(o.payments) : null,
          historyCard(d.history),
          messagesCard(d.messages)),
        h('div', { class: 'order-page-side' },
          refundable ? refundForm(o, boxes) : null,
          o.status === 'reserved' ? reservationCard(o) : null,
          (o.status === 'paid' || o.status === 'partially_refunded') && (o.tickets || []).length ? printCard(o) : null,
          resendCard(o))));
  }

  /** @param {string} id */
  function seatName(id) {
    return names.get(id) || id;
  }

  /** @param {string} s */
  function ticketStatus(s) {
    return s === 'live' ? 'Valid' : s === 'refunded' ? 'Refunded' : s === 'void' ? 'Void' : s;
  }

  /**
   * @param {Refund[]} refunds
   * @param {string} cur
   */
  function refundsCard(refunds, cur) {
    return h('div', { class: 'card' },
      h('h2', null, 'Refunds'),
      refunds.length ? h('div', { class: 'table-scroll', tabindex: '0' }, h('table', { class: 'data-table', id: 'order-refunds' },
        h('caption', { class: 'sr-only' }, 'Refunds'),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col', class: 'num' }, 'Amount'), h('th', { scope: 'col' }, 'Seats'),
          h('th', { scope: 'col' }, 'Method'), h('th', { scope: 'col' }, 'Reason'), h('th', { scope: 'col' }, 'By'))),
        h('tbody', null, refunds.map((r) => h('tr', { dataset: { id: r.id } },
          h('td', { class: 'nowrap' }, dateTime(r.created_at)),
          h('td', { class: 'num' }, money(r.amount, cur)),
          h('td', null, r.seats.length ? r.seats.map(seatName).join('; ') : h('span', { class: 'muted' }, 'Money only')),
          h('td', null, METHODS[r.method] || r.method),
          h('td', null, r.reason),
          h('td', null, actorText(r.actor)))))))
        : h('p', { class: 'hint' }, 'Nothing refunded.'));
  }

  /**
   * The order's payments and refunds at the payment provider, with the
   * provider's ids (for reconciliation and the provider's dashboard).
   * @param {{id: string, kind: string, provider: string, provider_id: string, refund_id?: string, status: string,
   *   amount: number, currency: string, reason?: string, created_at: string, updated_at: string}[]} rows
   */
  function paymentsCard(rows) {
    return h('div', { class: 'card' },
      h('h2', null, 'Payments at the provider'),
      h('div', { class: 'table-scroll', tabindex: '0' }, h('table', { class: 'data-table', id: 'order-provider-payments' },
        h('caption', { class: 'sr-only' }, 'Payments and refunds at the payment provider'),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'What'), h('th', { scope: 'col', class: 'num' }, 'Amount'),
          h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Provider'))),
        h('tbody', null, rows.map((p) => h('tr', { dataset: { id: p.id, kind: p.kind, status: p.status } },
          h('td', { class: 'nowrap' }, dateTime(p.updated_at || p.created_at)),
          h('td', null, p.kind === 'refund' ? 'Refund' : 'Payment', p.reason ? h('span', { class: 'sub' }, p.reason) : null),
          h('td', { class: 'num' }, `${p.kind === 'refund' ? '−' : ''}${money(p.amount, p.currency)}`),
          h('td', null, PAY_STATES[p.status] || p.status),
          h('td', null, p.provider, p.provider_id ? h('span', { class: 'sub' }, h('code', null, p.provider_id)) : null)))))));
  }

  /** @param {HistoryEvent[]} history */
  function historyCard(history) {
    return h('div', { class: 'card' },
      h('h2', null, 'History'),
      history.length ? h('ol', { class: 'timeline', id: 'order-history' }, history.map((e) => h('li', { dataset: { action: e.action } },
        h('div', { class: 'timeline-head' },
          h('strong', null, ACTIONS[e.action] || e.action),
          e.status ? orderPill(e.status) : null,
          h('span', { class: 'muted' }, `${dateTime(e.at)} · ${actorText(e.actor)}`)),
        e.reason ? h('p', { class: 'timeline-reason' }, `“${e.reason}”`) : null,
        e.detail ? h('p', { class: 'hint' }, e.detail) : null)))
        : h('p', { class: 'hint' }, 'No history recorded.'));
  }

  /** @param {Message[]} messages */
  function messagesCard(messages) {
    return h('div', { class: 'card' },
      h('h2', null, 'E-mails'),
      messages.length ? h('div', { class: 'table-scroll', tabindex: '0' }, h('table', { class: 'data-table', id: 'order-messages' },
        h('caption', { class: 'sr-only' }, 'E-mails to the buyer'),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'Kind'), h('th', { scope: 'col' }, 'To'), h('th', { scope: 'col' }, 'Subject'),
          h('th', { scope: 'col' }, 'Queued'), h('th', { scope: 'col' }, 'Sent'))),
        h('tbody', null, messages.map((m) => h('tr', { dataset: { id: m.id, sent: m.sent_at ? 'true' : 'false' } },
          h('td', null, MESSAGE_KINDS[m.kind] || m.kind),
          h('td', null, m.to),
          h('td', null, m.subject),
          h('td', { class: 'nowrap' }, dateTime(m.created_at)),
          h('td', null, m.sent_at
            ? h('span', { class: 'sent-ok' }, `Sent ${dateTime(m.sent_at)}`)
            : h('span', { class: 'sent-pending' }, m.gave_up ? `Not sent: given up after ${m.attempts} tries; correct the address and send again`
              : m.attempts ? `Not sent yet (${m.attempts} ${m.attempts === 1 ? 'try' : 'tries'})` : 'Waiting to be sent',
              m.last_error ? h('span', { class: 'sub' }, m.last_error) : null)))))))
        : h('p', { class: 'hint' }, 'No e-mails: the buyer gave no address.'));
  }

  /**
   * The refund form: chosen seats (their share of what was paid) or an amount.
   * @param {Order} o
   * @param {HTMLInputElement[]} boxes the live tickets' checkboxes
   */
  function refundForm(o, boxes) {
    const cur = o.currency;
    const left = o.total - (o.refunded || 0);
    // One key for as long as this form is open (see refundAttempt).
    if (!refundAttempt) refundAttempt = { key: api.uuid(), body: '', settled: false };
    const bySeats = /** @type {HTMLInputElement} */ (h('input', { type: 'radio', name: 'refund-kind', id: 'refund-by-seats', value: 'seats', checked: true }));
    const byAmount = /** @type {HTMLInputElement} */ (h('input', { type: 'radio', name: 'refund-kind', id: 'refund-by-amount', value: 'amount' }));
    const amount = /** @type {HTMLInputElement} */ (h('input', { id: 'refund-amount', type: 'text', inputmode: 'decimal', autocomplete: 'off', placeholder: amountPlaceholder(cur), disabled: true, 'aria-describedby': 'refund-amount-hint' }));
    const reason = /** @type {HTMLInputElement} */ (h('input', { id: 'refund-reason', type: 'text', required: true, maxlength: '500', placeholder: 'e.g. Buyer is ill' }));
    const method = /** @type {HTMLSelectElement} */ (h('select', { id: 'refund-method' },
      Object.entries(METHODS).map(([v, label]) => h('option', { value: v }, label))));
    method.value = o.payment?.method && METHODS[o.payment.method] ? o.payment.method : o.channel === 'web' ? 'online' : 'cash';
    const chosen = h('p', { class: 'hint', id: 'refund-chosen' }, 'Tick the seats or passes to refund in the lists.');
    const error = h('p', { class: 'form-error', id: 'refund-error', role: 'alert', hidden: true });
    const button = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'refund-button', class: 'btn btn-danger btn-block' }, 'Refund'));

    const seats = () => boxes.filter((b) => b.checked && b.classList.contains('refund-seat')).map((b) => b.value);
    const passIds = () => boxes.filter((b) => b.checked && b.classList.contains('refund-pass')).flatMap((b) => b.value.split(' '));
    const things = () => boxes.filter((b) => b.checked).length;
    const update = () => {
      amount.disabled = !byAmount.checked;
      for (const b of boxes) b.disabled = byAmount.checked;
      const n = seats().length;
      const np = boxes.filter((b) => b.checked && b.classList.contains('refund-pass')).length;
      const parts = [n ? `${n} seat${n === 1 ? '' : 's'} (back on sale)` : '', np ? `${np} pass${np === 1 ? '' : 'es'} (void at once)` : ''].filter(Boolean);
      chosen.textContent = byAmount.checked ? 'An amount, without giving back seats or passes.'
        : parts.length ? `Chosen: ${parts.join(' and ')}.` : 'Tick the seats or passes to refund in the lists.';
    };
    for (const b of boxes) b.addEventListener('change', update);
    bySeats.addEventListener('change', update);
    byAmount.addEventListener('change', () => { update(); amount.focus(); });

    const form = h('form', { class: 'card side-form', id: 'refund-form', novalidate: true, 'aria-labelledby': 'refund-title', onsubmit: async (/** @type {Event} */ e) => {
      e.preventDefault();
      if (button.disabled) return;
      /** @type {{seats?: string[], passes?: string[], amount?: number, reason: string, method: string}} */
      const req = { reason: reason.value.trim(), method: method.value };
      let msg = '';
      /** @type {HTMLElement | undefined} */
      let at;
      if (byAmount.checked) {
        const minor = parseMoney(amount.value, cur);
        if (minor === null || minor <= 0) msg = `Enter the amount to refund. ${amountHelp(cur)}`;
        else if (minor > left) msg = `At most ${money(left, cur)} is left to refund.`;
        else req.amount = minor;
        at = amount;
      } else {
        req.seats = seats();
        const ps = passIds();
        if (ps.length) req.passes = ps;
        if (!things()) msg = 'Choose the seats or passes to refund.';
        at = boxes[0];
      }
      if (!msg && !req.reason) {
        msg = 'Say why the order is refunded.';
        at = reason;
      }
      error.textContent = msg;
      error.hidden = !msg;
      if (msg) {
        at?.focus();
        return;
      }
      const text = JSON.stringify(req);
      // A refused request changed nothing, so a changed one may take a new
      // key; after a lost answer the key stays, and the server refuses a
      // different body under it rather than refund twice.
      if (refundAttempt && refundAttempt.body && refundAttempt.body !== text && refundAttempt.settled) {
        refundAttempt = { key: api.uuid(), body: '', settled: false };
      }
      const attempt = refundAttempt || (refundAttempt = { key: api.uuid(), body: '', settled: false });
      attempt.body = text;
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
      button.textContent = 'Refunding…';
      try {
        /** @type {{refund: Refund, order: Order}} */
        const r = await api.post(paths.orderRefunds(o.id), req, { 'Idempotency-Key': attempt.key });
        if (dead) return;
        refundAttempt = null; // done: the next refund is a new one
        clearError();
        const rp = /** @type {any} */ (r.refund).passes?.length || 0;
        say(`Refunded ${money(r.refund.amount, cur)}${r.refund.seats.length ? ` for ${r.refund.seats.length} seat${r.refund.seats.length === 1 ? '' : 's'}, back on sale` : ''}${rp ? ` for ${rp} pass${rp === 1 ? '' : 'es'}` : ''}. The order is ${orderStatus(r.order.status).toLowerCase()}.`);
        await load();
      } catch (err) {
        if (dead || signedOut(err)) return;
        attempt.settled = err instanceof api.ApiError && err.status >= 400 && err.status < 500 && err.status !== 429;
        error.textContent = problemText(err);
        error.hidden = false;
      } finally {
        button.disabled = false;
        button.removeAttribute('aria-busy');
        button.textContent = 'Refund';
      }
    } },
    h('h2', { id: 'refund-title' }, 'Refund'),
    h('p', { class: 'hint' }, `${money(left, cur)} left to refund.`),
    h('fieldset', { class: 'choice' },
      h('legend', { class: 'sr-only' }, 'What to refund'),
      h('label', { class: 'check' }, bySeats, ' Chosen seats and passes'),
      h('label', { class: 'check' }, byAmount, ' An amount')),
    chosen,
    h('div', { class: 'field' }, h('label', { for: 'refund-amount' }, `Amount (${cur})`), amount,
      h('p', { class: 'hint', id: 'refund-amount-hint' }, `In ${cur}, e.g. ${amountExample(cur)}.`)),
    h('div', { class: 'field' }, h('label', { for: 'refund-reason' }, 'Reason'), reason),
    h('div', { class: 'field' }, h('label', { for: 'refund-method' }, 'Paid back by'), method),
    error,
    button);
    update();
    return form;
  }

  /**
   * Extend, pay or annul a reservation.
   * @param {Order} o
   */
  function reservationCard(o) {
    const days = /** @type {HTMLSelectElement} */ (h('select', { id: 'reservation-days' },
      [1, 2, 3, 7, 14].map((n) => h('option', { value: String(n) }, `${n} day${n === 1 ? '' : 's'} more`))));
    const reason = /** @type {HTMLInputElement} */ (h('input', { id: 'reservation-reason', type: 'text', maxlength: '500', placeholder: 'Optional for extend and annul' }));
    const method = /** @type {HTMLSelectElement} */ (h('select', { id: 'reservation-method' }, h('option', { value: 'cash' }, 'Cash'), h('option', { value: 'card' }, 'Card')));
    const error = h('p', { class: 'form-error', id: 'reservation-error', role: 'alert', hidden: true });
    const extend = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'reservation-extend', class: 'btn btn-secondary' }, 'Extend'));
    const pay = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'reservation-pay', class: 'btn btn-primary' }, 'Take payment'));
    const annul = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'reservation-annul', class: 'btn btn-danger' }, 'Annul'));
    const all = [extend, pay, annul];

    /**
     * @param {HTMLButtonElement} btn
     * @param {() => Promise<string>} fn returns the notice
     */
    const act = async (btn, fn) => {
      for (const b of all) b.disabled = true;
      btn.setAttribute('aria-busy', 'true');
      error.hidden = true;
      try {
        const text = await fn();
        if (dead || !text) return;
        clearError();
        say(text);
        await load();
      } catch (err) {
        if (dead || signedOut(err)) return;
        error.textContent = problemText(err);
        error.hidden = false;
      } finally {
        for (const b of all) b.disabled = false;
        btn.removeAttribute('aria-busy');
      }
    };
    extend.addEventListener('click', () => act(extend, async () => {
      /** @type {Order} */
      const r = await api.post(paths.orderExtend(o.id), { days: Number(days.value), reason: reason.value.trim() });
      return `Reservation extended until ${dateTime(r.deadline || '')}.`;
    }));
    pay.addEventListener('click', () => act(pay, async () => {
      /** @type {Order} */
      const r = await api.post(paths.orderPay(o.id), { method: method.value });
      return `Paid by ${METHODS[method.value].toLowerCase()}: ${money(r.total, r.currency)}. The seats are sold.`;
    }));
    annul.addEventListener('click', () => act(annul, async () => {
      if (!window.confirm(`Annul reservation ${o.number}? Its seats go back on sale.`)) return '';
      await api.post(paths.orderAnnul(o.id), { reason: reason.value.trim() });
      return 'Reservation annulled: its seats are free again.';
    }));
    return h('div', { class: 'card side-form', id: 'reservation-card' },
      h('h2', null, 'Reservation'),
      h('p', { class: 'hint' }, o.deadline ? `To be paid by ${dateTime(o.deadline)}.` : 'Not paid yet.'),
      h('div', { class: 'field' }, h('label', { for: 'reservation-reason' }, 'Reason'), reason),
      h('div', { class: 'inline-form' }, h('div', { class: 'field' }, h('label', { for: 'reservation-days' }, 'Extend by'), days), extend),
      h('div', { class: 'inline-form' }, h('div', { class: 'field' }, h('label', { for: 'reservation-method' }, 'Payment'), method), pay),
      annul,
      error);
  }

  /** @param {Order} o */
  function resendCard(o) {
    const error = h('p', { class: 'form-error', id: 'resend-error', role: 'alert', hidden: true });
    const button = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'resend-button', class: 'btn btn-secondary btn-block' }, 'Send the e-mail again'));
    button.addEventListener('click', async () => {
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
      error.hidden = true;
      try {
        /** @type {Message} */
        const m = await api.post(paths.orderResend(o.id), {});
        if (dead) return;
        say(`The e-mail to ${m.to} is queued.`);
        await load();
      } catch (err) {
        if (dead || signedOut(err)) return;
        error.textContent = problemText(err);
        error.hidden = false;
      } finally {
        button.disabled = false;
        button.removeAttribute('aria-busy');
      }
    });
    return h('div', { class: 'card side-form' },
      h('h2', null, 'E-mail'),
      o.buyer?.email ? h('p', { class: 'hint' }, `The order, as it is now, to ${o.buyer.email}.`) : h('p', { class: 'hint' }, 'The buyer gave no e-mail address.'),
      button,
      error);
  }

  /**
   * Hard tickets: the box office prints a paid order's tickets; each keeps
   * when it was first printed, and every print is in the history.
   * @param {Order} o
   */
  function printCard(o) {
    const tickets = /** @type {any[]} */ (o.tickets || []).filter((t) => t.status === 'live' || !t.status);
    const done = tickets.filter((t) => t.printed_at);
    const error = h('p', { class: 'form-error', id: 'print-error', role: 'alert', hidden: true });
    const button = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'print-button', class: 'btn btn-secondary btn-block' },
      done.length ? 'Print the tickets again' : 'Print the tickets'));
    button.addEventListener('click', async () => {
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
      error.hidden = true;
      try {
        await api.post(paths.orderPrint(o.id), {});
        if (dead) return;
        say(`${tickets.length} ticket${tickets.length === 1 ? '' : 's'} printed.`);
        // The browser's print dialog holds the page: not in automated runs.
        if (!navigator.webdriver) window.print();
        await load();
      } catch (err) {
        if (dead || signedOut(err)) return;
        error.textContent = problemText(err);
        error.hidden = false;
      } finally {
        button.disabled = false;
        button.removeAttribute('aria-busy');
      }
    });
    const first = done.map((t) => t.printed_at).sort()[0];
    return h('div', { class: 'card side-form', id: 'print-card' },
      h('h2', null, 'Hard tickets'),
      h('p', { class: 'hint', id: 'print-status', dataset: { printed: String(done.length) } },
        done.length ? `${done.length} of ${tickets.length} printed, first on ${dateTime(first)}.` : 'Not printed yet.'),
      button,
      error);
  }

  load();
  return () => { dead = true; };
}
