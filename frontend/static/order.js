// The order page (#/order/{id}, or #/order/{id}?key=… from the e-mail's link):
// the order number, big enough to read out at the door, the performance at
// the venue's time, and one ticket per seat: the seat as people say it, its
// price, and its code with a QR code for the gate. Everything comes from the
// server, so the page works in a new tab and, with the key, on any device.
//
// An order still waiting for its payment shows the payment step (pay.js) while
// its window is open, and turns into the paid order, tickets and all, once the
// payment arrives; one whose payment failed says so and leads back to the
// performance. The order's payments and refunds at the provider are listed.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, dateTime, orderStatus, passState } from './format.js';
import { showError, announce } from './notify.js';
import { PaymentStep, failedText, paymentHistory, orderLink } from './pay.js';

/**
 * @typedef {{id: string, seat: string, code: string | null, seat_label?: string, section?: string, row?: string,
 *   number?: string, zone: string, price: number, status: string, series?: string, ticket_number?: string, fare?: string, fare_name?: string}} Ticket
 * @typedef {{id: string, code: string | null, state: string, product_id: string, product_name: string, kind: string,
 *   price: number, valid_from: string | null, valid_to: string | null, personalize: boolean}} Pass
 * @typedef {{id: string, number: string, status: string, performance_id: string, seats: string[], tickets: Ticket[],
 *   passes?: Pass[], personalize_url?: string,
 *   subtotal?: number, discount?: number, voucher_code?: string | null, total: number, refunded?: number, currency: string,
 *   buyer?: {name: string, email: string}, access_key?: string, payment?: import('./pay.js').Payment | null,
 *   payments?: import('./pay.js').PaymentRow[], deadline?: string | null}} Order
 */

/** The order's key from the page's address (#/order/{id}?key=…), or ''. */
function keyFromAddress() {
  const q = location.hash.split('?')[1] || '';
  return new URLSearchParams(q).get('key') || '';
}

/**
 * A code grouped by four for people to read: "ABCD EFGH …", as in the e-mail.
 * @param {string} code
 */
