// Payments at the provider (#/payments): every payment and refund made in the
// days chosen, with its order, for matching against the provider's own
// records; and the reconciliation — "Check now" asks the server to match them
// against the orders for those days, and the last daily check (yesterday, run
// by seatd each day) is shown with what it found. Organizers and admins check;
// the box office sees the list.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, dateTime, dateLong, count, inputDate } from './format.js';
import { showError, announce } from './notify.js';
import { signedOut, may } from './session.js';
import { venueDayStart } from './catalog.js';
import { orderPill } from './orders.js';

/**
 * @typedef {import('./session.js').StaffUser} StaffUser
 * @typedef {{id: string, kind: string, provider: string, provider_id: string, refund_id?: string, status: string, amount: number,
 *   currency: string, reason?: string, created_at: string, updated_at: string, order_id: string, order_number: string,
 *   order_status: string, order_total: number, order_refunded: number}} PaymentLine
 * @typedef {{kind: string, order_id: string, order_number: string, payment_id?: string, detail: string}} Finding
 * @typedef {{from: string, to: string, payments: number, refunds: number, orders: number, findings: Finding[]}} Reconciliation
 */

/** What each finding means, for people. */
const FINDINGS = /** @type {Record<string, string>} */ ({
  paid_without_payment: 'Paid, but no payment',
  duplicate_payment: 'Paid twice',
  amount_mismatch: 'Amount differs',
  payment_without_order: 'Money kept without a sale',
  refund_mismatch: 'Refunds differ',
  stale_payment: 'Payment still pending',
  stale_refund: 'Refund still pending',
});

const PAY_STATUS = /** @type {Record<string, string>} */ ({
  pending: 'Pending',
  succeeded: 'Succeeded',
  failed: 'Failed',
  canceled: 'Canceled',
});

/**
 * @param {number} n
 * @param {string} one
 */
const plural = (n, one) => `${count(n)} ${one}${n === 1 ? '' : 's'}`;

/**
 * What a check found, in one sentence.
 * @param {Reconciliation} r
 */
export function verdict(r) {
  if (!r.findings.length) return `Everything matches: ${plural(r.payments, 'payment')}, ${plural(r.orders, 'order')}.`;
  return `${plural(r.findings.length, 'finding')} in ${plural(r.payments, 'payment')}, ${plural(r.orders, 'order')}.`;
}

/**
 * @param {HTMLElement} root
 * @param {StaffUser} user
 * @returns {() => void} unmount
 */
