// The organizer's painter (#/staff/p/{id}/paint): pick a tool — a price zone, a
// sales channel (quota), a block with its reason, or unblock — and drag a
// rectangle over the live seat map; each drag is one paint stroke, applied by
// the server atomically. Held and sold seats keep their state and are reported
// as skipped. Clicks paint a seat, a row (alt) or a section (alt+shift); a form
// paints rows by number for keyboard users. Zones are edited here (saved with
// PUT zones), sales start and stop here, and the set-up is saved as, or
// replaced from, a template of the hall.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, count, parseMoney, amountText, amountPlaceholder, amountHelp } from './format.js';
import { showError, announce } from './notify.js';
import { signedOut } from './session.js';
import { StaffMapPage, channelLabel, swatch } from './staffmap.js';
import { replaceSection } from './replacepanel.js';
import { FaresEditor } from './fares.js';

/**
 * @typedef {import('./seatdata.js').Zone} Zone
 * @typedef {import('./seatdata.js').SeatData} SeatData
 * @typedef {import('./session.js').StaffUser} StaffUser
 * @typedef {{kind: 'zone', zone: string} | {kind: 'channel'} | {kind: 'block'} | {kind: 'unblock'}} Tool
 * @typedef {{ok: boolean, changed?: number, skipped?: Array<{seat: string, reason: string}>, status?: number, detail?: string, seats?: number}} StrokeResult
 */

/** The server's limit of seats per stroke. */
const MAX_STROKE = 100000;

const CHANNEL_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
/** The value of the "New channel…" choice; no channel name can take it (a leading "-"). */
const NEW_CHANNEL = '-new';

/** Block reasons from the venues' manuals (Sperrungen); "other" takes free text. */
const BLOCK_REASONS = [
  ['mixer desk', 'Mixer desk'],
  ['fire watch', 'Fire watch'],
  ['technical', 'Technical'],
  ['camera position', 'Camera position'],
  ['restricted view', 'Restricted view'],
];

/** New zones get the next of these colours. */
const ZONE_COLORS = ['#d4af37', '#8e44ad', '#16a085', '#e67e22', '#2c3e50', '#e84393', '#0984e3', '#6ab04c'];

/**
 * @param {HTMLElement} root
 * @param {string} id
 * @param {StaffUser} user
 */
export function mountPainter(root, id, user) {
  const page = new Painter(root, id, user);
  page.start();
  return () => page.destroy();
}

/**
 * A zone id from its name: "Gold" → "gold", "Parkett A" → "parkett-a".
 * @param {string} name
 * @param {Set<string>} taken
 */
