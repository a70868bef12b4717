// SeatCanvas paints a SeatData on a canvas: the colours of each mode, and the
// seats, stage, numbers, accessible marks and row labels for a view (scale and
// offset). SeatMapView (seatmap.js) is one, with input, animation, overlays
// and the buyer's section overview on top; firstdraw.js uses one on its own to
// paint a small hall's first frame before the app has arrived, with the same
// code and so the same pixels.

import { FREE, HELD, SOLD, BLOCKED, MINE_SELECTED, MINE_HELD, HOLD_STAFF, HOLD_RESERVED, MAX_CHANNELS } from './seatdata.js';

/** Palette shared with style.css (canvas cannot read CSS variables cheaply). */
export const COLORS = {
  background: '#f5f6f8',
  stage: '#e3e6eb',
  stageLine: '#c4cad3',
  stageText: '#6b7280',
  noZone: '#dde1e6',
  held: '#c9ced6',
  heldLine: '#a7aeb9',
  sold: '#6b7280',
  blocked: '#2f3744',
  blockedMark: 'rgba(255,255,255,0.55)',
  mine: '#6d28d9',
  mineRing: '#2e1065',
  hover: '#111827',
  conflict: '#dc2626',
  rowLabel: '#8a919c',
  sectionLabel: '#374151',
  // Staff views.
  free: '#2f9e5b',
  freeClosed: '#a9dcbc',
  heldStaff: '#ee9a1a',
  reserved: '#3b6fd8',
  dim: '#d9dde3',
  select: '#6d28d9',
};

/** Channel colours by index: web, box office, then contingents. */
const CHANNEL_COLORS = ['#93a4b8', '#e08e0b', '#16a085', '#d6336c', '#7c3aed', '#65a30d', '#0891b2', '#c2410c', '#a21caf', '#4d7c0f', '#be123c', '#1d4ed8'];

/**
 * The colour of channel c in the channel view.
 * @param {number} c
 */
export function channelColor(c) {
  if (c < CHANNEL_COLORS.length) return CHANNEL_COLORS[c];
  // Beyond the named palette: spread hues by the golden angle.
  return hslHex((c * 137.508) % 360, 0.55, 0.45);
}

/** @typedef {'buyer'|'zone'|'channel'|'state'} ColorMode */

/** Seat drawn as this share of the pitch, leaving a gap between neighbours. */
export const SEAT_FILL = 0.8;

/** Below this seat size (CSS px) the buyer map is an overview of sections. */
export const OVERVIEW_PX = 6;

/**
 * A canvas's backing size for a box of w×h CSS px: device px at the
 * screen's pixel ratio (at most 3).
 * @param {number} w @param {number} h
 */
export function deviceSize(w, h) {
  const dpr = Math.min(window.devicePixelRatio || 1, 3);
  return { dpr, cw: Math.round(w * dpr), ch: Math.round(h * dpr) };
}

/** @typedef {import('./seatdata.js').SeatData} SeatData */

export class SeatCanvas {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {SeatData} data
   * @param {ColorMode} [mode]
   */
  constructor(canvas, data, mode = 'buyer') {
    this.canvas = canvas;
    this.data = data;
    const ctx = canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('This browser cannot draw the seat map (no canvas support).');
    this.ctx = ctx;
    // View: device pixel = world * scale + t.
    this.scale = 1;
    this.tx = 0;
    this.ty = 0;
    this.dpr = 1;
    this.cw = 0; // canvas size in device pixels
    this.ch = 0;
    /** Dim every seat that is not wheelchair accessible. */
    this.accessibleOnly = false;
    /** @type {(i: number) => boolean} */
    this.isAccessible = (i) => data.isAccessible(i);
    // Scratch buffers for bucketing visible seats by colour, reused every frame.
    const n = data.n;
    this.vis = new Uint32Array(n);
    this.keys = new Uint16Array(n);
    this.sorted = new Uint32Array(n);
    /** @type {ColorMode} */
    this.mode = mode;
    /** @type {Uint32Array | undefined} */
    this.bucketCount = undefined;
    /** @type {Uint32Array | undefined} */
    this.bucketStart = undefined;
    this.#palette();
    /** @type {CanvasPattern | null} */
    this.heldPattern = null;
    /** Image layer for seats too small for paths (see #drawSpecks). */
    /** @type {{width: number, height: number, canvas: HTMLCanvasElement, ctx: CanvasRenderingContext2D, img: ImageData, buf: Uint32Array} | null} */
    this.speck = null;
  }

