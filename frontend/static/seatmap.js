// SeatMapView draws a SeatData on a canvas and turns pointer, wheel, touch and key
// input into pan, zoom, hover, seat clicks and (on staff pages) rectangle
// selections.
//
// It is built to stay smooth on an 80,000-seat stadium: it draws only when marked
// dirty (one requestAnimationFrame per change burst), culls seats through the
// grid index, and fills seats grouped by colour — one path and one fill() per
// colour — so the canvas state changes a handful of times per frame, not per seat.
// Hover and conflict rings live on a second canvas, so moving the mouse never
// repaints the seats.
//
// A colour mode decides each seat's fill:
//   buyer    free seats in their zone colour, the rest by state; free seats of
//            a channel the page may not sell look unavailable (the buyer page)
//   zone     every seat in its zone colour, dimmed when held or sold (painter)
//   channel  every seat in its sales channel's colour, dimmed when held or sold
//   state    each state its own colour, held seats by who holds them (desk)
//
// The buyer page adds two things (options `overview` and `cursor`). At overview
// zoom, where seats are specks, it draws each section as a shape with a label
// card (name, free seats, prices), placed so that no two cards overlap; a click
// on a section zooms to it with seats at least PICK_PX wide, and a minimap shows
// where the view is while zoomed in. A seat cursor, moved with the arrow keys,
// lets a keyboard pick seats; the page announces each seat it lands on.

import { FREE } from './seatdata.js';
import { h } from './dom.js';
import { SeatCanvas, COLORS, SEAT_FILL, OVERVIEW_PX, deviceSize } from './seatcanvas.js';

// The palette lives with the painting code (seatcanvas.js); the staff pages take it from here.
export { COLORS, channelColor } from './seatcanvas.js';

/** @param {number} dpr */
const LABEL_FONT_BOLD = (dpr) => `650 ${Math.round(12 * dpr)}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
/** @param {number} dpr */
const LABEL_FONT = (dpr) => `500 ${Math.round(11.5 * dpr)}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;

/**
 * A canvas context that measures text in one font.
 * @param {string} font
 */
function measurer(font) {
  const ctx = /** @type {CanvasRenderingContext2D} */ (document.createElement('canvas').getContext('2d'));
  ctx.font = font;
  return ctx;
}

/**
 * Seat size (CSS px) the buyer map zooms to for picking: a comfortable tap
 * target (24 px is the usual minimum).
 */
export const PICK_PX = 28;

/**
 * Per-section shapes and live free counts for the overview. Shapes are computed
 * once (seats do not move); counts follow state changes seat by seat, so a delta
 * costs as much as its changes, not a pass over the hall.
 *
 * Not safe for concurrent use; the page that owns the seat data updates it.
 */
export class SectionOverview {
  /** @param {SeatData} data */
  constructor(data) {
    this.data = data;
    const { n, row, rows, sections } = data;
    const ns = sections.length;
    this.ns = ns;
    /** Section index per seat, -1 for none. */
    this.secOf = new Int32Array(n).fill(-1);
    this.total = new Int32Array(ns);
    for (let i = 0; i < n; i++) {
      const r = rows[row[i]];
      const sec = r ? r.section : -1;
      if (sec >= 0 && sec < ns) {
        this.secOf[i] = sec;
        this.total[sec]++;
      }
    }
    /** Free seats this page may sell, per section. */
    this.free = new Int32Array(ns);
    /** The same per section and zone: zoneFree[s * 256 + zone]. */
    this.zoneFree = new Int32Array(ns * 256);
    /** Per seat: zone + 1 when counted as free, else 0. */
    this.counted = new Uint8Array(n);
    /** Bumped on every change of the counts. */
    this.version = 0;
    /** @type {Float64Array[]} a padded convex outline per section, world x,y pairs */
    this.hulls = [];
    /** Mean seat position per section (x, y). */
    this.centers = new Float64Array(ns * 2);
    /** Seats by section: order[start[s] .. start[s+1]) in index order. */
    this.start = new Int32Array(ns + 1);
    this.order = new Int32Array(0);
    this.#shapes();
    this.recount();
  }

  #shapes() {
    const { data, ns, secOf, start } = this;
    const { n, x, y, pitch } = data;
    for (let i = 0; i < n; i++) if (secOf[i] >= 0) start[secOf[i] + 1]++;
    for (let sec = 0; sec < ns; sec++) start[sec + 1] += start[sec];
    const fill = start.slice(0, ns);
    const order = new Int32Array(start[ns]);
    for (let i = 0; i < n; i++) if (secOf[i] >= 0) order[fill[secOf[i]]++] = i;
    this.order = order;
    const pad = pitch * 0.75;
    for (let sec = 0; sec < ns; sec++) {
      /** @type {Array<[number, number]>} */
      const pts = [];
      let cx = 0, cy = 0;
      for (let p = start[sec]; p < start[sec + 1]; p++) {
        const i = order[p];
        pts.push([x[i], y[i]]);
        cx += x[i];
        cy += y[i];
      }
      const m = pts.length || 1;
      this.centers[2 * sec] = cx / m;
      this.centers[2 * sec + 1] = cy / m;
      /** @type {Array<[number, number]>} */
      const padded = [];
      for (const [px, py] of convexHull(pts)) {
        for (let a = 0; a < 8; a++) padded.push([px + pad * Math.cos((a * Math.PI) / 4), py + pad * Math.sin((a * Math.PI) / 4)]);
      }
      this.hulls.push(Float64Array.from(convexHull(padded).flat()));
    }
  }

  /** @param {number} i zone + 1 if seat i is free for this page, else 0 */
  #countOf(i) {
    const d = this.data;
    if (d.state[i] !== FREE || d.sellable[d.channel[i]] !== 1) return 0;
    const z = d.zone[i];
    return z >= 0 && z < d.zones.length && z < 255 ? z + 1 : 0;
  }

  /** Counts every seat again (after a snapshot, new zones or channels). */
  recount() {
    const { secOf, counted, free, zoneFree } = this;
    free.fill(0);
    zoneFree.fill(0);
    for (let i = 0; i < this.data.n; i++) {
      const c = this.#countOf(i);
      counted[i] = c;
      const sec = secOf[i];
      if (c && sec >= 0) {
        free[sec]++;
        zoneFree[sec * 256 + c - 1]++;
      }
    }
    this.version++;
  }

  /**
   * Updates the counts for the seats of a delta (after it was applied).
   * @param {Array<[number, number]>} changes [seat index, anything] pairs
   */
  update(changes) {
    const { secOf, counted, free, zoneFree } = this;
    const n = this.data.n;
    for (const ch of changes) {
      const i = ch[0];
      if (!(i >= 0 && i < n)) continue;
      const c = this.#countOf(i), old = counted[i];
      if (c === old) continue;
      counted[i] = c;
      const sec = secOf[i];
      if (sec < 0) continue;
      if (old) {
        free[sec]--;
        zoneFree[sec * 256 + old - 1]--;
      }
      if (c) {
        free[sec]++;
        zoneFree[sec * 256 + c - 1]++;
      }
    }
    this.version++;
  }

  /**
   * Lowest and highest price among the free seats of section sec, or null.
   * @param {number} sec
   * @returns {{min: number, max: number, currency: string} | null}
   */
  prices(sec) {
    const zones = this.data.zones;
    let min = Infinity, max = -Infinity, currency = '';
    for (let z = 0; z < zones.length && z < 255; z++) {
      if (this.zoneFree[sec * 256 + z] <= 0) continue;
      const p = zones[z].price;
      if (p < min) min = p;
      if (p > max) max = p;
      currency = zones[z].currency;
    }
    return min <= max ? { min, max, currency } : null;
  }

  /**
   * The section whose outline contains the world point, or -1.
   * @param {number} wx @param {number} wy
   */
  sectionAt(wx, wy) {
    for (let sec = 0; sec < this.ns; sec++) if (inPolygon(this.hulls[sec], wx, wy)) return sec;
    return -1;
  }

  /**
   * The first seat of section sec that the page may pick, else its first seat, or -1.
   * @param {number} sec
   */
  firstSeat(sec) {
    const { order, start, data } = this;
    for (let p = start[sec]; p < start[sec + 1]; p++) if (data.selectable(order[p])) return order[p];
    return start[sec] < start[sec + 1] ? order[start[sec]] : -1;
  }
}

