// The pass counter (#/counter, seed 000): a pass voucher bought at a till or
// on the web is exchanged here, during personalization, for the pass it
// names, made out to its holder, printed and handed over at once (the
// server exchanges a voucher exactly once, whatever races). Beside it, the
// value-card box: a card looked up by its code shows its balance and ledger;
// the tills top it up (money taken) and debit it, and a discount, value or
// customer card moves to a new medium (Rabatt übertragen).
// Loaded by import() on the first visit to the route.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, parseMoney, amountHelp, amountPlaceholder } from './format.js';
import { announce, showError, clearError } from './notify.js';
import { may } from './session.js';
import { loadLedger, ledgerTable, balanceLine } from './ledger.js';

/**
 * @typedef {import('./session.js').StaffUser} StaffUser
 * @typedef {{id: string, order_id: string, code: string | null, state: string, product_id: string, product_name: string,
 *   kind: string, price: number, valid_from: string | null, valid_to: string | null, personalize: boolean,
 *   holder: {name: string, birth_date: string | null}}} Pass
 */

/** Pass states for staff. */
const STATES = /** @type {Record<string, string>} */ ({
  awaiting_personalization: 'Awaiting personalization', personalized: 'Personalized', printed: 'Printed', posted: 'Posted',
  deposited: 'Deposited for pick-up', handed_over: 'Handed over', blocked: 'Blocked', replaced: 'Replaced', expired: 'Expired', void: 'Void',
});

/** Kinds of pass, for staff. */
const KIND_NAMES = /** @type {Record<string, string>} */ ({
  day: 'day ticket', multi_day: 'multi-day ticket', day_choice: 'day-choice ticket', week: 'week pass', month: 'month pass',
  year: 'year pass', season: 'season pass', block: 'block card', time: 'time card', discount: 'discount card', value: 'value card',
  customer: 'customer card', entitlement: 'entitlement', staff: 'staff card', annual: 'annual pass', pass_voucher: 'pass voucher',
});

/** Kinds of card that carry value, and those that move to another medium. */
const VALUE_KINDS = ['value', 'customer'];
const MOVING_KINDS = ['discount', 'value', 'customer'];

