// StaffMapPage is what the painter and the box office desk share: the
// performance's live seat map (the same SeatData, SeatMapView and LiveMap the
// buyer page uses) with zones, channels and block reasons, a colour-mode switch
// with its legend, throttled statistics, and the window.seatmap test hooks.
// Live deltas patch the typed arrays in place and schedule one repaint; nothing
// is rebuilt per delta, so painting a stadium section stays cheap.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, dateTime, count } from './format.js';
import { showError } from './notify.js';
import { SeatData, FREE, HELD, SOLD, BLOCKED, HOLD_STAFF, HOLD_RESERVED } from './seatdata.js';
import { SeatMapView, COLORS, channelColor } from './seatmap.js';
import { LiveMap } from './live.js';
import { setHooks, resetHooks } from './hooks.js';
import { signedOut } from './session.js';

/**
 * @typedef {import('./seatdata.js').Zone} Zone
 * @typedef {import('./seatmap.js').ColorMode} ColorMode
 * @typedef {import('./performance.js').Performance} Performance
 * @typedef {import('./session.js').StaffUser} StaffUser
 * @typedef {{free: number, held: number, sold: number, blocked: number}} Counts
 * @typedef {{counts: Counts, zones: Array<Counts & {zone: string}>, channels: Array<Counts & {channel: string}>}} Stats
 */

/** Statistics refresh at most this often (live deltas can come 10 times a second). */
const STATS_MS = 500;

const STATUS_LABEL = /** @type {Record<string, string>} */ ({ draft: 'Draft', on_sale: 'On sale', stopped: 'Sales stopped' });

/** Seat names of the last few performances asked for, while the page lives. */
/** @type {Map<string, Promise<Map<string, string>>>} */
const seatNameCache = new Map();
const SEAT_NAME_PERFS = 4;

/**
 * The names of a performance's seats as people say them ("Stalls · Row 3 ·
 * Seat 12"), by seat id, from its seat map. Fetched once per performance.
 * @param {string} perfId
 * @returns {Promise<Map<string, string>>}
 */
export function seatNames(perfId) {
  let p = seatNameCache.get(perfId);
  if (!p) {
    p = api.get(paths.compactSeatmap(perfId)).then((m) => {
      const d = new SeatData(m);
      /** @type {Map<string, string>} */
      const out = new Map();
      for (let i = 0; i < d.n; i++) out.set(d.ids[i], d.label(i));
      return out;
    });
    p.catch(() => seatNameCache.delete(perfId));
    seatNameCache.set(perfId, p);
    while (seatNameCache.size > SEAT_NAME_PERFS) seatNameCache.delete(/** @type {string} */ (seatNameCache.keys().next().value));
  }
  return p;
}

/**
 * A performance's sale status as a pill.
 * @param {string} status
 */
export function statusPill(status) {
  return h('span', { class: `status-pill status-${status}`, dataset: { status } }, STATUS_LABEL[status] || status);
}

/**
 * A channel's name for people.
 * @param {string} name
 */
export function channelLabel(name) {
  if (name === 'web') return 'Web';
  if (name === 'box_office') return 'Box office';
  return name;
}

/**
 * A colour swatch.
 * @param {string} color
 * @param {string} [extra] more classes
 */
export function swatch(color, extra = '') {
  const s = h('span', { class: `swatch ${extra}`.trim(), 'aria-hidden': 'true' });
  s.style.background = color; // CSSOM: allowed by the CSP's style-src 'self'
  return s;
}

