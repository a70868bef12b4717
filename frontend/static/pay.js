// The payment step of an order waiting for its payment (pending_payment): the
// amount (the server's, never the page's), a countdown to the end of the
// payment window, and the provider's part:
//
//   - test: the built-in test provider (seatd's embedded default). A box says
//     plainly that no money moves, and its two buttons approve or decline the
//     payment (POST /payments/test/{id}/approve|decline with the client secret).
//   - stripe: Stripe.js, loaded from js.stripe.com only when a Stripe payment
//     is shown (the server's CSP allows it in that mode only), mounts the
//     Payment Element with the payment's client secret; confirmPayment returns
//     to the order's page when the bank wants a redirect. Stripe's webhook
//     settles the order at seatd, so the page then waits for the order to
//     change. Not exercised by the tests (they have no network).
//
// While the payment is pending the step asks for the order every few seconds,
// so a payment settled elsewhere (another tab, the webhook, the end of the
// window) shows at once. The checkout's hold panel (checkout.js) and the
// order page (order.js) both show it, and decide what follows: onSettled gets
// the order once it is paid or failed.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, mmss, paymentSetup } from './format.js';
import { announce, clearError, showError } from './notify.js';

/**
 * @typedef {{id?: string, provider?: string, status?: string, client_secret?: string, expires_at?: string, method?: string}} Payment
 * @typedef {{id: string, kind: string, provider: string, provider_id: string, status: string, amount: number,
 *   currency: string, reason?: string, created_at: string}} PaymentRow
 * @typedef {{id: string, number: string, status: string, performance_id: string, total: number, currency: string,
 *   payment?: Payment | null, payments?: PaymentRow[], deadline?: string | null, access_key?: string}} PayOrder
 * @typedef {{
 *   onSettled: (order: any) => void,
 *   key?: string,
 *   returnURL: string,
 *   link?: boolean,
 *   headingLevel?: 'h2' | 'h3',
 * }} PayHooks
 *
 * key: the order's key when the page was opened by it (the order is asked
 * for with it); returnURL: where a bank's redirect comes back to (the
 * order's page); link: offer returnURL to pay later, or on another device.
 */

/** How often a pending order is asked for. */
const POLL_MS = 3000;
/** Announce the time left to pay at these many seconds. */
const MILESTONES = [300, 120, 60, 30];
const STRIPE_JS = 'https://js.stripe.com/v3';

/** @type {Promise<any> | null} */
let stripeLoad = null;

/** Loads Stripe.js once, on demand (never on a page that does not pay by Stripe). */
function loadStripe() {
  if (!stripeLoad) {
    stripeLoad = new Promise((resolve, reject) => {
      const w = /** @type {any} */ (window);
      if (w.Stripe) {
        resolve(w.Stripe);
        return;
      }
      const s = document.createElement('script');
      s.src = STRIPE_JS;
      s.async = true;
      s.onload = () => (w.Stripe ? resolve(w.Stripe) : reject(new Error('Stripe.js did not load.')));
      s.onerror = () => {
        stripeLoad = null;
        reject(new Error('The card payment form could not be loaded. Check your connection and try again.'));
      };
      document.head.appendChild(s);
    });
  }
  return stripeLoad;
}

/**
 * The order's own page, opened by its key on any device (the e-mail's link);
 * '' without the key.
 * @param {{id: string, access_key?: string}} order
 */
export function orderLink(order) {
  if (!order.access_key) return '';
  return `${location.origin}${location.pathname}#/order/${encodeURIComponent(order.id)}?key=${encodeURIComponent(order.access_key)}`;
}

/**
 * Why an order's payment did not go through, for the buyer.
 * @param {PayOrder} order
 */
export function failedText(order) {
  const pay = (order.payments || []).filter((p) => p.kind === 'payment').pop();
  if (pay && pay.status === 'canceled') return 'The time to pay ran out, so the order was cancelled and the seats were released. No money was taken.';
  return 'The payment was declined, so the order was cancelled and the seats were released. No money was taken.';
}

/**
 * The order's payments and refunds at the provider, for its page's history.
 * @param {PayOrder} order
 * @returns {HTMLElement | null}
 */
export function paymentHistory(order) {
  const rows = order.payments || [];
  if (!rows.length) return null;
  /** @type {Record<string, string>} */
  const states = { pending: 'pending', succeeded: 'succeeded', failed: 'failed', canceled: 'cancelled' };
  return h('section', { class: 'pay-history', 'aria-labelledby': 'pay-history-title' },
    h('h2', { id: 'pay-history-title', class: 'tickets-title' }, 'Payments'),
    h('ul', { id: 'order-payments', class: 'pay-rows' }, rows.map((p) => {
      const what = p.kind === 'refund' ? 'Refund to your card' : `Payment${p.provider === 'test' ? ' (test, no money moved)' : ' by card'}`;
      return h('li', { class: `pay-row pay-${p.status}`, dataset: { kind: p.kind, status: p.status } },
        h('span', { class: 'pay-row-what' }, what),
        h('span', { class: 'pay-row-amount' }, `${p.kind === 'refund' ? '−' : ''}${money(p.amount, p.currency)}`),
        h('span', { class: 'pay-row-status' }, states[p.status] || p.status));
    })));
}

