// The box office desk (#/staff/p/{id}/desk): the live seat map with every state
// told apart (free, held by a buyer, held by staff, reserved, sold, blocked), the
// holds of the performance with Extend, Cancel and Reserve, reservations with
// Extend, Annul and Pay, a counter sale (seats from the map or best available,
// hold, take cash or card) and a search over holds and orders.
//
// Staff may act on any hold. A hold's deadline is not on the live socket, so the
// holds list is fetched again when held seats change, after every action here,
// and every few seconds.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, mmss, dateTime, codeReason } from './format.js';
import { showError, clearError, announce } from './notify.js';
import { signedOut } from './session.js';
import { MINE_NONE, MINE_SELECTED, MINE_HELD, HOLD_BUYER, HOLD_STAFF, HOLD_RESERVED } from './seatdata.js';
import { StaffMapPage, channelLabel, seatNames } from './staffmap.js';

/**
 * @typedef {import('./seatdata.js').SeatData} SeatData
 * @typedef {import('./session.js').StaffUser} StaffUser
 * @typedef {{order_id: string, number: string, buyer: {name: string, email: string}, deadline: string}} Reservation
 * @typedef {{token: string, performance_id?: string, seats: string[], owner: string, channels?: string[], expires_at: string, reservation?: Reservation | null}} HoldItem
 * @typedef {{id: string, number: string, status: string, performance_id: string, seats: string[], tickets?: Array<{seat: string, zone: string, price: number}>,
 *   total: number, currency: string, buyer: {name: string, email: string}, deadline?: string, payment?: {method: string} | null, created_at: string}} Order
 */

/** The holds list is fetched again at least this often (extensions are not live). */
const HOLDS_POLL_MS = 5000;
/** ... and at most this often when held seats change. */
const HOLDS_MIN_MS = 250;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * @param {HTMLElement} root
 * @param {string} id
 * @param {StaffUser} user
 */
export function mountDesk(root, id, user) {
  const page = new Desk(root, id, user);
  page.start();
  return () => page.destroy();
}

/** @param {string} token first and last characters, for the table */
function shortToken(token) {
  return token.length > 14 ? `${token.slice(0, 6)}…${token.slice(-4)}` : token;
}

/** @param {string} iso "in 3 days" / "in 5 h" */
function until(iso) {
  const ms = Date.parse(iso) - api.serverNow();
  if (Number.isNaN(ms)) return '';
  if (ms <= 0) return 'now';
  const hrs = ms / 3600000;
  if (hrs < 1) return `in ${Math.ceil(ms / 60000)} min`;
  if (hrs < 48) return `in ${Math.round(hrs)} h`;
  return `in ${Math.round(hrs / 24)} days`;
}

/** @param {number} ms hours too when long */
function remaining(ms) {
  if (ms >= 3600000) {
    const s = Math.max(0, Math.ceil(ms / 1000));
    return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  }
  return mmss(ms);
}

/** @param {string} owner */
function ownerText(owner) {
  if (owner === 'buyer') return 'Buyer (online)';
  if (owner === 'reservation') return 'Reservation';
  if (owner.startsWith('staff:')) return `Staff: ${owner.slice(6)}`;
  return owner;
}

class Desk extends StaffMapPage {
  /**
   * @param {HTMLElement} root
   * @param {string} id
   * @param {StaffUser} user
   */
  constructor(root, id, user) {
    super(root, id, user, {
      mode: 'state',
      modes: [['state', 'Seat states'], ['buyer', 'Zones and prices'], ['channel', 'Sales channels']],
      pageClass: 'desk',
    });
    document.title = 'Box office · seatmap staff';
    /** @type {HoldItem[]} */
    this.holds = [];
    /** @type {Map<number, HoldItem>} */
    this.holdOfSeat = new Map();
    /** @type {Map<string, HTMLTableRowElement>} */
    this.rows = new Map();
    this.holdsAt = 0;
    this.holdsBusy = false;
    /** @type {number | undefined} */
    this.holdsTimer = undefined;
    /** @type {number | undefined} */
    this.pollTimer = undefined;
    /** @type {number | undefined} */
    this.ticker = undefined;
    /** Counter sale: selected seat indices, in picking order. */
    /** @type {number[]} */
    this.selection = [];
    /** @type {(HoldItem & {indices: number[]}) | null} */
    this.sale = null;
    this.saleBusy = false;
    /** @type {{key: string, body: string} | null} */
    this.attempt = null;
    /** The performance's fares (issue 16), every one for staff; null until loaded: normal alone. */
    /** @type {Array<{id: string, name: string, kind: string, prices: Record<string, number>, staff_only: boolean}> | null} */
    this.fares = null;
    /** The fare chosen per seat index of the sale; a seat not here is normal. */
    /** @type {Map<number, string>} */
    this.saleFares = new Map();
    this.maxSeats = 10;
    /** The query whose results are shown, searched again after an action. */
    this.lastQuery = '';
    this.#layoutDesk();
  }

