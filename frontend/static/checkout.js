// The hold panel: the held seats, a countdown to the hold's deadline, Extend and
// Release, and the checkout form that turns the hold into a paid order, with an
// optional voucher or promotion code checked as the buyer types. The confirm
// button sits in a bar that sticks to the bottom of the panel (or of the phone's
// screen), so it is in view without scrolling. When a hold ends, the panel stays
// with what the buyer typed and offers to hold the same seats again.
//
// With a payment provider the confirmed order waits for its payment
// (pending_payment): the panel then shows the payment step (pay.js) in place
// of the form; a paid order goes to its page, a failed one says so and offers
// to choose seats again.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, mmss, codeReason } from './format.js';
import { showError, clearError, announce } from './notify.js';
import { PaymentStep, failedText, orderLink } from './pay.js';

/**
 * @typedef {{token: string, performance_id: string, seats: string[], expires_at: string}} Hold
 * @typedef {{seat: string, zone: string, price: number, status?: string}} Ticket
 * @typedef {{id: string, number: string, status: string, performance_id: string, seats: string[], tickets?: Ticket[],
 *   subtotal?: number, discount?: number, voucher_code?: string | null, total: number, refunded?: number,
 *   currency: string, buyer: {name: string, email: string}, channel?: string,
 *   payment?: {method?: string, id?: string, provider?: string, client_secret?: string, expires_at?: string} | null,
 *   payments?: any[], access_key?: string, deadline?: string | null, created_at: string, notes?: string}} Order
 * @typedef {{code: string, name?: string, valid: boolean, value: number, reason: string | null}} CodeCheck
 * @typedef {{id: string, name: string, kind: string, prices: Record<string, number>, staff_only: boolean}} Fare
 * @typedef {{
 *   seatLine: (id: string) => {label: string, zone: string, zoneId?: string, price: number, currency: string} | null,
 *   onExtended: (hold: Hold) => void,
 *   onGone: (message: string) => void,
 *   onReleased: () => void,
 *   onOrdered: (order: Order) => void,
 *   onPaying: (order: Order) => void,
 *   onPayFailed: (order: Order) => void,
 *   onChooseAgain: () => void,
 * }} HoldPanelHooks
 */

/** Announce the time left at these many seconds. */
const MILESTONES = [300, 120, 60, 30];
const URGENT_S = 60;
/** A code is checked this long after the last keystroke. */
const CODE_DEBOUNCE_MS = 300;