export class PaymentStep {
  /**
   * @param {PayOrder} order an order in pending_payment, with its payment
   * @param {PayHooks} hooks
   */
  constructor(order, hooks) {
    this.order = order;
    this.hooks = hooks;
    this.busy = false;
    this.dead = false;
    this.settled = false;
    /** @type {number | undefined} */
    this.timer = undefined;
    /** @type {number | undefined} */
    this.pollTimer = undefined;
    this.lastMilestone = Infinity;
    const pay = order.payment || {};
    this.deadline = Date.parse(pay.expires_at || order.deadline || '') || 0;
    const amount = money(order.total, order.currency);

    this.title = h(hooks.headingLevel || 'h2', { id: 'pay-title', class: 'panel-title', tabindex: '-1' }, 'Pay for your order');
    this.countdown = h('span', { id: 'pay-countdown', class: 'countdown-time', role: 'timer', 'aria-live': 'off', 'aria-atomic': 'true' }, '--:--');
    this.countdownBox = h('div', { class: 'countdown' }, h('span', { class: 'countdown-label' }, 'Seats kept while you pay for'), this.countdown);
    this.status = h('p', { id: 'pay-status', class: 'pay-status', role: 'status' });
    /** @type {HTMLButtonElement[]} */
    this.buttons = [];
    this.el = h('div', { class: 'pay-step', id: 'pay-step', dataset: { provider: pay.provider || '' } },
      this.title,
      h('p', { class: 'pay-intro' }, `Order ${order.number} is waiting for its payment.`),
      h('div', { class: 'total' }, h('span', null, 'To pay'),
        h('strong', { class: 'total-amount', id: 'pay-amount', dataset: { minor: String(order.total) } }, amount)),
      this.deadline ? this.countdownBox : null,
      this.#providerPart(pay, amount),
      this.status,
      hooks.link && hooks.returnURL && pay.client_secret
        ? h('p', { class: 'pay-later hint' }, 'Closing this page? Pay from ',
          h('a', { id: 'pay-link', href: hooks.returnURL }, 'your order’s page'),
          ' until the time runs out, on any device. Keep the link to yourself: whoever has it can open the order.')
        : null);

    if (this.deadline) {
      this.timer = window.setInterval(() => this.#tick(), 500);
      this.#tick();
    }
    this.#schedulePoll();
  }

  /** Moves keyboard focus to the step's heading. */
  focus() {
    this.title.focus();
  }

  destroy() {
    this.dead = true;
    clearInterval(this.timer);
    clearTimeout(this.pollTimer);
  }

  /**
   * @param {Payment} pay
   * @param {string} amount
   */
  #providerPart(pay, amount) {
    if (!pay.client_secret || !pay.id) {
      // Staff, or a page that is not the buyer's: it can watch, not pay.
      return h('p', { class: 'pay-note' }, 'The buyer pays from their own page or the link in their e-mail. This page shows when the payment arrives.');
    }
    if (pay.provider === 'test') {
      const approve = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'pay-approve', class: 'btn btn-primary', onclick: () => this.#answer('approve') }, 'Approve payment'));
      const decline = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'pay-decline', class: 'btn btn-secondary', onclick: () => this.#answer('decline') }, 'Decline payment'));
      this.buttons = [approve, decline];
      return h('div', { class: 'test-pay', id: 'test-pay', role: 'group', 'aria-labelledby': 'test-pay-title', 'aria-describedby': 'test-pay-text' },
        h('p', { class: 'test-pay-title', id: 'test-pay-title' }, 'Test payment — no money moves'),
        h('p', { class: 'test-pay-text', id: 'test-pay-text' },
          `This box office runs with its built-in test provider: no card is asked for and nothing is charged. Approve to get your tickets as if ${amount} had been paid, or decline to see what happens when a payment fails.`),
        h('div', { class: 'btn-row' }, approve, decline));
    }
    if (pay.provider === 'stripe') return this.#stripePart(pay, amount);
    return h('p', { class: 'pay-note' }, 'This page cannot take this payment. Please use the link in your e-mail.');
  }