export function mountPayments(root, user) {
  let dead = false;
  let generation = 0;
  document.title = 'Payments · seatmap staff';
  const today = new Date();
  const weekAgo = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 6);
  const from = /** @type {HTMLInputElement} */ (h('input', { id: 'payments-from', type: 'date', required: true, value: inputDate(weekAgo) }));
  const to = /** @type {HTMLInputElement} */ (h('input', { id: 'payments-to', type: 'date', required: true, value: inputDate(today) }));
  const formError = h('p', { class: 'form-error', id: 'payments-period-error', role: 'alert', hidden: true });
  const status = h('p', { class: 'shows-status', role: 'status', id: 'payments-status' }, 'Loading payments…');
  const list = h('tbody');
  const table = h('table', { class: 'data-table payments-table', id: 'payments-table', hidden: true },
    h('caption', { class: 'sr-only' }, 'Payments and refunds'),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Made'),
      h('th', { scope: 'col' }, 'Order'),
      h('th', { scope: 'col' }, 'Kind'),
      h('th', { scope: 'col' }, 'Status'),
      h('th', { scope: 'col', class: 'num' }, 'Amount'),
      h('th', { scope: 'col' }, 'Provider'))),
    list);
  // The list as a spreadsheet, every page of it, for the days shown.
  const csv = /** @type {HTMLAnchorElement} */ (h('a', { class: 'btn btn-secondary', id: 'payments-csv', href: '#', download: 'payments.csv', hidden: true },
    'Download CSV'));
  const more = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn btn-secondary', id: 'payments-more', hidden: true }, 'Show more'));
  /** @type {string | null} */
  let next = null;

  const checker = may(user, 'reconcile') ? reconcileCard() : null;

  replace(root, h('section', { class: 'staff-page payments-page' },
    h('div', { class: 'staff-home-head' },
      h('div', null, h('h1', null, 'Payments'),
        h('p', { class: 'hint' }, 'Payments and refunds at the payment provider, with their orders. Orders paid at the box office, or with no payment step, have none.'))),
    h('form', { class: 'filters', 'aria-label': 'Payments made', 'aria-describedby': 'payments-period-error', novalidate: true,
      onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); load(true); } },
    h('div', { class: 'field' }, h('label', { for: 'payments-from' }, 'From'), from),
    h('div', { class: 'field' }, h('label', { for: 'payments-to' }, 'Until'), to),
    h('button', { type: 'submit', class: 'btn btn-secondary', id: 'payments-show' }, 'Show'),
    csv),
    formError,
    checker ? checker.card : null,
    h('div', { class: 'card' }, status,
      h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Payments and refunds' }, table),
      h('div', { class: 'more' }, more))));
  for (const el of [from, to]) el.addEventListener('change', () => load(true));
  more.addEventListener('click', () => load(false));

  /**
   * The chosen days as the API's [from, to), or null (said why).
   * @returns {{from: string, to: string} | null}
   */
  function period() {
    const f = venueDayStart(from.value);
    const t = venueDayStart(to.value, true);
    let msg = '';
    if (!f || !t) msg = 'Choose the first and the last day.';
    else if (new Date(t) <= new Date(f)) msg = 'The last day cannot be before the first.';
    else if (new Date(t).getTime() - new Date(f).getTime() > 92 * 86400000) msg = 'Choose at most 92 days.';
    formError.textContent = msg;
    formError.hidden = !msg;
    return msg ? null : { from: f, to: t };
  }

  /** @param {boolean} fresh */
  async function load(fresh) {
    const p = period();
    if (!p) {
      csv.hidden = true;
      return;
    }
    const gen = ++generation;
    csv.href = paths.url(paths.paymentsCSV({ from: p.from, to: p.to }));
    csv.download = `payments-${from.value}-until-${to.value}.csv`;
    csv.hidden = false;
    const params = new URLSearchParams({ from: p.from, to: p.to, limit: '100' });
    if (!fresh && next) params.set('cursor', next);
    if (fresh) {
      list.replaceChildren();
      status.textContent = 'Loading payments…';
      status.hidden = false;
    }
    more.disabled = true;
    table.setAttribute('aria-busy', 'true');
    try {
      /** @type {{items: PaymentLine[], next: string | null}} */
      const page = await api.get(paths.payments(params));
      if (dead || gen !== generation) return;
      list.append(...page.items.map(row));
      next = page.next;
      more.hidden = !next;
      table.hidden = list.children.length === 0;
      status.hidden = list.children.length > 0;
      status.textContent = list.children.length ? '' : 'No payments or refunds in these days.';
      root.dataset.loaded = String(gen);
    } catch (err) {
      if (dead || gen !== generation || signedOut(err)) return;
      status.hidden = false;
      status.textContent = 'The payments could not be loaded.';
      showError(err);
    } finally {
      more.disabled = false;
      if (gen === generation) table.removeAttribute('aria-busy');
    }
  }

  /** @param {PaymentLine} p */
  function row(p) {
    const kind = p.kind === 'refund' ? (p.refund_id ? 'Refund' : 'Returned (paid late)') : 'Payment';
    return h('tr', { dataset: { id: p.id, providerId: p.provider_id } },
      h('td', null, dateTime(p.created_at)),
      h('th', { scope: 'row' },
        h('a', { href: `#/orders/${encodeURIComponent(p.order_id)}` }, p.order_number),
        h('span', { class: 'sub' }, orderPill(p.order_status))),
      h('td', null, kind),
      h('td', null, h('span', { class: `payline-status payline-${p.status}` }, PAY_STATUS[p.status] || p.status),
        p.reason ? h('span', { class: 'sub' }, p.reason) : null),
      h('td', { class: 'num' }, money(p.amount, p.currency)),
      h('td', null, p.provider, h('span', { class: 'sub provider-id' }, p.provider_id || 'not yet at the provider')));
  }

  /** The reconciliation: check now, and the last daily check. */
  function reconcileCard() {
    const button = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn btn-primary', id: 'reconcile-button' }, 'Check now'));
    const result = h('div', { class: 'reconcile-result', id: 'reconcile-result', role: 'status' });
    const last = h('div', { class: 'reconcile-last', id: 'reconcile-last' }, h('p', { class: 'hint loading' }, 'Loading the last daily check…'));
    button.addEventListener('click', async () => {
      const p = period();
      if (!p || button.disabled) return;
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
      replace(result, h('p', { class: 'hint' }, 'Checking…'));
      try {
        /** @type {Reconciliation} */
        const r = await api.post(paths.reconciliation(), p);
        if (dead) return;
        replace(result, outcome(r, 'reconcile-findings'));
        announce(verdict(r));
      } catch (err) {
        if (dead || signedOut(err)) return;
        replace(result, h('p', { class: 'form-error' }, 'The check could not be run.'));
        showError(err);
      } finally {
        button.disabled = false;
        button.removeAttribute('aria-busy');
      }
    });
    (async () => {
      try {
        /** @type {{daily: boolean, last: {at: string, result: Reconciliation} | null}} */
        const r = await api.get(paths.reconciliation());
        if (dead) return;
        if (!r.last) {
          replace(last, h('p', { class: 'hint' }, r.daily ? 'The daily check has not run yet.' : 'The daily check is off.'));
          return;
        }
        replace(last,
          h('p', { class: 'reconcile-when' }, `${dateLong(r.last.result.from)}, checked `,
            h('time', { datetime: r.last.at }, dateTime(r.last.at)), ':'),
          outcome(r.last.result, 'reconcile-last-findings'));
      } catch (err) {
        if (dead || signedOut(err)) return;
        replace(last, h('p', { class: 'hint' }, 'The last daily check could not be loaded.'));
      }
    })();
    const card = h('div', { class: 'card reconcile-card', 'aria-labelledby': 'reconcile-title', role: 'region' },
      h('h2', { id: 'reconcile-title' }, 'Reconciliation'),
      h('p', { class: 'hint' }, 'Checks the days chosen: each order paid online has one payment of its total, each payment an order (or went back), refunds add up, nothing is stuck pending.'),
      h('div', { class: 'btn-row' }, button),
      result,
      h('h3', null, 'Last daily check'),
      last);
    return { card };
  }

  /**
   * A check's verdict and its findings.
   * @param {Reconciliation} r
   * @param {string} id for the list of findings
   */
  function outcome(r, id) {
    const ok = !r.findings.length;
    return h('div', { class: `reconcile-outcome ${ok ? 'reconcile-ok' : 'reconcile-bad'}` },
      h('p', { class: 'reconcile-verdict' }, verdict(r)),
      ok ? null : h('ul', { class: 'reconcile-findings', id }, r.findings.map((f) => h('li', { dataset: { kind: f.kind } },
        h('strong', null, FINDINGS[f.kind] || f.kind), ' · ',
        h('a', { href: `#/orders/${encodeURIComponent(f.order_id)}` }, `order ${f.order_number}`),
        h('span', { class: 'sub' }, f.detail)))));
  }

  load(true);
  return () => { dead = true; };
}