function grouped(code) {
  return code.replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * @param {Order} order
 * @param {Ticket} t
 * @param {string} key
 */
function ticketCard(order, t, key) {
  const name = t.seat_label || t.seat;
  const valid = t.status === 'live' && !!t.code;
  return h('li', { class: `ticket ticket-${t.status}`, dataset: { ticket: t.id, seat: t.seat } },
    h('div', { class: 'ticket-head' },
      h('strong', { class: 'ticket-seat' }, name),
      h('span', { class: 'ticket-price' }, money(t.price, order.currency))),
    t.ticket_number ? h('p', { class: 'ticket-form muted' }, `Ticket No. ${t.ticket_number}`) : null,
    // The fare it was sold at (issue 16), when not the normal one.
    t.fare && t.fare !== 'normal' ? h('p', { class: 'ticket-fare muted', dataset: { fare: t.fare } }, `Fare: ${t.fare_name || t.fare}`) : null,
    valid
      ? h('div', { class: 'ticket-body' },
        h('img', {
          class: 'ticket-qr', src: paths.ticketQR(order.id, t.id, key), width: '160', height: '160',
          alt: `QR code of the ticket for ${name}`,
        }),
        h('p', { class: 'ticket-code-line' },
          h('span', { class: 'ticket-code-label' }, 'Ticket code '),
          h('code', { class: 'ticket-code', dataset: { code: t.code || '' } }, grouped(t.code || ''))))
      : h('p', { class: 'ticket-note muted' },
        t.status === 'refunded' ? 'Refunded: this ticket is no longer valid.'
          : t.status === 'void' ? 'Void: this ticket is not valid.'
            : 'The ticket and its code come once the order is paid.'));
}

/**
 * @param {Order} order
 * @param {Pass} p
 * @param {string} key
 */
function passCard(order, p, key) {
  const valid = !!p.code && !['void', 'blocked', 'replaced', 'expired'].includes(p.state);
  const validity = p.valid_from || p.valid_to ? `Valid ${p.valid_from || '…'} to ${p.valid_to || '…'}` : 'Valid from its first use';
  return h('li', { class: `ticket pass pass-${p.state}`, dataset: { pass: p.id, state: p.state } },
    h('div', { class: 'ticket-head' },
      h('strong', { class: 'ticket-seat' }, p.product_name),
      h('span', { class: 'ticket-price' }, money(p.price, order.currency))),
    h('p', { class: 'pass-facts muted' }, `${passState(p.state)} · ${validity}`),
    valid
      ? h('div', { class: 'ticket-body' },
        h('img', {
          class: 'ticket-qr pass-qr', src: paths.passQR(order.id, p.id, key), width: '160', height: '160',
          alt: `QR code of the pass ${p.product_name}`,
        }),
        h('p', { class: 'ticket-code-line' },
          h('span', { class: 'ticket-code-label' }, 'Pass code '),
          h('code', { class: 'ticket-code pass-code', dataset: { code: p.code || '' } }, grouped(p.code || ''))))
      : h('p', { class: 'ticket-note muted' },
        p.state === 'void' ? 'Void: this pass is not valid.'
          : p.state === 'blocked' ? 'Blocked: this pass is not valid at the moment.'
            : p.state === 'replaced' ? 'Replaced by a new card: this one is not valid any more.'
              : p.state === 'expired' ? 'Expired.'
            : 'The pass and its code come once the order is paid.'));
}

/**
 * @param {HTMLElement} root
 * @param {string} id order id
 * @returns {() => void} unmount
 */
export function mountOrder(root, id) {
  let dead = false;
  /** @type {PaymentStep | null} */
  let step = null;
  /** @type {{name: string, starts_at: string, time_zone?: string} | null} */
  let perf = null;
  replace(root, h('section', { class: 'order' }, h('p', { class: 'shows-status' }, 'Loading your order…')));
  const key = keyFromAddress();

  (async () => {
    /** @type {Order} */
    let order;
    try {
      order = await api.get(paths.order(id, key));
    } catch (err) {
      if (dead) return;
      const notFound = err instanceof api.ApiError && err.status === 404;
      replace(root, h('section', { class: 'order' },
        h('h1', null, notFound ? 'Order not found' : 'Your order could not be loaded'),
        h('p', null, notFound
          ? 'Open it with the link in your confirmation e-mail: it works on any device. An order without that link shows only in the browser it was made in.'
          : 'Please try again in a moment. Your confirmation e-mail has all the details.'),
        h('p', null, h('a', { href: '#/' }, 'Back to all performances'))));
      if (!notFound) showError(err);
      return;
    }
    if (order.performance_id) {
      try {
        perf = await api.get(paths.performance(order.performance_id));
      } catch {
        perf = null; // the order itself is what matters
      }
    }
    if (dead) return;
    show(order, false);
  })();

  /**
   * Shows the order; again when its payment settles (then focus and an
   * announcement say so).
   * @param {Order} order
   * @param {boolean} changed
   */
  function show(order, changed) {
    step?.destroy();
    step = null;
    const pending = order.status === 'pending_payment';
    const failed = order.status === 'payment_failed';
    if (pending && order.payment) {
      step = new PaymentStep(/** @type {any} */ (order), {
        key,
        returnURL: orderLink(order) || location.href,
        headingLevel: 'h2',
        onSettled: (o) => {
          if (!dead) show(o, true);
        },
      });
    }
    const discount = order.discount || 0;
    const refunded = order.refunded || 0;
    const tickets = order.tickets || [];
    const passes = order.passes || [];
    const seats = !!order.performance_id;
    const link = orderLink(order);
    const heading = h('h1', { id: 'order-title', tabindex: '-1' }, order.status === 'paid'
      ? (seats ? 'Thank you, your tickets are booked' : 'Thank you, your passes are booked')
      : pending ? 'Your order is waiting for its payment'
        : failed ? 'Payment not completed' : 'Your order');
    document.title = `Order ${order.number} · seatmap`;
    replace(root, h('section', { class: 'order', 'aria-labelledby': 'order-title', dataset: { status: order.status } },
      h('div', { class: 'order-card' },
        order.status === 'paid' ? h('div', { class: 'order-ok', 'aria-hidden': 'true' }, '✓') : null,
        heading,
        failed
          ? h('div', { class: 'pay-failed', id: 'pay-failed' },
            h('p', { id: 'pay-failed-text' }, failedText(/** @type {any} */ (order))),
            h('p', null, seats
              ? h('a', { id: 'back-to-performance', class: 'btn btn-primary', href: `#/p/${encodeURIComponent(order.performance_id)}` }, 'Choose seats again')
              : h('a', { id: 'back-to-shop', class: 'btn btn-primary', href: '#/shop' }, 'Back to the passes')))
          : pending
            ? h('p', { class: 'order-sub' }, seats
              ? 'Your seats are kept for you while you pay. The tickets and their codes come once the payment arrives.'
              : 'Your passes and their codes come once the payment arrives.')
            : h('p', { class: 'order-sub' }, `A confirmation was sent to ${order.buyer?.email || 'your e-mail address'}.`),
        step ? step.el : null,
        h('div', { class: 'order-number-box' },
          h('span', { class: 'order-number-label' }, 'Order number'),
          h('span', { id: 'order-number', class: 'order-number' }, order.number)),
        h('dl', { class: 'order-facts' },
          perf ? [h('dt', null, 'Performance'), h('dd', null, h('strong', null, perf.name), h('br'),
            h('span', { id: 'order-when' }, dateTime(perf.starts_at, perf.time_zone)))] : null,
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
        failed || !tickets.length ? null : [
          h('h2', { class: 'tickets-title' }, tickets.length === 1 ? 'Your ticket' : `Your tickets (${tickets.length})`),
          tickets.some((t) => t.status === 'live' && t.code)
            ? h('p', { class: 'order-sub' },
              h('a', { id: 'order-tickets-pdf', class: 'button', href: paths.ticketsPDF(order.id, key), download: `tickets-${order.number}.pdf` },
                'Download tickets (PDF)'),
              ' to print or keep on your phone. ',
              h('a', { id: 'order-invoice-pdf', href: paths.invoicePDF(order.id, key), download: `invoice-${order.number}.pdf` }, 'Invoice (PDF)'))
            : null,
          h('ul', { id: 'order-tickets', class: 'tickets' }, tickets.map((t) => ticketCard(order, t, key)))],
        failed || !passes.length ? null : [
          h('h2', { class: 'tickets-title' }, passes.length === 1 ? 'Your pass' : `Your passes (${passes.length})`),
          order.personalize_url
            ? h('p', { id: 'order-personalize', class: 'order-sub' }, 'Passes marked “to be personalized” need their holder’s name before they are made: ',
              h('a', { id: 'order-personalize-link', href: `#/personalize/${encodeURIComponent(order.personalize_url.replace(/^.*\//, ''))}` }, 'personalize them here'),
              ' (the link is in your confirmation e-mail too).')
            : null,
          h('ul', { id: 'order-passes', class: 'tickets' }, passes.map((p) => passCard(order, p, key)))],
        paymentHistory(/** @type {any} */ (order)),
        link ? h('p', { class: 'order-link no-print' }, 'To open this order on another device, use the link in your e-mail or ',
          h('a', { id: 'order-link', href: link }, 'this link'), '. Keep it to yourself: whoever has it can open the order.') : null,
        h('div', { class: 'btn-row no-print' },
          h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => window.print() }, 'Print'),
          h('a', { class: 'btn btn-ghost', href: seats ? '#/' : '#/shop' }, seats ? 'More performances' : 'More passes')))));
    if (!changed) return;
    if (order.status === 'paid') {
      heading.focus();
      announce(seats ? 'Payment received. Your tickets are booked.' : 'Payment received. Your passes are booked.');
    } else if (failed) {
      heading.focus();
      announce(failedText(/** @type {any} */ (order)));
    }
  }

  return () => {
    dead = true;
    step?.destroy();
  };
}
