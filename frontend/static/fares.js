// A performance's fares (issue 16) on the painter page: the normal fare (the
// zones' prices), reduced fares (ermäßigt: a name and a price for each zone
// they are offered in) and free fares (0 everywhere, for block orders), any of
// them for staff only. Loaded with GET and saved whole with PUT
// /performances/{id}/fares; the server checks them and names a bad field.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, parseMoney, amountText, amountPlaceholder } from './format.js';
import { announce } from './notify.js';

/**
 * @typedef {import('./seatdata.js').Zone} Zone
 * @typedef {{id: string, name: string, kind: string, prices: Record<string, number>, staff_only: boolean, fresh?: boolean}} Fare
 */

/** The server's bound on a performance's fares. */
const MAX_FARES = 20;

/**
 * A fare id from its name: "Student" → "student", "gedruckt Vortermin" → "gedruckt-vortermin".
 * @param {string} name
 * @param {Set<string>} taken
 */
function fareId(name, taken) {
  const base = name.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 36) || 'fare';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

export class FaresEditor {
  /**
   * @param {string} perfId
   * @param {() => Zone[]} zones the performance's zones as they stand
   */
  constructor(perfId, zones) {
    this.perfId = perfId;
    this.zones = zones;
    /** @type {Fare[]} */
    this.fares = [];
    this.loaded = false;
    this.seq = 0;
    this.list = h('div', { id: 'fares-list', class: 'fares-list' });
    this.error = h('p', { id: 'fares-error', class: 'form-error', role: 'alert', hidden: true });
    this.status = h('p', { id: 'fares-status', class: 'hint', role: 'status' });
    this.saveBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'fares-save', class: 'btn btn-primary' }, 'Save fares'));
    this.addReduced = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'fares-add-reduced', class: 'btn btn-secondary btn-small', onclick: () => this.#add('reduced') }, 'Add reduced fare'));
    this.addFree = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'fares-add-free', class: 'btn btn-secondary btn-small', onclick: () => this.#add('free') }, 'Add free fare'));
    this.details = /** @type {HTMLDetailsElement} */ (h('details', { id: 'fares-details', class: 'rows-details' },
      h('summary', null, 'Edit fares…'),
      h('form', { id: 'fares-form', class: 'fares-form', novalidate: true, onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); this.save(); } },
        this.list,
        h('div', { class: 'btn-row' }, this.addReduced, this.addFree),
        this.error,
        this.saveBtn,
        this.status)));
    this.details.addEventListener('toggle', () => { if (this.details.open && !this.loaded) this.load(); });
    this.el = h('section', { class: 'panel-section', 'aria-labelledby': 'fares-title' },
      h('h2', { class: 'panel-title', id: 'fares-title' }, 'Fares'),
      h('p', { class: 'hint' }, 'Every zone has the normal fare, its price. Add reduced fares (e.g. Student) with a price per zone, and free fares for block orders. Buyers choose a fare per seat at checkout; staff-only fares are sold at the box office.'),
      this.details);
  }

  async load() {
    this.status.textContent = 'Loading fares…';
    try {
      const out = await api.get(paths.fares(this.perfId));
      this.fares = out.fares;
      this.loaded = true;
      this.status.textContent = '';
      this.#render();
    } catch (err) {
      this.status.textContent = '';
      this.#fail(err instanceof api.ApiError ? err.friendly : String(err));
    }
  }

  /** @param {'reduced' | 'free'} kind */
  #add(kind) {
    this.#collect();
    if (this.fares.length >= MAX_FARES) {
      this.#fail(`A performance has at most ${MAX_FARES} fares.`);
      return;
    }
    const name = kind === 'free' ? 'Free' : 'Reduced';
    const id = fareId(`${name} ${++this.seq}`, new Set(this.fares.map((f) => f.id)));
    this.fares.push({ id, name: '', kind, prices: {}, staff_only: kind === 'free', fresh: true });
    this.#render();
    const input = /** @type {HTMLInputElement | null} */ (document.getElementById(`fare-name-${this.fares.length - 1}`));
    input?.focus();
  }

  /** @param {number} i */
  #remove(i) {
    this.#collect();
    const [gone] = this.fares.splice(i, 1);
    this.#render();
    this.addReduced.focus();
    announce(`Fare ${gone.name || gone.id} removed. Save to keep the change.`);
  }

  #render() {
    const zones = this.zones();
    replace(this.list, this.fares.map((f, i) => {
      if (f.kind === 'normal') {
        return h('fieldset', { class: 'fare', dataset: { fare: f.id } },
          h('legend', null, 'Normal'),
          h('p', { class: 'hint' }, zones.length
            ? zones.map((z) => `${z.name} ${money(z.price, z.currency)}`).join(' · ')
            : 'The zones’ prices.'));
      }
      const name = /** @type {HTMLInputElement} */ (h('input', { id: `fare-name-${i}`, type: 'text', maxlength: '60', value: f.name, required: true }));
      const staffOnly = /** @type {HTMLInputElement} */ (h('input', { id: `fare-staff-${i}`, type: 'checkbox', checked: f.staff_only }));
      const prices = f.kind === 'reduced'
        ? zones.map((z) => h('div', { class: 'field field-price' },
          h('label', { for: `fare-price-${i}-${z.id}` }, `${z.name} (${z.currency})`),
          h('input', {
            id: `fare-price-${i}-${z.id}`, type: 'text', inputmode: 'decimal', class: 'fare-price', 'data-zone': z.id,
            placeholder: amountPlaceholder(z.currency), 'aria-describedby': `fare-price-hint-${i}`,
            value: z.id in f.prices ? amountText(f.prices[z.id], z.currency) : '',
          })))
        : [];
      return h('fieldset', { class: 'fare', dataset: { fare: f.id } },
        h('legend', null, f.kind === 'free' ? 'Free fare' : 'Reduced fare'),
        h('div', { class: 'field' }, h('label', { for: `fare-name-${i}` }, 'Name'), name),
        prices,
        f.kind === 'reduced' ? h('p', { class: 'hint', id: `fare-price-hint-${i}` }, 'Leave a zone empty where the fare is not offered.') : null,
        h('div', { class: 'fare-check' }, staffOnly, h('label', { for: `fare-staff-${i}` }, 'Staff only (not on the web)')),
        h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: `fare-remove-${i}`, onclick: () => this.#remove(i) }, `Remove ${f.name || 'this fare'}`));
    }));
  }

  /**
   * Reads the form back into this.fares; returns a problem with the input
   * it is about, or null.
   * @returns {{text: string, input: HTMLElement} | null}
   */
  #collect() {
    const zones = this.zones();
    /** @type {{text: string, input: HTMLElement} | null} */
    let bad = null;
    this.fares.forEach((f, i) => {
      if (f.kind === 'normal') return;
      const name = /** @type {HTMLInputElement | null} */ (document.getElementById(`fare-name-${i}`));
      if (name) {
        f.name = name.value.trim();
        if (!f.name && !bad) bad = { text: 'Give the fare a name.', input: name };
      }
      const staff = /** @type {HTMLInputElement | null} */ (document.getElementById(`fare-staff-${i}`));
      if (staff) f.staff_only = staff.checked;
      if (f.kind !== 'reduced') return;
      /** @type {Record<string, number>} */
      const prices = {};
      for (const z of zones) {
        const input = /** @type {HTMLInputElement | null} */ (document.getElementById(`fare-price-${i}-${z.id}`));
        if (!input || !input.value.trim()) continue;
        const v = parseMoney(input.value, z.currency);
        if (v === null || v < 0) {
          if (!bad) bad = { text: `${f.name || 'The fare'}: ${z.name} needs an amount such as ${amountPlaceholder(z.currency)}.`, input };
          continue;
        }
        prices[z.id] = v;
      }
      f.prices = prices;
      if (!Object.keys(prices).length && !bad && name) bad = { text: `${f.name || 'The fare'}: give a price for at least one zone.`, input: name };
    });
    return bad;
  }

  /** @param {string} text */
  #fail(text) {
    this.error.textContent = text;
    this.error.hidden = false;
  }

  async save() {
    const bad = this.#collect();
    if (bad) {
      this.#fail(bad.text);
      bad.input.focus();
      return;
    }
    this.error.hidden = true;
    // New fares take their id from their name once named.
    const taken = new Set(this.fares.filter((f) => !f.fresh).map((f) => f.id));
    for (const f of this.fares) {
      if (f.fresh && f.name) {
        f.id = fareId(f.name, taken);
        taken.add(f.id);
      }
    }
    this.saveBtn.disabled = true;
    this.saveBtn.setAttribute('aria-busy', 'true');
    try {
      const body = { fares: this.fares.map((f) => f.kind === 'normal' ? { id: f.id } : { id: f.id, name: f.name, kind: f.kind, prices: f.kind === 'reduced' ? f.prices : {}, staff_only: f.staff_only }) };
      const out = await api.put(paths.fares(this.perfId), body);
      this.fares = out.fares;
      this.#render();
      this.status.textContent = `Saved ${this.fares.length} fare${this.fares.length === 1 ? '' : 's'}.`;
      announce(this.status.textContent);
    } catch (err) {
      const e = err instanceof api.ApiError ? err : null;
      this.#fail(e ? `${e.friendly}${e.field ? ` (${e.field})` : ''}` : String(err));
    } finally {
      this.saveBtn.disabled = false;
      this.saveBtn.removeAttribute('aria-busy');
    }
  }
}
