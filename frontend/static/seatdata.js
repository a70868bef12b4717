// SeatData holds one performance's seat map in typed arrays: geometry from the
// compact seatmap answer, live states, zones and sales channels, the page's own
// seats, and a uniform grid over the seats for culling and hit-testing. It is
// built once per page and then only patched by live deltas.

export const FREE = 0;
export const HELD = 1;
export const SOLD = 2;
export const BLOCKED = 3;
export const STATE_NAMES = /** @type {const} */ (['free', 'held', 'sold', 'blocked']);

/** Values of SeatData.mine. */
export const MINE_NONE = 0;
export const MINE_SELECTED = 1;
export const MINE_HELD = 2;

/** Values of SeatData.holdKind (staff pages: who holds a held seat). */
export const HOLD_BUYER = 0;
export const HOLD_STAFF = 1;
export const HOLD_RESERVED = 2;

/** Channel 0 is always the web: the only one buyers may buy from. */
export const WEB = 0;
/** The engine's limit of channels per performance. */
export const MAX_CHANNELS = 64;

/**
 * @typedef {{id: string, name: string, price: number, currency: string, color: string}} Zone
 * @typedef {{x: number, y: number, w: number, h: number}} Rect
 * @typedef {{performance_id: string, version: number, count: number, ids: string[], x: number[], y: number[],
 *   zone: number[], row: number[], number: string[], rows: {section: number, label: string}[],
 *   sections: {id: string, name: string}[], states: string, zones: Zone[], stage: Rect | null,
 *   channel?: number[], channels?: string[], blocks?: Array<[number, string]>, accessible?: number[]}} CompactSeatmap
 */

/**
 * @typedef {{performance_id: string, version: number, format: 'packed', count: number,
 *   sections: {id: string, name: string}[], rows: {section: number, label: string, first: number, count: number}[],
 *   numbers: Array<[number, string]>, ids: Array<[number, string]>, scale: number, x: number[], y: number[],
 *   zone: number[], channel: number[], states: string, channels: string[], blocks?: Array<[number, string]>,
 *   accessible?: number[], zones: Zone[], stage: Rect | null}} PackedSeatmap
 */

/**
 * Expands the packed seat map (format=packed, see PackedSeatmap in
 * api/openapi.yaml) into columns: typed arrays for coordinates, zones,
 * channels and rows; the seat numbers and ids as functions that make them.
 * @param {PackedSeatmap} m
 */
function unpack(m) {
  const n = m.count;
  if (!(n >= 0) || !Array.isArray(m.rows) || !Array.isArray(m.x) || m.x.length !== n || !Array.isArray(m.y) || m.y.length !== n) {
    throw new Error('The seat map from the server is incomplete. Please reload the page.');
  }
  const sections = m.sections || [];
  // Typed arrays throughout, and the seat ids and numbers (80,000 strings for
  // a stadium) made only when first asked for: the first draw needs neither.
  const row = new Int32Array(n);
  m.rows.forEach((r, ri) => {
    const end = Math.min(n, r.first + r.count);
    for (let j = r.first; j < end; j++) row[j] = ri;
  });
  const numbers = () => {
    /** @type {string[]} */
    const number = new Array(n).fill('');
    for (const r of m.rows) {
      const end = Math.min(n, r.first + r.count);
      for (let j = r.first; j < end; j++) number[j] = String(j - r.first + 1);
    }
    for (const [i, num] of m.numbers || []) if (i >= 0 && i < n) number[i] = String(num);
    return number;
  };
  /** @param {string[]} number */
  const ids = (number) => {
    /** @type {string[]} */
    const out = new Array(n);
    for (let i = 0; i < n; i++) {
      const r = m.rows[row[i]];
      out[i] = `${sections[r?.section]?.id ?? ''}-R${r?.label ?? ''}-S${number[i]}`;
    }
    for (const [i, id] of m.ids || []) if (i >= 0 && i < n) out[i] = String(id);
    return out;
  };
  const scale = m.scale > 0 ? m.scale : 1;
  /** @param {number[]} d */
  const coords = (d) => {
    const out = new Float32Array(n);
    let q1 = 0;
    let q2 = 0;
    for (let i = 0; i < n; i++) {
      const q = d[i] + 2 * q1 - q2;
      out[i] = q / scale;
      q2 = q1;
      q1 = q;
    }
    return out;
  };
  /** @param {number[]} runs @param {number} fill */
  const expand = (runs, fill) => {
    const out = new Int16Array(n).fill(fill);
    let i = 0;
    for (let k = 0; k + 1 < (runs || []).length; k += 2) {
      const v = runs[k];
      const end = Math.min(n, i + runs[k + 1]);
      out.fill(v, i, end);
      i = end;
    }
    return out;
  };
  return {
    performance_id: m.performance_id, version: m.version, count: n, ids, x: coords(m.x), y: coords(m.y),
    zone: expand(m.zone, -1), row, number: numbers, rows: m.rows.map((r) => ({ section: r.section, label: r.label })),
    sections, states: m.states, channel: expand(m.channel, 0), channels: m.channels, blocks: m.blocks,
    accessible: m.accessible, zones: m.zones, stage: m.stage,
  };
}