export class HoldPanel {
  /**
   * @param {HTMLElement} root the panel section this fills
   * @param {HoldPanelHooks} hooks
   */
  constructor(root, hooks) {
    this.root = root;
    this.hooks = hooks;
    /** @type {Hold | null} */
    this.hold = null;
    this.deadline = 0; // server-clock ms
    /** @type {number | undefined} */
    this.timer = undefined;
    this.lastMilestone = Infinity;
    this.busy = false;
    this.checking = false;
    /** One key per checkout attempt; reused when the same submit is retried. */
    /** @type {{key: string, body: string} | null} */
    this.attempt = null;
    /** What the held seats cost, for the code check; currency '' when mixed. */
    this.amount = { minor: 0, currency: '' };
    this.subtotalText = '';
    /** The last answer about the code typed, for the code and amount it was asked for. */
    /** @type {{text: string, amount: number, check: CodeCheck | null, wait: number, error: string} | null} */
    this.code = null;
    /** @type {number | undefined} */
    this.codeTimer = undefined;
    /** @type {AbortController | null} */
    this.codeAbort = null;
    /** The seats of a hold that ran out, offered to hold again. */
    /** @type {{performance: string, seats: string[]} | null} */
    this.lapsed = null;
    /** Set while the panel itself ends the hold (released, ordered): no offer then. */
    this.ending = false;
    /** The performance's fares the web may choose (issue 16), once loaded; null: the normal fare alone. */
    /** @type {Fare[] | null} */
    this.fares = null;
    this.faresFor = '';
    /** The fare chosen per seat id; a seat not here is normal. */
    /** @type {Map<string, string>} */
    this.fareOf = new Map();

    this.countdown = h('span', { id: 'countdown', class: 'countdown-time', role: 'timer', 'aria-live': 'off', 'aria-atomic': 'true' }, '--:--');
    this.countdownBox = h('div', { class: 'countdown' },
      h('span', { class: 'countdown-label' }, 'Seats held for you for'), this.countdown);
    this.list = h('ul', { class: 'seat-list', 'aria-label': 'Held seats' });
    this.total = h('strong', { class: 'total-amount', id: 'total-amount' });
    this.subtotal = h('span', { id: 'subtotal-amount' });
    this.discount = h('span', { id: 'discount-amount' });
    this.subtotalRow = h('div', { class: 'total-line', hidden: true }, h('span', null, 'Subtotal'), this.subtotal);
    this.discountLabel = h('span', { id: 'discount-label' }, 'Discount');
    this.discountRow = h('div', { class: 'total-line total-discount', hidden: true }, this.discountLabel, this.discount);
    this.extendBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'extend-button', class: 'btn btn-secondary', onclick: () => this.extend() }, 'Extend time'));
    this.releaseBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'release-button', class: 'btn btn-ghost', onclick: () => this.release() }, 'Release seats'));

    this.name = /** @type {HTMLInputElement} */ (h('input', {
      id: 'buyer-name', name: 'name', type: 'text', autocomplete: 'name', required: true, maxlength: '200',
      'aria-describedby': 'buyer-name-error',
    }));
    this.email = /** @type {HTMLInputElement} */ (h('input', {
      id: 'buyer-email', name: 'email', type: 'email', autocomplete: 'email', required: true, maxlength: '254',
      inputmode: 'email', 'aria-describedby': 'buyer-email-error',
    }));
    this.codeInput = /** @type {HTMLInputElement} */ (h('input', {
      id: 'voucher-code', name: 'voucher', type: 'text', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
      maxlength: '40', 'aria-describedby': 'voucher-result',
    }));
    this.codeResult = h('p', { id: 'voucher-result', class: 'code-result', 'aria-live': 'polite', hidden: true });
    this.codeClear = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'voucher-clear', class: 'btn btn-ghost btn-small', hidden: true, onclick: () => this.#clearCode() }, 'Remove'));
    this.nameErr = h('p', { id: 'buyer-name-error', class: 'field-error', hidden: true });
    this.emailErr = h('p', { id: 'buyer-email-error', class: 'field-error', hidden: true });
    this.confirmBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'confirm-button', class: 'btn btn-primary btn-block', form: 'checkout-form' }, 'Confirm order'));
    this.bar = h('div', { class: 'checkout-bar' }, this.confirmBtn);
    this.reholdBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'rehold-button', class: 'btn btn-primary btn-block', onclick: () => this.#rehold() }, 'Hold the same seats again'));
    this.lapsedText = h('p', { id: 'hold-lapsed-text', class: 'hold-lapsed-text' });
    this.lapsedBox = h('div', { class: 'hold-lapsed', id: 'hold-lapsed', hidden: true }, this.lapsedText, this.reholdBtn);
    this.actions = h('div', { class: 'btn-row' }, this.extendBtn, this.releaseBtn);
    this.form = /** @type {HTMLFormElement} */ (h('form', { id: 'checkout-form', class: 'checkout', novalidate: true, onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); this.submit(); } },
      h('h3', null, 'Your details'),
      h('div', { class: 'field' }, h('label', { for: 'buyer-name' }, 'Full name'), this.name, this.nameErr),
      h('div', { class: 'field' }, h('label', { for: 'buyer-email' }, 'E-mail'), this.email, this.emailErr,
        h('p', { class: 'hint' }, 'Your tickets are sent to this address.')),
      h('div', { class: 'field' }, h('label', { for: 'voucher-code' }, 'Voucher or promotion code ', h('span', { class: 'optional' }, '(optional)')),
        h('div', { class: 'inline-form' }, this.codeInput, this.codeClear), this.codeResult),
    ));
    this.name.addEventListener('input', () => this.#fieldError(this.name, this.nameErr, ''));
    this.email.addEventListener('input', () => this.#fieldError(this.email, this.emailErr, ''));
    this.codeInput.addEventListener('input', () => this.#codeTyped());

    this.title = h('h2', { class: 'panel-title', tabindex: '-1' }, 'Your seats are held');
    /** The payment step of the order made of this hold, while it waits for its payment. */
    /** @type {PaymentStep | null} */
    this.payStep = null;
    this.payBox = h('div', { class: 'pay-box', id: 'pay-box', hidden: true });
    this.totalRow = h('div', { class: 'total' }, h('span', null, 'Total'), this.total);
    replace(root,
      this.title,
      this.lapsedBox,
      this.payBox,
      this.countdownBox,
      this.list,
      this.subtotalRow,
      this.discountRow,
      this.totalRow,
      this.actions,
      this.form,
      this.bar,
    );
  }

  /** Whether the panel shows an order's payment (or how it failed), not a hold. */
  get paying() {
    return !this.payBox.hidden;
  }

  /**
   * The hold became an order waiting for its payment: the panel shows the
   * payment step instead of the hold's countdown and form. Also for such an
   * order found again after a reload.
   * @param {Order} order
   */
  pay(order) {
    clearInterval(this.timer);
    this.timer = undefined;
    this.hold = null;
    this.#setLapsed(null);
    this.payStep?.destroy();
    const step = new PaymentStep(order, {
      onSettled: (o) => this.#settled(o),
      returnURL: orderLink(order),
      link: true,
      headingLevel: 'h2',
    });
    this.payStep = step;
    replace(this.payBox, step.el);
    this.#holdParts(false);
    const labels = (order.tickets || []).map((t) => this.hooks.seatLine(t.seat)?.label || /** @type {any} */ (t).seat_label || t.seat);
    replace(this.list, labels.map((name) => h('li', null, h('span', { class: 'seat-name' }, name))));
    this.root.hidden = false;
    step.focus();
    announce(`Order ${order.number} is waiting for its payment of ${money(order.total, order.currency)}.`);
  }

  /**
   * Shows or hides what belongs to a hold (not to a payment).
   * @param {boolean} on
   */
  #holdParts(on) {
    for (const el of [this.title, this.countdownBox, this.totalRow, this.actions, this.form, this.bar]) el.hidden = !on;
    if (!on) {
      this.subtotalRow.hidden = true;
      this.discountRow.hidden = true;
    }
    this.payBox.hidden = on;
    if (on) {
      this.payStep?.destroy();
      this.payStep = null;
      this.payBox.replaceChildren();
    }
  }

  /**
   * The payment settled: a paid order goes to its page; a failed one is
   * said, with the way back to the seat map.
   * @param {Order} order
   */
  #settled(order) {
    if (order.status !== 'payment_failed' && order.status !== 'expired') {
      announce('Payment received. Your tickets are booked.');
      this.#end(() => this.hooks.onOrdered(order));
      return;
    }
    const declined = failedText(order);
    const title = h('h2', { id: 'pay-failed-title', class: 'panel-title', tabindex: '-1' },
      /ran out/.test(declined) ? 'The time to pay ran out' : 'Payment declined');
    const again = h('button', { type: 'button', id: 'choose-again', class: 'btn btn-primary btn-block', onclick: () => this.#chooseAgain() }, 'Choose seats again');
    this.payStep?.destroy();
    this.payStep = null;
    replace(this.payBox, h('div', { class: 'pay-failed', id: 'pay-failed' },
      title,
      h('p', { id: 'pay-failed-text' }, `Order ${order.number}: ${declined}`),
      again));
    this.list.replaceChildren();
    this.hooks.onPayFailed(order);
    title.focus();
    announce(declined);
  }

  /** Leaves the failed payment for the seat map. */
  #chooseAgain() {
    this.#holdParts(true);
    this.root.hidden = true;
    this.hooks.onChooseAgain();
  }

  /**
   * Shows a (new or refreshed) hold and starts the countdown.
   * @param {Hold} hold
   */
  show(hold) {
    if (!this.hold || this.hold.token !== hold.token) this.attempt = null;
    if (this.paying) this.#holdParts(true);
    this.hold = hold;
    this.#setLapsed(null);
    this.deadline = Date.parse(hold.expires_at);
    // New or extended: the milestones count again from the new deadline.
    this.lastMilestone = Infinity;
    this.#loadFares(hold.performance_id);
    this.#renderSeats();
    this.root.hidden = false;
    clearInterval(this.timer);
    this.timer = window.setInterval(() => this.#tick(), 250);
    this.#tick();
  }

  /** Moves keyboard focus to the panel (the control that led here went away). */
  focus() {
    // The panel is in view where it is shown (TestCheckoutConfirmInView):
    // moving focus must not scroll the page under the buyer.
    this.title.focus({ preventScroll: true });
  }

  /**
   * Stops the countdown. A hold that ran out leaves the panel showing the
   * seats and the form as typed, with "Hold the same seats again"; one the
   * buyer released or bought, or the box office cancelled before its time,
   * hides the panel.
   */
  hide() {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.paying) {
      // The order's payment, not a hold: nothing to offer again.
      this.#holdParts(true);
      this.hold = null;
      this.root.hidden = true;
      return;
    }
    const ended = this.hold;
    const ranOut = this.deadline <= api.serverNow();
    this.hold = null;
    this.countdownBox.classList.remove('urgent');
    if (this.ending || !ended || !ended.seats.length || !ranOut) {
      this.#setLapsed(null);
      this.root.hidden = true;
      return;
    }
    const hadFocus = this.root.contains(document.activeElement);
    this.#setLapsed({ performance: ended.performance_id, seats: [...ended.seats] });
    // The page moves focus to its seat picker when the panel goes; the offer is
    // the nearer next step.
    if (hadFocus) queueMicrotask(() => { if (this.lapsed) this.reholdBtn.focus(); });
  }

  /**
   * Shows or leaves the "ran out" state.
   * @param {{performance: string, seats: string[]} | null} lapsed
   * @param {string} [note] what happened to some of the seats
   */
  #setLapsed(lapsed, note = '') {
    this.lapsed = lapsed;
    const on = !!lapsed;
    this.lapsedBox.hidden = !on;
    this.countdownBox.hidden = on;
    this.actions.hidden = on;
    this.bar.hidden = on;
    this.title.textContent = on ? 'Your hold ended' : 'Your seats are held';
    if (!lapsed) return;
    this.root.hidden = false;
    const n = lapsed.seats.length;
    this.reholdBtn.hidden = n === 0;
    this.reholdBtn.textContent = note ? `Hold the ${n === 1 ? 'seat' : `${n} seats`} still free` : 'Hold the same seats again';
    this.lapsedText.textContent = note
      ? `${note} ${n ? 'Your details are kept.' : 'Please choose other seats on the map; your details are kept.'}`
      : 'The seats were released. Your details are kept: hold the same seats again if they are still free.';
    if (!note) {
      const names = lapsed.seats.map((id) => this.hooks.seatLine(id)?.label || id);
      replace(this.list, names.map((name) => h('li', null, h('span', { class: 'seat-name' }, name))));
    }
  }

  /** Holds the seats of the hold that ran out again, all or none. */
  async #rehold() {
    const lapsed = this.lapsed;
    if (!lapsed || this.busy || !lapsed.seats.length) return;
    this.#setBusy(true, this.reholdBtn, 'Holding…');
    try {
      const hold = await api.post(paths.performanceHolds(lapsed.performance), { seats: lapsed.seats });
      clearError();
      this.#setBusy(false, this.reholdBtn, 'Hold the same seats again');
      this.hooks.onExtended(hold); // the page takes it as its hold and shows it here
      announce(`${hold.seats.length} seat${hold.seats.length === 1 ? ' is' : 's are'} held for you again.`);
      this.title.focus();
      return;
    } catch (err) {
      this.#setBusy(false, this.reholdBtn, 'Hold the same seats again');
      if (this.lapsed !== lapsed) return;
      if (err instanceof api.ApiError && err.status === 409 && err.seats.length) {
        const gone = new Set(err.seats);
        const names = lapsed.seats.filter((id) => gone.has(id)).map((id) => this.hooks.seatLine(id)?.label || id);
        const left = lapsed.seats.filter((id) => !gone.has(id));
        const note = `${names.length === 1 ? 'This seat is' : 'These seats are'} no longer free: ${names.join(', ')}.`;
        this.#setLapsed({ performance: lapsed.performance, seats: left }, note);
        const li = left.map((id) => h('li', null, h('span', { class: 'seat-name' }, this.hooks.seatLine(id)?.label || id)));
        replace(this.list, li, names.map((name) => h('li', { class: 'seat-gone' }, h('span', { class: 'seat-name' }, name), h('span', { class: 'seat-zone' }, 'taken'))));
        announce(note);
      } else {
        showError(err);
      }
    }
  }

  destroy() {
    clearInterval(this.timer);
    clearTimeout(this.codeTimer);
    this.payStep?.destroy();
    this.codeAbort?.abort();
    this.hold = null;
  }

  /** Shows the seats again (their zones or prices changed). */
  render() {
    this.#renderSeats();
  }

  /**
   * Loads the fares of the hold's performance once; the seats show a fare
   * select where more than one fare is offered in their zone.
   * @param {string} id
   */
  async #loadFares(id) {
    if (this.faresFor === id) return;
    this.faresFor = id;
    this.fares = null;
    this.fareOf.clear();
    try {
      const out = await api.get(paths.fares(id));
      if (this.faresFor !== id) return;
      this.fares = out.fares;
      this.#renderSeats();
    } catch {
      // Without the list every seat is sold at the normal fare: the server prices it.
    }
  }

  /**
   * The fares offered for a seat's zone, with their price there.
   * @param {string | undefined} zoneId
   * @returns {{id: string, name: string, price: number}[]}
   */
  #faresIn(zoneId) {
    if (!this.fares || !zoneId) return [];
    return this.fares.filter((f) => zoneId in f.prices).map((f) => ({ id: f.id, name: f.name, price: f.prices[zoneId] }));
  }

  #renderSeats() {
    if (!this.hold) return;
    /** @type {Map<string, number>} */
    const totals = new Map();
    const focused = document.activeElement && this.list.contains(document.activeElement) ? document.activeElement.id : '';
    const items = this.hold.seats.map((id) => {
      const s = this.hooks.seatLine(id);
      const offered = this.#faresIn(s?.zoneId);
      const chosen = offered.find((f) => f.id === this.fareOf.get(id)) || offered.find((f) => f.id === 'normal');
      if (!chosen) this.fareOf.delete(id);
      const price = s ? (chosen ? chosen.price : s.price) : 0;
      if (s) totals.set(s.currency, (totals.get(s.currency) || 0) + price);
      /** @type {HTMLSelectElement | null} */
      let select = null;
      if (s && offered.length > 1) {
        select = /** @type {HTMLSelectElement} */ (h('select', {
          id: `fare-${id}`, class: 'fare-select', 'data-seat': id, 'aria-label': `Fare for ${s.label}`,
          onchange: (/** @type {Event} */ e) => this.#fareChosen(id, /** @type {HTMLSelectElement} */ (e.target).value),
        }, offered.map((f) => h('option', { value: f.id }, `${f.name} · ${money(f.price, s.currency)}`))));
        select.value = chosen ? chosen.id : 'normal';
      }
      return h('li', null,
        h('span', { class: 'seat-name' }, s ? s.label : id),
        h('span', { class: 'seat-zone' }, s ? s.zone : '', select),
        h('span', { class: 'seat-price' }, s ? money(price, s.currency) : ''));
    });
    replace(this.list, items);
    if (focused) document.getElementById(focused)?.focus();
    const [cur, minor] = totals.size === 1 ? [...totals][0] : ['', 0];
    const changed = cur !== this.amount.currency || minor !== this.amount.minor;
    this.amount = { minor, currency: cur };
    this.subtotalText = [...totals].map(([c, v]) => money(v, c)).join(' + ') || '—';
    // A code's value may depend on the amount (a percentage, a cap at the price).
    if (changed && this.codeInput.value.trim()) this.#codeTyped(0);
    this.#renderTotal();
  }

  /**
   * The buyer chose a fare for a seat: the prices and the total follow (the
   * server prices the order again).
   * @param {string} seat
   * @param {string} fare
   */
  #fareChosen(seat, fare) {
    if (fare === 'normal') this.fareOf.delete(seat);
    else this.fareOf.set(seat, fare);
    this.#renderSeats();
    const name = this.fares?.find((f) => f.id === fare)?.name || fare;
    announce(`${name} fare chosen. Total ${this.total.textContent}.`);
  }

  /** The total, with the code's discount when the check said it is valid. */
  #renderTotal() {
    const chk = this.#validCheck();
    const cur = this.amount.currency;
    let total = this.subtotalText || '—';
    this.subtotalRow.hidden = !chk;
    this.discountRow.hidden = !chk;
    if (chk) {
      this.subtotal.textContent = total;
      this.discount.textContent = `−${money(chk.value, cur)}`;
      this.discountLabel.textContent = `Discount (${chk.name || chk.code})`;
      total = money(this.amount.minor - chk.value, cur);
    }
    this.total.textContent = total;
    this.total.dataset.minor = String(chk ? this.amount.minor - chk.value : this.amount.minor);
    this.confirmBtn.textContent = `Confirm order · ${total}`;
  }

  /** The check of the code in the field, when it is valid for the current amount. */
  #validCheck() {
    const c = this.code;
    if (!c || !c.check || !c.check.valid || c.text !== this.codeInput.value.trim() || c.amount !== this.amount.minor) return null;
    return c.check;
  }

  /**
   * The code field changed: check it once typing pauses; an empty field is
   * never sent.
   * @param {number} [delay]
   */
  #codeTyped(delay = CODE_DEBOUNCE_MS) {
    clearTimeout(this.codeTimer);
    this.codeAbort?.abort();
    this.codeAbort = null;
    const text = this.codeInput.value.trim();
    this.codeClear.hidden = !this.codeInput.value;
    this.codeInput.removeAttribute('aria-invalid');
    if (!text) {
      this.code = null;
      this.#showCode('', '');
      this.#renderTotal();
      return;
    }
    if (this.code && this.code.text !== text) this.code = null;
    this.#showCode('Checking the code…', 'pending');
    this.#renderTotal();
    this.codeTimer = window.setTimeout(() => this.#checkCode(text), delay);
  }

  /** @param {string} text */
  async #checkCode(text) {
    if (!this.hold) return;
    const amount = this.amount.minor;
    const ctrl = new AbortController();
    this.codeAbort = ctrl;
    const params = new URLSearchParams({ performance: this.hold.performance_id, amount: String(amount) });
    /** @type {{text: string, amount: number, check: CodeCheck | null, wait: number, error: string}} */
    let answer;
    try {
      /** @type {CodeCheck} */
      const check = await api.get(paths.voucherCheck(text, params), ctrl.signal);
      answer = { text, amount, check, wait: 0, error: '' };
    } catch (err) {
      if (ctrl.signal.aborted || (err instanceof DOMException && err.name === 'AbortError')) return;
      if (err instanceof api.ApiError && err.status === 429) {
        answer = { text, amount, check: null, wait: err.retryAfter || 1, error: '' };
      } else if (err instanceof api.ApiError && err.status === 404) {
        // A code with characters no route takes is no code either.
        answer = { text, amount, check: { code: text, valid: false, value: 0, reason: 'unknown' }, wait: 0, error: '' };
      } else {
        answer = { text, amount, check: null, wait: 0, error: err instanceof api.ApiError ? err.friendly : String(err) };
      }
    }
    if (this.codeAbort !== ctrl || this.codeInput.value.trim() !== text) return;
    this.codeAbort = null;
    this.code = answer;
    this.#renderCode();
    if (answer.wait) {
      // Try again by itself once the limit allows.
      this.codeTimer = window.setTimeout(() => this.#checkCode(text), answer.wait * 1000);
    }
  }

  /** Shows the answer about the code in the field. */
  #renderCode() {
    const c = this.code;
    if (!c) return;
    if (c.wait) this.#showCode(`Too many tries, wait ${c.wait} s.`, 'wait');
    else if (c.error) this.#showCode(`The code could not be checked. ${c.error}`, 'error');
    else if (c.check && c.check.valid) {
      const off = `−${money(c.check.value, this.amount.currency)}${c.check.name ? ` (${c.check.name})` : ''}`;
      this.#showCode(`${off} · new total ${money(this.amount.minor - c.check.value, this.amount.currency)}`, 'ok');
    } else if (c.check) {
      this.#showCode(codeReason(c.check.reason), 'bad');
      this.codeInput.setAttribute('aria-invalid', 'true');
    }
    this.#renderTotal();
  }

  /**
   * @param {string} text
   * @param {'' | 'pending' | 'ok' | 'bad' | 'wait' | 'error'} state
   */
  #showCode(text, state) {
    this.codeResult.textContent = text;
    this.codeResult.dataset.state = state;
    this.codeResult.hidden = !text;
  }

  #clearCode() {
    this.codeInput.value = '';
    this.#codeTyped();
    this.codeInput.focus();
  }

  #tick() {
    if (!this.hold) return;
    const left = this.deadline - api.serverNow();
    this.countdown.textContent = mmss(left);
    const secs = Math.ceil(left / 1000);
    this.countdownBox.classList.toggle('urgent', secs <= URGENT_S);
    for (const m of MILESTONES) {
      if (secs <= m && this.lastMilestone > m && secs > 0) {
        this.lastMilestone = m;
        announce(m >= 60 ? `${m / 60} minute${m === 60 ? '' : 's'} left to complete your order.` : `${m} seconds left to complete your order.`);
        break;
      }
    }
    if (left <= 0) this.#expired();
  }

  /** The deadline passed: ask the server (it may have been extended elsewhere). */
  async #expired() {
    if (this.checking || !this.hold) return;
    this.checking = true;
    const token = this.hold.token;
    try {
      const h = await api.get(paths.hold(token));
      if (this.hold && this.hold.token === token && Date.parse(h.expires_at) > api.serverNow()) {
        this.hooks.onExtended(h);
        return;
      }
    } catch {
      // 404: it ran out. Network trouble: the server lets it run out anyway.
    } finally {
      this.checking = false;
    }
    if (this.hold && this.hold.token === token) {
      this.hooks.onGone('Your hold ran out and the seats were released. Your details are kept.');
    }
  }

  async extend() {
    if (!this.hold || this.busy) return;
    this.#setBusy(true, this.extendBtn, 'Extending…');
    try {
      const h = await api.post(paths.holdExtend(this.hold.token), {});
      clearError();
      this.hooks.onExtended(h);
      announce('Your hold was extended.');
    } catch (err) {
      if (err instanceof api.ApiError && (err.status === 404 || err.status === 403)) {
        this.hooks.onGone('Your hold has already ended and the seats were released. Please choose again.');
      } else {
        showError(err);
      }
    } finally {
      this.#setBusy(false, this.extendBtn, 'Extend time');
    }
  }

  async release() {
    if (!this.hold || this.busy) return;
    this.#setBusy(true, this.releaseBtn, 'Releasing…');
    try {
      await api.del(paths.hold(this.hold.token));
      clearError();
      this.#end(() => this.hooks.onReleased());
    } catch (err) {
      if (err instanceof api.ApiError && (err.status === 404 || err.status === 403)) this.#end(() => this.hooks.onReleased());
      else showError(err);
    } finally {
      this.#setBusy(false, this.releaseBtn, 'Release seats');
    }
  }

  /** Validates the form; returns the buyer or null (and marks the fields). */
  #buyer() {
    const name = this.name.value.trim();
    const email = this.email.value.trim();
    let ok = true;
    if (!name) {
      this.#fieldError(this.name, this.nameErr, 'Please enter your name.');
      ok = false;
    }
    if (!email) {
      this.#fieldError(this.email, this.emailErr, 'Please enter your e-mail address.');
      ok = false;
    } else if (!this.email.checkValidity() || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      this.#fieldError(this.email, this.emailErr, 'This does not look like an e-mail address (name@example.com).');
      ok = false;
    }
    if (!ok) {
      (!name ? this.name : this.email).focus();
      return null;
    }
    return { name, email };
  }

  /** @param {HTMLInputElement} input @param {HTMLElement} box @param {string} msg */
  #fieldError(input, box, msg) {
    box.textContent = msg;
    box.hidden = !msg;
    if (msg) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }

  async submit() {
    if (!this.hold || this.busy) return;
    const buyer = this.#buyer();
    if (!buyer) return;
    const code = this.codeInput.value.trim();
    const c = this.code;
    if (code && c && c.text === code && c.check && !c.check.valid) {
      // Known to be refused: say so rather than send it.
      this.#renderCode();
      this.codeInput.focus();
      return;
    }
    /** @type {{hold_token: string, buyer: {name: string, email: string}, voucher_code?: string, fares?: Record<string, string>}} */
    const body = { hold_token: this.hold.token, buyer };
    if (code) body.voucher_code = code;
    const held = new Set(this.hold.seats);
    const fares = Object.fromEntries([...this.fareOf].filter(([seat]) => held.has(seat)));
    if (Object.keys(fares).length) body.fares = fares;
    const text = JSON.stringify(body);
    // A retry of the very same submit keeps its key, so the server sells once.
    if (!this.attempt || this.attempt.body !== text) this.attempt = { key: api.uuid(), body: text };
    this.#setBusy(true, this.confirmBtn, 'Confirming…');
    try {
      const order = await api.post(paths.orders(), body, { 'Idempotency-Key': this.attempt.key });
      clearError();
      if (order.status === 'pending_payment' && order.payment) {
        this.attempt = null;
        this.hooks.onPaying(order);
        this.pay(order);
      } else {
        this.#end(() => this.hooks.onOrdered(order));
      }
    } catch (err) {
      if (err instanceof api.ApiError && err.slug === 'code-invalid') {
        // Blocked or used up since it was checked: the seats stay held, and
        // the buyer can remove the code and confirm again.
        this.attempt = null;
        this.code = { text: code, amount: this.amount.minor, check: { code, valid: false, value: 0, reason: err.reason || null }, wait: 0, error: '' };
        this.#renderCode();
        showError(`${codeReason(err.reason)} Your seats stay held: remove the code or try another one, then confirm again.`);
        this.codeInput.focus();
      } else if (err instanceof api.ApiError && err.status === 429 && code) {
        this.attempt = null;
        showError(`Too many tries, wait ${err.retryAfter || 1} s. Your seats stay held.`);
      } else if (err instanceof api.ApiError && err.status === 404 && /hold/.test(err.type)) {
        this.hooks.onGone('Your hold ended before the order was confirmed. Please choose your seats again.');
      } else if (err instanceof api.ApiError && (err.status === 0 || err.status >= 500)) {
        showError(`${err.friendly} Your seats stay held; pressing “Confirm order” again is safe and never charges twice.`);
      } else {
        showError(err);
      }
    } finally {
      this.#setBusy(false, this.confirmBtn, this.confirmBtn.dataset.label || 'Confirm order');
    }
  }

  /** Ends the hold on the buyer's word: the panel goes without an offer. @param {() => void} fn */
  #end(fn) {
    this.ending = true;
    try {
      fn();
    } finally {
      this.ending = false;
    }
  }

  /** @param {boolean} busy @param {HTMLButtonElement} btn @param {string} label */
  #setBusy(busy, btn, label) {
    this.busy = busy;
    for (const b of [this.extendBtn, this.releaseBtn, this.confirmBtn, this.codeClear, this.reholdBtn]) b.disabled = busy;
    if (busy) {
      btn.dataset.label = btn.textContent || '';
      btn.textContent = label;
      btn.setAttribute('aria-busy', 'true');
    } else {
      btn.textContent = btn.dataset.label || label;
      btn.removeAttribute('aria-busy');
    }
  }
}