function zoneId(name, taken) {
  const base = name.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'zone';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

class Painter extends StaffMapPage {
  /**
   * @param {HTMLElement} root
   * @param {string} id
   * @param {StaffUser} user
   */
  constructor(root, id, user) {
    super(root, id, user, {
      mode: 'zone',
      modes: [['zone', 'Price zones'], ['channel', 'Sales channels'], ['state', 'Seat states']],
      pageClass: 'painter',
    });
    document.title = 'Painter · seatmap staff';
    /** @type {Tool | null} */
    this.tool = null;
    /** @type {{at: number, changed: number, skipped: number} | null} */
    this.lastStroke = null;
    /** @type {string | null} zone being edited, '' for a new one, null when the form is closed */
    this.editing = null;
    /** The zone list last rendered, to rebuild the buttons only when it changed. */
    this.zonesKey = '';
    this.#layoutTools();
  }

  #layoutTools() {
    // Head: sale status and start/stop.
    this.startBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'sales-start', class: 'btn btn-primary', disabled: true, onclick: () => this.#setSales('start') }, 'Start sales'));
    this.stopBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'sales-stop', class: 'btn btn-secondary', disabled: true, onclick: () => this.#setSales('stop') }, 'Stop sales'));
    this.headActions.append(this.startBtn, this.stopBtn);

    // Toolbar: what a plain drag does.
    this.modeSelect = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'mode-select', class: 'seg', 'aria-pressed': 'true', onclick: () => this.#setDragSelect(true) }, 'Select seats'));
    this.modePan = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'mode-pan', class: 'seg', 'aria-pressed': 'false', onclick: () => this.#setDragSelect(false) }, 'Move map'));
    this.toolbar.prepend(
      h('div', { class: 'toolbar-field' }, h('span', { id: 'drag-label' }, 'Drag to'),
        h('div', { class: 'segmented', role: 'group', 'aria-labelledby': 'drag-label' }, this.modeSelect, this.modePan)),
      h('p', { class: 'toolbar-hint', id: 'drag-hint' }));

    // Tools.
    this.zoneList = h('ul', { class: 'tool-list', 'aria-label': 'Price zones' });
    this.zoneForm = h('form', { class: 'zone-form', id: 'zone-form', hidden: true, novalidate: true, onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); this.#saveZone(); } });
    this.addZoneBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'zone-add', class: 'btn btn-ghost btn-small', onclick: () => this.#openZoneForm('') }, '+ Add zone'));

    this.channelBtn = this.#toolButton('tool-channel', 'Channel / quota', 'Sell these seats only through one channel', () => ({ kind: 'channel' }));
    // The channel is chosen from the performance's channels; a new one is typed
    // only after choosing "New channel…".
    this.channelSelect = /** @type {HTMLSelectElement} */ (h('select', { id: 'channel-select', 'aria-describedby': 'channel-hint' }));
    this.channelNew = /** @type {HTMLInputElement} */ (h('input', { id: 'channel-new', type: 'text', maxlength: '32', autocapitalize: 'none', spellcheck: 'false', placeholder: 'e.g. partner-a', 'aria-describedby': 'channel-hint' }));
    this.channelNewField = h('div', { class: 'tool-option', hidden: true }, h('label', { for: 'channel-new' }, 'New channel name'), this.channelNew);
    this.#fillChannels(['web', 'box_office'], 'box_office');
    this.channelSelect.addEventListener('focus', () => this.#pick({ kind: 'channel' }));
    this.channelSelect.addEventListener('change', () => {
      this.channelNewField.hidden = this.channelSelect.value !== NEW_CHANNEL;
      this.#pick({ kind: 'channel' });
      if (!this.channelNewField.hidden) this.channelNew.focus();
    });
    this.channelNew.addEventListener('focus', () => this.#pick({ kind: 'channel' }));
    this.channelNew.addEventListener('input', () => this.#pick({ kind: 'channel' }));

    this.blockBtn = this.#toolButton('tool-block', 'Block', 'Take seats off sale, with a reason', () => ({ kind: 'block' }));
    this.blockPreset = /** @type {HTMLSelectElement} */ (h('select', { id: 'block-preset', 'aria-label': 'Reason for the block' },
      BLOCK_REASONS.map(([v, t]) => h('option', { value: v }, t)), h('option', { value: '' }, 'Other…')));
    this.blockReason = /** @type {HTMLInputElement} */ (h('input', { id: 'block-reason', type: 'text', maxlength: '100', placeholder: 'Reason, e.g. wheelchair space', 'aria-label': 'Other reason', hidden: true }));
    this.blockPreset.addEventListener('change', () => {
      this.blockReason.hidden = this.blockPreset.value !== '';
      if (!this.blockReason.hidden) this.blockReason.focus();
      this.#pick({ kind: 'block' });
    });
    this.blockReason.addEventListener('focus', () => this.#pick({ kind: 'block' }));
    this.unblockBtn = this.#toolButton('tool-unblock', 'Unblock', 'Put blocked seats back on sale', () => ({ kind: 'unblock' }));

    this.result = h('div', { id: 'paint-result', class: 'paint-result', role: 'status', 'aria-live': 'polite' }, 'Pick a tool, then drag over seats.');

    // Click granularity.
    /** @param {string} v @param {string} label */
    const clickOpt = (v, label) => h('label', { class: 'seg-radio' },
      h('input', { type: 'radio', name: 'click-paints', id: `click-${v}`, value: v, checked: v === 'seat' }), h('span', null, label));
    this.clickGroup = h('div', { class: 'segmented', role: 'radiogroup', 'aria-labelledby': 'click-label' },
      clickOpt('seat', 'Seat'), clickOpt('row', 'Row'), clickOpt('section', 'Section'));

    // Rows by number.
    this.rowsSection = /** @type {HTMLSelectElement} */ (h('select', { id: 'rows-section' }));
    this.rowsFrom = /** @type {HTMLSelectElement} */ (h('select', { id: 'rows-from' }));
    this.rowsTo = /** @type {HTMLSelectElement} */ (h('select', { id: 'rows-to' }));
    this.rowsSection.addEventListener('change', () => this.#fillRows());
    const rowsForm = h('form', { class: 'rows-form', onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); this.#paintRows(); } },
      h('div', { class: 'field' }, h('label', { for: 'rows-section' }, 'Section'), this.rowsSection),
      h('div', { class: 'field-pair' },
        h('div', { class: 'field' }, h('label', { for: 'rows-from' }, 'From row'), this.rowsFrom),
        h('div', { class: 'field' }, h('label', { for: 'rows-to' }, 'To row'), this.rowsTo)),
      h('button', { type: 'submit', id: 'rows-paint', class: 'btn btn-secondary btn-block' }, 'Paint these rows'));

    // Statistics.
    this.statsBox = h('div', { class: 'stats-box', 'aria-live': 'off' }, h('p', { class: 'hint' }, 'Loading counts…'));

    // Templates.
    this.templateSelect = /** @type {HTMLSelectElement} */ (h('select', { id: 'template-select', 'aria-label': 'Template' }, h('option', { value: '' }, 'Loading…')));
    this.templateApply = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'template-apply', class: 'btn btn-secondary', onclick: () => this.#applyTemplate() }, 'Apply'));
    this.templateName = /** @type {HTMLInputElement} */ (h('input', { id: 'template-name', type: 'text', maxlength: '200', placeholder: 'e.g. Concert set-up', 'aria-label': 'Template name' }));
    this.templateSave = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'template-save', class: 'btn btn-secondary', onclick: () => this.#saveTemplate() }, 'Save'));

    replace(this.panel,
      h('section', { class: 'panel-section', 'aria-labelledby': 'tools-title' },
        h('h2', { class: 'panel-title', id: 'tools-title' }, 'Paint with'),
        h('div', { class: 'tool-group' },
          h('div', { class: 'tool-group-head' }, h('h3', null, 'Price zones'), this.addZoneBtn),
          this.zoneList,
          this.zoneForm),
        h('div', { class: 'tool-group' },
          h('h3', null, 'Sales channel'),
          this.channelBtn,
          h('div', { class: 'tool-option' }, h('label', { for: 'channel-select' }, 'Channel'), this.channelSelect),
          this.channelNewField,
          h('p', { class: 'hint', id: 'channel-hint' }, 'Web, box office, a contingent of this performance, or a new one (a–z, 0–9, - and _).')),
        h('div', { class: 'tool-group' },
          h('h3', null, 'Blocks'),
          this.blockBtn,
          h('div', { class: 'tool-option' }, this.blockPreset, this.blockReason),
          this.unblockBtn)),
      h('section', { class: 'panel-section', 'aria-labelledby': 'select-title' },
        h('h2', { class: 'panel-title', id: 'select-title' }, 'Choosing seats'),
        h('p', { class: 'hint' }, 'Drag a rectangle over the map: every seat it touches is painted in one stroke. Shift+drag selects in “Move map” mode too.'),
        h('div', { class: 'toolbar-field' }, h('span', { id: 'click-label' }, 'A click paints'), this.clickGroup),
        h('p', { class: 'hint' }, 'Alt+click paints the row, Alt+Shift+click the section.'),
        h('details', { class: 'rows-details' }, h('summary', null, 'Paint rows by number'), rowsForm)),
      h('section', { class: 'panel-section', 'aria-labelledby': 'counts-title' },
        h('h2', { class: 'panel-title', id: 'counts-title' }, 'Seats'),
        this.statsBox),
      h('section', { class: 'panel-section', 'aria-labelledby': 'templates-title' },
        h('h2', { class: 'panel-title', id: 'templates-title' }, 'Templates'),
        h('p', { class: 'hint' }, 'A template keeps zones, quotas and blocks for later performances in this hall.'),
        h('div', { class: 'inline-form' }, this.templateSelect, this.templateApply),
        h('div', { class: 'inline-form' }, this.templateName, this.templateSave)),
      this.#wizardSection(),
      replaceSection({
        id: () => this.id, perf: () => this.perf, dead: () => this.dead,
        changed: (p) => { this.perf = { ...this.perf, ...p }; this.renderInfo(); },
      }),
      new FaresEditor(this.id, () => this.data?.zones || []).el,
      this.#cancelSection());
    // The stroke's answer shows under the map, where the eye is after a drag.
    this.mapEl.after(this.result);
    this.#setDragSelect(true);
  }

  /**
   * @param {string} id
   * @param {string} label
   * @param {string} hint
   * @param {() => Tool} tool
   */
  #toolButton(id, label, hint, tool) {
    return /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id, class: 'tool', 'aria-pressed': 'false', onclick: () => this.#pick(tool()) },
      h('span', { class: 'tool-name' }, label), h('span', { class: 'tool-hint' }, hint)));
  }

  // ---- set-up ----

  setup() {
    this.#renderZones();
    this.#renderChannels();
    this.#fillSections();
    this.#renderSales();
    this.#loadTemplates();
    const d = /** @type {SeatData} */ (this.data);
    if (d.zones.length) this.#pick({ kind: 'zone', zone: d.zones[0].id }, true);
  }

  viewOptions() {
    return {
      onRect: (/** @type {number} */ x0, /** @type {number} */ y0, /** @type {number} */ x1, /** @type {number} */ y1) => this.#strokeRect(x0, y0, x1, y1),
      onSeatClick: (/** @type {number} */ i, /** @type {PointerEvent} */ e) => { this.#clickSeat(i, e, false); },
      onTinyClick: (/** @type {number} */ i, /** @type {PointerEvent} */ e) => this.#clickSeat(i, e, true),
      clickable: () => true,
    };
  }

  afterRefresh() {
    this.#renderZones();
    this.#renderChannels();
    this.#renderSales();
    if (this.tool?.kind === 'zone' && !this.data?.zones.some((z) => z.id === /** @type {{zone: string}} */ (this.tool).zone)) this.#pick(null);
  }

  onChannelNames() {
    this.#renderChannels();
    this.renderLegend();
    if (this.stats) this.renderStats(this.stats);
  }

  /** @param {boolean} on */
  #setDragSelect(on) {
    this.modeSelect.setAttribute('aria-pressed', String(on));
    this.modePan.setAttribute('aria-pressed', String(!on));
    this.view?.setSelectMode(on);
    const hint = /** @type {HTMLElement} */ (this.toolbar.querySelector('#drag-hint'));
    hint.textContent = on ? 'Drag paints a rectangle · scroll zooms' : 'Drag moves · shift+drag paints';
  }

  afterStart() {
    this.view?.setSelectMode(this.modeSelect.getAttribute('aria-pressed') === 'true');
  }

  // ---- tools ----

  /**
   * @param {Tool | null} tool
   * @param {boolean} [quiet] no announcement
   */
  #pick(tool, quiet = false) {
    this.tool = tool;
    for (const b of /** @type {NodeListOf<HTMLElement>} */ (this.panel.querySelectorAll('.tool'))) {
      let on = false;
      if (tool) {
        if (tool.kind === 'zone') on = b.dataset.zone === tool.zone;
        else on = b.id === `tool-${tool.kind}`;
      }
      b.setAttribute('aria-pressed', String(on));
    }
    // Until the first stroke the status line says what a drag will do.
    if (!this.result.dataset.kind) this.result.textContent = tool ? `${this.#toolText()}: drag over seats to paint them.` : 'Pick a tool, then drag over seats.';
    if (!quiet && tool) announce(`Tool: ${this.#toolText()}.`);
  }

  #toolText() {
    const t = this.tool;
    if (!t) return 'none';
    if (t.kind === 'zone') return this.data?.zones.find((z) => z.id === t.zone)?.name || t.zone;
    if (t.kind === 'channel') return `Channel ${channelLabel(this.#channelValue())}`;
    if (t.kind === 'block') return `Block (${this.#blockReason() || 'no reason'})`;
    return 'Unblock';
  }

  #blockReason() {
    return this.blockPreset.value || this.blockReason.value.trim();
  }

  /**
   * The stroke body of the current tool, or an error message.
   * @returns {{body: Record<string, any>} | {error: string}}
   */
  #toolBody() {
    const t = this.tool;
    if (!t) return { error: 'Choose what to paint first: a price zone, a channel, a block or unblock.' };
    if (t.kind === 'zone') return { body: { zone: t.zone } };
    if (t.kind === 'channel') {
      const name = this.#channelValue().toLowerCase();
      if (!CHANNEL_NAME.test(name)) return { error: 'A channel name is 1 to 32 lower-case letters, digits, - or _ (for example box_office or partner-a).' };
      return { body: { channel: name } };
    }
    if (t.kind === 'block') {
      const reason = this.#blockReason();
      if (!reason) return { error: 'Give a reason for the block.' };
      return { body: { block: reason } };
    }
    return { body: { unblock: true } };
  }

  // ---- strokes ----

  /**
   * One rectangle from a drag (world units).
   * @param {number} x0 @param {number} y0 @param {number} x1 @param {number} y1
   */
  #strokeRect(x0, y0, x1, y1) {
    const d = /** @type {SeatData} */ (this.data);
    const seats = d.seatsInRect(x0, y0, x1, y1);
    const done = this.view?.showPending(x0, y0, x1, y1);
    return this.paint(seats).finally(() => done?.());
  }

  /**
   * @param {number} i
   * @param {PointerEvent} e
   * @param {boolean} tiny the seats are too small to aim at one
   * @returns {boolean} handled
   */
  #clickSeat(i, e, tiny) {
    const d = /** @type {SeatData} */ (this.data);
    const chosen = /** @type {HTMLInputElement | null} */ (this.clickGroup.querySelector('input:checked'));
    let by = chosen ? chosen.value : 'seat';
    if (e.altKey) by = e.shiftKey ? 'section' : 'row';
    if (tiny && by === 'seat') return false; // zoom in instead
    const seats = by === 'section' ? d.sectionSeats(i) : by === 'row' ? d.rowSeats(i) : [i];
    this.paint(seats);
    return true;
  }

  #fillSections() {
    const d = /** @type {SeatData} */ (this.data);
    replace(this.rowsSection, d.sections.map((s, i) => h('option', { value: String(i) }, s.name || s.id)));
    this.#fillRows();
  }

  #fillRows() {
    const d = /** @type {SeatData} */ (this.data);
    const sec = Number(this.rowsSection.value);
    const rows = [];
    for (let r = 0; r < d.rows.length; r++) if (d.rows[r].section === sec) rows.push(r);
    const opts = () => rows.map((r) => h('option', { value: String(r) }, d.rows[r].label));
    replace(this.rowsFrom, opts());
    replace(this.rowsTo, opts());
    if (rows.length) this.rowsTo.value = String(rows[rows.length - 1]);
  }

  #paintRows() {
    const d = /** @type {SeatData} */ (this.data);
    const a = Number(this.rowsFrom.value), b = Number(this.rowsTo.value);
    const lo = Math.min(a, b), hi = Math.max(a, b);
    const sec = Number(this.rowsSection.value);
    const seats = [];
    for (let i = 0; i < d.n; i++) {
      const r = d.row[i];
      if (r >= lo && r <= hi && d.rows[r]?.section === sec) seats.push(i);
    }
    return this.paint(seats);
  }

  /**
   * Sends one stroke with the current tool.
   * @param {number[]} seats indices
   * @returns {Promise<StrokeResult>}
   */
  async paint(seats) {
    const d = /** @type {SeatData} */ (this.data);
    const tb = this.#toolBody();
    if ('error' in tb) {
      this.#result('error', tb.error);
      return { ok: false, status: 0, detail: tb.error };
    }
    if (!seats.length) {
      this.#result('error', 'No seats in the selection: drag over the seats themselves.');
      return { ok: false, status: 0, detail: 'no seats' };
    }
    if (seats.length > MAX_STROKE) {
      const msg = `${count(seats.length)} seats is more than one stroke may paint (${count(MAX_STROKE)}). Paint in parts.`;
      this.#result('error', msg);
      return { ok: false, status: 0, detail: msg };
    }
    const what = this.#toolText();
    const body = { seats: seats.map((i) => d.ids[i]), ...tb.body };
    this.#result('pending', `Painting ${count(seats.length)} seat${seats.length === 1 ? '' : 's'} · ${what}…`);
    try {
      /** @type {{changed: number, skipped: Array<{seat: string, reason: string}>}} */
      const r = await api.post(paths.paint(this.id), body);
      const skipped = r.skipped || [];
      this.lastStroke = { at: Date.now(), changed: r.changed, skipped: skipped.length };
      if (this.dead) return { ok: true, changed: r.changed, skipped };
      if ('block' in tb.body || 'unblock' in tb.body) {
        const skip = new Set(skipped.map((s) => s.seat));
        for (const i of seats) {
          if (skip.has(d.ids[i])) continue;
          if ('block' in tb.body) d.blocks.set(i, tb.body.block);
          else d.blocks.delete(i);
        }
      }
      if ('channel' in tb.body && !d.channels.includes(tb.body.channel)) this.refresh();
      this.#result('ok', this.#summary(what, r.changed, skipped), skipped);
      this.statsSoon();
      return { ok: true, changed: r.changed, skipped, seats: seats.length };
    } catch (err) {
      if (this.dead || signedOut(err)) return { ok: false };
      const e = err instanceof api.ApiError ? err : new api.ApiError(0, { detail: String(err) });
      this.#result('error', `Not painted: ${e.friendly}`);
      return { ok: false, status: e.status, detail: e.detail };
    }
  }

  /**
   * "Gold: 118 changed, 2 skipped: 1 held, 1 sold."
   * @param {string} what
   * @param {number} changed
   * @param {Array<{seat: string, reason: string}>} skipped
   */
  #summary(what, changed, skipped) {
    let text = `${what}: ${count(changed)} changed`;
    if (skipped.length) {
      /** @type {Map<string, number>} */
      const by = new Map();
      for (const s of skipped) by.set(s.reason, (by.get(s.reason) || 0) + 1);
      text += `, ${count(skipped.length)} skipped: ${[...by].map(([r, n]) => `${count(n)} ${r}`).join(', ')}`;
    }
    return `${text}.`;
  }

  /**
   * @param {'ok'|'error'|'pending'} kind
   * @param {string} text
   * @param {Array<{seat: string, reason: string}>} [skipped]
   */
  #result(kind, text, skipped = []) {
    const d = this.data;
    this.result.dataset.kind = kind;
    /** @type {any[]} */
    const parts = [h('span', { class: 'paint-result-text' }, text)];
    if (skipped.length && d) {
      const shown = skipped.slice(0, 6).map((s) => {
        const i = d.index.get(s.seat);
        return `${i === undefined ? s.seat : d.label(i)} (${s.reason})`;
      });
      parts.push(h('span', { class: 'paint-result-seats' }, `Kept: ${shown.join('; ')}${skipped.length > 6 ? ` and ${count(skipped.length - 6)} more` : ''}.`));
    }
    replace(this.result, parts);
  }

  // ---- zones ----

  #zoneTotals() {
    /** @type {Map<string, number>} */
    const totals = new Map();
    for (const zc of this.stats?.zones || []) totals.set(zc.zone, zc.free + zc.held + zc.sold + zc.blocked);
    return totals;
  }

  /** Seat counts on the zone buttons, updated in place (focus stays put). */
  #updateZoneCounts() {
    const totals = this.#zoneTotals();
    for (const el of /** @type {NodeListOf<HTMLElement>} */ (this.zoneList.querySelectorAll('.tool-zone'))) {
      const n = totals.get(el.dataset.zone || '');
      const hint = /** @type {HTMLElement} */ (el.querySelector('.tool-hint'));
      hint.textContent = n === undefined ? '' : `${count(n)} seat${n === 1 ? '' : 's'}`;
    }
  }

  #renderZones() {
    const d = /** @type {SeatData} */ (this.data);
    const key = JSON.stringify(d.zones);
    if (key === this.zonesKey) {
      this.#updateZoneCounts();
      return;
    }
    this.zonesKey = key;
    const hadFocus = this.zoneList.contains(document.activeElement) ? /** @type {HTMLElement} */ (document.activeElement).id : '';
    replace(this.zoneList, d.zones.map((z) => {
      const btn = h('button', {
        type: 'button', id: `tool-zone-${z.id}`, class: 'tool tool-zone', dataset: { zone: z.id },
        'aria-pressed': String(this.tool?.kind === 'zone' && this.tool.zone === z.id),
        onclick: () => this.#pick({ kind: 'zone', zone: z.id }),
      },
      swatch(z.color, 'swatch-lg'),
      h('span', { class: 'tool-name' }, z.name),
      h('span', { class: 'tool-price' }, money(z.price, z.currency)),
      h('span', { class: 'tool-hint' }));
      return h('li', { class: 'zone-item' }, btn,
        h('button', { type: 'button', class: 'icon-btn zone-edit', title: `Edit ${z.name}`, 'aria-label': `Edit zone ${z.name}`, onclick: () => this.#openZoneForm(z.id) }, '✎'),
        h('button', { type: 'button', class: 'icon-btn zone-remove', title: `Remove ${z.name}`, 'aria-label': `Remove zone ${z.name}`, onclick: () => this.#removeZone(z.id) }, '×'));
    }));
    if (!d.zones.length) this.zoneList.append(h('li', { class: 'empty' }, 'No price zones yet. Add one to start painting.'));
    this.#updateZoneCounts();
    if (hadFocus) document.getElementById(hadFocus)?.focus();
  }

  /** @param {string} id zone id, '' for a new zone */
  #openZoneForm(id) {
    const d = /** @type {SeatData} */ (this.data);
    const z = d.zones.find((x) => x.id === id);
    this.editing = id;
    const currency = z ? z.currency : d.zones[0]?.currency || 'EUR';
    const lockCurrency = d.zones.length > (z ? 1 : 0);
    const name = /** @type {HTMLInputElement} */ (h('input', { id: 'zone-name', type: 'text', required: true, maxlength: '200', value: z ? z.name : '' }));
    const price = /** @type {HTMLInputElement} */ (h('input', { id: 'zone-price', type: 'text', inputmode: 'decimal', required: true, value: z ? amountText(z.price, currency) : '', placeholder: amountPlaceholder(currency) }));
    const color = /** @type {HTMLInputElement} */ (h('input', { id: 'zone-color', type: 'color', value: z ? z.color : ZONE_COLORS[d.zones.length % ZONE_COLORS.length] }));
    const cur = /** @type {HTMLInputElement} */ (h('input', { id: 'zone-currency', type: 'text', maxlength: '3', value: currency, disabled: lockCurrency, autocapitalize: 'characters', 'aria-describedby': lockCurrency ? 'zone-currency-hint' : null }));
    // The price's decimals follow the currency typed (none for JPY, three for BHD).
    cur.addEventListener('input', () => { price.placeholder = amountPlaceholder(cur.value.trim().toUpperCase()); });
    const err = h('p', { id: 'zone-error', class: 'form-error', role: 'alert', hidden: true });
    replace(this.zoneForm,
      h('h4', null, z ? `Edit ${z.name}` : 'New price zone'),
      h('div', { class: 'field' }, h('label', { for: 'zone-name' }, 'Name'), name),
      h('div', { class: 'field-pair' },
        h('div', { class: 'field' }, h('label', { for: 'zone-price' }, 'Price'), price),
        h('div', { class: 'field field-narrow' }, h('label', { for: 'zone-currency' }, 'Currency'), cur),
        h('div', { class: 'field field-narrow' }, h('label', { for: 'zone-color' }, 'Colour'), color)),
      lockCurrency ? h('p', { class: 'hint', id: 'zone-currency-hint' }, `All zones of a performance use one currency (${currency}).`) : null,
      err,
      h('div', { class: 'btn-row' },
        h('button', { type: 'submit', id: 'zone-save', class: 'btn btn-primary btn-small' }, z ? 'Save zone' : 'Add zone'),
        h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => this.#closeZoneForm() }, 'Cancel')));
    this.zoneForm.hidden = false;
    name.focus();
  }

  #closeZoneForm() {
    this.editing = null;
    this.zoneForm.hidden = true;
    this.zoneForm.replaceChildren();
    this.addZoneBtn.focus();
  }

  /** @param {string} msg */
  #zoneError(msg) {
    const err = /** @type {HTMLElement | null} */ (this.zoneForm.querySelector('#zone-error'));
    if (!err) {
      showError(msg);
      return;
    }
    err.textContent = msg;
    err.hidden = !msg;
  }

  async #saveZone() {
    const d = /** @type {SeatData} */ (this.data);
    const f = this.zoneForm;
    const val = (/** @type {string} */ sel) => /** @type {HTMLInputElement} */ (f.querySelector(sel)).value.trim();
    const name = val('#zone-name');
    const currency = val('#zone-currency').toUpperCase();
    const color = val('#zone-color').toLowerCase();
    if (!name) return this.#zoneError('Give the zone a name.');
    if (!/^[A-Z]{3}$/.test(currency)) return this.#zoneError('The currency is a three-letter code such as EUR.');
    // In the currency's own minor units: 1500 typed in JPY is 1500, in EUR 150000.
    const price = parseMoney(val('#zone-price'), currency);
    if (price === null) return this.#zoneError(`Enter the price. ${amountHelp(currency)}`);
    if (!/^#[0-9a-f]{6}$/.test(color)) return this.#zoneError('Choose a colour.');
    const editing = this.editing;
    /** @type {Zone[]} */
    let zones;
    /** @type {string} */
    let id;
    if (editing) {
      id = editing;
      zones = d.zones.map((z) => (z.id === editing ? { id: z.id, name, price, currency, color } : { ...z, currency }));
    } else {
      id = zoneId(name, new Set(d.zones.map((z) => z.id)));
      zones = [...d.zones.map((z) => ({ ...z })), { id, name, price, currency, color }];
    }
    const ok = await this.#putZones(zones, (m) => this.#zoneError(m));
    if (!ok) return;
    this.#closeZoneForm();
    this.#pick({ kind: 'zone', zone: id });
    this.#result('ok', editing ? `Zone ${name} saved.` : `Zone ${name} added: drag over seats to paint it.`);
  }

  /** @param {string} id */
  async #removeZone(id) {
    const d = /** @type {SeatData} */ (this.data);
    const z = d.zones.find((x) => x.id === id);
    if (!z) return;
    const ok = await this.#putZones(d.zones.filter((x) => x.id !== id), (m) => this.#result('error', m));
    if (ok) {
      if (this.tool?.kind === 'zone' && this.tool.zone === id) this.#pick(null);
      this.#result('ok', `Zone ${z.name} removed.`);
    }
  }

  /**
   * Saves the full zone list.
   * @param {Zone[]} zones
   * @param {(msg: string) => void} fail
   */
  async #putZones(zones, fail) {
    try {
      const perf = await api.put(paths.zones(this.id), zones);
      if (this.dead || !this.data) return false;
      this.perf = perf;
      this.data.setZones(perf.zones || zones);
      this.view?.refreshPalette();
      this.renderLegend();
      this.#renderZones();
      this.statsSoon();
      return true;
    } catch (err) {
      if (this.dead || signedOut(err)) return false;
      const e = err instanceof api.ApiError ? err : new api.ApiError(0, { detail: String(err) });
      fail(e.status === 422 ? `Not saved: ${e.friendly}` : e.friendly);
      return false;
    }
  }

  #renderChannels() {
    const d = /** @type {SeatData} */ (this.data);
    const current = this.channelSelect.value;
    this.#fillChannels(['web', 'box_office', ...d.channels], current);
    // A new channel just painted is now one of the list: select it.
    const typed = this.channelNew.value.trim().toLowerCase();
    if (current === NEW_CHANNEL && typed && d.channels.includes(typed)) {
      this.channelSelect.value = typed;
      this.channelNew.value = '';
      this.channelNewField.hidden = true;
    }
  }

  /**
   * The channel list: these names, then "New channel…"; keeps the choice.
   * @param {string[]} names
   * @param {string} chosen
   */
  #fillChannels(names, chosen) {
    const all = [...new Set(names)];
    replace(this.channelSelect, all.map((c) => h('option', { value: c }, channelLabel(c))),
      h('option', { value: NEW_CHANNEL }, 'New channel…'));
    this.channelSelect.value = all.includes(chosen) || chosen === NEW_CHANNEL ? chosen : all[0];
  }

  /** The channel to paint: the one chosen, or the new name typed. */
  #channelValue() {
    return this.channelSelect.value === NEW_CHANNEL ? this.channelNew.value.trim() : this.channelSelect.value;
  }

  // ---- sales ----

  #renderSales() {
    const st = this.perf?.status;
    this.startBtn.disabled = st === 'on_sale' || st === 'cancelled';
    this.stopBtn.disabled = st !== 'on_sale';
    this.startBtn.textContent = st === 'stopped' ? 'Resume sales' : 'Start sales';
    if (this.wizardStop) {
      replace(this.wizardStop, st === 'on_sale'
        ? [h('span', null, 'Sales are open. '),
          h('button', { type: 'button', id: 'wizard-stop', class: 'btn btn-secondary btn-small', onclick: () => this.#setSales('stop') }, 'Stop sales now')]
        : h('span', { id: 'wizard-stopped' }, st === 'cancelled' ? 'Cancelled: nothing more to do.' : 'Sales are stopped: nobody can buy meanwhile.'));
    }
  }

  // ---- when it does not happen as planned (issue 16) ----

  /**
   * The wizard's first page: stop sales, then one of cancel, change (name or
   * date in place) and move to a replacement date; each opens its own panel
   * with a dry run before it does anything.
   */
  #wizardSection() {
    this.wizardStop = h('p', { id: 'wizard-stop-step' });
    queueMicrotask(() => this.#renderSales());
    /** @param {string} id */
    const open = (id) => {
      const d = /** @type {HTMLDetailsElement | null} */ (document.getElementById(id));
      if (!d) return;
      d.open = true;
      d.scrollIntoView({ block: 'start', behavior: 'smooth' });
      /** @type {HTMLElement | null} */ (d.querySelector('summary'))?.focus();
    };
    return h('section', { class: 'panel-section', id: 'wizard', 'aria-labelledby': 'wizard-title' },
      h('h2', { class: 'panel-title', id: 'wizard-title' }, 'If it does not happen as planned'),
      h('ol', { class: 'wizard-steps' },
        h('li', null, h('strong', null, 'Stop sales. '), this.wizardStop),
        h('li', null, h('strong', null, 'Then choose one. '), 'Each shows what it will do before it does it.',
          h('ul', { class: 'wizard-choices' },
            h('li', null, h('button', { type: 'button', id: 'wizard-cancel', class: 'btn btn-ghost btn-small', onclick: () => open('cancel-details') }, 'Cancel'),
              ' — it does not take place: every buyer gets a full refund.'),
            h('li', null, h('button', { type: 'button', id: 'wizard-replace', class: 'btn btn-ghost btn-small', onclick: () => open('replace-details') }, 'Change name or date'),
              ' — in place: buyers choose to attend or take a refund until a deadline.'),
            h('li', null, h('a', { id: 'wizard-reschedule', class: 'btn btn-ghost btn-small', href: `#/staff/p/${encodeURIComponent(this.id)}/reschedule` }, 'Move to a replacement date'),
              ' — a new performance takes over every order, seat and printed ticket as it is.')))));
  }

  renderInfo() {
    super.renderInfo();
    this.#renderSales();
  }

  /** @param {'start'|'stop'} what */
  async #setSales(what) {
    const btn = what === 'start' ? this.startBtn : this.stopBtn;
    btn.disabled = true;
    btn.setAttribute('aria-busy', 'true');
    try {
      const perf = await api.post(paths.sales(this.id, what), {});
      if (this.dead) return;
      this.perf = perf;
      this.renderInfo();
      announce(what === 'start' ? 'Sales started.' : 'Sales stopped.');
    } catch (err) {
      if (!this.dead && !signedOut(err)) showError(err);
      this.#renderSales();
    } finally {
      btn.removeAttribute('aria-busy');
    }
  }

  // ---- cancel (issue 16) ----

  /**
   * "Cancel performance…": a reason, a dry run that says what will happen
   * (paid orders, money to refund, reservations, holds), a confirm, then the
   * job's progress, polled.
   */
  #cancelSection() {
    this.cancelReason = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: 'cancel-reason', rows: '2', maxlength: '500', 'aria-describedby': 'cancel-hint' }));
    this.cancelCheck = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'cancel-check', class: 'btn btn-secondary', onclick: () => this.#cancelDryRun() }, 'Check what happens'));
    this.cancelGo = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'cancel-confirm', class: 'btn btn-danger', hidden: true, onclick: () => this.#cancelConfirm() }, 'Cancel the performance'));
    this.cancelSummary = h('div', { id: 'cancel-summary', role: 'status' });
    this.cancelProgress = /** @type {HTMLProgressElement} */ (h('progress', { id: 'cancel-progress', hidden: true, max: '1', value: '0', 'aria-labelledby': 'cancel-progress-text' }));
    this.cancelText = h('p', { id: 'cancel-progress-text', class: 'hint', role: 'status' });
    return h('section', { class: 'panel-section', 'aria-labelledby': 'cancel-title' },
      h('h2', { class: 'panel-title', id: 'cancel-title' }, 'Cancel'),
      h('details', { id: 'cancel-details', class: 'rows-details' },
        h('summary', null, 'Cancel performance…'),
        h('p', { class: 'hint', id: 'cancel-hint' }, 'Sales stop for good, holds end, reservations are annulled, every paid order is refunded in full and every buyer is told by e-mail.'),
        h('label', { for: 'cancel-reason' }, 'Reason (buyers read it)'), this.cancelReason,
        h('div', { class: 'btn-row' }, this.cancelCheck, this.cancelGo),
        this.cancelSummary, this.cancelProgress, this.cancelText),
      h('p', null, h('a', { id: 'reschedule-link', href: `#/staff/p/${encodeURIComponent(this.id)}/reschedule` }, 'Reschedule to a new date…')));
  }

  async #cancelDryRun() {
    this.cancelCheck.disabled = true;
    try {
      const { dry_run: d } = await api.post(paths.cancelPerformance(this.id), { dry_run: true });
      if (this.dead) return;
      replace(this.cancelSummary, h('ul', { id: 'cancel-dry-run' },
        h('li', null, `${count(d.paid_orders)} paid ${d.paid_orders === 1 ? 'order' : 'orders'}: ${money(d.to_refund, d.currency)} to refund`),
        h('li', null, `${count(d.reservations)} ${d.reservations === 1 ? 'reservation' : 'reservations'} to annul`),
        d.pending_payments ? h('li', null, `${count(d.pending_payments)} ${d.pending_payments === 1 ? 'payment' : 'payments'} under way to stop`) : null,
        h('li', null, `${count(d.holds)} live ${d.holds === 1 ? 'hold' : 'holds'} to end`)));
      this.cancelGo.hidden = false;
    } catch (err) {
      if (!this.dead && !signedOut(err)) showError(err);
    } finally {
      this.cancelCheck.disabled = false;
    }
  }

  async #cancelConfirm() {
    const reason = this.cancelReason.value.trim();
    if (!reason) {
      this.cancelReason.setAttribute('aria-invalid', 'true');
      this.cancelText.textContent = 'Give a reason: buyers read it in their e-mail.';
      this.cancelReason.focus();
      return;
    }
    this.cancelReason.removeAttribute('aria-invalid');
    this.cancelGo.disabled = true;
    this.cancelCheck.disabled = true;
    try {
      const { job } = await api.post(paths.cancelPerformance(this.id), { reason });
      if (this.dead) return;
      this.perf = { ...this.perf, status: 'cancelled' };
      this.renderInfo();
      this.cancelProgress.hidden = false;
      this.#showJob(job);
      announce('The performance is cancelled; refunds are under way.');
      while (job.state === 'running' && !this.dead) {
        await new Promise((r) => setTimeout(r, 500));
        if (this.dead) return;
        Object.assign(job, await api.get(paths.job(job.id)));
        this.#showJob(job);
      }
      if (job.state === 'done') announce(`Cancel done: ${count(job.done)} orders handled.`);
    } catch (err) {
      if (!this.dead && !signedOut(err)) showError(err);
      this.cancelGo.disabled = false;
      this.cancelCheck.disabled = false;
    }
  }

  /** @param {{state: string, done: number, total: number, failed: number}} job */
  #showJob(job) {
    this.cancelProgress.max = Math.max(job.total, 1);
    this.cancelProgress.value = job.state === 'done' ? this.cancelProgress.max : job.done;
    this.cancelProgress.dataset.state = job.state;
    const failed = job.failed ? `, ${count(job.failed)} failed (tried again)` : '';
    this.cancelText.textContent = job.state === 'done'
      ? `Cancelled: ${count(job.done)} ${job.done === 1 ? 'order' : 'orders'} refunded or annulled.`
      : job.state === 'failed'
        ? `The cancel stopped: ${count(job.done)} of ${count(job.total)} done${failed}. Cancel again to resume.`
        : `Refunding: ${count(job.done)} of ${count(job.total)}${failed}…`;
    if (job.state === 'failed') { this.cancelGo.disabled = false; this.cancelCheck.disabled = false; }
  }

  // ---- templates ----

  async #loadTemplates() {
    const hall = this.perf?.hall_id;
    if (!hall) return;
    try {
      const page = await api.get(paths.hallTemplates(hall));
      if (this.dead) return;
      const keep = this.templateSelect.value;
      replace(this.templateSelect,
        h('option', { value: '' }, (page.items || []).length ? 'Choose a template' : 'No templates yet'),
        (page.items || []).map((/** @type {{id: string, name: string}} */ t) => h('option', { value: t.id }, t.name)));
      if (keep) this.templateSelect.value = keep;
    } catch (err) {
      if (!this.dead && !signedOut(err)) showError(err);
    }
  }

  async #applyTemplate() {
    const id = this.templateSelect.value;
    const name = this.templateSelect.selectedOptions[0]?.textContent || '';
    if (!id) {
      this.#result('error', 'Choose a template to apply.');
      return;
    }
    this.templateApply.disabled = true;
    this.#result('pending', `Applying ${name}…`);
    try {
      const r = await api.post(paths.template(this.id), { template_id: id });
      if (this.dead) return;
      this.#result('ok', this.#summary(`Template ${name}`, r.changed, r.skipped || []), r.skipped || []);
      this.refresh(); // zones and channels may be new
    } catch (err) {
      if (!this.dead && !signedOut(err)) this.#result('error', `Not applied: ${err instanceof api.ApiError ? err.friendly : String(err)}`);
    } finally {
      this.templateApply.disabled = false;
    }
  }

  async #saveTemplate() {
    const name = this.templateName.value.trim();
    const hall = this.perf?.hall_id;
    if (!name) {
      this.#result('error', 'Give the template a name.');
      this.templateName.focus();
      return;
    }
    if (!hall) return;
    this.templateSave.disabled = true;
    try {
      await api.post(paths.hallTemplates(hall), { name, performance_id: this.id });
      if (this.dead) return;
      this.templateName.value = '';
      this.#result('ok', `Saved as template ${name}.`);
      await this.#loadTemplates();
    } catch (err) {
      if (!this.dead && !signedOut(err)) this.#result('error', `Not saved: ${err instanceof api.ApiError ? err.friendly : String(err)}`);
    } finally {
      this.templateSave.disabled = false;
    }
  }

  // ---- statistics ----

  /** @param {import('./staffmap.js').Stats} s */
  renderStats(s) {
    replace(this.statsBox,
      this.statsTable('By zone', this.zoneRows(s), 'stats-zones'),
      this.statsTable('By channel', this.channelRows(s), 'stats-channels'));
    this.#renderZones();
  }

  // ---- hooks ----

  hooks() {
    const base = super.hooks();
    const page = this;
    return Object.assign(base, {
      /**
       * Selects the rectangle spanned by two seats, as a drag from one to the
       * other does, and paints it with the current tool.
       * @param {string} from @param {string} to
       */
      dragSelect: (from, to) => {
        const d = /** @type {SeatData} */ (page.data);
        const a = page.idx(from), b = page.idx(to);
        return page.#strokeRect(d.x[a], d.y[a], d.x[b], d.y[b]);
      },
      /** @param {string[]} ids one stroke of these seats */
      paintSeats: (ids) => page.paint(ids.map((sid) => page.idx(sid))),
      /**
       * Chooses a tool: ('zone', id), ('channel', name), ('block', reason), ('unblock').
       * @param {'zone'|'channel'|'block'|'unblock'} kind @param {string} [arg]
       */
      setTool: (kind, arg) => {
        if (kind === 'zone') page.#pick({ kind, zone: String(arg) });
        else if (kind === 'channel') {
          if (arg) {
            const known = [...page.channelSelect.options].some((o) => o.value === arg && o.value !== NEW_CHANNEL);
            page.channelSelect.value = known ? arg : NEW_CHANNEL;
            page.channelNew.value = known ? '' : arg;
            page.channelNewField.hidden = known;
          }
          page.#pick({ kind });
        } else if (kind === 'block') {
          if (arg) {
            const preset = BLOCK_REASONS.some(([v]) => v === arg);
            page.blockPreset.value = preset ? arg : '';
            page.blockReason.hidden = preset;
            if (!preset) page.blockReason.value = arg;
          }
          page.#pick({ kind });
        } else page.#pick({ kind: 'unblock' });
      },
      tool: () => (page.tool ? { ...page.tool } : null),
      /** The last answered stroke: {at: ms since epoch, changed, skipped}. */
      lastStroke: () => page.lastStroke,
      /** @param {boolean} on */
      setDragSelect: (on) => page.#setDragSelect(on),
    });
  }
}