  #layoutDesk() {
    // Search, in the head.
    this.searchInput = /** @type {HTMLInputElement} */ (h('input', { id: 'search', type: 'search', name: 'q', placeholder: 'Token, order number, name or e-mail', autocomplete: 'off', spellcheck: 'false', 'aria-label': 'Search holds and orders' }));
    this.searchAll = /** @type {HTMLInputElement} */ (h('input', { id: 'search-all', type: 'checkbox' }));
    this.headActions.append(h('form', { class: 'search-form', role: 'search', onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); this.search(); } },
      this.searchInput,
      h('button', { type: 'submit', id: 'search-button', class: 'btn btn-secondary' }, 'Search'),
      h('label', { class: 'check check-small' }, this.searchAll, ' All performances')));

    // Counter sale panel.
    this.saleChannel = /** @type {HTMLSelectElement} */ (h('select', { id: 'sale-channel' }, h('option', { value: '' }, 'Web and box office')));
    this.saleChannel.addEventListener('change', () => this.#channelChanged());
    this.selList = h('ul', { class: 'seat-list', 'aria-label': 'Seats for the sale' });
    this.selEmpty = h('p', { class: 'empty' }, 'Click free seats on the map.');
    this.selTotal = h('strong', { class: 'total-amount' }, '—');
    this.selTotalRow = h('div', { class: 'total', hidden: true }, h('span', null, 'Total'), this.selTotal);
    this.holdBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'sale-hold', class: 'btn btn-primary btn-block', disabled: true, onclick: () => this.holdSelection() }, 'Hold seats'));
    this.bestCount = /** @type {HTMLSelectElement} */ (h('select', { id: 'sale-best-count' }));
    this.bestZone = /** @type {HTMLSelectElement} */ (h('select', { id: 'sale-best-zone' }));
    this.bestBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'sale-best', class: 'btn btn-secondary btn-block' }, 'Hold best available'));
    this.choose = h('div', { class: 'sale-choose' },
      h('div', { class: 'field' }, h('label', { for: 'sale-channel' }, 'Sell from'), this.saleChannel),
      this.selEmpty, this.selList, this.selTotalRow, this.holdBtn,
      h('form', { class: 'best', onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); this.holdBest(); } },
        h('h3', null, 'Or best available'),
        h('div', { class: 'best-fields' },
          h('div', { class: 'field' }, h('label', { for: 'sale-best-count' }, 'Seats'), this.bestCount),
          h('div', { class: 'field field-grow' }, h('label', { for: 'sale-best-zone' }, 'Zone'), this.bestZone)),
        this.bestBtn));

    this.saleCountdown = h('span', { id: 'sale-countdown', class: 'countdown-time', role: 'timer', 'aria-live': 'off' }, '--:--');
    this.saleList = h('ul', { class: 'seat-list', 'aria-label': 'Held for the sale' });
    this.saleTotal = h('strong', { class: 'total-amount' });
    this.saleMethod = /** @type {HTMLSelectElement} */ (h('select', { id: 'sale-method' }, h('option', { value: 'cash' }, 'Cash'), h('option', { value: 'card' }, 'Card')));
    this.saleName = /** @type {HTMLInputElement} */ (h('input', { id: 'sale-name', type: 'text', autocomplete: 'off', maxlength: '200' }));
    this.saleEmail = /** @type {HTMLInputElement} */ (h('input', { id: 'sale-email', type: 'email', autocomplete: 'off', maxlength: '254', inputmode: 'email' }));
    this.saleCode = /** @type {HTMLInputElement} */ (h('input', { id: 'sale-code', type: 'text', autocomplete: 'off', maxlength: '64', spellcheck: 'false', autocapitalize: 'characters' }));
    this.saleError = h('p', { class: 'form-error', role: 'alert', hidden: true });
    this.confirmBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'sale-confirm', class: 'btn btn-primary btn-block' }, 'Take payment'));
    this.releaseBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'sale-release', class: 'btn btn-ghost btn-block', onclick: () => this.releaseSale() }, 'Release seats'));
    this.pay = h('form', { class: 'sale-pay', hidden: true, novalidate: true, onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); this.confirmSale(); } },
      h('div', { class: 'countdown' }, h('span', { class: 'countdown-label' }, 'Held for this sale'), this.saleCountdown),
      this.saleList,
      h('div', { class: 'total' }, h('span', null, 'Total'), this.saleTotal),
      h('div', { class: 'field' }, h('label', { for: 'sale-method' }, 'Payment'), this.saleMethod),
      h('div', { class: 'field' }, h('label', { for: 'sale-name' }, 'Buyer name (optional)'), this.saleName),
      h('div', { class: 'field' }, h('label', { for: 'sale-email' }, 'E-mail for the tickets (optional)'), this.saleEmail),
      h('div', { class: 'field' }, h('label', { for: 'sale-code' }, 'Voucher or promotion code (optional)'), this.saleCode),
      this.saleError,
      this.confirmBtn,
      this.releaseBtn);
    this.receipt = h('div', { class: 'sale-receipt', hidden: true, tabindex: '-1', id: 'sale-receipt' });

    this.saleTitle = h('h2', { class: 'panel-title', id: 'sale-title', tabindex: '-1' }, 'Counter sale');
    replace(this.panel,
      h('section', { class: 'panel-section', 'aria-labelledby': 'sale-title' }, this.saleTitle, this.receipt, this.choose, this.pay));

    // Below the map: notices, search results, holds and reservations.
    this.notice = h('p', { id: 'desk-notice', class: 'notice', role: 'status', hidden: true });
    this.results = h('section', { id: 'search-results', class: 'card desk-card', 'aria-label': 'Search results', hidden: true });
    this.holdsBody = h('tbody');
    this.holdsEmpty = h('p', { class: 'empty' }, 'No seats are held right now.');
    this.holdsCount = h('span', { class: 'count-badge' }, '0');
    this.holdsTable = h('table', { id: 'holds-table', class: 'data-table holds-table', hidden: true },
      h('caption', { class: 'sr-only' }, 'Holds and reservations'),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Token'),
        h('th', { scope: 'col' }, 'Seats'),
        h('th', { scope: 'col' }, 'Owner'),
        h('th', { scope: 'col' }, 'Channels'),
        h('th', { scope: 'col' }, 'Expires'),
        h('th', { scope: 'col' }, 'Reservation'),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
      this.holdsBody);
    replace(this.below,
      this.notice,
      this.results,
      h('section', { class: 'card desk-card', 'aria-labelledby': 'holds-title' },
        h('div', { class: 'card-head' }, h('h2', { id: 'holds-title' }, 'Holds and reservations ', this.holdsCount),
          h('p', { class: 'hint' }, 'Checkout holds run out by themselves; reservations keep their seats until the deadline.')),
        this.holdsEmpty,
        h('div', { class: 'table-scroll', tabindex: '0' }, this.holdsTable)));
  }

  // ---- set-up ----

  setup() {
    const d = /** @type {SeatData} */ (this.data);
    this.maxSeats = Math.max(1, this.perf?.limits?.max_seats_per_hold || 10);
    d.setSellable(['web', 'box_office']);
    this.#renderSaleOptions();
    this.#renderSelection();
    this.#loadFares();
  }

  /** Loads the performance's fares for the counter sale's fare selects. */
  async #loadFares() {
    try {
      const out = await api.get(paths.fares(this.id));
      if (this.dead) return;
      this.fares = out.fares;
      if (this.sale) this.#renderSale();
    } catch {
      // Without them every seat sells at the normal fare.
    }
  }

  viewOptions() {
    const d = /** @type {SeatData} */ (this.data);
    return {
      onSeatClick: (/** @type {number} */ i) => { this.toggle(i); },
      clickable: (/** @type {number} */ i) => !this.sale && (d.selectable(i) || d.mine[i] === MINE_SELECTED),
    };
  }

  afterStart() {
    this.loadHolds();
    this.ticker = window.setInterval(() => this.#tick(), 1000);
  }

  afterRefresh() {
    this.#renderSaleOptions();
    this.#renderSelection();
    this.holdsSoon();
  }

  onChannelNames() {
    this.#channelChanged();
    this.#renderSaleOptions();
    this.renderLegend();
  }

  /** @param {import('./live.js').LiveDelta | null} d */
  onStates(d) {
    if (!d || d.heldBefore) this.holdsSoon();
    // During our own hold request its seats turn held here first: the answer decides.
    if (!this.saleBusy) this.#dropLost();
  }

  /** Selected seats that are no longer free leave the selection. */
  #dropLost() {
    const data = /** @type {SeatData} */ (this.data);
    const lost = [];
    for (const i of this.selection) if (!data.selectable(i)) lost.push(i);
    if (lost.length) {
      for (const i of lost) data.mine[i] = MINE_NONE;
      this.selection = this.selection.filter((i) => data.mine[i] === MINE_SELECTED);
      this.view?.flashSeats(lost);
      this.#notice(`${lost.length === 1 ? 'A picked seat is' : `${lost.length} picked seats are`} no longer free and left the selection.`, 'warn');
      this.#renderSelection();
    }
  }

  renderInfo() {
    super.renderInfo();
    const st = this.perf?.status;
    const off = st !== 'on_sale';
    this.bestBtn.disabled = off || !!this.sale;
    this.#renderSelection();
    if (off) this.#notice(st === 'draft' ? 'Sales have not started: nothing can be sold yet.' : st === 'cancelled' ? 'This performance is cancelled: nothing can be sold.' : 'Sales are stopped: nothing can be sold.', 'warn');
  }

  legendExtra() {
    return this.mode === 'state' || this.mode === 'buyer'
      ? h('li', { class: 'legend-state' }, h('span', { class: 'swatch swatch-mine', 'aria-hidden': 'true' }), h('span', null, 'This sale'))
      : null;
  }

  #renderSaleOptions() {
    const d = /** @type {SeatData} */ (this.data);
    const keep = this.saleChannel.value;
    const named = d.channels.filter((c) => c !== 'web' && c !== 'box_office');
    replace(this.saleChannel,
      h('option', { value: '' }, 'Web and box office quotas'),
      d.channels.includes('box_office') ? h('option', { value: 'box_office' }, 'Box office quota only') : null,
      named.map((c) => h('option', { value: c }, `Contingent ${c}`)));
    this.saleChannel.value = [...this.saleChannel.options].some((o) => o.value === keep) ? keep : '';
    const keepCount = this.bestCount.value, keepZone = this.bestZone.value;
    replace(this.bestCount, Array.from({ length: this.maxSeats }, (_, i) => h('option', { value: String(i + 1) }, String(i + 1))));
    this.bestCount.value = keepCount || '2';
    replace(this.bestZone, h('option', { value: '' }, 'Any zone'),
      d.zones.map((z) => h('option', { value: z.id }, `${z.name} · ${money(z.price, z.currency)}`)));
    if (d.zones.some((z) => z.id === keepZone)) this.bestZone.value = keepZone;
  }

  #channelChanged() {
    const d = /** @type {SeatData} */ (this.data);
    const c = this.saleChannel.value;
    d.setSellable(c ? [c] : ['web', 'box_office']);
    for (const i of this.selection) if (!d.selectable(i)) d.mine[i] = MINE_NONE;
    this.selection = this.selection.filter((i) => d.mine[i] === MINE_SELECTED);
    this.#renderSelection();
    this.view?.invalidate();
  }

  // ---- notices ----

  /**
   * A line under the map saying what just happened.
   * @param {string} text
   * @param {'ok'|'warn'} [kind]
   */
  #notice(text, kind = 'ok') {
    this.notice.textContent = text;
    this.notice.dataset.kind = kind;
    this.notice.hidden = false;
  }

  // ---- counter sale ----

  /** @param {number} i */
  toggle(i) {
    const d = /** @type {SeatData} */ (this.data);
    if (d.mine[i] === MINE_SELECTED) {
      d.mine[i] = MINE_NONE;
      this.selection = this.selection.filter((j) => j !== i);
      this.#renderSelection();
      this.view?.invalidate();
      return false;
    }
    return this.select(i);
  }

  /** @param {number} i */
  select(i) {
    const d = /** @type {SeatData} */ (this.data);
    if (d.mine[i] === MINE_SELECTED) return true;
    if (this.sale) {
      this.#notice('Finish or release the current sale first.', 'warn');
      return false;
    }
    if (!d.selectable(i)) return false;
    if (this.selection.length >= this.maxSeats) {
      this.#notice(`One sale takes up to ${this.maxSeats} seats.`, 'warn');
      return false;
    }
    d.mine[i] = MINE_SELECTED;
    this.selection.push(i);
    this.#renderSelection();
    this.view?.invalidate();
    return true;
  }

  #renderSelection() {
    const d = this.data;
    if (!d) return;
    /** @type {Map<string, number>} */
    const totals = new Map();
    replace(this.selList, this.selection.map((i) => {
      const z = d.zoneOf(i);
      if (z) totals.set(z.currency, (totals.get(z.currency) || 0) + z.price);
      const label = d.label(i);
      return h('li', null,
        h('span', { class: 'seat-name' }, label),
        h('span', { class: 'seat-zone' }, z ? z.name : ''),
        h('span', { class: 'seat-price' }, z ? money(z.price, z.currency) : ''),
        h('button', { type: 'button', class: 'remove', 'aria-label': `Remove ${label}`, title: 'Remove', onclick: () => this.toggle(i) }, '×'));
    }));
    const n = this.selection.length;
    this.selEmpty.hidden = n > 0;
    this.selTotalRow.hidden = n === 0;
    this.selTotal.textContent = [...totals].map(([c, v]) => money(v, c)).join(' + ') || '—';
    this.holdBtn.disabled = n === 0 || this.saleBusy || this.perf?.status !== 'on_sale';
    this.holdBtn.textContent = n ? `Hold ${n} seat${n === 1 ? '' : 's'}` : 'Hold seats';
  }

  holdSelection() {
    const d = /** @type {SeatData} */ (this.data);
    if (!this.selection.length) return Promise.resolve({ ok: false, detail: 'nothing selected' });
    return this.#hold({ seats: this.selection.map((i) => d.ids[i]) }, this.holdBtn);
  }

  holdBest() {
    /** @type {{count: number, zone?: string}} */
    const best = { count: Number(this.bestCount.value) || 1 };
    if (this.bestZone.value) best.zone = this.bestZone.value;
    return this.#hold({ best }, this.bestBtn);
  }

  /**
   * @param {Record<string, any>} body
   * @param {HTMLButtonElement} btn
   */
  async #hold(body, btn) {
    if (this.saleBusy || this.sale) return { ok: false, detail: 'busy' };
    const d = /** @type {SeatData} */ (this.data);
    if (this.saleChannel.value) body.channel = this.saleChannel.value;
    this.saleBusy = true;
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    try {
      /** @type {HoldItem} */
      const hold = await api.post(paths.performanceHolds(this.id), body);
      if (this.dead) return { ok: true, hold };
      clearError();
      for (const i of this.selection) if (d.mine[i] === MINE_SELECTED) d.mine[i] = MINE_NONE;
      this.selection = [];
      this.#setSale(hold);
      this.holdsSoon();
      return { ok: true, hold };
    } catch (err) {
      if (this.dead || signedOut(err)) return { ok: false };
      const e = err instanceof api.ApiError ? err : new api.ApiError(0, { detail: String(err) });
      if (e.status === 409 && e.seats.length) {
        const taken = /** @type {number[]} */ (e.seats.map((s) => d.index.get(s)).filter((i) => i !== undefined));
        for (const i of taken) if (d.mine[i] === MINE_SELECTED) d.mine[i] = MINE_NONE;
        this.selection = this.selection.filter((i) => d.mine[i] === MINE_SELECTED);
        this.view?.flashSeats(taken);
        showError(`${e.friendly} Taken: ${taken.map((i) => d.label(i)).join(', ')}.`);
      } else showError(e);
      return { ok: false, status: e.status, detail: e.detail };
    } finally {
      this.saleBusy = false;
      btn.removeAttribute('aria-busy');
      this.bestBtn.disabled = !!this.sale || this.perf?.status !== 'on_sale';
      this.#dropLost();
      this.#renderSelection();
    }
  }

  /** @param {HoldItem} hold */
  #setSale(hold) {
    const d = /** @type {SeatData} */ (this.data);
    if (this.sale) for (const i of this.sale.indices) if (d.mine[i] === MINE_HELD) d.mine[i] = MINE_NONE;
    const indices = /** @type {number[]} */ (hold.seats.map((s) => d.index.get(s)).filter((i) => i !== undefined));
    for (const i of indices) d.mine[i] = MINE_HELD;
    if (!this.sale || this.sale.token !== hold.token) {
      this.attempt = null;
      this.saleFares.clear();
    }
    this.sale = { ...hold, indices };
    this.#renderSale();
    this.saleError.hidden = true;
    this.choose.hidden = true;
    this.receipt.hidden = true;
    this.pay.hidden = false;
    this.view?.reveal(indices);
    this.view?.invalidate();
    this.#tick();
    this.saleMethod.focus();
    announce(`${indices.length} seat${indices.length === 1 ? '' : 's'} held for the sale. Take the payment.`);
  }

  /** The seats held for the sale, each with its fare select where there is a choice, and the total. */
  #renderSale() {
    const d = /** @type {SeatData} */ (this.data);
    if (!this.sale) return;
    const focused = document.activeElement && this.saleList.contains(document.activeElement) ? document.activeElement.id : '';
    /** @type {Map<string, number>} */
    const totals = new Map();
    replace(this.saleList, this.sale.indices.map((i) => {
      const z = d.zoneOf(i);
      const offered = z && this.fares ? this.fares.filter((f) => z.id in f.prices) : [];
      const chosen = offered.find((f) => f.id === this.saleFares.get(i)) || offered.find((f) => f.id === 'normal');
      if (!chosen) this.saleFares.delete(i);
      const price = z ? (chosen ? chosen.prices[z.id] : z.price) : 0;
      if (z) totals.set(z.currency, (totals.get(z.currency) || 0) + price);
      const seatId = d.ids[i];
      let select = null;
      if (z && offered.length > 1) {
        select = /** @type {HTMLSelectElement} */ (h('select', {
          id: `sale-fare-${seatId}`, class: 'fare-select', 'aria-label': `Fare for ${d.label(i)}`,
          onchange: (/** @type {Event} */ e) => {
            const v = /** @type {HTMLSelectElement} */ (e.target).value;
            if (v === 'normal') this.saleFares.delete(i);
            else this.saleFares.set(i, v);
            this.#renderSale();
          },
        }, offered.map((f) => h('option', { value: f.id }, `${f.name}${f.staff_only ? ' (staff)' : ''} · ${money(f.prices[z.id], z.currency)}`))));
        select.value = chosen ? chosen.id : 'normal';
      }
      return h('li', null,
        h('span', { class: 'seat-name' }, d.label(i)),
        h('span', { class: 'seat-zone' }, z ? z.name : '', select),
        h('span', { class: 'seat-price' }, z ? money(price, z.currency) : ''));
    }));
    if (focused) document.getElementById(focused)?.focus();
    const total = [...totals].map(([c, v]) => money(v, c)).join(' + ') || '—';
    this.saleTotal.textContent = total;
    this.confirmBtn.textContent = `Take payment · ${total}`;
  }

  #endSale() {
    const d = /** @type {SeatData} */ (this.data);
    if (this.sale) for (const i of this.sale.indices) if (d.mine[i] === MINE_HELD) d.mine[i] = MINE_NONE;
    this.sale = null;
    this.attempt = null;
    this.pay.hidden = true;
    this.choose.hidden = false;
    this.saleName.value = '';
    this.saleEmail.value = '';
    this.saleCode.value = '';
    this.bestBtn.disabled = this.perf?.status !== 'on_sale';
    this.#renderSelection();
    this.view?.invalidate();
  }

  async confirmSale() {
    const sale = this.sale;
    if (!sale || this.saleBusy) return { ok: false };
    const name = this.saleName.value.trim();
    const email = this.saleEmail.value.trim();
    if (email && !EMAIL.test(email)) {
      this.saleError.textContent = 'This does not look like an e-mail address (name@example.com). Leave it empty to sell without one.';
      this.saleError.hidden = false;
      this.saleEmail.focus();
      return { ok: false };
    }
    this.saleError.hidden = true;
    const code = this.saleCode.value.trim();
    /** @type {Record<string, any>} */
    const body = { hold_token: sale.token, buyer: { name, email }, payment: { method: this.saleMethod.value } };
    if (code) body.voucher_code = code;
    if (this.saleFares.size) {
      const d = /** @type {SeatData} */ (this.data);
      body.fares = Object.fromEntries([...this.saleFares].map(([i, f]) => [d.ids[i], f]));
    }
    const text = JSON.stringify(body);
    // A retry of the same sale keeps its key: the server sells once.
    if (!this.attempt || this.attempt.body !== text) this.attempt = { key: api.uuid(), body: text };
    this.saleBusy = true;
    this.confirmBtn.disabled = this.releaseBtn.disabled = true;
    this.confirmBtn.setAttribute('aria-busy', 'true');
    try {
      /** @type {Order} */
      const order = await api.post(paths.orders(), body, { 'Idempotency-Key': this.attempt.key });
      if (this.dead) return { ok: true, order };
      const labels = sale.indices.map((i) => /** @type {SeatData} */ (this.data).label(i));
      this.#endSale();
      this.#showReceipt(order, labels);
      this.holdsSoon();
      return { ok: true, order };
    } catch (err) {
      if (this.dead || signedOut(err)) return { ok: false };
      const e = err instanceof api.ApiError ? err : new api.ApiError(0, { detail: String(err) });
      if (e.status === 404) {
        this.#endSale();
        showError('The hold ran out before the payment was taken. Hold the seats again.');
      } else if (e.status === 0 || e.status >= 500) {
        this.saleError.textContent = `${e.friendly} The seats stay held; confirming again is safe and never sells twice.`;
        this.saleError.hidden = false;
      } else if (e.reason) {
        this.saleError.textContent = `${codeReason(e.reason)} The seats stay held; remove the code to sell without it.`;
        this.saleError.hidden = false;
        this.saleCode.focus();
      } else {
        this.saleError.textContent = e.friendly;
        this.saleError.hidden = false;
      }
      return { ok: false, status: e.status, detail: e.detail };
    } finally {
      this.saleBusy = false;
      this.confirmBtn.disabled = this.releaseBtn.disabled = false;
      this.confirmBtn.removeAttribute('aria-busy');
    }
  }

  /**
   * @param {Order} order
   * @param {string[]} labels
   */
  #showReceipt(order, labels) {
    replace(this.receipt,
      h('div', { class: 'receipt-ok', 'aria-hidden': 'true' }, '✓'),
      h('p', { class: 'receipt-title' }, `Paid by ${order.payment?.method || 'cash'}`),
      h('div', { class: 'order-number-box' },
        h('span', { class: 'order-number-label' }, 'Order number'),
        h('span', { id: 'sale-order-number', class: 'order-number order-number-sm' }, order.number)),
      h('p', { class: 'receipt-total' }, money(order.total, order.currency)),
      order.discount ? h('p', { class: 'receipt-discount muted' }, `${money(order.discount, order.currency)} off with ${order.voucher_code}`) : null,
      h('ul', { class: 'order-seats' }, labels.map((l) => h('li', null, l))),
      h('button', { type: 'button', id: 'sale-new', class: 'btn btn-primary btn-block', onclick: () => {
        this.receipt.hidden = true;
        this.saleTitle.focus();
      } }, 'Next sale'));
    this.receipt.hidden = false;
    this.receipt.focus();
    announce(`Sold. Order ${order.number}, ${money(order.total, order.currency)}.`);
    this.#notice(`Sold ${labels.length} seat${labels.length === 1 ? '' : 's'}: order ${order.number}, ${money(order.total, order.currency)}.`);
  }

  async releaseSale() {
    const sale = this.sale;
    if (!sale || this.saleBusy) return;
    this.saleBusy = true;
    try {
      await api.del(paths.hold(sale.token));
    } catch (err) {
      if (this.dead || signedOut(err)) return;
      if (!(err instanceof api.ApiError && err.status === 404)) {
        showError(err);
        return;
      }
    } finally {
      this.saleBusy = false;
    }
    if (this.dead) return;
    this.#endSale();
    this.holdsSoon();
    this.saleTitle.focus();
  }

  // ---- holds ----

  /** Fetches the holds list soon: at most once per HOLDS_MIN_MS. */
  holdsSoon() {
    if (this.holdsTimer !== undefined || this.dead) return;
    const wait = Math.max(0, this.holdsAt + HOLDS_MIN_MS - performance.now());
    this.holdsTimer = window.setTimeout(() => {
      this.holdsTimer = undefined;
      this.loadHolds();
    }, wait);
  }

  async loadHolds() {
    if (this.dead) return;
    if (this.holdsBusy) {
      this.holdsSoon();
      return;
    }
    this.holdsBusy = true;
    this.holdsAt = performance.now();
    clearTimeout(this.pollTimer);
    try {
      const page = await api.get(paths.performanceHolds(this.id));
      if (!this.dead) this.#applyHolds(page.items || []);
    } catch (err) {
      if (!this.dead && !signedOut(err)) showError(err, { autoHideMs: 6000 });
    } finally {
      this.holdsBusy = false;
      if (!this.dead) this.pollTimer = window.setTimeout(() => this.loadHolds(), HOLDS_POLL_MS);
    }
  }

  /** @param {HoldItem[]} items */
  #applyHolds(items) {
    const d = /** @type {SeatData} */ (this.data);
    for (const i of this.holdOfSeat.keys()) d.holdKind[i] = HOLD_BUYER;
    this.holdOfSeat.clear();
    for (const it of items) {
      const kind = it.reservation ? HOLD_RESERVED : it.owner.startsWith('staff:') ? HOLD_STAFF : HOLD_BUYER;
      for (const s of it.seats) {
        const i = d.index.get(s);
        if (i === undefined) continue;
        d.holdKind[i] = kind;
        this.holdOfSeat.set(i, it);
      }
    }
    this.holds = items;
    // Our sale's hold: keep its deadline, notice when someone ended it.
    if (this.sale && !this.saleBusy) {
      const mine = items.find((it) => it.token === /** @type {HoldItem} */ (this.sale).token);
      if (mine) this.sale.expires_at = mine.expires_at;
      else {
        this.#endSale();
        showError('The hold for this sale ended (it ran out or was cancelled). Hold the seats again.');
      }
    }
    this.#renderHolds();
    this.view?.invalidateSoon();
  }

  #renderHolds() {
    const seen = new Set();
    /** @type {HTMLTableRowElement | null} */
    let prev = null;
    for (const it of this.holds) {
      seen.add(it.token);
      let tr = this.rows.get(it.token);
      if (tr) this.#updateRow(tr, it);
      else {
        tr = this.#row(it);
        this.rows.set(it.token, tr);
        // New rows go after the previous listed row (or first); existing rows do
        // not move, so a focused button stays focused.
        const after = prev ? (prev.nextElementSibling?.classList.contains('form-row') ? prev.nextElementSibling : prev) : null;
        if (after) after.after(tr);
        else this.holdsBody.prepend(tr);
      }
      prev = tr;
    }
    for (const [token, tr] of this.rows) {
      if (seen.has(token)) continue;
      const form = tr.nextElementSibling;
      if (form && form.classList.contains('form-row')) form.remove();
      tr.remove();
      this.rows.delete(token);
    }
    this.holdsCount.textContent = String(this.holds.length);
    this.holdsTable.hidden = this.holds.length === 0;
    this.holdsEmpty.hidden = this.holds.length > 0;
    this.#tick();
  }

  /**
   * Seat labels of a hold: the first few, then how many more.
   * @param {string[]} seats
   */
  #seatText(seats) {
    const d = /** @type {SeatData} */ (this.data);
    const names = seats.slice(0, 3).map((s) => {
      const i = d.index.get(s);
      return i === undefined ? s : d.label(i);
    });
    return names.join('; ') + (seats.length > 3 ? ` and ${seats.length - 3} more` : '');
  }

  /**
   * A table row for a hold, with the actions its kind allows.
   * @param {HoldItem} it
   */
  #row(it) {
    const tr = /** @type {HTMLTableRowElement} */ (h('tr', { dataset: { token: it.token, kind: it.reservation ? 'reservation' : 'hold' } }));
    this.#fillRow(tr, it);
    return tr;
  }

  /**
   * @param {HTMLTableRowElement} tr
   * @param {HoldItem} it
   */
  #updateRow(tr, it) {
    const kind = it.reservation ? 'reservation' : 'hold';
    const key = JSON.stringify([it.seats, it.owner, it.channels, it.reservation]);
    if (tr.dataset.kind !== kind || tr.dataset.key !== key) {
      // The hold became a reservation (or its facts changed): rebuild the row.
      const form = tr.nextElementSibling;
      if (form && form.classList.contains('form-row')) form.remove();
      tr.dataset.kind = kind;
      this.#fillRow(tr, it);
    } else {
      tr.dataset.expires = it.expires_at;
    }
  }

  /**
   * @param {HTMLTableRowElement} tr
   * @param {HoldItem} it
   */
  #fillRow(tr, it) {
    tr.dataset.key = JSON.stringify([it.seats, it.owner, it.channels, it.reservation]);
    tr.dataset.expires = it.expires_at;
    const r = it.reservation;
    const mine = this.sale && this.sale.token === it.token;
    const seats = h('td', { class: 'seats-cell' }, h('span', { class: 'seat-count' }, `${it.seats.length} ×`), ' ', this.#seatText(it.seats));
    const owner = h('td', null, ownerText(it.owner), mine ? h('span', { class: 'tag' }, 'this sale') : null);
    const channels = h('td', null, (it.channels || []).map(channelLabel).join(', '));
    const expires = h('td', { class: 'expires-cell' }, h('span', { class: 'countdown-cell' }));
    const resCell = h('td', { class: 'reservation-cell' }, r ? [
      h('strong', null, r.number), h('br'),
      r.buyer?.name || '', r.buyer?.email ? [h('br'), h('span', { class: 'muted' }, r.buyer.email)] : null, h('br'),
      h('span', { class: 'muted' }, `until ${dateTime(r.deadline)}`),
    ] : h('span', { class: 'muted' }, '—'));
    const actions = h('td', { class: 'row-actions' }, r ? this.#reservationActions(r.order_id, r.number, it.token) : this.#holdActions(it.token));
    replace(tr,
      h('td', null, h('code', { class: 'token', title: it.token }, shortToken(it.token))),
      seats, owner, channels, expires, resCell, actions);
  }

  /**
   * Extend, Cancel and Reserve for a checkout hold.
   * @param {string} token
   */
  #holdActions(token) {
    const minutes = /** @type {HTMLSelectElement} */ (h('select', { class: 'extend-minutes select-small', 'aria-label': 'Extend by' },
      h('option', { value: '' }, `+${Math.round((this.perf?.limits?.hold_ttl_seconds || 600) / 60)} min`),
      [30, 60, 120, 240].map((m) => h('option', { value: String(m) }, m < 60 ? `+${m} min` : `+${m / 60} h`))));
    const extend = h('button', { type: 'button', class: 'btn btn-small btn-secondary extend' }, 'Extend');
    const cancel = h('button', { type: 'button', class: 'btn btn-small btn-danger cancel' }, 'Cancel');
    const reserve = h('button', { type: 'button', class: 'btn btn-small btn-secondary reserve', 'aria-expanded': 'false' }, 'Reserve…');
    extend.addEventListener('click', () => this.#act(extend, async () => {
      const path = paths.holdExtend(token);
      // No body extends by one hold period; a body must name the minutes.
      const hold = minutes.value ? await api.post(path, { minutes: Number(minutes.value) }) : await api.request('POST', path);
      this.#notice(`Hold ${shortToken(token)} extended until ${new Date(hold.expires_at).toLocaleTimeString()}.`);
    }));
    cancel.addEventListener('click', () => this.#act(cancel, async () => {
      await api.del(paths.hold(token));
      this.#notice(`Hold ${shortToken(token)} cancelled: its seats are free again.`);
    }));
    reserve.addEventListener('click', () => this.#toggleReserveForm(token, reserve));
    return h('div', { class: 'actions' }, minutes, extend, cancel, reserve);
  }

  /**
   * Extend (days), Annul and Pay for a reservation.
   * @param {string} orderId
   * @param {string} number
   * @param {string} [token]
   */
  #reservationActions(orderId, number, token) {
    const days = /** @type {HTMLSelectElement} */ (h('select', { class: 'extend-days select-small', 'aria-label': `Extend reservation ${number} by` },
      [1, 2, 3, 7, 14].map((n) => h('option', { value: String(n) }, `+${n} day${n === 1 ? '' : 's'}`))));
    const extend = h('button', { type: 'button', class: 'btn btn-small btn-secondary extend-reservation' }, 'Extend');
    const method = /** @type {HTMLSelectElement} */ (h('select', { class: 'pay-method select-small', 'aria-label': `Payment for ${number}` },
      h('option', { value: 'cash' }, 'Cash'), h('option', { value: 'card' }, 'Card')));
    const pay = h('button', { type: 'button', class: 'btn btn-small btn-primary pay' }, 'Pay');
    const annul = h('button', { type: 'button', class: 'btn btn-small btn-danger annul' }, 'Annul');
    extend.addEventListener('click', () => this.#act(extend, async () => {
      /** @type {Order} */
      const o = await api.post(paths.orderExtend(orderId), { days: Number(days.value) });
      this.#notice(`Reservation ${o.number} extended until ${dateTime(o.deadline || '')}.`);
    }));
    pay.addEventListener('click', () => this.#act(pay, async () => {
      /** @type {Order} */
      const o = await api.post(paths.orderPay(orderId), { method: method.value });
      this.#notice(`Reservation ${o.number} paid by ${method.value}: ${money(o.total, o.currency)}. The seats are sold.`);
    }));
    annul.addEventListener('click', () => this.#act(annul, async () => {
      /** @type {Order} */
      const o = await api.post(paths.orderAnnul(orderId), {});
      this.#notice(`Reservation ${o.number} annulled: its seats are free again.`);
    }));
    return h('div', { class: 'actions', dataset: { order: orderId, token: token || '' } }, days, extend, method, pay, annul);
  }

  /**
   * Runs a row action with its buttons disabled, then refreshes the lists.
   * @param {Element} btn
   * @param {() => Promise<void>} fn
   */
  async #act(btn, fn) {
    const box = btn.closest('.actions');
    const buttons = box ? [...box.querySelectorAll('button')] : [btn];
    for (const b of buttons) b.setAttribute('disabled', '');
    btn.setAttribute('aria-busy', 'true');
    try {
      await fn();
      clearError();
    } catch (err) {
      if (this.dead || signedOut(err)) return;
      showError(err);
    } finally {
      for (const b of buttons) b.removeAttribute('disabled');
      btn.removeAttribute('aria-busy');
    }
    if (this.dead) return;
    this.loadHolds();
    if (!this.results.hidden && this.lastQuery) this.search(this.lastQuery);
  }

  /**
   * Opens or closes the Reserve form under a hold's row.
   * @param {string} token
   * @param {HTMLElement} toggle
   */
  #toggleReserveForm(token, toggle) {
    const tr = toggle.closest('tr');
    if (!tr) return;
    const next = tr.nextElementSibling;
    if (next && next.classList.contains('form-row')) {
      next.remove();
      toggle.setAttribute('aria-expanded', 'false');
      toggle.focus();
      return;
    }
    const uid = token.replace(/[^A-Za-z0-9]/g, '').slice(-10);
    const days = /** @type {HTMLInputElement} */ (h('input', { id: `reserve-days-${uid}`, class: 'reserve-days', type: 'number', min: '1', max: '60', value: '3', required: true }));
    const name = /** @type {HTMLInputElement} */ (h('input', { id: `reserve-name-${uid}`, class: 'reserve-name', type: 'text', maxlength: '200', required: true, autocomplete: 'off' }));
    const email = /** @type {HTMLInputElement} */ (h('input', { id: `reserve-email-${uid}`, class: 'reserve-email', type: 'email', maxlength: '254', autocomplete: 'off' }));
    const code = /** @type {HTMLInputElement} */ (h('input', { id: `reserve-code-${uid}`, class: 'reserve-code', type: 'text', maxlength: '64', autocomplete: 'off', spellcheck: 'false' }));
    // Fares (issue 16): one fare for the hold's seats, where their zone offers it.
    const fareChoices = (this.fares || []).filter((f) => f.kind !== 'normal');
    const fare = fareChoices.length ? /** @type {HTMLSelectElement} */ (h('select', { id: `reserve-fare-${uid}`, class: 'reserve-fare' },
      h('option', { value: 'normal' }, 'Normal'), fareChoices.map((f) => h('option', { value: f.id }, f.name)))) : null;
    const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const confirm = h('button', { type: 'submit', class: 'btn btn-small btn-primary reserve-confirm' }, 'Reserve');
    const form = h('form', { class: 'reserve-form', novalidate: true, 'aria-label': `Reserve hold ${shortToken(token)}`, onsubmit: async (/** @type {Event} */ e) => {
      e.preventDefault();
      const n = Number(days.value);
      let msg = '';
      if (!(n >= 1 && n <= 60 && Number.isInteger(n))) msg = 'Reserve for 1 to 60 days.';
      else if (!name.value.trim()) msg = 'A reservation needs the buyer’s name.';
      else if (email.value.trim() && !EMAIL.test(email.value.trim())) msg = 'This does not look like an e-mail address.';
      err.textContent = msg;
      err.hidden = !msg;
      if (msg) return;
      await this.#act(confirm, async () => {
        /** @type {Order} */
        /** @type {Record<string, any>} */
        const body = { days: n, buyer: { name: name.value.trim(), email: email.value.trim() } };
        if (code.value.trim()) body.voucher_code = code.value.trim();
        const chosen = fare && fare.value !== 'normal' ? (this.fares || []).find((f) => f.id === fare.value) : null;
        const hold = this.holds.find((x) => x.token === token);
        const d = this.data;
        if (chosen && hold && d) {
          body.fares = Object.fromEntries(hold.seats.filter((s) => {
            const i = d.index.get(s);
            const z = i === undefined ? null : d.zoneOf(i);
            return !!z && z.id in chosen.prices;
          }).map((s) => [s, chosen.id]));
        }
        const o = await api.post(paths.holdReserve(token), body);
        form.closest('tr')?.remove();
        this.#notice(`Reserved as order ${o.number} for ${o.buyer?.name || name.value.trim()} until ${dateTime(o.deadline || '')}.`);
      });
    } },
    h('div', { class: 'field field-narrow' }, h('label', { for: days.id }, 'Days'), days),
    h('div', { class: 'field' }, h('label', { for: name.id }, 'Buyer name'), name),
    h('div', { class: 'field' }, h('label', { for: email.id }, 'E-mail'), email),
    h('div', { class: 'field' }, h('label', { for: code.id }, 'Code (optional)'), code),
    fare ? h('div', { class: 'field' }, h('label', { for: fare.id }, 'Fare'), fare) : null,
    h('div', { class: 'reserve-buttons' }, confirm,
      h('button', { type: 'button', class: 'btn btn-small btn-ghost', onclick: () => this.#toggleReserveForm(token, toggle) }, 'Close')),
    err);
    tr.after(h('tr', { class: 'form-row', dataset: { for: token } }, h('td', { colspan: '7' }, form)));
    toggle.setAttribute('aria-expanded', 'true');
    name.focus();
  }

  /** Every second: countdowns in the table and of the sale. */
  #tick() {
    const now = api.serverNow();
    for (const tr of this.rows.values()) {
      const cell = tr.querySelector('.countdown-cell');
      if (!cell) continue;
      const exp = Date.parse(tr.dataset.expires || '');
      if (tr.dataset.kind === 'reservation') {
        cell.textContent = until(tr.dataset.expires || '');
        continue;
      }
      const left = exp - now;
      cell.textContent = left > 0 ? remaining(left) : 'ending…';
      cell.classList.toggle('urgent', left < 60000);
    }
    if (this.sale) {
      const left = Date.parse(this.sale.expires_at) - now;
      this.saleCountdown.textContent = remaining(left);
      if (left <= 0 && !this.saleBusy) this.holdsSoon();
    }
  }

  heldText(/** @type {number} */ i) {
    const it = this.holdOfSeat.get(i);
    if (!it) return 'Held';
    if (this.sale && this.sale.token === it.token) return 'Held for this sale';
    if (it.reservation) return `Reserved for ${it.reservation.buyer?.name || 'a buyer'} (${it.reservation.number}) until ${dateTime(it.reservation.deadline)}`;
    if (it.owner.startsWith('staff:')) return `Held by ${it.owner.slice(6)} (staff)`;
    return 'Held by a buyer in checkout';
  }

  // ---- search ----

  /** @param {string} [q] */
  async search(q) {
    const query = (q ?? this.searchInput.value).trim();
    if (query.length < 2) {
      replace(this.results, h('p', { class: 'hint' }, 'Search for at least 2 characters: a hold token, an order number, a buyer’s name or e-mail.'));
      this.results.hidden = false;
      return;
    }
    this.lastQuery = query;
    const params = new URLSearchParams({ q: query });
    if (!this.searchAll.checked) params.set('performance', this.id);
    this.results.setAttribute('aria-busy', 'true');
    try {
      const r = await api.get(paths.search(params));
      if (this.dead) return;
      this.#renderResults(query, r.holds || [], r.orders || []);
    } catch (err) {
      if (this.dead || signedOut(err)) return;
      replace(this.results, h('p', { class: 'form-error' }, err instanceof api.ApiError ? err.friendly : String(err)));
      this.results.hidden = false;
    } finally {
      this.results.removeAttribute('aria-busy');
    }
  }

  /**
   * @param {string} q
   * @param {HoldItem[]} holds
   * @param {Order[]} orders
   */
  #renderResults(q, holds, orders) {
    const close = h('button', { type: 'button', class: 'btn btn-small btn-ghost', onclick: () => { this.results.hidden = true; this.lastQuery = ''; this.searchInput.focus(); } }, 'Close');
    const none = !holds.length && !orders.length;
    const holdRows = holds.map((it) => {
      const tr = /** @type {HTMLTableRowElement} */ (h('tr', { dataset: { token: it.token, kind: it.reservation ? 'reservation' : 'hold', result: 'true' } }));
      this.#fillRow(tr, it);
      const cell = tr.querySelector('.countdown-cell');
      if (cell) cell.textContent = it.reservation ? until(it.expires_at) : remaining(Date.parse(it.expires_at) - api.serverNow());
      return tr;
    });
    const orderRows = orders.map((o) => h('tr', { dataset: { order: o.id } },
      h('th', { scope: 'row' }, h('strong', null, o.number)),
      h('td', null, h('span', { class: `order-status order-${o.status}` }, o.status)),
      h('td', null, o.buyer?.name || h('span', { class: 'muted' }, 'counter sale'), o.buyer?.email ? [h('br'), h('span', { class: 'muted' }, o.buyer.email)] : null),
      h('td', { class: 'seats-cell' }, `${o.seats.length} × `, o.performance_id === this.id ? this.#seatText(o.seats) : otherSeatText(o.performance_id, o.seats)),
      h('td', { class: 'num' }, money(o.total, o.currency)),
      h('td', null, o.status === 'reserved' && o.deadline ? `until ${dateTime(o.deadline)}` : dateTime(o.created_at)),
      h('td', { class: 'row-actions' }, o.status === 'reserved'
        ? this.#reservationActions(o.id, o.number)
        : h('a', { class: 'btn btn-small btn-ghost', href: `#/order/${encodeURIComponent(o.id)}` }, 'Open'))));
    replace(this.results,
      h('div', { class: 'card-head' }, h('h2', null, `Results for “${q}”`), close),
      none ? h('p', { class: 'empty' }, 'Nothing found. Try the full order number, the token, or part of the name or e-mail.') : null,
      holds.length ? h('div', { class: 'table-scroll', tabindex: '0' }, h('table', { class: 'data-table holds-table' },
        h('caption', null, `Holds (${holds.length})`),
        h('thead', null, h('tr', null, ['Token', 'Seats', 'Owner', 'Channels', 'Expires', 'Reservation'].map((t) => h('th', { scope: 'col' }, t)), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
        h('tbody', null, holdRows))) : null,
      orders.length ? h('div', { class: 'table-scroll', tabindex: '0' }, h('table', { class: 'data-table' },
        h('caption', null, `Orders (${orders.length})`),
        h('thead', null, h('tr', null, ['Order', 'Status', 'Buyer', 'Seats', 'Total', 'Date'].map((t) => h('th', { scope: 'col', class: t === 'Total' ? 'num' : null }, t)), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
        h('tbody', null, orderRows))) : null);
    this.results.hidden = false;
    announce(none ? 'Nothing found.' : `${holds.length} hold${holds.length === 1 ? '' : 's'} and ${orders.length} order${orders.length === 1 ? '' : 's'} found.`);
  }

  // ---- hooks ----

  hooks() {
    const base = super.hooks();
    const page = this;
    return Object.assign(base, {
      /** @param {string} sid add a seat to the counter sale */
      select: (sid) => page.select(page.idx(sid)),
      selection: () => page.selection.map((i) => /** @type {SeatData} */ (page.data).ids[i]),
      hold: () => page.holdSelection(),
      saleToken: () => (page.sale ? page.sale.token : null),
      /** Tokens in the holds table, in order. */
      holdTokens: () => [...page.holdsBody.querySelectorAll('tr[data-token]')].map((tr) => /** @type {HTMLElement} */ (tr).dataset.token),
      reloadHolds: () => page.loadHolds(),
    });
  }

  destroy() {
    clearTimeout(this.holdsTimer);
    clearTimeout(this.pollTimer);
    clearInterval(this.ticker);
    super.destroy();
  }
}

/**
 * Seat names of another performance's order: filled in once its seat map is
 * fetched (the first few, then how many more).
 * @param {string} perfId
 * @param {string[]} seats
 */
function otherSeatText(perfId, seats) {
  const more = seats.length > 3 ? ` and ${seats.length - 3} more` : '';
  const out = h('span', { class: 'seat-names' }, '…');
  seatNames(perfId)
    .then((names) => { out.textContent = seats.slice(0, 3).map((s) => names.get(s) || s).join('; ') + more; })
    .catch(() => { out.textContent = seats.slice(0, 3).join(', ') + more; });
  return out;
}