export class StaffMapPage {
  /**
   * @param {HTMLElement} root
   * @param {string} id performance id
   * @param {StaffUser} user
   * @param {{mode: ColorMode, modes: Array<[ColorMode, string]>, pageClass: string}} opts
   */
  constructor(root, id, user, opts) {
    this.root = root;
    this.id = id;
    this.user = user;
    this.dead = false;
    this.ready = false;
    /** @type {Performance | null} */
    this.perf = null;
    /** @type {SeatData | null} */
    this.data = null;
    /** @type {SeatMapView | null} */
    this.view = null;
    /** @type {LiveMap | null} */
    this.live = null;
    /** @type {Stats | null} */
    this.stats = null;
    this.statsAt = 0;
    /** @type {number | undefined} */
    this.statsTimer = undefined;
    this.statsBusy = false;
    this.blocksAt = 0;
    this.refreshing = false;
    this.refreshAgain = false;
    /** @type {ColorMode} */
    this.mode = opts.mode;

    this.title = h('h1', { class: 'perf-title' }, 'Loading…');
    this.when = h('p', { class: 'perf-when' });
    this.statusBox = h('span', { id: 'sale-status' });
    this.avail = h('span', { class: 'perf-avail' });
    this.liveStatus = h('span', { id: 'live-status', class: 'live-status', dataset: { state: 'connecting' }, role: 'status' }, 'Connecting…');
    this.headActions = h('div', { class: 'head-actions' });
    this.viewMode = /** @type {HTMLSelectElement} */ (h('select', { id: 'view-mode', 'aria-label': 'Colour the seats by' },
      opts.modes.map(([m, label]) => h('option', { value: m, selected: m === opts.mode }, label))));
    this.viewMode.addEventListener('change', () => this.setMode(/** @type {ColorMode} */ (this.viewMode.value)));
    this.toolbar = h('div', { class: 'map-toolbar' },
      h('label', { class: 'toolbar-field' }, h('span', null, 'Colour by'), this.viewMode));
    this.legend = h('ul', { class: 'legend', 'aria-label': 'Seat colours' });
    this.mapEl = h('div', { class: 'map' }, h('div', { class: 'map-loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading the seat map…'));
    this.panel = h('aside', { class: 'panel staff-panel', 'aria-label': 'Tools' });
    this.below = h('div', { class: 'staff-below' });
    this.pageEl = h('div', { class: `perf staff-perf ${opts.pageClass}` },
      h('div', { class: 'perf-head' },
        h('a', { href: '#/staff', class: 'back' }, '← Performances'),
        h('div', { class: 'perf-heading' }, this.title, this.when),
        h('div', { class: 'perf-meta' }, this.statusBox, this.avail, this.liveStatus),
        this.headActions),
      h('div', { class: 'perf-body' },
        h('div', { class: 'map-wrap' }, this.toolbar, this.legend, this.mapEl),
        this.panel),
      this.below);
    replace(root, this.pageEl);
  }

  /** Loads the performance and its map, then goes live. */
  async start() {
    setHooks(this.hooks());
    let perf, map;
    try {
      [perf, map] = await Promise.all([
        api.get(paths.performance(this.id)),
        api.get(paths.compactSeatmap(this.id)),
      ]);
    } catch (err) {
      if (this.dead || signedOut(err)) return;
      this.#failed(err);
      return;
    }
    if (this.dead) return;
    let data;
    try {
      data = new SeatData(map);
    } catch (err) {
      this.#failed(err);
      return;
    }
    this.data = data;
    this.perf = perf;
    this.setup();
    this.renderInfo();
    this.mapEl.replaceChildren();
    this.view = new SeatMapView(this.mapEl, data, {
      mode: this.mode,
      label: 'Seat map. Drag to move, scroll or pinch to zoom; shift+drag selects seats.',
      ...this.viewOptions(),
      tooltip: (i) => this.tooltip(i),
    });
    this.view.onFirstDraw = () => { this.ready = true; };
    this.renderLegend();
    this.live = new LiveMap(this.id, data, {
      onSnapshot: () => {
        this.#channelsSeen();
        this.onStates(null);
        this.view?.invalidate();
        this.statsSoon();
        this.renderAvail();
      },
      onDelta: (d) => {
        if (d.channels) this.#channelsSeen();
        this.onStates(d);
        this.view?.invalidateSoon();
        this.statsSoon();
        this.renderAvail();
      },
      onRefresh: () => this.refresh(),
      onStatus: (s) => this.#liveStatusText(s),
      onFatal: (msg) => showError(msg),
    });
    this.statsSoon();
    this.afterStart();
  }

  // ---- for subclasses ----

  /** Called once the seat data exists, before the first render. */
  setup() {}

  /** Called when the map is up and live. */
  afterStart() {}

  /** @returns {Partial<import('./seatmap.js').ViewOptions>} */
  viewOptions() { return {}; }

  /**
   * After a snapshot (null) or a delta, once the seat data has it.
   * @param {import('./live.js').LiveDelta | null} _d
   */
  onStates(_d) {}

  /** After zones, channels or the status were fetched again. */
  afterRefresh() {}

  /** @param {Stats} _s */
  renderStats(_s) {}

  // ---- shared ----

  /** @param {unknown} err */
  #failed(err) {
    const notFound = err instanceof api.ApiError && err.status === 404;
    replace(this.root, h('section', { class: 'order' }, h('div', { class: 'order-card' },
      h('h1', null, notFound ? 'Performance not found' : 'The seat map could not be loaded'),
      h('p', null, notFound ? 'This performance does not exist.' : 'Please check your connection and try again.'),
      h('div', { class: 'btn-row' },
        notFound ? null : h('button', { type: 'button', class: 'btn btn-primary', onclick: () => location.reload() }, 'Try again'),
        h('a', { class: 'btn btn-secondary', href: '#/staff' }, 'All performances')))));
    if (!notFound) showError(err);
  }