/** @param {string} code */
function grouped(code) {
  return code.replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * A labelled field with its error line.
 * @param {string} id
 * @param {string} label
 * @param {Record<string, any>} attrs
 * @param {string} [hint]
 */
function field(id, label, attrs, hint) {
  const input = /** @type {HTMLInputElement} */ (h('input', { id, name: id, 'aria-describedby': `${id}-error${hint ? ` ${id}-hint` : ''}`, ...attrs }));
  const error = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
  /** @param {string} text '' clears */
  const setError = (text) => {
    error.textContent = text;
    error.hidden = !text;
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  };
  input.addEventListener('input', () => setError(''));
  const el = h('div', { class: 'field' }, h('label', { for: id }, label), input, hint ? h('p', { id: `${id}-hint`, class: 'hint' }, hint) : null, error);
  return { el, input, setError };
}

/**
 * A pass as the counter hands it over: product, holder, validity, code and
 * its QR code.
 * @param {Pass} p
 * @param {boolean} [qr] with its QR code (to print), else the code alone
 */
function passCard(p, qr = true) {
  const validity = p.valid_from || p.valid_to ? `Valid ${p.valid_from || '…'} to ${p.valid_to || '…'}` : 'Valid from its first use';
  return h('article', { class: 'ticket pass counter-card', dataset: { pass: p.id, state: p.state } },
    h('div', { class: 'ticket-head' }, h('strong', { class: 'ticket-seat' }, p.product_name),
      h('span', { class: 'pass-state' }, STATES[p.state] || p.state)),
    p.holder.name ? h('p', { class: 'pass-holder' }, p.holder.name, p.holder.birth_date ? ` · born ${p.holder.birth_date}` : '') : null,
    h('p', { class: 'pass-facts muted' }, validity),
    p.code ? h('div', { class: 'ticket-body' },
      qr ? h('img', { class: 'ticket-qr pass-qr', src: paths.staffPassQR(p.id), width: '160', height: '160', alt: `QR code of the pass ${p.product_name}` }) : null,
      h('p', { class: 'ticket-code-line' }, h('span', { class: 'ticket-code-label' }, 'Pass code '),
        h('code', { class: 'ticket-code pass-code', dataset: { code: p.code } }, grouped(p.code)))) : null);
}

/**
 * @param {HTMLElement} root
 * @param {StaffUser} user
 * @returns {() => void} unmount
 */
export function mountCounter(root, user) {
  let dead = false;
  document.title = 'Pass counter · seatmap';

  // ---- the voucher exchange ----
  const code = field('counter-code', 'Voucher code', { type: 'text', required: true, maxlength: '64', autocomplete: 'off',
    autocapitalize: 'characters', spellcheck: 'false' }, 'Type it or scan it; spaces do not matter.');
  const name = field('counter-name', 'Holder’s full name', { type: 'text', required: true, maxlength: '200', autocomplete: 'off' });
  const birth = field('counter-birth', 'Date of birth', { type: 'date', required: true, min: '1900-01-01' });
  const exchange = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'counter-exchange', class: 'btn btn-primary' }, 'Exchange and print'));
  let exchanging = false;
  const exchangeForm = h('form', { id: 'counter-exchange-form', class: 'card counter-form', novalidate: true,
    onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); exchangeVoucher(); } },
  h('h2', null, 'Exchange a pass voucher'),
  code.el, name.el, birth.el,
  h('div', { class: 'btn-row' }, exchange));

  const result = h('section', { id: 'counter-pass', class: 'card counter-pass', hidden: true, tabindex: '-1', 'aria-labelledby': 'counter-pass-title' });

  // ---- the value-card box ----
  const card = field('card-code', 'Card code', { type: 'text', required: true, maxlength: '64', autocomplete: 'off',
    autocapitalize: 'characters', spellcheck: 'false' });
  const lookup = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'card-lookup', class: 'btn btn-secondary' }, 'Look up'));
  const cardBox = h('div', { id: 'card-box', class: 'counter-card-box', 'aria-live': 'polite' });
  const cardForm = h('form', { id: 'card-form', class: 'card counter-form', novalidate: true,
    onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); lookUp(card.input.value); } },
  h('h2', null, 'Value and discount cards'),
  card.el,
  h('div', { class: 'btn-row' }, lookup),
  cardBox);

  replace(root, h('section', { class: 'staff-page counter' },
    h('div', { class: 'staff-home-head' },
      h('div', null, h('h1', null, 'Pass counter'),
        h('p', { class: 'hint' }, 'Exchange pass vouchers for passes made out to their holders, printed and handed over at once; look up value and discount cards.'))),
    h('div', { class: 'counter-body' }, h('div', { class: 'stack' }, exchangeForm, result), h('div', { class: 'stack' }, cardForm))));

  async function exchangeVoucher() {
    if (exchanging) return;
    clearError();
    const c = code.input.value.trim();
    const n = name.input.value.trim();
    const b = birth.input.value;
    let ok = true;
    if (!c) { code.setError('Type or scan the voucher’s code.'); ok = false; }
    if (!n) { name.setError('Type the holder’s name.'); ok = false; }
    if (!b) { birth.setError('Give the holder’s date of birth.'); ok = false; }
    if (!ok) {
      (!c ? code : !n ? name : birth).input.focus();
      return;
    }
    exchanging = true;
    exchange.disabled = true;
    exchange.textContent = 'Exchanging…';
    try {
      /** @type {Pass} */
      const p = await api.post(paths.passVoucherExchange(c), { holder: { name: n, birth_date: b } });
      if (dead) return;
      showPass(p);
      code.input.value = '';
      name.input.value = '';
      birth.input.value = '';
      announce(`Voucher exchanged: ${p.product_name} for ${p.holder.name}. Print it now.`);
    } catch (err) {
      if (dead) return;
      if (!(err instanceof api.ApiError)) {
        showError(err);
        return;
      }
      if (err.slug === 'voucher-exchanged') code.setError(`This voucher was already exchanged${err.pass ? ` for pass ${err.pass}` : ''}.`);
      else if (err.status === 404) code.setError('No valid pass voucher has this code (unknown, or its order is not paid).');
      else if (err.field === 'holder.name') name.setError(err.friendly);
      else if (err.field === 'holder.birth_date') birth.setError(err.friendly);
      else if (err.status === 409) code.setError(err.friendly);
      else showError(err);
    } finally {
      exchanging = false;
      exchange.disabled = false;
      exchange.textContent = 'Exchange and print';
    }
  }

  /** @param {Pass} p */
  function showPass(p) {
    const print = h('button', { type: 'button', id: 'counter-print', class: 'btn btn-primary' }, 'Print');
    print.addEventListener('click', printPass);
    replace(result,
      h('div', { class: 'card-head' }, h('h2', { id: 'counter-pass-title' }, 'Pass ready to hand over'), h('div', { class: 'btn-row' }, print)),
      passCard(p));
    result.hidden = false;
    result.focus();
  }

  // ---- value cards ----
  /** @type {{key: string, body: string} | null} */
  let attempt = null;

  /** @param {string} text */
  async function lookUp(text) {
    clearError();
    const c = text.trim();
    if (!c) {
      card.setError('Type or scan the card’s code.');
      card.input.focus();
      return;
    }
    lookup.disabled = true;
    try {
      /** @type {Pass} */
      const p = await api.get(paths.passByCode(c));
      if (dead) return;
      await showCard(p);
    } catch (err) {
      if (dead) return;
      if (err instanceof api.ApiError && err.status === 404) card.setError('No pass has this code.');
      else showError(err);
    } finally {
      lookup.disabled = false;
    }
  }

  /** @param {Pass} p */
  async function showCard(p) {
    attempt = null;
    const head = passCard(p, false);
    const moving = MOVING_KINDS.includes(p.kind) && may(user, 'counter') && !['void', 'blocked', 'replaced', 'expired'].includes(p.state);
    const transfer = moving ? h('button', { type: 'button', id: 'card-transfer', class: 'btn btn-secondary' }, 'Move to a new card') : null;
    transfer?.addEventListener('click', () => moveCard(p, /** @type {HTMLButtonElement} */ (transfer)));
    if (!VALUE_KINDS.includes(p.kind)) {
      replace(cardBox, head, h('p', { id: 'card-no-value', class: 'hint' }, `This ${KIND_NAMES[p.kind] || p.kind} carries no value.`),
        transfer ? h('div', { class: 'btn-row' }, transfer) : null);
      return;
    }
    const l = await loadLedger(p.id);
    if (dead) return;
    const canTop = may(user, 'topup');
    const canDebit = may(user, 'debit');
    const amount = field('card-amount', `Amount (${l.currency})`, { type: 'text', inputmode: 'decimal', autocomplete: 'off',
      placeholder: amountPlaceholder(l.currency) });
    const topUp = canTop ? h('button', { type: 'button', id: 'card-topup', class: 'btn btn-primary' }, 'Top up') : null;
    const debit = canDebit ? h('button', { type: 'button', id: 'card-debit', class: 'btn btn-secondary' }, 'Debit') : null;
    topUp?.addEventListener('click', () => book(p, l.currency, 'top-up', amount, /** @type {HTMLButtonElement} */ (topUp)));
    debit?.addEventListener('click', () => book(p, l.currency, 'debit', amount, /** @type {HTMLButtonElement} */ (debit)));
    replace(cardBox, head,
      balanceLine(l, 'card-balance'),
      canTop || canDebit ? h('div', { class: 'counter-booking' }, amount.el, h('div', { class: 'btn-row' }, topUp, debit)) : null,
      transfer ? h('div', { class: 'btn-row' }, transfer) : null,
      ledgerTable(l, 'card-ledger'));
  }

  /**
   * Tops up or debits a card; a retry of the same booking keeps its key.
   * @param {Pass} p
   * @param {string} currency
   * @param {'top-up'|'debit'} action
   * @param {ReturnType<typeof field>} amount
   * @param {HTMLButtonElement} button
   */
  async function book(p, currency, action, amount, button) {
    clearError();
    const minor = parseMoney(amount.input.value, currency);
    if (minor === null || minor <= 0) {
      amount.setError(amount.input.value.trim() ? amountHelp(currency) : 'Type the amount.');
      amount.input.focus();
      return;
    }
    const body = { amount: minor };
    const text = `${p.id} ${action} ${minor}`;
    if (!attempt || attempt.body !== text) attempt = { key: api.uuid(), body: text };
    button.disabled = true;
    try {
      const e = await api.post(paths.passAction(p.id, action), { ...body, idempotency_key: attempt.key });
      if (dead) return;
      attempt = null;
      announce(`${action === 'debit' ? 'Debited' : 'Topped up'} ${money(Math.abs(e.amount), currency)}. Balance ${money(e.balance_after, currency)}.`);
      await showCard(p);
      /** @type {HTMLElement | null} */ (document.getElementById('card-amount'))?.focus();
    } catch (err) {
      if (dead) return;
      if (err instanceof api.ApiError && err.slug === 'insufficient-balance') {
        amount.setError(`Not enough on the card: its balance is ${money(err.balance ?? 0, err.currency || currency)}.`);
      } else if (err instanceof api.ApiError && err.field === 'amount') amount.setError(err.friendly);
      else showError(err);
      button.disabled = false;
    }
  }

  /**
   * @param {Pass} p
   * @param {HTMLButtonElement} button
   */
  async function moveCard(p, button) {
    clearError();
    button.disabled = true;
    try {
      /** @type {Pass} */
      const np = await api.post(paths.passAction(p.id, 'transfer'), {});
      if (dead) return;
      card.input.value = np.code || '';
      announce(`Moved to a new card${np.code ? ` with the code ${grouped(np.code)}` : ''}. The old card is no longer valid.`);
      await showCard(np);
    } catch (err) {
      if (dead) return;
      showError(err);
      button.disabled = false;
    }
  }

  function printPass() {
    document.body.dataset.print = 'pass';
    const done = () => {
      delete document.body.dataset.print;
      window.removeEventListener('afterprint', done);
    };
    window.addEventListener('afterprint', done);
    window.print();
  }

  return () => {
    dead = true;
    delete document.body.dataset.print;
  };
}