export class SeatData {
  /** @type {string[] | null} */
  #ids = null;
  /** @type {string[] | null} */
  #numbers = null;
  /** @type {Map<string, number> | null} */
  #index = null;
  /** @type {() => string[]} */
  #makeIds = () => [];
  /** @type {() => string[]} */
  #makeNumbers = () => [];

  /** Public seat ids by index ("S-R3-S10"), made when first asked for. */
  get ids() {
    if (!this.#ids) this.#ids = this.#makeIds();
    return this.#ids;
  }

  /** Seat numbers by index, as people say them ("12", "12a"). */
  get numbers() {
    if (!this.#numbers) this.#numbers = this.#makeNumbers();
    return this.#numbers;
  }

  /** Seat index by public id. */
  get index() {
    if (!this.#index) {
      const ids = this.ids;
      /** @type {Map<string, number>} */
      const index = new Map();
      for (let i = 0; i < this.n; i++) index.set(ids[i], i);
      this.#index = index;
    }
    return this.#index;
  }

  /** @param {CompactSeatmap | PackedSeatmap} raw either form of the seat map */
  constructor(raw) {
    const packed = raw && /** @type {any} */ (raw).format === 'packed';
    const m = /** @type {any} */ (packed ? unpack(/** @type {PackedSeatmap} */ (raw)) : raw);
    const n = packed ? m.count : m.ids?.length;
    const whole = (/** @type {any} */ a) => (Array.isArray(a) || ArrayBuffer.isView(a)) && a.length === n;
    if (!(n >= 0) || ![m.x, m.y, m.zone, m.row].every(whole) || (!packed && ![m.ids, m.number].every(whole))) {
      throw new Error('The seat map from the server is incomplete. Please reload the page.');
    }
    this.n = n;
    if (packed) {
      this.#makeNumbers = m.number;
      this.#makeIds = () => m.ids(this.numbers);
    } else {
      this.#numbers = m.number;
      this.#ids = m.ids;
    }
    this.rows = m.rows || [];
    this.sections = m.sections || [];
    /** @type {Zone[]} */
    this.zones = m.zones || [];
    /** @type {Rect | null} */
    this.stage = m.stage && m.stage.w > 0 && m.stage.h > 0 ? m.stage : null;
    this.version = Number(m.version) || 0;

    this.x = m.x instanceof Float32Array ? m.x : Float32Array.from(m.x);
    this.y = m.y instanceof Float32Array ? m.y : Float32Array.from(m.y);
    /**
     * Zone index per seat, -1 for none. An index may run ahead of `zones` for a
     * moment (a live delta painted a zone whose definition is still being
     * fetched): such a seat counts as having no zone until the list arrives.
     */
    this.zone = new Int16Array(n);
    for (let i = 0; i < n; i++) {
      const z = m.zone[i];
      this.zone[i] = z >= 0 && z < 255 ? z : -1;
    }
    /** Sales channel (quota) index per seat; 0 is the web. */
    this.channel = new Uint8Array(n);
    if (whole(m.channel)) {
      for (let i = 0; i < n; i++) {
        const c = m.channel[i];
        this.channel[i] = c >= 0 && c < MAX_CHANNELS ? c : 0;
      }
    }
    /** @type {string[]} channel names by index */
    this.channels = Array.isArray(m.channels) && m.channels.length ? m.channels.slice() : ['web'];
    /** Channels this page may take seats from, by index: the web for buyers. */
    this.sellable = new Uint8Array(MAX_CHANNELS);
    this.sellable[WEB] = 1;
    /** @type {Map<number, string>} block reasons by seat (staff only) */
    this.blocks = new Map();
    this.setBlocks(m.blocks);
    this.row = m.row instanceof Int32Array ? m.row : Int32Array.from(m.row);
    /** 1 for a seat the layout marks accessible (wheelchair space). */
    this.accessible = new Uint8Array(n);
    for (const i of Array.isArray(m.accessible) ? m.accessible : []) if (i >= 0 && i < n) this.accessible[i] = 1;
    this.state = new Uint8Array(n);
    /** MINE_* per seat: the page's selection and hold. */
    this.mine = new Uint8Array(n);
    /** HOLD_* per held seat, filled by the staff pages from the holds list. */
    this.holdKind = new Uint8Array(n);
    /** Seats per state, kept up to date by every change. */
    this.counts = [0, 0, 0, 0];
    this.setStates(m.states || '');

    /** 1 for wheelchair spaces and their companion seats (`accessible` seat indexes). */
    this.accessible = new Uint8Array(n);
    if (Array.isArray(m.accessible)) for (const i of m.accessible) if (i >= 0 && i < n) this.accessible[i] = 1;

    this.#measure();
    this.#buildGrid();
    this.#buildRowsAndSections();
  }

  /**
   * Replaces all states from a snapshot string ("0012…").
   * @param {string} states
   */
  setStates(states) {
    const { n, state, counts } = this;
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      let s = states.charCodeAt(i) - 48;
      if (!(s >= 0 && s <= 3)) s = BLOCKED; // missing or unknown: not for sale
      state[i] = s;
      counts[s]++;
    }
  }

  /**
   * Replaces every seat's zone from a snapshot: base64 of one byte per seat,
   * zone index + 1 (0 = none). Missing or short data leaves zones as they are.
   * @param {string | undefined} b64
   */
  setZoneBytes(b64) {
    const raw = decodeBytes(b64, this.n);
    if (!raw) return;
    const { zone } = this;
    for (let i = 0; i < this.n; i++) zone[i] = raw[i] - 1;
  }

  /**
   * Replaces every seat's channel from a snapshot (base64, one byte per seat).
   * @param {string | undefined} b64
   */
  setChannelBytes(b64) {
    const raw = decodeBytes(b64, this.n);
    if (!raw) return;
    const { channel } = this;
    for (let i = 0; i < this.n; i++) channel[i] = raw[i] < MAX_CHANNELS ? raw[i] : 0;
  }

  /**
   * Replaces the block reasons (staff seat map: [[seat index, reason], ...]).
   * @param {Array<[number, string]> | undefined} list
   */
  setBlocks(list) {
    this.blocks.clear();
    if (!Array.isArray(list)) return;
    for (const b of list) {
      if (Array.isArray(b) && b[0] >= 0 && b[0] < this.n) this.blocks.set(b[0], String(b[1] ?? ''));
    }
  }

  /**
   * Applies [index, state] pairs from a delta.
   * @param {Array<[number, number]>} changes
   * @returns {number[]} selected seats that someone else just took
   */
  applyChanges(changes) {
    const { n, state, counts, mine } = this;
    /** @type {number[]} */
    const lost = [];
    for (const ch of changes) {
      const i = ch[0];
      const s = ch[1];
      if (!(i >= 0 && i < n) || !(s >= 0 && s <= 3)) continue;
      counts[state[i]]--;
      counts[s]++;
      state[i] = s;
      if (s !== BLOCKED) this.blocks.delete(i);
      if (s !== FREE && mine[i] === MINE_SELECTED) lost.push(i);
    }
    return lost;
  }

  /**
   * Applies [index, zone index or -1] pairs from a delta.
   * @param {Array<[number, number]>} changes
   * @returns {number[]} selected seats that lost their price
   */
  applyZoneChanges(changes) {
    const { n, zone, mine } = this;
    const lost = [];
    for (const ch of changes) {
      const i = ch[0];
      const z = ch[1];
      if (!(i >= 0 && i < n)) continue;
      zone[i] = z >= 0 && z < 255 ? z : -1;
      if (zone[i] < 0 && mine[i] === MINE_SELECTED) lost.push(i);
    }
    return lost;
  }

  /**
   * Applies [index, channel index] pairs from a delta.
   * @param {Array<[number, number]>} changes
   * @returns {number[]} selected seats this page may no longer sell
   */
  applyChannelChanges(changes) {
    const { n, channel, mine, sellable } = this;
    const lost = [];
    for (const ch of changes) {
      const i = ch[0];
      const c = ch[1];
      if (!(i >= 0 && i < n) || !(c >= 0 && c < MAX_CHANNELS)) continue;
      channel[i] = c;
      if (!sellable[c] && mine[i] === MINE_SELECTED) lost.push(i);
    }
    return lost;
  }

  /**
   * New zone definitions (names, prices, colours) for the same indices.
   * @param {Zone[]} zones
   */
  setZones(zones) {
    this.zones = Array.isArray(zones) ? zones : [];
  }

  /**
   * Sets which channels this page may take seats from.
   * @param {Iterable<string>} names
   */
  setSellable(names) {
    const want = new Set(names);
    this.sellable.fill(0);
    this.channels.forEach((c, i) => { if (want.has(c)) this.sellable[i] = 1; });
  }

  /** Selected seats that are no longer free or no longer for this page (after a snapshot). */
  lostSelections() {
    const out = [];
    for (let i = 0; i < this.n; i++) if (this.mine[i] === MINE_SELECTED && !this.selectable(i)) out.push(i);
    return out;
  }

  /**
   * The buyer-facing state of seat i.
   * @param {number} i
   * @returns {'free'|'held'|'sold'|'blocked'|'mine'}
   */
  stateName(i) {
    if (this.mine[i] === MINE_HELD) return 'mine';
    return STATE_NAMES[this.state[i]];
  }

  /** @param {number} i seat may be put into a selection */
  selectable(i) {
    return this.state[i] === FREE && this.zoneOf(i) !== null && this.sellable[this.channel[i]] === 1 && this.mine[i] !== MINE_HELD;
  }

  /** @param {number} i a wheelchair space or its companion seat */
  isAccessible(i) {
    return this.accessible[i] === 1;
  }

  /** @param {number} i a free seat whose channel (quota) this page may not sell */
  closedChannel(i) {
    return this.state[i] === FREE && this.sellable[this.channel[i]] !== 1;
  }

  /** @param {number} i */
  zoneOf(i) {
    const z = this.zone[i];
    return z >= 0 && z < this.zones.length ? this.zones[z] : null;
  }

  /** @param {number} i the name of seat i's channel */
  channelOf(i) {
    return this.channels[this.channel[i]] ?? `channel ${this.channel[i]}`;
  }

  /**
   * Seats whose square (0.8 of the pitch wide) touches the world rectangle:
   * what a drag from one corner to the other selects.
   * @param {number} x0 @param {number} y0 @param {number} x1 @param {number} y1
   * @param {boolean} [sorted] in index order (a preview while dragging needs no order)
   * @returns {number[]}
   */
  seatsInRect(x0, y0, x1, y1, sorted = true) {
    const pad = this.pitch * 0.4;
    const ax = Math.min(x0, x1) - pad, bx = Math.max(x0, x1) + pad;
    const ay = Math.min(y0, y1) - pad, by = Math.max(y0, y1) + pad;
    const { x, y } = this;
    /** @type {number[]} */
    const out = [];
    this.forEachIn(ax, ay, bx, by, (i) => {
      const xi = x[i], yi = y[i];
      if (xi >= ax && xi <= bx && yi >= ay && yi <= by) out.push(i);
    });
    return sorted ? out.sort((a, b) => a - b) : out;
  }

  /** @param {number} i every seat in seat i's row */
  rowSeats(i) {
    const r = this.row[i];
    const out = [];
    for (let j = 0; j < this.n; j++) if (this.row[j] === r) out.push(j);
    return out;
  }

  /** @param {number} i every seat in seat i's section */
  sectionSeats(i) {
    const r = this.rows[this.row[i]];
    if (!r) return [i];
    const out = [];
    for (let j = 0; j < this.n; j++) {
      const rj = this.rows[this.row[j]];
      if (rj && rj.section === r.section) out.push(j);
    }
    return out;
  }

  /**
   * Human labels of seat i.
   * @param {number} i
   */
  describe(i) {
    const r = this.rows[this.row[i]];
    const sec = r ? this.sections[r.section] : undefined;
    return {
      id: this.ids[i],
      section: sec ? sec.name : '',
      row: r ? r.label : '',
      number: this.numbers[i],
      zone: this.zoneOf(i),
    };
  }

  /**
   * A one-line label: "Stalls · Row 3 · Seat 12".
   * @param {number} i
   */
  label(i) {
    const d = this.describe(i);
    return [d.section, d.row && `Row ${d.row}`, `Seat ${d.number}`].filter(Boolean).join(' · ');
  }

  /** Bounds of seats and stage, and the seat pitch (distance between neighbours). */
  #measure() {
    const { n, x, y } = this;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      const a = x[i], b = y[i];
      if (a < minX) minX = a;
      if (a > maxX) maxX = a;
      if (b < minY) minY = b;
      if (b > maxY) maxY = b;
    }
    if (n === 0) minX = minY = maxX = maxY = 0;
    this.seatBounds = { minX, minY, maxX, maxY };