  renderInfo() {
    const p = /** @type {Performance} */ (this.perf);
    this.title.textContent = p.name;
    this.when.textContent = dateTime(p.starts_at);
    replace(this.statusBox, statusPill(p.status));
    this.renderAvail();
  }

  renderAvail() {
    const d = this.data;
    if (!d) return;
    const c = d.counts;
    this.avail.textContent = `${count(c[FREE])} free · ${count(c[HELD])} held · ${count(c[SOLD])} sold · ${count(c[BLOCKED])} blocked`;
  }

  /** @param {import('./live.js').LiveStatus} s */
  #liveStatusText(s) {
    this.liveStatus.textContent = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline' }[s];
    this.liveStatus.dataset.state = s;
    this.liveStatus.title = s === 'live' ? 'The map updates live' : 'The map may be out of date';
  }

  /** @param {ColorMode} mode */
  setMode(mode) {
    this.mode = mode;
    if (this.viewMode.value !== mode) this.viewMode.value = mode;
    this.view?.setMode(mode);
    this.renderLegend();
  }

  /**
   * A zone's price as text.
   * @param {Zone} z
   */
  price(z) {
    return money(z.price, z.currency);
  }

  renderLegend() {
    const d = this.data;
    if (!d) return;
    /** @type {HTMLElement[]} */
    const items = [];
    /** @param {string} color @param {string} text @param {string} [cls] @param {string} [sw] */
    const item = (color, text, cls = '', sw = '') => items.push(h('li', { class: cls }, swatch(color, sw), h('span', null, text)));
    if (this.mode === 'zone' || this.mode === 'buyer') {
      for (const z of d.zones) items.push(h('li', null, swatch(z.color), h('span', null, z.name), h('span', { class: 'legend-price' }, this.price(z))));
      item(COLORS.noZone, 'No zone', 'legend-state');
      if (this.mode === 'zone') item(COLORS.dim, 'Held or sold (paler)', 'legend-state');
      item(COLORS.blocked, 'Blocked', 'legend-state');
    } else if (this.mode === 'channel') {
      d.channels.forEach((c, i) => item(channelColor(i), channelLabel(c)));
      item(COLORS.blocked, 'Blocked', 'legend-state');
    } else {
      item(COLORS.free, 'Free');
      item(COLORS.freeClosed, 'Free, other quota');
      item(COLORS.held, 'Held by a buyer', '', 'swatch-held');
      item(COLORS.heldStaff, 'Held by staff');
      item(COLORS.reserved, 'Reserved');
      item(COLORS.sold, 'Sold');
      item(COLORS.blocked, 'Blocked');
      item(COLORS.noZone, 'No zone');
    }
    const mine = this.legendExtra();
    replace(this.legend, items, mine);
  }

  /** @returns {HTMLElement | null} */
  legendExtra() { return null; }

  /**
   * Zones, channel names or the sale status changed: fetch them again. The
   * channel names come from /stats, listed by channel index like the map's.
   */
  async refresh() {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = true;
    try {
      const [perf, stats] = await Promise.all([
        api.get(paths.performance(this.id)),
        api.get(paths.stats(this.id)),
      ]);
      if (this.dead || !this.data) return;
      this.perf = perf;
      this.data.setZones(perf.zones || []);
      this.#setChannelNames(stats.channels.map((/** @type {{channel: string}} */ c) => c.channel));
      this.view?.refreshPalette();
      this.renderInfo();
      this.renderLegend();
      this.#statsArrived(stats);
      this.afterRefresh();
    } catch (err) {
      if (!this.dead && !signedOut(err)) showError(err, { autoHideMs: 6000 });
    } finally {
      this.refreshing = false;
      if (this.refreshAgain && !this.dead) {
        this.refreshAgain = false;
        this.refresh();
      }
    }
  }

  /** @param {string[]} names */
  #setChannelNames(names) {
    const d = /** @type {SeatData} */ (this.data);
    if (!names.length || names.join('\n') === d.channels.join('\n')) return;
    d.channels = names;
    this.onChannelNames();
  }

  /** The list of channel names grew or changed. */
  onChannelNames() {}

  /** A seat now has a channel index beyond the names known: fetch them. */
  #channelsSeen() {
    const d = /** @type {SeatData} */ (this.data);
    for (let i = 0; i < d.n; i++) {
      if (d.channel[i] >= d.channels.length) {
        this.refresh();
        return;
      }
    }
  }

  /** Schedules a /stats fetch, at most one per STATS_MS. */
  statsSoon() {
    if (this.statsTimer !== undefined || this.dead) return;
    const wait = Math.max(0, this.statsAt + STATS_MS - performance.now());
    this.statsTimer = window.setTimeout(async () => {
      this.statsTimer = undefined;
      if (this.statsBusy) {
        this.statsSoon();
        return;
      }
      this.statsBusy = true;
      this.statsAt = performance.now();
      try {
        const s = await api.get(paths.stats(this.id));
        if (!this.dead) this.#statsArrived(s);
      } catch (err) {
        if (!this.dead) signedOut(err);
      } finally {
        this.statsBusy = false;
      }
    }, wait);
  }

  /** @param {Stats} s */
  #statsArrived(s) {
    this.stats = s;
    if (this.data && s.channels?.length > this.data.channels.length) this.#setChannelNames(s.channels.map((c) => c.channel));
    this.renderStats(s);
  }

  /**
   * A stats table: one row per zone or channel with its counts.
   * @param {string} caption
   * @param {Array<{swatch: string, name: string, extra?: string, c: Counts}>} rows
   * @param {string} id
   */
  statsTable(caption, rows, id) {
    const total = (/** @type {Counts} */ c) => c.free + c.held + c.sold + c.blocked;
    return h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': caption }, h('table', { class: 'stats-table', id },
      h('caption', null, caption),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Name')),
        h('th', { scope: 'col', class: 'num' }, 'Free'),
        h('th', { scope: 'col', class: 'num' }, 'Held'),
        h('th', { scope: 'col', class: 'num' }, 'Sold'),
        h('th', { scope: 'col', class: 'num' }, 'Blocked'),
        h('th', { scope: 'col', class: 'num' }, 'Total'))),
      h('tbody', null, rows.map((r) => h('tr', null,
        h('th', { scope: 'row' }, h('span', { class: 'stats-name' }, swatch(r.swatch), h('span', null, r.name), r.extra ? h('span', { class: 'stats-extra' }, r.extra) : null)),
        h('td', { class: 'num' }, count(r.c.free)),
        h('td', { class: 'num' }, count(r.c.held)),
        h('td', { class: 'num' }, count(r.c.sold)),
        h('td', { class: 'num' }, count(r.c.blocked)),
        h('td', { class: 'num total-cell' }, count(total(r.c))))))));
  }

  /** Zone rows for statsTable. @param {Stats} s */
  zoneRows(s) {
    const d = /** @type {SeatData} */ (this.data);
    return s.zones.map((zc) => {
      const z = d.zones.find((x) => x.id === zc.zone);
      return { swatch: z ? z.color : COLORS.noZone, name: z ? z.name : zc.zone, extra: z ? this.price(z) : '', c: zc };
    });
  }

  /** Channel rows for statsTable. @param {Stats} s */
  channelRows(s) {
    return s.channels.map((cc, i) => ({ swatch: channelColor(i), name: channelLabel(cc.channel), c: cc }));
  }

  /**
   * Who holds seat i, for tooltips (the desk knows; the painter does not).
   * @param {number} _i
   * @returns {string}
   */
  heldText(_i) {
    return 'Held';
  }

  /**
   * The staff tooltip: zone and price, channel, state with who holds it or why
   * it is blocked.
   * @param {number} i
   */
  tooltip(i) {
    const d = /** @type {SeatData} */ (this.data);
    const z = d.zoneOf(i);
    const lines = [z ? `${z.name} · ${this.price(z)}` : 'No price zone', `Channel: ${channelLabel(d.channelOf(i))}`];
    const s = d.state[i];
    if (s === FREE) lines.push('Free');
    else if (s === HELD) lines.push(this.heldText(i));
    else if (s === SOLD) lines.push('Sold');
    else {
      const reason = d.blocks.get(i);
      if (reason === undefined) this.#fetchBlocks();
      lines.push(reason ? `Blocked: ${reason}` : 'Blocked');
    }
    return { title: d.label(i), lines };
  }

  /**
   * Block reasons come with the seat map, not with live deltas: fetch them again
   * when a blocked seat without a known reason is looked at (at most every 5 s).
   */
  async #fetchBlocks() {
    const now = performance.now();
    if (now - this.blocksAt < 5000) return;
    this.blocksAt = now;
    try {
      const m = await api.get(paths.compactSeatmap(this.id));
      if (this.dead || !this.data) return;
      this.data.setBlocks(m.blocks);
    } catch {
      // Reasons are a nicety; the state itself is live.
    }
  }

  /**
   * Seat index of a seat id, or an error naming it.
   * @param {string} sid
   */
  idx(sid) {
    const i = this.data?.index.get(sid);
    if (i === undefined) throw new Error(`unknown seat ${sid}`);
    return i;
  }

  /** Hooks every staff map page offers. */
  hooks() {
    const page = this;
    const d = () => /** @type {SeatData} */ (page.data);
    const v = () => /** @type {SeatMapView} */ (page.view);
    return {
      performanceId: this.id,
      get version() { return page.data ? page.data.version : 0; },
      get ready() { return page.ready; },
      get connected() { return !!page.live && page.live.connected; },
      /** @param {string} sid */
      stateOf: (sid) => {
        const i = this.idx(sid);
        const s = d().state[i];
        if (s === HELD) return d().holdKind[i] === HOLD_RESERVED ? 'reserved' : d().holdKind[i] === HOLD_STAFF ? 'held_staff' : 'held';
        return d().stateName(i);
      },
      /** @param {string} sid */
      zoneOf: (sid) => d().zoneOf(this.idx(sid))?.id ?? null,
      /** @param {string} sid */
      colorOf: (sid) => v().colorOf(this.idx(sid)),
      /** @param {string} sid */
      priceOf: (sid) => d().zoneOf(this.idx(sid))?.price ?? null,
      /** @param {string} sid */
      channelOf: (sid) => d().channelOf(this.idx(sid)),
      /** @param {string} sid */
      blockOf: (sid) => d().blocks.get(this.idx(sid)) ?? null,
      counts: () => {
        const c = page.data ? page.data.counts : [0, 0, 0, 0];
        return { free: c[0], held: c[1], sold: c[2], blocked: c[3] };
      },
      stats: () => page.stats,
      /** @param {ColorMode} m */
      setViewMode: (m) => this.setMode(m),
      frameStats: () => (page.view ? page.view.frameStats() : { frames: 0, avgMs: 0, maxMs: 0, lastMs: 0 }),
      resetFrameStats: () => page.view?.resetFrameStats(),
      /** @param {string} sid */
      seatPoint: (sid) => v().clientPoint(this.idx(sid)),
      /** @param {string} sid */
      zoomToSeat: (sid) => page.view?.zoomToSeat(this.idx(sid)),
      fit: () => page.view?.fit(false),
      /** @param {number} factor */
      zoom: (factor) => page.view?.zoomCenter(factor),
      /** @param {number} dx @param {number} dy CSS px */
      pan: (dx, dy) => page.view?.panBy(dx * (page.view?.dpr || 1), dy * (page.view?.dpr || 1)),
      seatPx: () => (page.view ? page.view.seatPx() : 0),
    };
  }

  destroy() {
    this.dead = true;
    clearTimeout(this.statsTimer);
    this.live?.close();
    this.view?.destroy();
    resetHooks();
  }
}
