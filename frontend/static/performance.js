// The seat-map page (#/p/{id}): the live plan beside a panel where the buyer
// selects seats (or asks for the best available), holds them, and checks out.
// Zones, prices and sales channels follow the organizer's painting live; seats
// of a channel other than the web (a box-office quota, a contingent) are not for
// sale here.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, dateTime, count } from './format.js';
import { showError, clearError, announce } from './notify.js';
import { SeatData, FREE, MINE_NONE, MINE_SELECTED, MINE_HELD } from './seatdata.js';
import { SeatMapView, SectionOverview } from './seatmap.js';
import { LiveMap } from './live.js';
import { setHooks, resetHooks } from './hooks.js';
import { buildFrame, renderHead, renderAvail } from './perfframe.js';
import { claimFirstDraw } from './handoff.js';

/**
 * @typedef {import('./seatdata.js').Zone} Zone
 * @typedef {import('./checkout.js').HoldPanel} HoldPanel
 * @typedef {import('./checkout.js').Hold} Hold
 * @typedef {import('./checkout.js').Order} Order
 * @typedef {{id: string, hall_id: string, name: string, starts_at: string, status: string, zones: Zone[],
 *   counts?: {free: number, held: number, sold: number, blocked: number},
 *   limits?: {max_seats_per_hold: number, hold_ttl_seconds: number}, rescheduled_to?: {id: string, starts_at: string}}} Performance
 */

const STATUS_TEXT = /** @type {Record<string, string>} */ ({
  stopped: 'Sales for this performance are stopped.',
  cancelled: 'This performance is cancelled.',
  draft: 'This performance is not on sale yet.',
});

/** @param {string} performanceId */
export const holdKey = (performanceId) => `seatmap.hold.${performanceId}`;

/**
 * How often a page with a hold asks whether staff extended or ended it, as a
 * safety net: the live socket reports the hold's seats again whenever the hold
 * is extended or ended, and the page asks at once then. Only while visible.
 */
const HOLD_POLL_MS = 15_000;

/**
 * Mounts the page and returns its unmount function.
 * @param {HTMLElement} root
 * @param {string} id performance id
 */
export function mountPerformance(root, id) {
  const page = new PerformancePage(root, id);
  page.start();
  return () => page.destroy();
}

