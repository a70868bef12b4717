// SeatData holds one performance's seat map in typed arrays: geometry from the
// compact seatmap answer, live states, the buyer's own seats, and a uniform grid
// over the seats for culling and hit-testing. It is built once per page and then
// only patched by live deltas.

export const FREE = 0;
export const HELD = 1;
export const SOLD = 2;
export const BLOCKED = 3;
export const STATE_NAMES = /** @type {const} */ (['free', 'held', 'sold', 'blocked']);

/** Values of SeatData.mine. */
export const MINE_NONE = 0;
export const MINE_SELECTED = 1;
export const MINE_HELD = 2;

/**
 * @typedef {{id: string, name: string, price: number, currency: string, color: string}} Zone
 * @typedef {{x: number, y: number, w: number, h: number}} Rect
 * @typedef {{performance_id: string, version: number, count: number, ids: string[], x: number[], y: number[],
 *   zone: number[], row: number[], number: string[], rows: {section: number, label: string}[],
 *   sections: {id: string, name: string}[], states: string, zones: Zone[], stage: Rect | null}} CompactSeatmap
 */

export class SeatData {
  /** @param {CompactSeatmap} m */
  constructor(m) {
    const n = m.ids.length;
    if (![m.x, m.y, m.zone, m.row, m.number].every((a) => Array.isArray(a) && a.length === n)) {
      throw new Error('The seat map from the server is incomplete. Please reload the page.');
    }
    this.n = n;
    this.ids = m.ids;
    this.numbers = m.number;
    this.rows = m.rows || [];
    this.sections = m.sections || [];
    /** @type {Zone[]} */
    this.zones = m.zones || [];
    /** @type {Rect | null} */
    this.stage = m.stage && m.stage.w > 0 && m.stage.h > 0 ? m.stage : null;
    this.version = Number(m.version) || 0;

    this.x = Float32Array.from(m.x);
    this.y = Float32Array.from(m.y);
    this.zone = new Int16Array(n);
    const nz = this.zones.length;
    for (let i = 0; i < n; i++) {
      const z = m.zone[i];
      this.zone[i] = z >= 0 && z < nz ? z : -1;
    }
    this.row = Int32Array.from(m.row);
    this.state = new Uint8Array(n);
    /** MINE_* per seat: the buyer's selection and hold. */
    this.mine = new Uint8Array(n);
    /** Seats per state, kept up to date by every change. */
    this.counts = [0, 0, 0, 0];
    this.setStates(m.states || '');

    /** @type {Map<string, number>} */
    this.index = new Map();
    for (let i = 0; i < n; i++) this.index.set(this.ids[i], i);

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
      if (s !== FREE && mine[i] === MINE_SELECTED) lost.push(i);
    }
    return lost;
  }

  /** Selected seats that are no longer free (after a snapshot). */
  lostSelections() {
    const out = [];
    for (let i = 0; i < this.n; i++) if (this.mine[i] === MINE_SELECTED && this.state[i] !== FREE) out.push(i);
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
    return this.state[i] === FREE && this.zone[i] >= 0 && this.mine[i] !== MINE_HELD;
  }

  /** @param {number} i */
  zoneOf(i) {
    const z = this.zone[i];
    return z >= 0 ? this.zones[z] : null;
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