/**
 * @typedef {import('./seatdata.js').SeatData} SeatData
 * @typedef {import('./seatcanvas.js').ColorMode} ColorMode
 * @typedef {{
 *   onSeatClick?: (i: number, e: PointerEvent) => void,
 *   onTinyClick?: (i: number, e: PointerEvent) => boolean,
 *   onRect?: (x0: number, y0: number, x1: number, y1: number, e: PointerEvent) => void,
 *   clickable?: (i: number) => boolean,
 *   tooltip?: (i: number) => {title: string, lines: string[]} | null,
 *   mode?: ColorMode,
 *   label?: string,
 *   overview?: {stats: SectionOverview, text: (s: number) => {name: string, free: string, prices: string}},
 *   cursor?: boolean,
 *   onCursor?: (i: number, edge: boolean) => void,
 *   onPick?: (i: number) => void,
 * }} ViewOptions
 *
 * @typedef {{section: string, lines: string[], x: number, y: number, w: number, h: number}} LabelBox
 *   a placed section label, CSS px from the canvas's top left
 */

export class SeatMapView extends SeatCanvas {
  /**
   * @param {HTMLElement} container positioned element the map fills
   * @param {SeatData} data
   * @param {ViewOptions} [opts]
   */
  constructor(container, data, opts = {}) {
    const canvas = /** @type {HTMLCanvasElement} */ (h('canvas', opts.cursor ? {
      class: 'map-canvas', tabindex: '0', role: 'application', 'aria-roledescription': 'seat map',
      'aria-label': opts.label || 'Seat map. Arrow keys move between seats, Enter or Space picks a seat; shift and arrows move the map, + and - zoom.',
    } : {
      class: 'map-canvas', tabindex: '0', role: 'img',
      'aria-label': opts.label || 'Seat map. Drag to move, use the mouse wheel or pinch to zoom, arrow keys and + and - work too.',
    }));
    super(canvas, data, opts.mode || 'buyer');
    this.container = container;
    this.opts = opts;
    this.overlay = /** @type {HTMLCanvasElement} */ (h('canvas', { class: 'map-overlay', 'aria-hidden': 'true' }));
    this.tip = h('div', { class: 'map-tooltip', role: 'tooltip', hidden: true });
    const zoomIn = h('button', { type: 'button', class: 'map-btn', title: 'Zoom in', 'aria-label': 'Zoom in', onclick: () => this.zoomCenter(1.6) }, '+');
    const zoomOut = h('button', { type: 'button', class: 'map-btn', title: 'Zoom out', 'aria-label': 'Zoom out', onclick: () => this.zoomCenter(1 / 1.6) }, '−');
    const fit = h('button', { type: 'button', class: 'map-btn map-btn-fit', title: 'Show the whole hall', 'aria-label': 'Fit: show the whole hall', onclick: () => this.fit(true) }, 'Fit');
    this.controls = h('div', { class: 'map-controls' }, zoomIn, zoomOut, fit);
    container.append(this.canvas, this.overlay, this.tip, this.controls);
    /** Where the view is in the hall, while zoomed in (buyer overview only). */
    this.mini = opts.overview ? /** @type {HTMLCanvasElement} */ (h('canvas', { class: 'map-minimap', 'aria-hidden': 'true', hidden: true })) : null;
    if (this.mini) container.append(this.mini);

    const octx = this.overlay.getContext('2d');
    if (!octx) throw new Error('This browser cannot draw the seat map (no canvas support).');
    this.octx = octx;
    this.fitted = false;

    this.dirty = true;
    this.overlayDirty = true;
    this.raf = 0;
    this.softTimer = 0;
    this.lastDraw = 0;
    /** @type {number} */
    this.hover = -1;
    /** Seats ringed in red after a conflict, until flashUntil. */
    /** @type {number[]} */
    this.flash = [];
    this.flashUntil = 0;
    /** @type {number | undefined} */
    this.flashTimer = undefined;
    /** @type {{from: {s: number, x: number, y: number}, to: {s: number, x: number, y: number}, t0: number, ms: number} | null} */
    this.anim = null;
    this.stats = { frames: 0, totalMs: 0, maxMs: 0, lastMs: 0 };
    /** The keyboard's seat, or -1; ringed while the canvas has keyboard focus. */
    this.cursor = -1;
    this.keyboard = false;
    this.focused = false;
    /** Section under the pointer at overview, or -1. */
    this.hoverSection = -1;
    /** @type {LabelBox[]} */
    this.labels = [];
    /** @type {Map<string, number>} label text widths, CSS px */
    this.widths = new Map();
    /** @type {CanvasRenderingContext2D | null} measures LABEL_FONT */
    this.measure = null;
    /** @type {CanvasRenderingContext2D | null} measures LABEL_FONT_BOLD */
    this.measureBold = null;
    /** @type {{x: number, y: number, w: number, h: number} | null} CSS px the labels keep clear of */
    this.controlsBox = null;
    /** @type {{x: number, y: number, w: number, h: number} | null} */
    this.miniBox = null;
    /** Label texts per section, for counts of version textVersion. */
    /** @type {Array<{name: string, free: string, prices: string}>} */
    this.texts = [];
    this.textVersion = -1;
    /** @type {{k: number, ox: number, oy: number} | null} minimap px = world * k + o */
    this.miniView = null;
    /** @type {(() => void) | null} */
    this.onFirstDraw = null;

    /** @type {Map<number, {x: number, y: number}>} */
    this.pointers = new Map();
    /** @type {{x: number, y: number, moved: boolean, pointerType: string, rect?: boolean} | null} */
    this.drag = null;
    /** The rectangle being dragged, in device px of the canvas. */
    /** @type {{x0: number, y0: number, x1: number, y1: number} | null} */
    this.rect = null;
    /** Rectangles sent and not yet answered, in world units. */
    /** @type {Set<{x0: number, y0: number, x1: number, y1: number}>} */
    this.pending = new Set();
    /** Plain drags select a rectangle instead of panning (shift+drag always does). */
    this.selectMode = false;
    /** @type {{dist: number, mx: number, my: number} | null} */
    this.pinch = null;

    this.#bindInput();
    this.ro = new ResizeObserver(() => this.resize());
    this.ro.observe(container);
    // Browser zoom and moving to another screen change devicePixelRatio without
    // resizing the container; they do fire a window resize.
    this.onWindowResize = () => this.resize();
    window.addEventListener('resize', this.onWindowResize);
    this.resize();
  }

  // ---- colours ----

  // ---- view ----