class PerformancePage {
  /** @param {HTMLElement} root @param {string} id */
  constructor(root, id) {
    this.root = root;
    this.id = id;
    this.dead = false;
    /** @type {Performance | null} */
    this.perf = null;
    /** @type {SeatData | null} */
    this.data = null;
    /** @type {SeatMapView | null} */
    this.view = null;
    /** @type {SectionOverview | null} */
    this.sections = null;
    /** @type {LiveMap | null} */
    this.live = null;
    /** @type {HoldPanel | null} */
    this.holdPanel = null;
    /**
     * The hold panel once checkout.js has loaded: the checkout (and the
     * payment step it imports) is not needed for the map's first draw, so a
     * phone compiles it afterwards.
     * @type {Promise<HoldPanel | null> | null}
     */
    this.panelLoad = null;
    /** Selected seat indices, in the order they were picked. */
    /** @type {number[]} */
    this.selection = [];
    /** @type {(Hold & {indices: number[]}) | null} */
    this.hold = null;
    /** The order the hold became, while it waits for its payment. */
    /** @type {{order: string, indices: number[]} | null} */
    this.paying = null;
    this.maxSeats = 10;
    this.ready = false;
    /** When the seat map first drew, ms since navigation began (0: not yet). */
    this.firstDrawAt = 0;
    this.busy = false;
    /** Sales stopped, the performance gone or the map failed: no new holds. */
    this.disabled = false;
    /** The performance is gone for good: a refresh never re-enables it. */
    this.gone = false;
    /** @type {number | undefined} */
    this.checkTimer = undefined;
    /** @type {number | undefined} */
    this.pollTimer = undefined;
    /** @type {number | undefined} */
    this.refreshTimer = undefined;
    this.refreshing = false;
    this.refreshAgain = false;
    this.onVisible = () => { if (document.visibilityState === 'visible') this.#pollHold(); };
    document.addEventListener('visibilitychange', this.onVisible);
    this.#layout();
  }

  #layout() {
    // The frame (heading, legend, the map's box) is firstdraw.js's when it
    // drew the map before this app arrived: taken over as it is, so that
    // nothing moves; the map is drawn again over its own in one task.
    const early = claimFirstDraw(this.id);
    const f = early ? early.frame : buildFrame();
    this.frame = f;
    this.firstDrawAt = early ? early.drawnAt : 0;
    this.title = f.title;
    this.when = f.when;
    this.liveStatus = f.liveStatus;
    this.avail = f.avail;
    this.legend = f.legend;
    this.mapEl = f.mapEl;
    this.banner = h('p', { class: 'banner', hidden: true });
    this.accessibleOnly = f.accessibleOnly;
    this.accessibleOnly.addEventListener('change', () => this.view?.setAccessibleOnly(this.accessibleOnly.checked));
    this.mapOptions = f.mapOptions;
    this.keysHelp = f.keysHelp;

    // Choosing: selection list and best available.
    this.selList = h('ul', { class: 'seat-list', 'aria-label': 'Selected seats' });
    this.selEmpty = h('p', { class: 'empty' }, 'Pick free seats on the plan.');
    this.selTotal = h('strong', { class: 'total-amount' }, '—');
    this.holdBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'hold-button', class: 'btn btn-primary btn-block', disabled: true, onclick: () => this.holdSelection() }, 'Hold seats'));
    this.bestCount = /** @type {HTMLSelectElement} */ (h('select', { id: 'best-count', name: 'count' }));
    this.bestZone = /** @type {HTMLSelectElement} */ (h('select', { id: 'best-zone', name: 'zone' }));
    this.bestBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'best-button', class: 'btn btn-secondary btn-block' }, 'Find best seats'));
    this.bestAccessible = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: 'best-accessible', name: 'accessible' }));
    this.selHint = h('p', { class: 'hint' });
    this.chooseTitle = h('h2', { class: 'panel-title', id: 'choose-title', tabindex: '-1' }, 'Your seats');
    this.selTotalRow = h('div', { class: 'total', hidden: true }, h('span', null, 'Total'), this.selTotal);
    this.choose = h('section', { class: 'panel-section', 'aria-labelledby': 'choose-title' },
      this.chooseTitle,
      this.selHint,
      this.selEmpty,
      this.selList,
      this.selTotalRow,
      this.holdBtn,
      h('form', { class: 'best', onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); this.holdBest(); } },
        h('h3', null, 'Or let us pick the best seats'),
        h('div', { class: 'best-fields' },
          h('div', { class: 'field' }, h('label', { for: 'best-count' }, 'Seats'), this.bestCount),
          h('div', { class: 'field field-grow' }, h('label', { for: 'best-zone' }, 'Price zone'), this.bestZone)),
        h('label', { class: 'check' }, this.bestAccessible, 'Wheelchair-accessible seats'),
        this.bestBtn),
    );
    this.holdSection = h('section', { class: 'panel-section', hidden: true, 'aria-label': 'Held seats and checkout' });

    f.panel.append(this.banner, this.choose, this.holdSection);
    if (!early) replace(this.root, f.page);
  }

  async start() {
    setHooks(this.#hooks());
    let perf, map;
    try {
      [perf, map] = await Promise.all([
        api.get(paths.performance(this.id)),
        api.get(paths.compactSeatmap(this.id)),
      ]);
    } catch (err) {
      if (this.dead) return;
      this.#failed(err);
      return;
    }
    if (this.dead) return;
    try {
      this.data = new SeatData(map);
    } catch (err) {
      this.#failed(err);
      return;
    }
    this.perf = perf;
    this.maxSeats = Math.max(1, perf.limits?.max_seats_per_hold || 10);
    this.#renderInfo();
    this.mapEl.replaceChildren();
    const data = this.data;
    const sections = new SectionOverview(data);
    this.sections = sections;
    this.view = new SeatMapView(this.mapEl, data, {
      onSeatClick: (i) => this.toggle(i),
      tooltip: (i) => this.#tooltip(i),
      overview: { stats: sections, text: (s) => this.#sectionText(s) },
      cursor: true,
      onCursor: (i, edge) => announce(edge ? `No more seats that way. ${this.#seatSpeech(i)}` : this.#seatSpeech(i)),
      onPick: (i) => this.#pickByKey(i),
    });
    this.view.onFirstDraw = () => {
      this.ready = true;
      // Unless firstdraw.js drew the map before the app arrived.
      if (!this.firstDrawAt) this.firstDrawAt = performance.now();
      // The checkout is loaded once the map is up (a hold restored from a
      // reload asks for it sooner).
      setTimeout(() => {
        this.#panel();
        // The order page follows a sale: have it ready too.
        import('./order.js').catch(() => {});
      }, 0);
    };
    this.live = new LiveMap(this.id, data, {
      onSnapshot: (lost) => {
        sections.recount();
        this.#afterStates(lost, null);
        this.#renderSelection();
      },
      onDelta: (d) => {
        // A change on one of our held seats: extended, ended or sold elsewhere.
        const mine = this.hold && d.changes.some(([i]) => this.hold.indices.includes(i));
        if (mine) queueMicrotask(() => this.#pollHold());
        if (d.zones || d.channels) sections.recount();
        else sections.update(d.changes);
        this.#afterStates(d.lost, d.changes);
        if (d.zones) this.#renderSelection(); // prices may have changed
      },
      onRefresh: () => this.#refreshSoon(),
      onStatus: (s) => this.#liveStatus(s),
      onFatal: (msg) => { this.gone = true; showError(msg); this.#disable(msg); },
    });
    this.#renderSelection();
    // The page around the map is built: draw the map with this frame.
    this.view.drawNow();
    await this.#restoreHold();
  }

  /**
   * Loads checkout.js (once) and makes the hold panel.
   * @returns {Promise<HoldPanel | null>} null once the page is gone
   */
  #panel() {
    if (!this.panelLoad) {
      this.panelLoad = import('./checkout.js').then((m) => {
        if (this.dead) return null;
        this.holdPanel = new m.HoldPanel(this.holdSection, {
          seatLine: (sid) => this.#seatLine(sid),
          onExtended: (h) => this.#setHold(h, false),
          onGone: (msg) => { this.#clearHold(); showError(msg); announce(msg); },
          onReleased: () => { this.#clearHold(); announce('Your seats were released.'); },
          onOrdered: (o) => this.#ordered(o),
          onPaying: (o) => this.#setPaying(o),
          onPayFailed: () => this.#clearHold(false),
          onChooseAgain: () => this.chooseTitle.focus(),
        });
        return this.holdPanel;
      });
      this.panelLoad.catch((err) => {
        if (!this.dead) showError(err);
      });
    }
    return this.panelLoad;
  }

  /** @param {unknown} err */
  #failed(err) {
    const notFound = err instanceof api.ApiError && err.status === 404;
    this.disabled = true;
    replace(this.root, h('section', { class: 'order' },
      h('div', { class: 'order-card' },
        h('h1', null, notFound ? 'Performance not found' : 'The seat map could not be loaded'),
        h('p', null, notFound
          ? 'This performance does not exist or is no longer on sale.'
          : 'Please check your connection and try again.'),
        h('div', { class: 'btn-row' },
          notFound ? null : h('button', { type: 'button', class: 'btn btn-primary', onclick: () => location.reload() }, 'Try again'),
          h('a', { class: 'btn btn-secondary', href: '#/' }, 'See all performances')))));
    if (!notFound) showError(err);
  }

  /** @param {string} msg */
  #disable(msg) {
    this.holdBtn.disabled = true;
    this.bestBtn.disabled = true;
    this.disabled = true;
    if (msg) {
      this.banner.textContent = msg;
      this.banner.hidden = false;
    }
  }

  #renderInfo() {
    const p = /** @type {Performance} */ (this.perf);
    // The heading, the legend and the count of free seats, as firstdraw.js shows them.
    renderHead(this.frame, p, /** @type {SeatData} */ (this.data));
    const zones = this.data ? this.data.zones : p.zones;
    const keepCount = this.bestCount.value, keepZone = this.bestZone.value;
    replace(this.bestCount, Array.from({ length: this.maxSeats }, (_, i) =>
      h('option', { value: String(i + 1), selected: i === 1 || (this.maxSeats === 1 && i === 0) }, String(i + 1))));
    replace(this.bestZone,
      h('option', { value: '' }, 'Any zone'),
      zones.map((z) => h('option', { value: z.id }, `${z.name} · ${money(z.price, z.currency)}`)));
    if (keepCount && Number(keepCount) <= this.maxSeats) this.bestCount.value = keepCount;
    if (keepZone && zones.some((z) => z.id === keepZone)) this.bestZone.value = keepZone;
    this.selHint.textContent = `Pick free seats on the plan, up to ${this.maxSeats}: click or tap a section to zoom in, then the seats. Drag to move, scroll or pinch to zoom; the keyboard works too.`;
    if (p.status !== 'on_sale') {
      this.#disable(p.rescheduled_to
        ? `This performance moves to a new date: ${dateTime(p.rescheduled_to.starts_at)}. Orders move with it; printed tickets stay valid.`
        : STATUS_TEXT[p.status] || 'This performance is not on sale.');
    }
    else if (this.disabled && !this.gone) this.#enable();
  }

  /** Sales started (again) while the page was open. */
  #enable() {
    this.disabled = false;
    this.banner.hidden = true;
    this.banner.textContent = '';
    this.bestBtn.disabled = false;
    this.#renderSelection();
  }

  /**
   * The organizer changed zones, prices, channels or the sale status: fetch the
   * performance again. A short random delay spreads the fetches of many open
   * pages; a refresh that arrives during one runs once more afterwards.
   */
  #refreshSoon() {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    clearTimeout(this.refreshTimer);
    this.refreshTimer = window.setTimeout(() => this.#refresh(), Math.random() * 120);
  }

  async #refresh() {
    if (this.dead || !this.data) return;
    this.refreshing = true;
    try {
      const perf = await api.get(paths.performance(this.id));
      if (this.dead || !this.data) return;
      this.perf = perf;
      this.data.setZones(perf.zones || []);
      this.sections?.recount();
      this.view?.refreshPalette();
      const lost = this.data.lostSelections();
      if (lost.length) this.#afterStates(lost, null);
      this.#renderInfo();
      this.#renderSelection();
      if (this.hold) this.holdPanel?.render();
    } catch (err) {
      if (this.dead) return;
      if (err instanceof api.ApiError && err.status === 404) {
        this.gone = true;
        this.#disable('This performance is no longer available.');
      }
      // Otherwise the next refresh or reload catches up; the map stays live.
    } finally {
      this.refreshing = false;
      if (this.refreshAgain && !this.dead) {
        this.refreshAgain = false;
        this.#refreshSoon();
      }
    }
  }

  #renderAvail() {
    if (this.data) renderAvail(this.frame, this.data);
  }

  /** @param {import('./live.js').LiveStatus} s */
  #liveStatus(s) {
    const text = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline' }[s];
    this.liveStatus.textContent = text;
    this.liveStatus.dataset.state = s;
    this.liveStatus.title = s === 'live' ? 'Seat availability updates live' : 'Seat availability may be out of date';
  }

  /**
   * After a snapshot or delta: drop selected seats others took, notice if our own
   * hold's seats were freed, and repaint.
   * @param {number[]} lost
   * @param {Array<[number, number]> | null} changes
   */
  #afterStates(lost, changes) {
    const data = /** @type {SeatData} */ (this.data);
    // While our own hold request is under way its seats turn held here first:
    // the answer decides (a 409 names the seats someone else took).
    if (this.busy) lost = [];
    if (lost.length) {
      for (const i of lost) data.mine[i] = MINE_NONE;
      this.selection = this.selection.filter((i) => data.mine[i] === MINE_SELECTED);
      this.view?.flashSeats(lost);
      const names = lost.slice(0, 3).map((i) => data.label(i)).join(', ') + (lost.length > 3 ? ` and ${lost.length - 3} more` : '');
      showError(`${lost.length === 1 ? 'A seat you picked is' : 'Seats you picked are'} no longer available and ${lost.length === 1 ? 'was' : 'were'} removed from your selection: ${names}.`, { autoHideMs: 8000 });
      this.#renderSelection();
    }
    // While Release, Extend or Confirm is under way their answer decides.
    if (this.hold && !this.holdPanel?.busy) {
      const freed = changes
        ? changes.some(([i, s]) => s === FREE && data.mine[i] === MINE_HELD)
        : this.hold.indices.some((i) => data.state[i] === FREE);
      if (freed) this.#checkHoldSoon();
    }
    this.#renderAvail();
    if (lost.length) this.view?.invalidate();
    else this.view?.invalidateSoon();
  }

  /** Our held seats turned free on the live map: ask whether the hold still exists. */
  #checkHoldSoon() {
    clearTimeout(this.checkTimer);
    this.checkTimer = window.setTimeout(async () => {
      const hold = this.hold;
      if (!hold || this.dead || this.holdPanel?.busy) return;
      try {
        const h = await api.get(paths.hold(hold.token));
        if (this.hold && this.hold.token === h.token) this.#setHold(h, false);
      } catch (err) {
        if (this.hold === hold && err instanceof api.ApiError && (err.status === 404 || err.status === 403)) {
          this.#clearHold();
          showError('Your hold ended and the seats were released. Please choose your seats again.');
        }
      }
    }, 400);
  }

  // ---- selection ----

  /**
   * Toggles seat i in the selection (a click on the plan).
   * @param {number} i
   * @returns {boolean} whether the seat is selected afterwards
   */
  toggle(i) {
    const data = this.data;
    if (!data) return false;
    if (data.mine[i] === MINE_SELECTED) {
      this.#deselect(i);
      return false;
    }
    return this.select(i);
  }

  /** @param {number} i */
  select(i) {
    const data = this.data;
    if (!data) return false;
    if (data.mine[i] === MINE_SELECTED) return true;
    if (this.hold) {
      showError('You already hold seats. Complete your order or release them to choose different seats.', { autoHideMs: 6000 });
      return false;
    }
    if (this.paying) {
      showError('Your order is waiting for its payment. Pay or decline it before choosing other seats.', { autoHideMs: 6000 });
      return false;
    }
    if (!data.selectable(i)) return false;
    if (this.selection.length >= this.maxSeats) {
      showError(`You can hold up to ${this.maxSeats} seats at a time.`, { autoHideMs: 6000 });
      return false;
    }
    data.mine[i] = MINE_SELECTED;
    this.selection.push(i);
    this.#renderSelection();
    this.view?.invalidate();
    return true;
  }

  /** @param {number} i */
  #deselect(i) {
    const data = /** @type {SeatData} */ (this.data);
    if (data.mine[i] !== MINE_SELECTED) return;
    data.mine[i] = MINE_NONE;
    this.selection = this.selection.filter((j) => j !== i);
    this.#renderSelection();
    this.view?.invalidate();
  }

  #clearSelection() {
    const data = /** @type {SeatData} */ (this.data);
    for (const i of this.selection) if (data.mine[i] === MINE_SELECTED) data.mine[i] = MINE_NONE;
    this.selection = [];
  }

  #renderSelection() {
    const data = this.data;
    if (!data) return;
    /** @type {Map<string, number>} */
    const totals = new Map();
    const items = this.selection.map((i) => {
      const z = data.zoneOf(i);
      if (z) totals.set(z.currency, (totals.get(z.currency) || 0) + z.price);
      const label = data.label(i);
      return h('li', null,
        h('span', { class: 'seat-name' }, label),
        h('span', { class: 'seat-zone' }, z ? z.name : ''),
        h('span', { class: 'seat-price' }, z ? money(z.price, z.currency) : ''),
        h('button', { type: 'button', class: 'remove', 'aria-label': `Remove ${label}`, title: 'Remove', onclick: () => this.#deselect(i) }, '×'));
    });
    replace(this.selList, items);
    this.selEmpty.hidden = items.length > 0;
    this.selTotalRow.hidden = items.length === 0;
    this.selTotal.textContent = [...totals].map(([c, v]) => money(v, c)).join(' + ') || '—';
    const n = this.selection.length;
    this.holdBtn.disabled = n === 0 || this.busy || !!this.disabled;
    this.holdBtn.textContent = n ? `Hold ${n} seat${n === 1 ? '' : 's'}` : 'Hold seats';
  }

  // ---- holds ----

  /** Holds the selected seats. Resolves to {ok, hold} or {ok: false, ...}. */
  async holdSelection() {
    const data = this.data;
    if (!data || !this.selection.length) return { ok: false, status: 0, detail: 'nothing selected' };
    const ids = this.selection.map((i) => data.ids[i]);
    return this.#requestHold({ seats: ids }, this.holdBtn);
  }

  async holdBest() {
    const n = Number(this.bestCount.value) || 1;
    /** @type {{count: number, zone?: string, accessible?: boolean}} */
    const best = { count: n };
    if (this.bestZone.value) best.zone = this.bestZone.value;
    if (this.bestAccessible.checked) best.accessible = true;
    return this.#requestHold({ best }, this.bestBtn);
  }

  /**
   * @param {{seats?: string[], best?: {count: number, zone?: string, accessible?: boolean}}} body
   * @param {HTMLButtonElement} btn
   */
  async #requestHold(body, btn) {
    if (this.busy || this.disabled || this.hold || this.paying) {
      return { ok: false, status: 0, detail: this.hold || this.paying ? 'a hold is already active' : 'busy or not on sale' };
    }
    this.busy = true;
    const label = btn.textContent;
    btn.textContent = 'Holding…';
    btn.setAttribute('aria-busy', 'true');
    this.holdBtn.disabled = this.bestBtn.disabled = true;
    try {
      const hold = await api.post(paths.performanceHolds(this.id), body);
      if (this.dead) return { ok: true, hold };
      clearError();
      this.#setHold(hold, true);
      announce(`${hold.seats.length} seat${hold.seats.length === 1 ? ' is' : 's are'} held for you. Complete your order before the time runs out.`);
      return { ok: true, hold };
    } catch (err) {
      if (this.dead) return { ok: false };
      const e = err instanceof api.ApiError ? err : new api.ApiError(0, { detail: String(err) });
      if (e.status === 409 && e.seats.length && this.data) {
        const data = this.data;
        const taken = e.seats.map((sid) => data.index.get(sid)).filter((i) => i !== undefined);
        for (const i of /** @type {number[]} */ (taken)) if (data.mine[i] === MINE_SELECTED) data.mine[i] = MINE_NONE;
        this.selection = this.selection.filter((i) => data.mine[i] === MINE_SELECTED);
        this.view?.flashSeats(/** @type {number[]} */ (taken));
        this.view?.invalidate();
        const names = /** @type {number[]} */ (taken).map((i) => data.label(i)).join(', ');
        showError(`${e.friendly}${names ? ` Taken: ${names}. They were removed from your selection.` : ''}`);
      } else {
        showError(e);
      }
      return { ok: false, status: e.status, type: e.type, detail: e.detail, seats: e.seats };
    } finally {
      this.busy = false;
      btn.textContent = label;
      btn.removeAttribute('aria-busy');
      if (!this.disabled) this.bestBtn.disabled = false;
      this.#renderSelection();
      // Changes that arrived during the request and were not about our hold.
      if (!this.dead && this.data && !this.hold) {
        const lost = this.data.lostSelections();
        if (lost.length) this.#afterStates(lost, null);
      }
    }
  }

  /**
   * Shows a hold as ours: marks its seats, remembers its token for reloads.
   * @param {Hold} hold
   * @param {boolean} reveal move the map to the seats
   */
  #setHold(hold, reveal) {
    const data = /** @type {SeatData} */ (this.data);
    if (this.hold) for (const i of this.hold.indices) if (data.mine[i] === MINE_HELD) data.mine[i] = MINE_NONE;
    this.#clearSelection();
    const indices = /** @type {number[]} */ (hold.seats.map((sid) => data.index.get(sid)).filter((i) => i !== undefined));
    for (const i of indices) data.mine[i] = MINE_HELD;
    this.hold = { ...hold, indices };
    try {
      sessionStorage.setItem(holdKey(this.id), JSON.stringify({ token: hold.token }));
    } catch {
      // Private mode without storage: the hold just does not survive a reload.
    }
    // The button that asked is hidden now, or was disabled while asking (which
    // drops focus to the body): the panel's heading takes focus then.
    const active = document.activeElement;
    const focusLost = !active || active === document.body || this.choose.contains(active);
    this.choose.hidden = true;
    const shown = this.hold;
    this.#panel().then((panel) => {
      if (!panel || this.hold !== shown) return;
      panel.show(hold);
      if (focusLost) panel.focus();
    }, () => {});
    this.#renderSelection();
    if (reveal) this.view?.reveal(indices);
    this.view?.invalidate();
    this.#schedulePoll();
  }

  #schedulePoll() {
    clearTimeout(this.pollTimer);
    if (this.hold && !this.dead) this.pollTimer = window.setTimeout(() => this.#pollHold(), HOLD_POLL_MS);
  }

  /** Asks whether the hold changed elsewhere: extended or ended by the box office. */
  async #pollHold() {
    clearTimeout(this.pollTimer);
    const hold = this.hold;
    if (!hold || this.dead) return;
    if (document.visibilityState !== 'visible' || this.holdPanel?.busy) {
      this.#schedulePoll();
      return;
    }
    try {
      const h = await api.get(paths.hold(hold.token));
      if (this.hold === hold && !this.holdPanel?.busy && h.expires_at !== hold.expires_at) this.#setHold(h, false);
    } catch (err) {
      if (this.hold === hold && !this.holdPanel?.busy && err instanceof api.ApiError && (err.status === 404 || err.status === 403)) {
        this.#clearHold();
        showError('Your hold ended and the seats were released. Please choose your seats again.');
        return;
      }
    }
    if (this.hold === hold) this.#schedulePoll();
  }

  /**
   * The hold (or the order it became, whose payment failed) is gone: its
   * seats are not ours any more, and the seat picker is back.
   * @param {boolean} [hidePanel] false: the panel says what happened itself
   */
  #clearHold(hidePanel = true) {
    const data = this.data;
    const mine = this.hold?.indices || this.paying?.indices || [];
    if (data) for (const i of mine) if (data.mine[i] === MINE_HELD) data.mine[i] = MINE_NONE;
    this.hold = null;
    this.paying = null;
    clearTimeout(this.pollTimer);
    try {
      sessionStorage.removeItem(holdKey(this.id));
    } catch {
      // See #setHold.
    }
    const active = document.activeElement;
    const focusLost = hidePanel && (!active || active === document.body || this.holdSection.contains(active));
    if (hidePanel) this.holdPanel?.hide();
    this.choose.hidden = false;
    if (focusLost) this.chooseTitle.focus();
    this.#renderSelection();
    this.view?.invalidate();
  }

  /**
   * The hold became an order waiting for its payment: its seats stay ours
   * (the order holds them), the hold's polling stops, and a reload finds the
   * order again.
   * @param {Order} order
   */
  #setPaying(order) {
    const data = /** @type {SeatData} */ (this.data);
    const indices = /** @type {number[]} */ (order.seats.map((sid) => data.index.get(sid)).filter((i) => i !== undefined));
    if (this.hold) for (const i of this.hold.indices) if (!indices.includes(i) && data.mine[i] === MINE_HELD) data.mine[i] = MINE_NONE;
    for (const i of indices) data.mine[i] = MINE_HELD;
    this.hold = null;
    this.paying = { order: order.id, indices };
    clearTimeout(this.pollTimer);
    clearTimeout(this.checkTimer);
    try {
      sessionStorage.setItem(holdKey(this.id), JSON.stringify({ order: order.id }));
    } catch {
      // See #setHold.
    }
    this.choose.hidden = true;
    this.#renderSelection();
    this.view?.invalidate();
  }

  /** Brings back the hold (or the order waiting for its payment) a reload interrupted. */
  async #restoreHold() {
    let token;
    let orderId;
    try {
      const saved = JSON.parse(sessionStorage.getItem(holdKey(this.id)) || 'null');
      token = saved?.token;
      orderId = saved?.order;
    } catch {
      token = null;
    }
    if (orderId) {
      try {
        const order = await api.get(paths.order(orderId));
        if (this.dead) return;
        if (order.status !== 'pending_payment' || !order.payment) throw new api.ApiError(404, {});
        this.#setPaying(order);
        const panel = await this.#panel();
        if (this.dead || !panel) return;
        panel.pay(order);
      } catch (err) {
        if (this.dead) return;
        if (err instanceof api.ApiError && err.status === 404) sessionStorage.removeItem(holdKey(this.id));
        else showError(err);
      }
      return;
    }
    if (!token) return;
    try {
      const hold = await api.get(paths.hold(token));
      if (this.dead) return;
      if (Date.parse(hold.expires_at) <= api.serverNow()) throw new api.ApiError(404, {});
      this.#setHold(hold, true);
    } catch (err) {
      if (this.dead) return;
      if (err instanceof api.ApiError && (err.status === 404 || err.status === 403)) {
        sessionStorage.removeItem(holdKey(this.id));
      } else {
        showError(err);
      }
    }
  }

  /** @param {Order} order */
  #ordered(order) {
    const data = this.data;
    /** @type {Record<string, string>} */
    const labels = {};
    if (data) for (const sid of order.seats) {
      const i = data.index.get(sid);
      if (i !== undefined) labels[sid] = data.label(i);
    }
    try {
      sessionStorage.removeItem(holdKey(this.id));
      sessionStorage.setItem(`seatmap.order.${order.id}`, JSON.stringify({ labels, performance: this.perf && { name: this.perf.name, starts_at: this.perf.starts_at } }));
    } catch {
      // The confirmation page falls back to seat ids.
    }
    this.hold = null;
    this.paying = null;
    location.hash = `#/order/${encodeURIComponent(order.id)}`;
  }

  // ---- tooltips and lines ----

  /** @param {number} i */
  #tooltip(i) {
    const data = /** @type {SeatData} */ (this.data);
    const z = data.zoneOf(i);
    const lines = [z ? `${z.name} · ${money(z.price, z.currency)}` : 'Not on sale'];
    let state;
    if (data.mine[i] === MINE_HELD) state = 'Held for you';
    else if (data.mine[i] === MINE_SELECTED) state = 'Selected · click to remove';
    else if (data.closedChannel(i)) state = 'Not available online';
    else state = (/** @type {Record<number, string>} */ ({
      0: z ? 'Available · click to select' : 'Not available',
      1: 'Held by another buyer',
      2: 'Sold',
      3: 'Not available',
    }))[data.state[i]];
    lines.push(state);
    if (data.isAccessible(i)) lines.push('Wheelchair accessible');
    return { title: data.label(i), lines };
  }

  /**
   * What the overview's label says about section s.
   * @param {number} s
   */
  #sectionText(s) {
    const data = /** @type {SeatData} */ (this.data);
    const st = /** @type {SectionOverview} */ (this.sections);
    const free = st.free[s];
    const p = free ? st.prices(s) : null;
    return {
      name: data.sections[s]?.name || '',
      free: free ? `${count(free)} free` : 'Sold out',
      prices: p ? (p.min === p.max ? money(p.min, p.currency) : `${money(p.min, p.currency)}–${money(p.max, p.currency)}`) : '',
    };
  }

  /**
   * Seat i as a screen reader should say it: section, row, number, price,
   * state, and whether it takes a wheelchair.
   * @param {number} i
   */
  #seatSpeech(i) {
    const data = /** @type {SeatData} */ (this.data);
    const d = data.describe(i);
    const z = d.zone;
    let state;
    if (data.mine[i] === MINE_HELD) state = 'held for you';
    else if (data.mine[i] === MINE_SELECTED) state = 'selected, Enter removes it';
    else if (data.closedChannel(i)) state = 'not available online';
    else state = (/** @type {Record<number, string>} */ ({
      0: z ? 'available, Enter selects it' : 'not available',
      1: 'held by another buyer',
      2: 'sold',
      3: 'not available',
    }))[data.state[i]];
    const acc = data.isAccessible(i) ? ', wheelchair accessible' : '';
    return [d.section, d.row && `row ${d.row}`, `seat ${d.number}`].filter(Boolean).join(', ') +
      `. ${z ? `${z.name}, ${money(z.price, z.currency)}` : 'No price'}. ${state[0].toUpperCase()}${state.slice(1)}${acc}.`;
  }

  /**
   * Enter or Space on the map's seat cursor: picks or removes the seat and says what happened.
   * @param {number} i
   */
  #pickByKey(i) {
    const data = /** @type {SeatData} */ (this.data);
    const was = data.mine[i] === MINE_SELECTED;
    const now = this.toggle(i);
    const n = this.selection.length;
    const label = data.label(i);
    if (was && !now) announce(`Removed ${label}. ${n} seat${n === 1 ? '' : 's'} selected.`);
    else if (now) announce(`Selected ${label}. ${n} seat${n === 1 ? '' : 's'} selected. Tab to Hold seats when you are done.`);
    else if (!this.hold && this.selection.length < this.maxSeats) announce(`${label} cannot be picked: ${this.#seatSpeech(i)}`);
  }

  /** @param {string} sid */
  #seatLine(sid) {
    const data = this.data;
    const i = data?.index.get(sid);
    if (!data || i === undefined) return null;
    const z = data.zoneOf(i);
    return { label: data.label(i), zone: z ? z.name : '', zoneId: z ? z.id : '', price: z ? z.price : 0, currency: z ? z.currency : 'EUR' };
  }

  // ---- test hooks ----

  #hooks() {
    /** @param {string} sid */
    const idx = (sid) => {
      const i = this.data?.index.get(sid);
      if (i === undefined) throw new Error(`unknown seat ${sid}`);
      return i;
    };
    const page = this;
    return {
      performanceId: this.id,
      get version() { return page.data ? page.data.version : 0; },
      get ready() { return page.ready; },
      get firstDrawAt() { return page.firstDrawAt; },
      get connected() { return !!page.live && page.live.connected; },
      /** @param {string} sid */
      stateOf: (sid) => /** @type {SeatData} */ (this.data).stateName(idx(sid)),
      /** @param {string} sid */
      select: (sid) => this.select(idx(sid)),
      /** @param {string} sid */
      deselect: (sid) => { this.#deselect(idx(sid)); },
      /** @param {string} sid */
      isSelected: (sid) => /** @type {SeatData} */ (this.data).mine[idx(sid)] === MINE_SELECTED,
      selection: () => this.selection.map((i) => /** @type {SeatData} */ (this.data).ids[i]),
      hold: () => this.holdSelection(),
      /** @param {number} n @param {string} [zone] @param {boolean} [accessible] */
      bestAvailable: (n, zone, accessible) => {
        this.bestCount.value = String(n);
        this.bestZone.value = zone || '';
        this.bestAccessible.checked = !!accessible;
        return this.holdBest();
      },
      holdToken: () => (this.hold ? this.hold.token : null),
      counts: () => {
        const c = this.data ? this.data.counts : [0, 0, 0, 0];
        return { free: c[0], held: c[1], sold: c[2], blocked: c[3] };
      },
      frameStats: () => (this.view ? this.view.frameStats() : { frames: 0, avgMs: 0, maxMs: 0, lastMs: 0 }),
      resetFrameStats: () => this.view?.resetFrameStats(),
      /** @param {string} sid */
      seatPoint: (sid) => /** @type {SeatMapView} */ (this.view).clientPoint(idx(sid)),
      /** @param {string} sid */
      zoomToSeat: (sid) => this.view?.zoomToSeat(idx(sid)),
      fit: () => this.view?.fit(false),
      /** @param {number} factor */
      zoom: (factor) => this.view?.zoomCenter(factor),
      /** @param {number} dx @param {number} dy CSS px */
      pan: (dx, dy) => this.view?.panBy(dx * (this.view?.dpr || 1), dy * (this.view?.dpr || 1)),
      seatPx: () => (this.view ? this.view.seatPx() : 0),
      /** @param {string} sid zone id of the seat, or null */
      zoneOf: (sid) => /** @type {SeatData} */ (this.data).zoneOf(idx(sid))?.id ?? null,
      /** @param {string} sid the fill colour the seat is drawn with */
      colorOf: (sid) => /** @type {SeatMapView} */ (this.view).colorOf(idx(sid)),
      /** @param {string} sid price in minor units, or null */
      priceOf: (sid) => /** @type {SeatData} */ (this.data).zoneOf(idx(sid))?.price ?? null,
      /** @param {string} sid the seat's sales channel */
      channelOf: (sid) => /** @type {SeatData} */ (this.data).channelOf(idx(sid)),
      /** Section labels placed on the overview (CSS px from the canvas's top left). */
      labels: () => (this.view ? this.view.labelBoxes() : []),
      /** @param {string} name free seats of the section named so, as counted live */
      sectionFree: (name) => {
        const s = this.data ? this.data.sections.findIndex((x) => x.name === name) : -1;
        return s >= 0 && this.sections ? this.sections.free[s] : -1;
      },
      /** @param {string} name client point of the section's middle */
      sectionPoint: (name) => {
        const data = /** @type {SeatData} */ (this.data), v = /** @type {SeatMapView} */ (this.view);
        const s = data.sections.findIndex((x) => x.name === name);
        const st = /** @type {SectionOverview} */ (this.sections);
        const r = v.canvas.getBoundingClientRect();
        return { x: r.left + (st.centers[2 * s] * v.scale + v.tx) / v.dpr, y: r.top + (st.centers[2 * s + 1] * v.scale + v.ty) / v.dpr };
      },
      overview: () => !!this.view && this.view.isOverview(),
      minimapShown: () => !!this.view?.mini && !this.view.mini.hidden,
      /** @param {string} sid puts the keyboard cursor on the seat (and announces it) */
      cursorTo: (sid) => this.view?.setCursor(idx(sid)),
      heldSeats: () => (this.hold ? this.hold.seats.slice() : []),
      /** The keyboard cursor's seat id, or null. */
      cursor: () => (this.view && this.view.cursor >= 0 ? /** @type {SeatData} */ (this.data).ids[this.view.cursor] : null),
      /** @param {string} sid */
      isAccessible: (sid) => /** @type {SeatData} */ (this.data).isAccessible(idx(sid)),
      /** The hold countdown's deadline in ms since the epoch, or null. */
      expiresAt: () => (this.hold && this.holdPanel?.hold ? this.holdPanel.deadline : null),
    };
  }

  destroy() {
    this.dead = true;
    clearTimeout(this.checkTimer);
    clearTimeout(this.pollTimer);
    clearTimeout(this.refreshTimer);
    document.removeEventListener('visibilitychange', this.onVisible);
    this.live?.close();
    this.view?.destroy();
    this.holdPanel?.destroy();
    resetHooks();
  }
}