  /**
   * Asks for a repaint (of the seats too, or of overlays only): nothing here,
   * the owner paints when it likes; SeatMapView schedules a frame.
   * @param {boolean} [_seats]
   */
  invalidate(_seats = true) {}

  /** Whether sections are drawn rather than seats: never here (SeatMapView's buyer overview). */
  isOverview() {
    return false;
  }

  /**
   * Drawn after the stage, under the seats (SeatMapView: the minimap and the overview's shapes).
   * @param {boolean} _overview
   */
  paintUnder(_overview) {}

  /**
   * Drawn over the seats (SeatMapView: the overview's or the sections' labels).
   * @param {boolean} _overview
   * @param {number} _css seat size in CSS px
   */
  paintOver(_overview, _css) {}

  // ---- colours ----

  /**
   * Rebuilds the colour keys after zone definitions or the mode changed. Seats
   * are not touched: the next frame buckets them by the new keys.
   */
  refreshPalette() {
    this.#palette();
    this.invalidate(true);
  }

  /** The colours of the current zones, and the mode's function from seat to colour. */
  #palette() {
    const nz = this.data.zones.length;
    /** @type {string[]} */
    const fills = [];
    const add = (/** @type {string} */ c) => fills.push(c) - 1;
    const zone = fills.length;
    for (const z of this.data.zones) add(hexOr(z.color, '#3b82f6'));
    const zoneDim = fills.length;
    for (const z of this.data.zones) add(mix(hexOr(z.color, '#3b82f6'), COLORS.dim, 0.62));
    const chan = fills.length;
    for (let c = 0; c < MAX_CHANNELS; c++) add(channelColor(c));
    const chanDim = fills.length;
    for (let c = 0; c < MAX_CHANNELS; c++) add(mix(channelColor(c), COLORS.dim, 0.62));
    this.K = {
      nz, zone, zoneDim, chan, chanDim,
      noZone: add(COLORS.noZone),
      noZoneDim: add(mix(COLORS.noZone, COLORS.dim, 0.5)),
      free: add(COLORS.free),
      freeClosed: add(COLORS.freeClosed),
      held: add(COLORS.held),
      heldStaff: add(COLORS.heldStaff),
      reserved: add(COLORS.reserved),
      sold: add(COLORS.sold),
      blocked: add(COLORS.blocked),
      selected: add(COLORS.mine),
      mine: add(COLORS.mine),
      filtered: add(COLORS.dim),
      count: 0,
    };
    this.K.count = fills.length;
    this.fills = fills;
    this.textColors = fills.map((c) => (luminance(c) > 0.55 ? '#374151' : '#ffffff'));
    if (!this.bucketCount || this.bucketCount.length < this.K.count + 1) {
      this.bucketCount = new Uint32Array(this.K.count + 1);
      this.bucketStart = new Uint32Array(this.K.count + 1);
    }
    this.keyOf = this.#keyFunction();
  }

  /**
   * Sets the colour mode.
   * @param {ColorMode} mode
   */
  setMode(mode) {
    if (mode === this.mode) return;
    this.mode = mode;
    this.keyOf = this.#keyFunction();
    this.invalidate(true);
  }

  /**
   * The fill colour seat i is drawn with now (the base colour for hatched seats).
   * @param {number} i
   */
  colorOf(i) {
    return this.fills[this.keyOf(i)];
  }

  /**
   * A function from seat index to colour key for the current mode: one closure
   * per mode keeps the per-seat work of a frame to a few array reads.
   * @returns {(i: number) => number}
   */
  #keyFunction() {
    const { state, zone, mine, channel, sellable, holdKind } = this.data;
    const K = this.K;
    const nz = K.nz;
    switch (this.mode) {
      case 'zone':
        return (i) => {
          const m = mine[i];
          if (m === MINE_HELD) return K.mine;
          if (m === MINE_SELECTED) return K.selected;
          const s = state[i];
          if (s === BLOCKED) return K.blocked;
          const z = zone[i];
          if (s === FREE) return z >= 0 && z < nz ? K.zone + z : K.noZone;
          return z >= 0 && z < nz ? K.zoneDim + z : K.noZoneDim;
        };
      case 'channel':
        return (i) => {
          const m = mine[i];
          if (m === MINE_HELD) return K.mine;
          if (m === MINE_SELECTED) return K.selected;
          const s = state[i];
          if (s === BLOCKED) return K.blocked;
          return (s === FREE ? K.chan : K.chanDim) + channel[i];
        };
      case 'state':
        return (i) => {
          const m = mine[i];
          if (m === MINE_HELD) return K.mine;
          if (m === MINE_SELECTED) return K.selected;
          const s = state[i];
          if (s === FREE) {
            const z = zone[i];
            if (!(z >= 0 && z < nz)) return K.noZone;
            return sellable[channel[i]] ? K.free : K.freeClosed;
          }
          if (s === HELD) {
            const k = holdKind[i];
            return k === HOLD_STAFF ? K.heldStaff : k === HOLD_RESERVED ? K.reserved : K.held;
          }
          return s === SOLD ? K.sold : K.blocked;
        };
      default: {
        const only = this.accessibleOnly, acc = this.isAccessible;
        return (i) => {
          const m = mine[i];
          if (m === MINE_HELD) return K.mine;
          if (m === MINE_SELECTED) return K.selected;
          if (only && !acc(i)) return K.filtered;
          const s = state[i];
          if (s === FREE) {
            if (!sellable[channel[i]]) return K.blocked; // someone else's quota
            const z = zone[i];
            return z >= 0 && z < nz ? K.zone + z : K.noZone;
          }
          return s === HELD ? K.held : s === SOLD ? K.sold : K.blocked;
        };
      }
    }
  }

  /**
   * Dims every seat that is not wheelchair accessible (buyer colours), or stops.
   * @param {boolean} on
   */
  setAccessibleOnly(on) {
    if (on === this.accessibleOnly) return;
    this.accessibleOnly = on;
    this.keyOf = this.#keyFunction();
    this.invalidate(true);
  }

  // ---- view ----

  /**
   * Sizes the canvas for a box of w×h CSS px and shows the whole hall, as
   * SeatMapView does on its first layout.
   * @param {number} w @param {number} h
   */
  fitTo(w, h) {
    const { dpr, cw, ch } = deviceSize(w, h);
    this.dpr = dpr;
    this.cw = this.canvas.width = cw;
    this.ch = this.canvas.height = ch;
    this.heldPattern = null;
    const b = this.data.bounds;
    this.setCenter(this.fitScale(), (b.minX + b.maxX) / 2, (b.minY + b.maxY) / 2);
  }

  /** Scale at which the whole hall fits, in device px per layout unit. */
  fitScale() {
    const b = this.data.bounds;
    const pad = 16 * this.dpr;
    return Math.max(1e-6, Math.min((this.cw - 2 * pad) / (b.maxX - b.minX || 1), (this.ch - 2 * pad) / (b.maxY - b.minY || 1)));
  }

  /**
   * Sets the view to scale s with world point (cx, cy) at the canvas's centre.
   * @param {number} s @param {number} cx @param {number} cy
   */
  setCenter(s, cx, cy) {
    this.scale = s;
    this.tx = this.cw / 2 - cx * s;
    this.ty = this.ch / 2 - cy * s;
  }

  /** Seat size on screen in CSS px. */
  seatPx() { return (this.data.pitch * SEAT_FILL * this.scale) / this.dpr; }

  // ---- painting ----

  /**
   * Paints the whole canvas for the current view: background, stage, seats
   * by colour, the page's own seats, and — when seats are large enough —
   * their numbers, accessible marks and row labels.
   */
  paint() {
    const { ctx, data, K, dpr, keyOf } = this;
    const { x, y, pitch } = data;
    const k = this.scale, tx = this.tx, ty = this.ty;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = COLORS.background;
    ctx.fillRect(0, 0, this.cw, this.ch);
    this.#drawStage();
    const overview = this.isOverview();
    this.paintUnder(overview);

    const size = pitch * SEAT_FILL * k; // device px
    const tiny = size < 2 * dpr;
    // Below ~2 px a seat is a crisp 1–2 device-pixel square, snapped to the grid.
    const dsize = tiny ? Math.max(1, Math.min(2, Math.round(size * 1.25))) : size;
    const half = dsize / 2;

    // Visible world rectangle, one pitch of margin.
    const wx0 = -tx / k - pitch, wy0 = -ty / k - pitch;
    const wx1 = (this.cw - tx) / k + pitch, wy1 = (this.ch - ty) / k + pitch;

    // Pass 1: visible seats and their colour key.
    const { vis, keys, sorted, bucketCount: cnt, bucketStart: start } = this;
    cnt.fill(0);
    let m = 0;
    const g = data.grid;
    const cx0 = Math.max(0, Math.floor((wx0 - g.x0) / g.cell));
    const cy0 = Math.max(0, Math.floor((wy0 - g.y0) / g.cell));
    const cx1 = Math.min(g.gw - 1, Math.floor((wx1 - g.x0) / g.cell));
    const cy1 = Math.min(g.gh - 1, Math.floor((wy1 - g.y0) / g.cell));
    const items = g.cellItems, cs = g.cellStart;
    for (let cy = cy0; cy <= cy1 && cx0 <= cx1; cy++) {
      const base = cy * g.gw;
      for (let p = cs[base + cx0], end = cs[base + cx1 + 1]; p < end; p++) {
        const i = items[p];
        const xi = x[i], yi = y[i];
        if (xi < wx0 || xi > wx1 || yi < wy0 || yi > wy1) continue;
        const key = keyOf(i);
        vis[m] = i;
        keys[m] = key;
        cnt[key]++;
        m++;
      }
    }
    // Pass 2: counting sort by key.
    let acc = 0;
    for (let b = 0; b < K.count; b++) {
      start[b] = acc;
      acc += cnt[b];
    }
    start[K.count] = acc;
    for (let j = 0; j < m; j++) sorted[start[keys[j]]++] = vis[j];
    for (let b = K.count; b > 0; b--) start[b] = start[b - 1];
    start[0] = 0;

    // Pass 3: one path and one fill per colour — or, when seats are specks,
    // pixels written straight into an image, which costs far less than 80,000
    // tiny rectangles.
    if (tiny) this.#drawSpecks(sorted, start, dsize);
    const round = !tiny && size >= 7 * dpr && typeof ctx.roundRect === 'function';
    const radius = size * 0.28;
    for (let b = 0; b < K.count && !tiny; b++) {
      const from = start[b], to = start[b + 1];
      if (from === to) continue;
      const isMine = b === K.mine || b === K.selected;
      if (isMine) continue; // drawn last, on top and larger when zoomed out
      if (b === K.held && size >= 8 * dpr) ctx.fillStyle = this.#pattern();
      else ctx.fillStyle = this.fills[b];
      ctx.beginPath();
      if (round) {
        for (let j = from; j < to; j++) {
          const i = sorted[j];
          ctx.roundRect(x[i] * k + tx - half, y[i] * k + ty - half, dsize, dsize, radius);
        }
      } else {
        for (let j = from; j < to; j++) {
          const i = sorted[j];
          ctx.rect(x[i] * k + tx - half, y[i] * k + ty - half, dsize, dsize);
        }
      }
      ctx.fill();
      if (b === K.blocked && size >= 10 * dpr) {
        // A cross marks seats that are not for sale.
        const q = size * 0.22;
        ctx.beginPath();
        for (let j = from; j < to; j++) {
          const i = sorted[j];
          const sx = x[i] * k + tx, sy = y[i] * k + ty;
          ctx.moveTo(sx - q, sy - q); ctx.lineTo(sx + q, sy + q);
          ctx.moveTo(sx + q, sy - q); ctx.lineTo(sx - q, sy + q);
        }
        ctx.strokeStyle = COLORS.blockedMark;
        ctx.lineWidth = Math.max(1, size * 0.08);
        ctx.stroke();
      }
    }

    // The buyer's seats: accent fill and a dark ring, never smaller than ~6 px so
    // they can be found on a stadium overview.
    const ms = Math.max(size, 6 * dpr);
    const mh = ms / 2;
    for (const b of [K.selected, K.mine]) {
      const from = start[b], to = start[b + 1];
      if (from === to) continue;
      ctx.beginPath();
      for (let j = from; j < to; j++) {
        const i = sorted[j];
        const sx = x[i] * k + tx - mh, sy = y[i] * k + ty - mh;
        if (ms >= 7 * dpr && typeof ctx.roundRect === 'function') ctx.roundRect(sx, sy, ms, ms, ms * 0.28);
        else ctx.rect(sx, sy, ms, ms);
      }
      ctx.fillStyle = COLORS.mine;
      ctx.fill();
      ctx.strokeStyle = b === K.mine ? COLORS.mineRing : '#ffffff';
      ctx.lineWidth = Math.max(1.5 * dpr, ms * 0.12);
      ctx.stroke();
      if (b === K.selected) {
        // Selected (not yet held): a second, dark ring outside the white one.
        ctx.strokeStyle = COLORS.mineRing;
        ctx.lineWidth = Math.max(1 * dpr, ms * 0.06);
        ctx.beginPath();
        const o = Math.max(1.5 * dpr, ms * 0.12);
        for (let j = from; j < to; j++) {
          const i = sorted[j];
          ctx.rect(x[i] * k + tx - mh - o, y[i] * k + ty - mh - o, ms + 2 * o, ms + 2 * o);
        }
        ctx.stroke();
      }
    }

    const css = size / dpr; // seat size in CSS px
    if (css >= 16) this.#drawNumbers(sorted, start, size);
    if (css >= 7) this.#drawAccessibleMarks(sorted, start, size);
    if (css >= 8) this.#drawRowLabels(size);
    this.paintOver(overview, css);
  }

  /**
   * A ring inside every wheelchair-accessible seat, in the colour that reads on
   * the seat's fill (the legend shows the same mark).
   * @param {Uint32Array} sorted @param {Uint32Array} start @param {number} size
   */
  #drawAccessibleMarks(sorted, start, size) {
    const { ctx, data, K, dpr } = this;
    const { x, y } = data;
    const k = this.scale, tx = this.tx, ty = this.ty;
    const r = size * 0.34;
    ctx.lineWidth = Math.max(1.2 * dpr, size * 0.09);
    for (let b = 0; b < K.count; b++) {
      const from = start[b], to = start[b + 1];
      if (from === to) continue;
      let any = false;
      for (let j = from; j < to; j++) {
        const i = sorted[j];
        if (!this.isAccessible(i)) continue;
        if (!any) {
          ctx.beginPath();
          any = true;
        }
        const sx = x[i] * k + tx, sy = y[i] * k + ty;
        ctx.moveTo(sx + r, sy);
        ctx.arc(sx, sy, r, 0, Math.PI * 2);
      }
      if (!any) continue;
      ctx.strokeStyle = b === K.mine || b === K.selected ? '#ffffff' : this.textColors[b];
      ctx.stroke();
    }
  }

  /**
   * Draws every non-own seat as a dsize×dsize square of pixels (1–2 device px)
   * into an image layer, then composites it over the stage in one drawImage.
   * @param {Uint32Array} sorted @param {Uint32Array} start @param {number} dsize
   */
  #drawSpecks(sorted, start, dsize) {
    const { cw, ch, K, data } = this;
    const { x, y } = data;
    if (!this.speck || this.speck.width !== cw || this.speck.height !== ch) {
      const c = document.createElement('canvas');
      c.width = cw;
      c.height = ch;
      const sctx = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d'));
      const img = sctx.createImageData(cw, ch);
      this.speck = { width: cw, height: ch, canvas: c, ctx: sctx, img, buf: new Uint32Array(img.data.buffer) };
    }
    const { buf, img } = this.speck;
    buf.fill(0);
    const k = this.scale, half = dsize / 2;
    const ox = this.tx - half, oy = this.ty - half;
    for (let b = 0; b < K.count; b++) {
      if (b === K.mine || b === K.selected) continue;
      const from = start[b], to = start[b + 1];
      if (from === to) continue;
      const c = rgba32(this.fills[b]);
      for (let j = from; j < to; j++) {
        const i = sorted[j];
        const px = Math.round(x[i] * k + ox), py = Math.round(y[i] * k + oy);
        if (px < 0 || py < 0 || px + dsize > cw || py + dsize > ch) continue;
        const o = py * cw + px;
        buf[o] = c;
        if (dsize === 2) {
          buf[o + 1] = c;
          buf[o + cw] = c;
          buf[o + cw + 1] = c;
        }
      }
    }
    this.speck.ctx.putImageData(img, 0, 0);
    this.ctx.drawImage(this.speck.canvas, 0, 0);
  }

  #drawStage() {
    const st = this.data.stage;
    if (!st) return;
    const { ctx, dpr } = this;
    const k = this.scale;
    const sx = st.x * k + this.tx, sy = st.y * k + this.ty, sw = st.w * k, sh = st.h * k;
    ctx.fillStyle = COLORS.stage;
    ctx.strokeStyle = COLORS.stageLine;
    ctx.lineWidth = dpr;
    ctx.beginPath();
    if (typeof ctx.roundRect === 'function') ctx.roundRect(sx, sy, sw, sh, Math.min(sw, sh) * 0.08);
    else ctx.rect(sx, sy, sw, sh);
    ctx.fill();
    ctx.stroke();
    const fs = Math.min(sh * 0.45, sw / 5, 22 * dpr);
    if (fs >= 8 * dpr) {
      ctx.fillStyle = COLORS.stageText;
      ctx.font = `600 ${Math.round(fs)}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText('STAGE', sx + sw / 2, sy + sh / 2);
    }
  }

  /**
   * Seat numbers inside the seats, when they are large enough to read.
   * @param {Uint32Array} sorted @param {Uint32Array} start @param {number} size
   */
  #drawNumbers(sorted, start, size) {
    const { ctx, data, K } = this;
    const { x, y, numbers } = data;
    const k = this.scale, tx = this.tx, ty = this.ty;
    ctx.font = `600 ${Math.round(size * 0.42)}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (let b = 0; b < K.count; b++) {
      const from = start[b], to = start[b + 1];
      if (from === to || b === K.blocked) continue; // blocked seats carry a cross
      ctx.fillStyle = this.textColors[b];
      for (let j = from; j < to; j++) {
        const i = sorted[j];
        ctx.fillText(numbers[i], x[i] * k + tx, y[i] * k + ty + size * 0.03);
      }
    }
  }

  /** @param {number} size */
  #drawRowLabels(size) {
    const { ctx, data, dpr } = this;
    const { x, y, row, rowFirst, rowLast, rows, pitch } = data;
    const k = this.scale, tx = this.tx, ty = this.ty;
    ctx.fillStyle = COLORS.rowLabel;
    ctx.font = `500 ${Math.round(Math.min(size * 0.55, 13 * dpr))}px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const margin = 40 * dpr;
    for (let r = 0; r < rows.length; r++) {
      const f = rowFirst[r], l = rowLast[r];
      if (f < 0) continue;
      // Beyond each end of the row, along the row's own direction.
      for (const [end, next] of [[f, f + 1], [l, l - 1]]) {
        let dx = -1, dy = 0;
        if (next >= 0 && next < data.n && row[next] === r && next !== end) {
          const len = Math.hypot(x[end] - x[next], y[end] - y[next]) || 1;
          dx = (x[end] - x[next]) / len;
          dy = (y[end] - y[next]) / len;
        } else if (end === l) dx = 1;
        const lx = (x[end] + dx * pitch * 1.1) * k + tx;
        const ly = (y[end] + dy * pitch * 1.1) * k + ty;
        if (lx < -margin || ly < -margin || lx > this.cw + margin || ly > this.ch + margin) continue;
        ctx.fillText(rows[r].label, lx, ly);
      }
    }
  }

  /** Diagonal hatching for seats held by other buyers. */
  #pattern() {
    if (this.heldPattern) return this.heldPattern;
    const d = Math.max(4, Math.round(4 * this.dpr));
    const c = document.createElement('canvas');
    c.width = c.height = d;
    const p = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d'));
    p.fillStyle = COLORS.held;
    p.fillRect(0, 0, d, d);
    p.strokeStyle = COLORS.heldLine;
    p.lineWidth = Math.max(1, this.dpr * 0.9);
    p.beginPath();
    p.moveTo(-1, d + 1); p.lineTo(d + 1, -1);
    p.moveTo(-1, 1); p.lineTo(1, -1);
    p.moveTo(d - 1, d + 1); p.lineTo(d + 1, d - 1);
    p.stroke();
    this.heldPattern = /** @type {CanvasPattern} */ (this.ctx.createPattern(c, 'repeat'));
    return this.heldPattern;
  }
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * #rrggbb as one opaque pixel of an ImageData's Uint32Array view.
 * @param {string} hex
 */
function rgba32(hex) {
  const v = parseInt(hex.slice(1), 16);
  const r = (v >> 16) & 255, g = (v >> 8) & 255, b = v & 255;
  return littleEndian ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
}

/** Relative luminance of #rrggbb, 0..1. @param {string} hex */
function luminance(hex) {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return 0.5;
  const [r, g, b] = [m[1], m[2], m[3]].map((v) => {
    const c = parseInt(v, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/**
 * @param {string} c
 * @param {string} fallback
 */
function hexOr(c, fallback) {
  return /^#[0-9a-f]{6}$/i.test(c) ? c : fallback;
}

/**
 * Mixes #rrggbb a toward b by t (0..1).
 * @param {string} a @param {string} b @param {number} t
 */
function mix(a, b, t) {
  const p = parseInt(a.slice(1), 16), q = parseInt(b.slice(1), 16);
  const ch = (/** @type {number} */ sh) => Math.round(((p >> sh) & 255) * (1 - t) + ((q >> sh) & 255) * t);
  return '#' + [16, 8, 0].map((sh) => ch(sh).toString(16).padStart(2, '0')).join('');
}

/**
 * @param {number} hue degrees @param {number} sat 0..1 @param {number} light 0..1
 */
function hslHex(hue, sat, light) {
  const a = sat * Math.min(light, 1 - light);
  const f = (/** @type {number} */ n) => {
    const k = (n + hue / 30) % 12;
    const c = light - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(c * 255).toString(16).padStart(2, '0');
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}