  /** Sizes the canvases to the container at the device pixel ratio. */
  resize() {
    const w = this.container.clientWidth;
    const hgt = this.container.clientHeight;
    if (w === 0 || hgt === 0) return;
    const { dpr, cw, ch } = deviceSize(w, hgt);
    if (cw === this.cw && ch === this.ch && dpr === this.dpr) return;
    // Keep the world point at the centre in the centre.
    const cx = (this.cw / 2 - this.tx) / this.scale;
    const cy = (this.ch / 2 - this.ty) / this.scale;
    const ratio = dpr / this.dpr;
    const c = this.controls;
    this.controlsBox = { x: c.offsetLeft - 4, y: c.offsetTop - 4, w: c.offsetWidth + 8, h: c.offsetHeight + 8 };
    this.cw = this.canvas.width = this.overlay.width = cw;
    this.ch = this.canvas.height = this.overlay.height = ch;
    this.heldPattern = null;
    if (!this.fitted) {
      this.dpr = dpr;
      this.fit(false);
      this.fitted = true;
    } else {
      this.scale *= ratio;
      this.dpr = dpr;
      this.tx = cw / 2 - cx * this.scale;
      this.ty = ch / 2 - cy * this.scale;
    }
    this.invalidate(true);
  }

  minScale() { return this.fitScale() * 0.6; }

  /** Zoomed in as far as a seat being ~80 CSS px wide. */
  maxScale() { return Math.max(this.fitScale() * 2, (80 * this.dpr) / this.data.pitch); }

  /**
   * Shows the whole hall.
   * @param {boolean} animate
   */
  fit(animate) {
    const b = this.data.bounds;
    this.#goTo(this.fitScale(), (b.minX + b.maxX) / 2, (b.minY + b.maxY) / 2, animate);
  }

  /**
   * Zooms by factor around a device-pixel point, keeping that point still.
   * @param {number} factor @param {number} px @param {number} py
   */
  zoomAt(factor, px, py) {
    this.anim = null;
    const s = clamp(this.scale * factor, this.minScale(), this.maxScale());
    const wx = (px - this.tx) / this.scale, wy = (py - this.ty) / this.scale;
    this.scale = s;
    this.tx = px - wx * s;
    this.ty = py - wy * s;
    this.#clampPan();
    this.invalidate(true);
  }

  /** @param {number} factor */
  zoomCenter(factor) {
    const s = clamp(this.scale * factor, this.minScale(), this.maxScale());
    const cx = (this.cw / 2 - this.tx) / this.scale, cy = (this.ch / 2 - this.ty) / this.scale;
    this.#goTo(s, cx, cy, true);
  }

  /** @param {number} dx @param {number} dy device px */
  panBy(dx, dy) {
    this.anim = null;
    this.tx += dx;
    this.ty += dy;
    this.#clampPan();
    this.invalidate(true);
  }