    // Median distance between neighbours in a row, from a sample.
    const samples = [];
    const step = Math.max(1, Math.floor(n / 4000));
    for (let i = 0; i + 1 < n; i += step) {
      if (this.row[i] !== this.row[i + 1]) continue;
      const d = Math.hypot(x[i + 1] - x[i], y[i + 1] - y[i]);
      if (d > 0) samples.push(d);
    }
    samples.sort((a, b) => a - b);
    this.pitch = samples.length ? samples[samples.length >> 1] : 10;

    const s = this.stage;
    const pad = this.pitch;
    this.bounds = {
      minX: Math.min(minX, s ? s.x : Infinity) - pad,
      minY: Math.min(minY, s ? s.y : Infinity) - pad,
      maxX: Math.max(maxX, s ? s.x + s.w : -Infinity) + pad,
      maxY: Math.max(maxY, s ? s.y + s.h : -Infinity) + pad,
    };
  }

  /** A uniform grid: the seats of cell c are cellItems[cellStart[c] .. cellStart[c+1]). */
  #buildGrid() {
    const { n, x, y, seatBounds: b } = this;
    let cell = this.pitch * 4;
    const w = b.maxX - b.minX, hgt = b.maxY - b.minY;
    // Keep the grid at most ~256k cells however sparse the hall.
    while ((Math.floor(w / cell) + 1) * (Math.floor(hgt / cell) + 1) > 262144) cell *= 2;
    const gw = Math.floor(w / cell) + 1;
    const gh = Math.floor(hgt / cell) + 1;
    const cellStart = new Uint32Array(gw * gh + 1);
    const cellOf = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const c = Math.floor((y[i] - b.minY) / cell) * gw + Math.floor((x[i] - b.minX) / cell);
      cellOf[i] = c;
      cellStart[c + 1]++;
    }
    for (let c = 0; c < gw * gh; c++) cellStart[c + 1] += cellStart[c];
    const fill = cellStart.slice(0, gw * gh);
    const cellItems = new Uint32Array(n);
    for (let i = 0; i < n; i++) cellItems[fill[cellOf[i]]++] = i;
    this.grid = { cell, gw, gh, x0: b.minX, y0: b.minY, cellStart, cellItems };
  }

  /**
   * Calls fn for every seat whose cell overlaps the world rectangle.
   * @param {number} x0 @param {number} y0 @param {number} x1 @param {number} y1
   * @param {(i: number) => void} fn
   */
  forEachIn(x0, y0, x1, y1, fn) {
    const g = this.grid;
    const cx0 = Math.max(0, Math.floor((x0 - g.x0) / g.cell));
    const cy0 = Math.max(0, Math.floor((y0 - g.y0) / g.cell));
    const cx1 = Math.min(g.gw - 1, Math.floor((x1 - g.x0) / g.cell));
    const cy1 = Math.min(g.gh - 1, Math.floor((y1 - g.y0) / g.cell));
    for (let cy = cy0; cy <= cy1; cy++) {
      const rowBase = cy * g.gw;
      const from = g.cellStart[rowBase + cx0];
      const to = g.cellStart[rowBase + cx1 + 1];
      // Cells of one grid row are contiguous in cellItems.
      for (let k = from; k < to; k++) fn(g.cellItems[k]);
    }
  }

  /**
   * The seat nearest to a world point within radius, or -1.
   * @param {number} wx @param {number} wy @param {number} radius
   */
  nearest(wx, wy, radius) {
    let best = -1;
    let bestD = radius * radius;
    const { x, y } = this;
    this.forEachIn(wx - radius, wy - radius, wx + radius, wy + radius, (i) => {
      const dx = x[i] - wx, dy = y[i] - wy;
      const d = dx * dx + dy * dy;
      if (d <= bestD) {
        bestD = d;
        best = i;
      }
    });
    return best;
  }

  /** First and last seat of each row (for row labels) and a box per section. */
  #buildRowsAndSections() {
    const nr = this.rows.length;
    this.rowFirst = new Int32Array(nr).fill(-1);
    this.rowLast = new Int32Array(nr).fill(-1);
    const ns = this.sections.length;
    const box = new Float64Array(ns * 4);
    for (let s = 0; s < ns; s++) box.set([Infinity, Infinity, -Infinity, -Infinity], s * 4);
    for (let i = 0; i < this.n; i++) {
      const r = this.row[i];
      if (r < 0 || r >= nr) continue;
      if (this.rowFirst[r] < 0) this.rowFirst[r] = i;
      this.rowLast[r] = i;
      const s = this.rows[r].section;
      if (s >= 0 && s < ns) {
        const o = s * 4;
        if (this.x[i] < box[o]) box[o] = this.x[i];
        if (this.y[i] < box[o + 1]) box[o + 1] = this.y[i];
        if (this.x[i] > box[o + 2]) box[o + 2] = this.x[i];
        if (this.y[i] > box[o + 3]) box[o + 3] = this.y[i];
      }
    }
    this.sectionBoxes = box;
  }
}

/**
 * Decodes base64 into exactly n bytes, or null when it does not hold n.
 * @param {string | undefined} b64
 * @param {number} n
 */
function decodeBytes(b64, n) {
  if (typeof b64 !== 'string') return null;
  let bin;
  try {
    bin = atob(b64);
  } catch {
    return null;
  }
  if (bin.length !== n) return null;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = bin.charCodeAt(i);
  return out;
}
