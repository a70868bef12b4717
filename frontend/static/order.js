// The confirmation page (#/order/{id}): the order number, big enough to read out
// at the door, the performance, seats, what was paid (with a code's discount)
// and buyer.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, dateTime, orderStatus } from './format.js';
import { showError } from './notify.js';

/** @typedef {import('./checkout.js').Order} Order */

/**
 * @param {HTMLElement} root
 * @param {string} id order id
 * @returns {() => void} unmount
 */
export function mountOrder(root, id) {
  let dead = false;
  replace(root, h('section', { class: 'order' }, h('p', { class: 'shows-status' }, 'Loading your order…')));

  (async () => {
    /** @type {{labels?: Record<string, string>, performance?: {name: string, starts_at: string}} | null} */
    let saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(`seatmap.order.${id}`) || 'null');
    } catch {
      saved = null;
    }
    /** @type {Order} */
    let order;
    try {
      order = await api.get(paths.order(id));
    } catch (err) {
      if (dead) return;
      replace(root, h('section', { class: 'order' },
        h('h1', null, err instanceof api.ApiError && err.status === 404 ? 'Order not found' : 'Your order could not be loaded'),
        h('p', null, 'Orders can be viewed from the browser they were made in. Your confirmation e-mail has all the details.'),
        h('p', null, h('a', { href: '#/' }, 'Back to all performances'))));
      showError(err);
      return;
    }
    let perf = saved?.performance || null;
    if (!perf) {
      try {
        perf = await api.get(paths.performance(order.performance_id));
      } catch {
        perf = null; // the order itself is what matters
      }
    }
    if (dead) return;
    const labels = saved?.labels || {};
    const discount = order.discount || 0;
    const refunded = order.refunded || 0;
    document.title = `Order ${order.number} · seatmap`;
    replace(root, h('section', { class: 'order', 'aria-labelledby': 'order-title' },
      h('div', { class: 'order-card' },
        h('div', { class: 'order-ok', 'aria-hidden': 'true' }, '✓'),
        h('h1', { id: 'order-title' }, order.status === 'paid' ? 'Thank you, your tickets are booked' : 'Your order'),
        h('p', { class: 'order-sub' }, `A confirmation was sent to ${order.buyer?.email || 'your e-mail address'}.`),
        h('div', { class: 'order-number-box' },
          h('span', { class: 'order-number-label' }, 'Order number'),
          h('span', { id: 'order-number', class: 'order-number' }, order.number)),
        h('dl', { class: 'order-facts' },
          perf ? [h('dt', null, 'Performance'), h('dd', null, h('strong', null, perf.name), h('br'), dateTime(perf.starts_at))] : null,
          h('dt', null, order.seats.length === 1 ? 'Seat' : `Seats (${order.seats.length})`),
          h('dd', null, h('ul', { class: 'order-seats' }, order.seats.map((s) => h('li', null, labels[s] || s)))),
          discount > 0 ? [
            h('dt', null, 'Subtotal'),
            h('dd', { id: 'order-subtotal' }, money(order.subtotal ?? order.total + discount, order.currency)),
            h('dt', null, 'Discount'),
            h('dd', { id: 'order-discount' }, `−${money(discount, order.currency)}`, order.voucher_code ? h('span', { class: 'muted' }, ` · code ${order.voucher_code}`) : null),
          ] : null,
          h('dt', null, 'Total'),
          h('dd', null, h('strong', { class: 'order-total', id: 'order-total', dataset: { minor: String(order.total) } }, money(order.total, order.currency)),
            order.status === 'paid' ? ' · paid' : ` · ${orderStatus(order.status).toLowerCase()}`),
          refunded > 0 ? [h('dt', null, 'Refunded'), h('dd', { id: 'order-refunded' }, money(refunded, order.currency))] : null,
          order.buyer ? [h('dt', null, 'Buyer'), h('dd', null, order.buyer.name, h('br'), order.buyer.email)] : null),
        h('div', { class: 'btn-row no-print' },
          h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => window.print() }, 'Print'),
          h('a', { class: 'btn btn-ghost', href: '#/' }, 'More performances')))));
  })();

  return () => { dead = true; };
}