  /** Keeps at least part of the hall on screen. */
  #clampPan() {
    const b = this.data.bounds, s = this.scale;
    const margin = Math.min(this.cw, this.ch) * 0.25;
    this.tx = clamp(this.tx, margin - b.maxX * s, this.cw - margin - b.minX * s);
    this.ty = clamp(this.ty, margin - b.maxY * s, this.ch - margin - b.minY * s);
  }

  /**
   * Moves the view so that the seats are on screen and large enough to tell apart.
   * @param {number[]} seats
   */
  reveal(seats) {
    if (!seats.length || !this.cw) return;
    const { x, y, pitch } = this.data;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (const i of seats) {
      minX = Math.min(minX, x[i]); maxX = Math.max(maxX, x[i]);
      minY = Math.min(minY, y[i]); maxY = Math.max(maxY, y[i]);
    }
    const bigEnough = this.seatPx() >= 8;
    const onScreen = minX * this.scale + this.tx >= 0 && maxX * this.scale + this.tx <= this.cw &&
      minY * this.scale + this.ty >= 0 && maxY * this.scale + this.ty <= this.ch;
    if (onScreen && bigEnough) return;
    let s = this.scale;
    if (!bigEnough) {
      const pad = pitch * 3;
      const fitBox = Math.min(this.cw / (maxX - minX + 2 * pad), this.ch / (maxY - minY + 2 * pad));
      const readable = ((this.opts.overview ? PICK_PX : 16) * this.dpr) / (pitch * SEAT_FILL); // a seat about 16 CSS px, PICK_PX for buyers
      s = clamp(Math.min(readable, fitBox), this.minScale(), this.maxScale());
    }
    this.#goTo(s, (minX + maxX) / 2, (minY + maxY) / 2, true);
  }

  /**
   * Sets the view to scale s with world point (cx, cy) at the centre.
   * @param {number} s @param {number} cx @param {number} cy @param {boolean} animate
   */
  #goTo(s, cx, cy, animate) {
    // The view moves under a still pointer: a tooltip would describe the wrong seat.
    this.#setHover(-1, 0, 0);
    const to = { s, x: cx, y: cy };
    if (!animate || !this.cw || window.matchMedia('(prefers-reduced-motion: reduce)').matches) {
      this.anim = null;
      this.setCenter(to.s, to.x, to.y);
      this.invalidate(true);
      return;
    }
    const from = { s: this.scale, x: (this.cw / 2 - this.tx) / this.scale, y: (this.ch / 2 - this.ty) / this.scale };
    this.anim = { from, to, t0: performance.now(), ms: 280 };
    this.invalidate(true);
  }

  /**
   * Screen position (CSS px, client coordinates) of seat i's centre.
   * @param {number} i
   */
  clientPoint(i) {
    const r = this.canvas.getBoundingClientRect();
    return {
      x: r.left + (this.data.x[i] * this.scale + this.tx) / this.dpr,
      y: r.top + (this.data.y[i] * this.scale + this.ty) / this.dpr,
    };
  }

  /**
   * Zooms so that seat i is comfortably clickable.
   * @param {number} i
   */
  zoomToSeat(i) {
    const s = clamp((20 * this.dpr) / this.data.pitch, this.minScale(), this.maxScale());
    this.#goTo(Math.max(s, this.scale, this.opts.overview ? this.pickScale() : 0), this.data.x[i], this.data.y[i], false);
  }

  /** The scale at which a seat is PICK_PX CSS px wide. */
  pickScale() {
    return clamp((PICK_PX * this.dpr) / (this.data.pitch * SEAT_FILL), this.minScale(), this.maxScale());
  }

  /** Whether the buyer map shows sections rather than seats. */
  isOverview() {
    return !!this.opts.overview && this.seatPx() < OVERVIEW_PX;
  }

  /**
   * Zooms to section sec so that its seats can be picked: the whole section when
   * it fits with seats of PICK_PX, else the part around the world point (wx, wy).
   * @param {number} sec @param {number} wx @param {number} wy
   */
  zoomToSection(sec, wx, wy) {
    const box = this.data.sectionBoxes, o = sec * 4;
    if (!Number.isFinite(box[o])) return;
    const pad = this.data.pitch * 1.5;
    const bw = box[o + 2] - box[o] + 2 * pad, bh = box[o + 3] - box[o + 1] + 2 * pad;
    const fitS = Math.min(this.cw / bw, this.ch / bh);
    const pick = this.pickScale();
    if (fitS >= pick) {
      this.#goTo(clamp(fitS, pick, this.maxScale()), (box[o] + box[o + 2]) / 2, (box[o + 1] + box[o + 3]) / 2, true);
    } else {
      this.#goTo(pick, clamp(wx, box[o], box[o + 2]), clamp(wy, box[o + 1], box[o + 3]), true);
    }
  }

  // ---- drawing ----

  /**
   * Schedules a repaint. States and geometry changes pass seats=true; hover-only
   * changes repaint just the overlay.
   * @param {boolean} [seats]
   */
  invalidate(seats = true) {
    if (seats) this.dirty = true;
    this.overlayDirty = true;
    if (!this.raf) this.raf = requestAnimationFrame((t) => this.#frame(t));
  }

  /**
   * Schedules a repaint for live state changes, at most one per ms: a surge of
   * deltas repaints ten times a second, not on every frame. User actions call
   * invalidate() and repaint at once.
   * @param {number} [ms]
   */
  invalidateSoon(ms = 100) {
    if (this.softTimer) return;
    const wait = Math.max(0, this.lastDraw + ms - performance.now());
    this.softTimer = window.setTimeout(() => {
      this.softTimer = 0;
      this.invalidate(true);
    }, wait);
  }

  /**
   * Draws now rather than in the next frame: the page's first draw, once
   * the page around the map is built, paints with the frame that shows the
   * page instead of one frame later (a phone's CPU makes a frame long).
   */
  drawNow() {
    if (this.raf) {
      cancelAnimationFrame(this.raf);
      this.raf = 0;
    }
    this.#frame(performance.now());
  }

  /** @param {number} now */
  #frame(now) {
    this.raf = 0;
    if (this.anim) {
      const a = this.anim;
      const t = Math.min(1, (now - a.t0) / a.ms);
      const e = t < 0.5 ? 2 * t * t : 1 - (-2 * t + 2) ** 2 / 2;
      const s = Math.exp(Math.log(a.from.s) + (Math.log(a.to.s) - Math.log(a.from.s)) * e);
      this.setCenter(s, a.from.x + (a.to.x - a.from.x) * e, a.from.y + (a.to.y - a.from.y) * e);
      this.dirty = this.overlayDirty = true;
      if (t >= 1) this.anim = null;
      else this.raf = requestAnimationFrame((t2) => this.#frame(t2));
    }
    if (this.dirty && this.cw) {
      this.dirty = false;
      const t0 = performance.now();
      this.paint();
      this.lastDraw = performance.now();
      const ms = this.lastDraw - t0;
      const st = this.stats;
      st.frames++;
      st.totalMs += ms;
      st.lastMs = ms;
      if (ms > st.maxMs) st.maxMs = ms;
      if (this.onFirstDraw) {
        const cb = this.onFirstDraw;
        this.onFirstDraw = null;
        cb();
      }
    }
    if (this.overlayDirty && this.cw) {
      this.overlayDirty = false;
      this.#drawOverlay();
    }
  }

  /** Draw-time statistics since the last reset. */
  frameStats() {
    const s = this.stats;
    return { frames: s.frames, avgMs: s.frames ? s.totalMs / s.frames : 0, maxMs: s.maxMs, lastMs: s.lastMs };
  }

  resetFrameStats() { this.stats = { frames: 0, totalMs: 0, maxMs: 0, lastMs: 0 }; }

  /** @param {boolean} overview */
  paintUnder(overview) {
    this.#drawMinimap(); // first: labels keep clear of it
    if (overview) this.#drawSectionShapes();
  }

  /** @param {boolean} overview @param {number} css seat size in CSS px */
  paintOver(overview, css) {
    if (overview) this.#drawOverviewLabels();
    else {
      this.labels = [];
      if (css < 5) this.#drawSectionLabels();
    }
  }

  /** Sections as shapes under the seats at overview zoom, sold-out ones greyed. */
  #drawSectionShapes() {
    const { ctx, dpr } = this;
    const ov = /** @type {NonNullable<ViewOptions['overview']>} */ (this.opts.overview).stats;
    const k = this.scale, tx = this.tx, ty = this.ty;
    ctx.lineJoin = 'round';
    ctx.lineWidth = dpr;
    ctx.strokeStyle = '#aab2be';
    // One path per fill: two fills and two strokes a frame, however many sections.
    for (const open of [true, false]) {
      ctx.beginPath();
      for (let sec = 0; sec < ov.ns; sec++) {
        const hl = ov.hulls[sec];
        if (hl.length < 6 || (ov.free[sec] > 0) !== open) continue;
        ctx.moveTo(hl[0] * k + tx, hl[1] * k + ty);
        for (let p = 2; p < hl.length; p += 2) ctx.lineTo(hl[p] * k + tx, hl[p + 1] * k + ty);
        ctx.closePath();
      }
      ctx.fillStyle = open ? '#ffffff' : '#e4e7ec';
      ctx.fill();
      ctx.stroke();
    }
  }

  /**
   * Places a label card per visible section — name, free seats, prices — largest
   * sections first, each at its centre or a little beside it, dropping the full
   * card for a short one and the short one altogether where it would overlap a
   * card already placed or the map's controls. Fills this.labels (CSS px).
   */
  #placeLabels() {
    const { dpr } = this;
    const o = /** @type {NonNullable<ViewOptions['overview']>} */ (this.opts.overview);
    const ov = o.stats;
    const k = this.scale, tx = this.tx, ty = this.ty;
    const W = this.cw / dpr, H = this.ch / dpr;
    const box = this.data.sectionBoxes;
    /** @type {Array<{x: number, y: number, w: number, h: number}>} obstacles and placed cards, CSS px */
    const taken = [];
    if (this.controlsBox) taken.push(this.controlsBox);
    if (this.miniBox && this.mini && !this.mini.hidden) taken.push(this.miniBox);
    if (this.textVersion !== ov.version) {
      this.textVersion = ov.version;
      this.texts = [];
    }
    /** @type {Array<{sec: number, cx: number, cy: number, area: number}>} */
    const cand = [];
    for (let sec = 0; sec < ov.ns; sec++) {
      const cx = (ov.centers[2 * sec] * k + tx) / dpr, cy = (ov.centers[2 * sec + 1] * k + ty) / dpr;
      if (cx < 0 || cy < 0 || cx > W || cy > H) continue;
      const b = sec * 4;
      cand.push({ sec, cx, cy, area: (box[b + 2] - box[b]) * (box[b + 3] - box[b + 1]) });
    }
    cand.sort((a, b) => b.area - a.area || a.sec - b.sec);
    /** @type {LabelBox[]} */
    const out = [];
    const lineH = 15, padX = 7, padY = 4;
    const gap = 3;
    const free = (/** @type {{x: number, y: number, w: number, h: number}} */ r) =>
      r.x >= 2 && r.y >= 2 && r.x + r.w <= W - 2 && r.y + r.h <= H - 2 &&
      !taken.some((q) => r.x < q.x + q.w + gap && q.x < r.x + r.w + gap && r.y < q.y + q.h + gap && q.y < r.y + r.h + gap);
    for (const { sec, cx, cy } of cand) {
      const t = this.texts[sec] || (this.texts[sec] = o.text(sec));
      const variants = [[t.name, t.prices ? `${t.free} · ${t.prices}` : t.free], [t.name, t.free]];
      let placed = null;
      for (const lines of variants) {
        const w = Math.ceil(Math.max(...lines.map((l, n) => this.#textWidth(l, n === 0)))) + 2 * padX;
        const hh = lines.length * lineH + 2 * padY;
        for (const [ox, oy] of [[0, 0], [0, -0.7], [0, 0.7], [-0.6, 0], [0.6, 0]]) {
          const r = { x: cx - w / 2 + ox * w, y: cy - hh / 2 + oy * hh, w, h: hh };
          if (free(r)) {
            placed = { section: t.name, lines, ...r };
            break;
          }
        }
        if (placed) break;
      }
      if (!placed) continue;
      taken.push(placed);
      out.push(placed);
    }
    this.labels = out;
  }

  /**
   * Width of a label line in CSS px, cached: labels are measured every frame.
   * @param {string} text @param {boolean} bold
   */
  #textWidth(text, bold) {
    const key = (bold ? 'b' : 'n') + text;
    let w = this.widths.get(key);
    if (w === undefined) {
      if (this.widths.size > 4000) this.widths.clear();
      // One context per font, set once: parsing a font string on every
      // measurement cost more than the measuring (a stadium's first draw
      // measures some 700 labels).
      const m = bold ? (this.measureBold ||= measurer(LABEL_FONT_BOLD(1))) : (this.measure ||= measurer(LABEL_FONT(1)));
      w = m.measureText(text).width;
      this.widths.set(key, w);
    }
    return w;
  }

  #drawOverviewLabels() {
    this.#placeLabels();
    const { ctx, dpr } = this;
    // Grouped by style: one fill and one stroke for the cards, one font per line kind.
    ctx.beginPath();
    for (const l of this.labels) {
      if (typeof ctx.roundRect === 'function') ctx.roundRect(l.x * dpr, l.y * dpr, l.w * dpr, l.h * dpr, 6 * dpr);
      else ctx.rect(l.x * dpr, l.y * dpr, l.w * dpr, l.h * dpr);
    }
    ctx.fillStyle = 'rgba(255,255,255,0.95)';
    ctx.fill();
    ctx.lineWidth = dpr;
    ctx.strokeStyle = '#8a93a1';
    ctx.stroke();
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    for (const n of [0, 1]) {
      ctx.font = n === 0 ? LABEL_FONT_BOLD(dpr) : LABEL_FONT(dpr);
      ctx.fillStyle = n === 0 ? '#111827' : '#374151';
      for (const l of this.labels) if (l.lines[n]) ctx.fillText(l.lines[n], (l.x + 7) * dpr, (l.y + 4 + 7.5 + n * 15) * dpr);
    }
  }

  /** Shows or hides the minimap and draws the hall with the view's rectangle. */
  #drawMinimap() {
    const mini = this.mini;
    if (!mini) return;
    const ov = /** @type {NonNullable<ViewOptions['overview']>} */ (this.opts.overview).stats;
    const show = this.scale > this.fitScale() * 1.3;
    if (mini.hidden === show) mini.hidden = !show;
    if (!show) return;
    const { dpr } = this;
    const b = this.data.bounds;
    const W = this.cw / dpr, H = this.ch / dpr;
    const bw = b.maxX - b.minX || 1, bh = b.maxY - b.minY || 1;
    let w = clamp(W * 0.3, 90, 170), hh = (w * bh) / bw;
    if (hh > H * 0.35) {
      hh = H * 0.35;
      w = (hh * bw) / bh;
    }
    w = Math.round(w);
    hh = Math.round(hh);
    // Its place (CSS: left 10px, bottom 10px, 1px border), kept clear by the labels.
    this.miniBox = { x: 6, y: H - 10 - hh - 6, w: w + 10, h: hh + 10 };
    if (mini.width !== Math.round(w * dpr) || mini.height !== Math.round(hh * dpr)) {
      mini.width = Math.round(w * dpr);
      mini.height = Math.round(hh * dpr);
      mini.style.width = `${w}px`; // CSSOM, allowed by the CSP's style-src 'self'
      mini.style.height = `${hh}px`;
    }
    const c = /** @type {CanvasRenderingContext2D} */ (mini.getContext('2d'));
    const k = mini.width / bw;
    const ox = -b.minX * k, oy = -b.minY * k;
    this.miniView = { k, ox, oy };
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.fillStyle = 'rgba(255,255,255,0.94)';
    c.fillRect(0, 0, mini.width, mini.height);
    const st = this.data.stage;
    if (st) {
      c.fillStyle = COLORS.stage;
      c.fillRect(st.x * k + ox, st.y * k + oy, st.w * k, st.h * k);
    }
    for (let sec = 0; sec < ov.ns; sec++) {
      const hl = ov.hulls[sec];
      if (hl.length < 6) continue;
      c.beginPath();
      c.moveTo(hl[0] * k + ox, hl[1] * k + oy);
      for (let p = 2; p < hl.length; p += 2) c.lineTo(hl[p] * k + ox, hl[p + 1] * k + oy);
      c.closePath();
      c.fillStyle = ov.free[sec] > 0 ? '#9aa7b8' : '#d5d9e0';
      c.fill();
    }
    // The view's rectangle.
    const vx0 = (-this.tx / this.scale) * k + ox, vy0 = (-this.ty / this.scale) * k + oy;
    const vw = (this.cw / this.scale) * k, vh = (this.ch / this.scale) * k;
    c.fillStyle = 'rgba(109,40,217,0.15)';
    c.fillRect(vx0, vy0, vw, vh);
    c.lineWidth = 2 * dpr;
    c.strokeStyle = COLORS.mine;
    c.strokeRect(vx0, vy0, vw, vh);
  }

  /**
   * Centres the view on the hall point under a minimap pointer event.
   * @param {PointerEvent} e
   */
  #miniMove(e) {
    const mv = this.miniView, mini = this.mini;
    if (!mv || !mini) return;
    const r = mini.getBoundingClientRect();
    const px = (e.clientX - r.left) * this.dpr, py = (e.clientY - r.top) * this.dpr;
    this.#goTo(this.scale, (px - mv.ox) / mv.k, (py - mv.oy) / mv.k, false);
  }

  #drawSectionLabels() {
    const { ctx, data, dpr } = this;
    const { sections, sectionBoxes: box } = data;
    if (sections.length < 2) return;
    const k = this.scale, tx = this.tx, ty = this.ty;
    ctx.font = `600 ${Math.round(11 * dpr)}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.lineJoin = 'round';
    ctx.lineWidth = 3 * dpr;
    ctx.strokeStyle = 'rgba(245,246,248,0.9)';
    ctx.fillStyle = COLORS.sectionLabel;
    for (let s = 0; s < sections.length; s++) {
      const o = s * 4;
      if (!Number.isFinite(box[o])) continue;
      const w = (box[o + 2] - box[o]) * k, hh = (box[o + 3] - box[o + 1]) * k;
      const name = sections[s].name;
      const tw = ctx.measureText(name).width;
      if (Math.max(w, hh) < tw + 4 * dpr) continue;
      const cx = ((box[o] + box[o + 2]) / 2) * k + tx, cy = ((box[o + 1] + box[o + 3]) / 2) * k + ty;
      ctx.strokeText(name, cx, cy);
      ctx.fillText(name, cx, cy);
    }
  }

  #drawOverlay() {
    const { octx: ctx, data, dpr } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.cw, this.ch);
    const k = this.scale;
    const size = Math.max(data.pitch * SEAT_FILL * k, 6 * dpr);
    /** @param {number} i @param {string} color @param {number} grow */
    const ring = (i, color, grow) => {
      const s = size + grow * 2;
      const sx = data.x[i] * k + this.tx - s / 2, sy = data.y[i] * k + this.ty - s / 2;
      ctx.beginPath();
      if (typeof ctx.roundRect === 'function') ctx.roundRect(sx, sy, s, s, s * 0.3);
      else ctx.rect(sx, sy, s, s);
      ctx.strokeStyle = color;
      ctx.stroke();
    };
    if (this.flash.length && performance.now() < this.flashUntil) {
      // A white halo under the red ring keeps it visible on red seats too.
      ctx.lineWidth = 5 * dpr;
      for (const i of this.flash) ring(i, '#ffffff', 3 * dpr);
      ctx.lineWidth = 2.5 * dpr;
      for (const i of this.flash) ring(i, COLORS.conflict, 3 * dpr);
    }
    if (this.hover >= 0 && !this.isOverview()) {
      ctx.lineWidth = 2 * dpr;
      ring(this.hover, COLORS.hover, 2 * dpr);
    }
    const ov = this.opts.overview;
    if (ov && this.hoverSection >= 0 && this.isOverview()) {
      const hl = ov.stats.hulls[this.hoverSection];
      ctx.beginPath();
      for (let p = 0; p < hl.length; p += 2) ctx.lineTo(hl[p] * k + this.tx, hl[p + 1] * k + this.ty);
      ctx.closePath();
      ctx.lineJoin = 'round';
      ctx.lineWidth = 2.5 * dpr;
      ctx.strokeStyle = COLORS.mine;
      ctx.stroke();
    }
    if (this.cursor >= 0 && this.focused && this.keyboard) {
      // The keyboard's seat: a thick dark ring on a white halo, visible on any fill.
      ctx.lineWidth = 6 * dpr;
      ring(this.cursor, '#ffffff', 3 * dpr);
      ctx.lineWidth = 3 * dpr;
      ring(this.cursor, COLORS.hover, 3 * dpr);
    }
    for (const r of this.pending) {
      // Sent, not yet answered: a quiet dashed outline.
      const a = this.#toScreen(r.x0, r.y0), b = this.#toScreen(r.x1, r.y1);
      ctx.setLineDash([4 * dpr, 4 * dpr]);
      ctx.lineWidth = 1.5 * dpr;
      ctx.strokeStyle = 'rgba(55,65,81,0.8)';
      ctx.strokeRect(Math.min(a.x, b.x), Math.min(a.y, b.y), Math.abs(b.x - a.x), Math.abs(b.y - a.y));
      ctx.setLineDash([]);
    }
    if (this.rect) this.#drawRect(ctx, ring);
  }

  /**
   * The rectangle being dragged, the seats it touches ringed (when few enough to
   * tell apart) and their count beside the pointer.
   * @param {CanvasRenderingContext2D} ctx
   * @param {(i: number, color: string, grow: number) => void} ring
   */
  #drawRect(ctx, ring) {
    const r = /** @type {{x0: number, y0: number, x1: number, y1: number}} */ (this.rect);
    const { dpr } = this;
    const w = this.#toWorld(r.x0, r.y0), v = this.#toWorld(r.x1, r.y1);
    const seats = this.data.seatsInRect(w.x, w.y, v.x, v.y, false);
    if (seats.length <= 3000 && this.seatPx() >= 4) {
      ctx.lineWidth = 1.5 * dpr;
      for (const i of seats) ring(i, COLORS.select, 1 * dpr);
    }
    const x = Math.min(r.x0, r.x1), y = Math.min(r.y0, r.y1);
    const wd = Math.abs(r.x1 - r.x0), ht = Math.abs(r.y1 - r.y0);
    ctx.fillStyle = 'rgba(109,40,217,0.10)';
    ctx.fillRect(x, y, wd, ht);
    ctx.setLineDash([6 * dpr, 4 * dpr]);
    ctx.lineWidth = 1.5 * dpr;
    ctx.strokeStyle = COLORS.select;
    ctx.strokeRect(x, y, wd, ht);
    ctx.setLineDash([]);
    const text = `${seats.length.toLocaleString()} seat${seats.length === 1 ? '' : 's'}`;
    ctx.font = `600 ${Math.round(12 * dpr)}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
    const tw = ctx.measureText(text).width + 12 * dpr;
    const th = 20 * dpr;
    let lx = r.x1 + 10 * dpr, ly = r.y1 + 10 * dpr;
    if (lx + tw > this.cw) lx = r.x1 - tw - 10 * dpr;
    if (ly + th > this.ch) ly = r.y1 - th - 10 * dpr;
    ctx.fillStyle = 'rgba(20,24,36,0.92)';
    ctx.fillRect(lx, ly, tw, th);
    ctx.fillStyle = '#ffffff';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(text, lx + 6 * dpr, ly + th / 2);
  }

  /** @param {number} px @param {number} py device px → world */
  #toWorld(px, py) {
    return { x: (px - this.tx) / this.scale, y: (py - this.ty) / this.scale };
  }

  /** @param {number} wx @param {number} wy world → device px */
  #toScreen(wx, wy) {
    return { x: wx * this.scale + this.tx, y: wy * this.scale + this.ty };
  }

  /**
   * Shows a sent rectangle until its answer arrives; call the returned function then.
   * @param {number} x0 @param {number} y0 @param {number} x1 @param {number} y1 world units
   * @returns {() => void}
   */
  showPending(x0, y0, x1, y1) {
    const r = { x0, y0, x1, y1 };
    this.pending.add(r);
    this.invalidate(false);
    return () => { this.pending.delete(r); this.invalidate(false); };
  }

  /**
   * Makes plain drags select rectangles (true) or pan (false).
   * @param {boolean} on
   */
  setSelectMode(on) {
    this.selectMode = on;
    this.canvas.classList.toggle('select-mode', on);
  }

  /**
   * Rings seats in red for a few seconds (e.g. seats a 409 said were taken).
   * @param {number[]} seats
   */
  flashSeats(seats) {
    this.flash = seats;
    this.flashUntil = performance.now() + 5000;
    clearTimeout(this.flashTimer);
    this.flashTimer = window.setTimeout(() => { this.flash = []; this.invalidate(false); }, 5000);
    this.invalidate(false);
  }

  // ---- input ----

  #bindInput() {
    const c = this.canvas;
    c.addEventListener('wheel', (e) => this.#onWheel(e), { passive: false });
    c.addEventListener('pointerdown', (e) => this.#onDown(e));
    c.addEventListener('pointermove', (e) => this.#onMove(e));
    c.addEventListener('pointerup', (e) => this.#onUp(e));
    c.addEventListener('pointercancel', (e) => this.#onCancel(e));
    c.addEventListener('pointerleave', (e) => { if (e.pointerType === 'mouse' && !this.pointers.size) this.#setHover(-1, 0, 0); });
    c.addEventListener('keydown', (e) => this.#onKey(e));
    c.addEventListener('focus', () => { this.focused = true; this.invalidate(false); });
    c.addEventListener('blur', () => { this.focused = false; this.invalidate(false); });
    const mini = this.mini;
    if (mini) {
      mini.addEventListener('pointerdown', (e) => {
        e.preventDefault();
        e.stopPropagation();
        try {
          mini.setPointerCapture(e.pointerId);
        } catch {
          // Synthetic events (tests) have no capturable pointer.
        }
        this.#miniMove(e);
      });
      mini.addEventListener('pointermove', (e) => { if (e.buttons) this.#miniMove(e); });
    }
    c.addEventListener('contextmenu', (e) => { if (this.pinch) e.preventDefault(); });
  }

  /** @param {{clientX: number, clientY: number}} e device-pixel position on the canvas */
  #local(e) {
    const r = this.canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left) * this.dpr, y: (e.clientY - r.top) * this.dpr, cssX: e.clientX - r.left, cssY: e.clientY - r.top };
  }

  /** @param {WheelEvent} e */
  #onWheel(e) {
    e.preventDefault();
    const p = this.#local(e);
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
    // ctrl+wheel is a trackpad pinch: small deltas, so a stronger gain.
    const gain = e.ctrlKey ? 0.01 : 0.0018;
    const f = Math.exp(clamp(-e.deltaY * unit * gain, -0.7, 0.7));
    this.zoomAt(f, p.x, p.y);
    this.#hoverAt(e);
  }

  /** @param {PointerEvent} e */
  #onDown(e) {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    if (this.keyboard) {
      this.keyboard = false;
      this.invalidate(false);
    }
    try {
      this.canvas.setPointerCapture(e.pointerId);
    } catch {
      // Synthetic events (tests) have no capturable pointer; dragging still works.
    }
    const p = this.#local(e);
    this.pointers.set(e.pointerId, { x: p.x, y: p.y });
    if (this.pointers.size === 1) {
      const rect = !!this.opts.onRect && (this.selectMode || e.shiftKey);
      this.drag = { x: p.x, y: p.y, moved: false, pointerType: e.pointerType, rect };
    } else if (this.pointers.size === 2) {
      this.#startPinch();
      if (this.drag) {
        this.drag.moved = true; // a pinch is never a click
        this.drag.rect = false; // nor a selection
      }
      this.rect = null;
      this.#setHover(-1, 0, 0);
    }
  }

  #startPinch() {
    const [a, b] = [...this.pointers.values()];
    this.pinch = { dist: Math.hypot(a.x - b.x, a.y - b.y) || 1, mx: (a.x + b.x) / 2, my: (a.y + b.y) / 2 };
  }

  /** @param {PointerEvent} e */
  #onMove(e) {
    const prev = this.pointers.get(e.pointerId);
    if (!prev) {
      if (e.pointerType === 'mouse') this.#hoverAt(e);
      return;
    }
    const p = this.#local(e);
    if (this.pointers.size >= 2 && this.pinch) {
      prev.x = p.x; prev.y = p.y;
      const [a, b] = [...this.pointers.values()];
      const dist = Math.hypot(a.x - b.x, a.y - b.y) || 1;
      const mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
      this.panBy(mx - this.pinch.mx, my - this.pinch.my);
      this.zoomAt(dist / this.pinch.dist, mx, my);
      this.pinch = { dist, mx, my };
      return;
    }
    const d = this.drag;
    const dx = p.x - prev.x, dy = p.y - prev.y;
    prev.x = p.x; prev.y = p.y;
    if (!d) return;
    if (!d.moved) {
      const slop = (d.pointerType === 'mouse' ? 4 : 9) * this.dpr;
      if (Math.hypot(p.x - d.x, p.y - d.y) < slop) return;
      d.moved = true;
      this.#setHover(-1, 0, 0);
      if (d.rect) {
        this.rect = { x0: d.x, y0: d.y, x1: p.x, y1: p.y };
        this.invalidate(false);
        return;
      }
      this.canvas.classList.add('dragging');
      this.panBy(p.x - d.x, p.y - d.y);
      return;
    }
    if (d.rect) {
      if (this.rect) {
        this.rect.x1 = p.x;
        this.rect.y1 = p.y;
        this.invalidate(false);
      }
      return;
    }
    this.panBy(dx, dy);
  }

  /** @param {PointerEvent} e */
  #onUp(e) {
    if (!this.pointers.has(e.pointerId)) return;
    this.pointers.delete(e.pointerId);
    const d = this.drag;
    if (this.pointers.size === 0) {
      this.drag = null;
      this.pinch = null;
      this.canvas.classList.remove('dragging');
      if (d && d.rect && d.moved && this.rect) {
        const p = this.#local(e);
        const a = this.#toWorld(this.rect.x0, this.rect.y0), b = this.#toWorld(p.x, p.y);
        this.rect = null;
        this.invalidate(false);
        this.opts.onRect?.(a.x, a.y, b.x, b.y, e);
      } else if (d && !d.moved) this.#click(e);
      else if (e.pointerType === 'mouse') this.#hoverAt(e);
    } else if (this.pointers.size === 1) {
      // Back from a pinch to one finger: continue as a pan from here.
      this.pinch = null;
      const [q] = [...this.pointers.values()];
      this.drag = { x: q.x, y: q.y, moved: true, pointerType: e.pointerType };
    }
  }

  /** @param {PointerEvent} e */
  #onCancel(e) {
    this.pointers.delete(e.pointerId);
    if (this.pointers.size < 2) this.pinch = null;
    if (this.pointers.size === 0) {
      this.drag = null;
      this.rect = null;
      this.canvas.classList.remove('dragging');
      this.invalidate(false);
    }
  }

  /** @param {PointerEvent} e */
  #click(e) {
    const p = this.#local(e);
    const i = this.seatAt(p.x, p.y);
    const ov = this.opts.overview;
    if (ov && this.isOverview()) {
      // Overview: a click picks a section and zooms to it.
      const w = this.#toWorld(p.x, p.y);
      let sec = ov.stats.sectionAt(w.x, w.y);
      if (sec < 0 && i >= 0) sec = ov.stats.secOf[i];
      if (sec >= 0) this.zoomToSection(sec, w.x, w.y);
      else this.zoomAt(3, p.x, p.y);
      return;
    }
    if (ov && e.pointerType !== 'mouse' && this.seatPx() < PICK_PX - 4) {
      // A finger needs a bigger target: the first tap zooms in there.
      const w = this.#toWorld(p.x, p.y);
      this.#goTo(Math.max(this.pickScale(), this.scale), w.x, w.y, true);
      return;
    }
    if (this.seatPx() < 6) {
      // Seats too small to aim at: a click on them zooms in on that spot
      // instead, unless the page wants it (a click that paints a whole row).
      if (i >= 0 && !this.opts.onTinyClick?.(i, e)) this.zoomAt(3, p.x, p.y);
      return;
    }
    if (i >= 0) this.cursor = i;
    if (i >= 0 && this.opts.onSeatClick) this.opts.onSeatClick(i, e);
    if (e.pointerType === 'mouse') this.#hoverAt(e);
  }

  /**
   * The seat under a device-pixel point of the canvas, or -1.
   * @param {number} px @param {number} py
   */
  seatAt(px, py) {
    const wx = (px - this.tx) / this.scale, wy = (py - this.ty) / this.scale;
    // At least ~6 CSS px of reach, so tiny seats can still be pointed at.
    const r = Math.max(this.data.pitch * 0.6, (6 * this.dpr) / this.scale);
    return this.data.nearest(wx, wy, r);
  }

  /** @param {{clientX: number, clientY: number}} e */
  #hoverAt(e) {
    const p = this.#local(e);
    if (p.cssX < 0 || p.cssY < 0 || p.cssX > this.cw / this.dpr || p.cssY > this.ch / this.dpr) {
      this.#setHover(-1, 0, 0);
      return;
    }
    this.#setHover(this.seatAt(p.x, p.y), p.cssX, p.cssY);
  }

  /** @param {number} i @param {number} cssX @param {number} cssY */
  #setHover(i, cssX, cssY) {
    const small = this.seatPx() < 6;
    if (i !== this.hover) {
      this.hover = i;
      this.invalidate(false);
    }
    const c = this.canvas;
    c.classList.toggle('zoom-cursor', small);
    const clickable = this.opts.clickable ? this.opts.clickable : (/** @type {number} */ j) => this.data.selectable(j);
    c.classList.toggle('seat-cursor', !small && i >= 0 && clickable(i));
    const ov = this.opts.overview;
    const sec = ov && i >= 0 && this.isOverview() ? ov.stats.secOf[i] : -1;
    if (sec !== this.hoverSection) {
      this.hoverSection = sec;
      this.invalidate(false);
    }
    /** @type {{title: string, lines: string[]} | null} */
    let info = i >= 0 && this.opts.tooltip ? this.opts.tooltip(i) : null;
    if (ov && sec >= 0) {
      const t = ov.text(sec);
      info = { title: t.name, lines: [t.prices ? `${t.free} · ${t.prices}` : t.free] };
    }
    if (!info) {
      this.tip.hidden = true;
      return;
    }
    const lines = sec >= 0 ? [info.title, ...info.lines, 'Click to zoom in'] : small ? [info.title, 'Click to zoom in'] : [info.title, ...info.lines];
    this.tip.replaceChildren(
      h('strong', null, lines[0]),
      ...lines.slice(1).map((l) => h('span', null, l)),
    );
    this.tip.hidden = false;
    // Keep the tooltip inside the map.
    const w = this.container.clientWidth, hh = this.container.clientHeight;
    const tw = this.tip.offsetWidth, th = this.tip.offsetHeight;
    let left = cssX + 14, top = cssY + 16;
    if (left + tw > w - 4) left = cssX - tw - 14;
    if (top + th > hh - 4) top = cssY - th - 14;
    this.tip.style.transform = `translate(${Math.max(4, left)}px, ${Math.max(4, top)}px)`;
  }

  /** @param {KeyboardEvent} e */
  #onKey(e) {
    const step = 60 * this.dpr;
    if (this.opts.cursor && !e.altKey && !e.ctrlKey && !e.metaKey && this.#cursorKey(e)) {
      e.preventDefault();
      return;
    }
    switch (e.key) {
      case 'ArrowLeft': this.panBy(step, 0); break;
      case 'ArrowRight': this.panBy(-step, 0); break;
      case 'ArrowUp': this.panBy(0, step); break;
      case 'ArrowDown': this.panBy(0, -step); break;
      case '+': case '=': this.zoomCenter(1.4); break;
      case '-': case '_': this.zoomCenter(1 / 1.4); break;
      case '0': this.fit(true); break;
      case 'Escape':
        if (!this.rect) return;
        this.rect = null;
        if (this.drag) this.drag.rect = false;
        this.invalidate(false);
        break;
      default: return;
    }
    e.preventDefault();
  }

  /**
   * The seat cursor's keys: arrows move it (shift+arrows pan instead), Enter
   * and Space pick, Home and End go to the ends of the row, Page Up and Page
   * Down to the previous and next section.
   * @param {KeyboardEvent} e
   * @returns {boolean} whether the key was the cursor's
   */
  #cursorKey(e) {
    const dirs = /** @type {Record<string, [number, number]>} */ ({ ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] });
    const d = dirs[e.key];
    if (d && e.shiftKey) return false;
    this.keyboard = true;
    const data = this.data;
    if (d) {
      if (this.cursor < 0) this.setCursor(this.#startSeat());
      else {
        const j = this.#neighbour(this.cursor, d[0], d[1]);
        if (j >= 0) this.setCursor(j);
        else this.opts.onCursor?.(this.cursor, true);
      }
      return true;
    }
    switch (e.key) {
      case 'Enter': case ' ':
        if (e.repeat) return true;
        if (this.cursor < 0) this.setCursor(this.#startSeat());
        else this.opts.onPick?.(this.cursor);
        this.invalidate(false);
        return true;
      case 'Home': case 'End': {
        if (this.cursor < 0) return false;
        const r = data.row[this.cursor];
        const ends = [data.rowFirst[r], data.rowLast[r]];
        const j = e.key === 'Home' ? Math.min(...ends) : Math.max(...ends);
        if (j >= 0) this.setCursor(j);
        return true;
      }
      case 'PageUp': case 'PageDown': {
        const ov = this.opts.overview;
        if (!ov || !ov.stats.ns) return false;
        const cur = this.cursor >= 0 ? ov.stats.secOf[this.cursor] : -1;
        const ns = ov.stats.ns;
        for (let step = 1; step <= ns; step++) {
          const sec = ((cur < 0 ? (e.key === 'PageDown' ? -1 : 0) : cur) + (e.key === 'PageDown' ? step : -step) + ns * 2) % ns;
          const j = ov.stats.firstSeat(sec);
          if (j >= 0) {
            this.setCursor(j);
            break;
          }
        }
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * Puts the keyboard's seat on seat i, brings it into view at a pickable size
   * and tells the page (which announces it).
   * @param {number} i
   */
  setCursor(i) {
    if (i < 0) return;
    this.cursor = i;
    const { x, y } = this.data;
    const px = x[i] * this.scale + this.tx, py = y[i] * this.scale + this.ty;
    const mx = this.cw * 0.15, my = this.ch * 0.15;
    if (this.opts.overview && this.seatPx() < PICK_PX - 4) this.#goTo(this.pickScale(), x[i], y[i], true);
    else if (px < mx || py < my || px > this.cw - mx || py > this.ch - my) this.#goTo(this.scale, x[i], y[i], true);
    this.invalidate(false);
    this.opts.onCursor?.(i, false);
  }

  /** Where the cursor starts: the seat the page may pick nearest the view's centre. */
  #startSeat() {
    const c = this.#toWorld(this.cw / 2, this.ch / 2);
    const { x, y, n } = this.data;
    let best = -1, bestD = Infinity, any = -1, anyD = Infinity;
    for (let i = 0; i < n; i++) {
      const dd = (x[i] - c.x) ** 2 + (y[i] - c.y) ** 2;
      if (dd < anyD) {
        anyD = dd;
        any = i;
      }
      if (dd < bestD && this.data.selectable(i)) {
        bestD = dd;
        best = i;
      }
    }
    return best >= 0 ? best : any;
  }

  /**
   * The seat nearest to seat i in screen direction (dx, dy) — within i's row
   * when the row goes that way — or -1.
   * @param {number} i @param {number} dx @param {number} dy
   */
  #neighbour(i, dx, dy) {
    const { x, y, row, pitch, bounds } = this.data;
    const xi = x[i], yi = y[i], ri = row[i];
    const far = Math.hypot(bounds.maxX - bounds.minX, bounds.maxY - bounds.minY);
    let best = -1, bestScore = Infinity;
    for (let r = pitch * 2; ; r *= 2) {
      const found = best >= 0;
      this.data.forEachIn(xi - r, yi - r, xi + r, yi + r, (j) => {
        if (j === i) return;
        const ex = x[j] - xi, ey = y[j] - yi;
        const along = ex * dx + ey * dy;
        if (along <= pitch * 0.2) return;
        const perp = Math.abs(ex * dy - ey * dx);
        if (perp > along * 1.2) return;
        let score = along + perp * 2;
        if (row[j] === ri) score *= 0.6;
        if (score < bestScore) {
          bestScore = score;
          best = j;
        }
      });
      // One more ring after the first find: a better seat may lie just beyond.
      if (found || r > far) break;
    }
    return best;
  }

  /** Placed section labels (CSS px from the canvas's top left). */
  labelBoxes() {
    return this.labels.map((l) => ({ ...l, lines: [...l.lines] }));
  }

  /** Stops drawing and listening; the page removes the elements. */
  destroy() {
    this.ro.disconnect();
    window.removeEventListener('resize', this.onWindowResize);
    clearTimeout(this.softTimer);
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
    clearTimeout(this.flashTimer);
    this.opts = {};
  }
}

/** @param {number} v @param {number} lo @param {number} hi */
function clamp(v, lo, hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * Convex hull of points (Andrew's monotone chain), counter-clockwise.
 * @param {Array<[number, number]>} pts
 * @returns {Array<[number, number]>}
 */
function convexHull(pts) {
  if (pts.length < 3) return pts.slice();
  const p = pts.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (/** @type {number[]} */ o, /** @type {number[]} */ a, /** @type {number[]} */ b) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  /** @type {Array<[number, number]>} */
  const lower = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], q) <= 0) lower.pop();
    lower.push(q);
  }
  /** @type {Array<[number, number]>} */
  const upper = [];
  for (let j = p.length - 1; j >= 0; j--) {
    const q = p[j];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], q) <= 0) upper.pop();
    upper.push(q);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}

/**
 * Whether (px, py) lies inside the polygon of x,y pairs (even-odd rule).
 * @param {Float64Array} poly @param {number} px @param {number} py
 */
function inPolygon(poly, px, py) {
  let inside = false;
  for (let a = 0, b = poly.length - 2; a < poly.length; b = a, a += 2) {
    const ax = poly[a], ay = poly[a + 1], bx = poly[b], by = poly[b + 1];
    if ((ay > py) !== (by > py) && px < ((bx - ax) * (py - ay)) / (by - ay) + ax) inside = !inside;
  }
  return inside;
}