  /**
   * Stripe's Payment Element, mounted once Stripe.js has loaded.
   * @param {Payment} pay
   * @param {string} amount
   */
  #stripePart(pay, amount) {
    const mount = h('div', { id: 'stripe-payment', class: 'stripe-payment' }, h('p', { class: 'muted' }, 'Loading the card payment form…'));
    const submit = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'pay-submit', class: 'btn btn-primary btn-block', disabled: true }, `Pay ${amount}`));
    this.buttons = [submit];
    const key = paymentSetup().publishable_key;
    (async () => {
      if (!key) throw new Error('Card payments are not set up on this box office. Please contact the venue.');
      const Stripe = await loadStripe();
      if (this.dead) return;
      const stripe = Stripe(key);
      const elements = stripe.elements({ clientSecret: pay.client_secret });
      const element = elements.create('payment');
      mount.replaceChildren();
      element.mount(mount);
      submit.disabled = false;
      submit.onclick = async () => {
        if (this.busy) return;
        this.#setBusy(true, submit, 'Paying…');
        try {
          // A redirect (3-D Secure, a bank) comes back to the order's page.
          const { error } = await stripe.confirmPayment({ elements, confirmParams: { return_url: this.hooks.returnURL || location.href }, redirect: 'if_required' });
          if (error) {
            this.#say(error.message || 'The payment did not go through.');
            showError(error.message || 'The payment did not go through.');
          } else {
            clearError();
            this.#say('Payment sent. Waiting for the confirmation…');
            this.#pollSoon(500);
          }
        } finally {
          this.#setBusy(false, submit, `Pay ${amount}`);
        }
      };
    })().catch((err) => {
      if (this.dead) return;
      replace(mount, h('p', { class: 'field-error' }, err instanceof Error ? err.message : String(err)));
    });
    return h('div', { class: 'card-pay' }, mount, submit);
  }

  /**
   * The test provider's approve or decline.
   * @param {'approve' | 'decline'} outcome
   */
  async #answer(outcome) {
    const pay = this.order.payment;
    if (this.busy || this.settled || !pay?.id) return;
    const btn = this.buttons[outcome === 'approve' ? 0 : 1];
    this.#setBusy(true, btn, outcome === 'approve' ? 'Approving…' : 'Declining…');
    try {
      const order = await api.post(paths.testPayment(pay.id, outcome), { client_secret: pay.client_secret });
      clearError();
      this.#settle(order);
    } catch (err) {
      if (err instanceof api.ApiError && err.status === 404) {
        // Settled or ended meanwhile: the order says how.
        this.#pollSoon(0);
      } else {
        showError(err);
      }
    } finally {
      this.#setBusy(false, btn, outcome === 'approve' ? 'Approve payment' : 'Decline payment');
    }
  }

  #tick() {
    if (this.dead || this.settled) return;
    const left = this.deadline - api.serverNow();
    this.countdown.textContent = mmss(left);
    const secs = Math.ceil(left / 1000);
    this.countdownBox.classList.toggle('urgent', secs <= 60);
    for (const m of MILESTONES) {
      if (secs <= m && this.lastMilestone > m && secs > 0) {
        this.lastMilestone = m;
        announce(m >= 60 ? `${m / 60} minute${m === 60 ? '' : 's'} left to pay.` : `${m} seconds left to pay.`);
        break;
      }
    }
    if (left <= 0 && this.lastMilestone > 0) {
      this.lastMilestone = 0;
      this.#say('The time to pay has run out. Checking your order…');
      this.#pollSoon(1000);
    }
  }

  #schedulePoll() {
    this.#pollSoon(POLL_MS);
  }

  /** @param {number} ms */
  #pollSoon(ms) {
    clearTimeout(this.pollTimer);
    if (this.dead || this.settled) return;
    this.pollTimer = window.setTimeout(() => this.#poll(), ms);
  }

  async #poll() {
    if (this.dead || this.settled) return;
    if (this.busy || document.visibilityState === 'hidden') {
      this.#schedulePoll();
      return;
    }
    try {
      const order = await api.get(paths.order(this.order.id, this.hooks.key));
      if (this.dead || this.settled) return;
      if (order.status !== 'pending_payment') {
        this.#settle(order);
        return;
      }
    } catch {
      // A blip: ask again in a moment. The order page says more if it lasts.
    }
    this.#schedulePoll();
  }

  /** @param {PayOrder} order no longer waiting for its payment */
  #settle(order) {
    if (this.settled || this.dead) return;
    if (order.status === 'pending_payment') {
      this.order = order;
      return;
    }
    this.settled = true;
    clearInterval(this.timer);
    clearTimeout(this.pollTimer);
    this.hooks.onSettled(order);
  }

  /** @param {string} text */
  #say(text) {
    this.status.textContent = text;
  }

  /** @param {boolean} busy @param {HTMLButtonElement} btn @param {string} label */
  #setBusy(busy, btn, label) {
    this.busy = busy;
    for (const b of this.buttons) b.disabled = busy;
    btn.textContent = label;
    if (busy) btn.setAttribute('aria-busy', 'true');
    else btn.removeAttribute('aria-busy');
  }
}
