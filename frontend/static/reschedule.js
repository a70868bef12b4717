// Reschedule to a replacement date (#/staff/p/{id}/reschedule; issue 16,
// seed 003 Ersatztermin): the organizer picks the new date and what happens
// to reservations, sees what will move before it does, starts the move and
// follows its progress; then the reconciliation sets both dates side by
// side (orders, booked, printed, reserved, blocked, free seats, and whether
// they are equal), and the reservations waiting for a decision ("reserviert
// Vortermin") are kept or released one by one. The page works by keyboard
// and on a phone; the painter links here.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { count, dateTime, inputDate } from './format.js';
import { showError, announce } from './notify.js';
import { signedOut } from './session.js';

/**
 * @typedef {{id: string, kind: string, state: string, done: number, total: number, failed: number}} Job
 * @typedef {{orders: number, seats_booked: number, printed: number, reserved: number, blocked: number, free: number,
 *   moving?: number, sold_since?: number, released?: number}} Side
 * @typedef {{origin_id: string, replacement_id: string, starts_at: string, reservations: string, job: Job,
 *   origin: Side, replacement: Side, equal: boolean}} DateReconciliation
 * @typedef {{id: string, number: string, seats: string[], buyer: {name: string, email: string}, deadline?: string}} PendingOrder
 */

/** The reconciliation's rows: field and label. */
const ROWS = /** @type {Array<[keyof Side, string]>} */ ([
  ['orders', 'Orders'],
  ['seats_booked', 'Seats booked'],
  ['printed', 'Printed (gedruckt Vortermin)'],
  ['reserved', 'Reserved (reserviert Vortermin)'],
  ['blocked', 'Blocked'],
  ['free', 'Free'],
]);

/**
 * @param {number} n
 * @param {string} one
 */
const plural = (n, one) => `${count(n)} ${one}${n === 1 ? '' : 's'}`;

/**
 * @param {HTMLElement} root
 * @param {string} perfId
 * @returns {() => void} unmount
 */
export function mountReschedule(root, perfId) {
  let dead = false;
  document.title = 'Reschedule · seatmap staff';
  const status = h('p', { class: 'shows-status', role: 'status', id: 'reschedule-status' }, 'Loading…');
  const body = h('div', { class: 'reschedule-body' });
  replace(root, h('section', { class: 'staff-page reschedule-page' },
    h('div', { class: 'staff-home-head' },
      h('div', null, h('h1', null, 'Reschedule to a new date'),
        h('p', { class: 'hint' }, 'Every booking moves to a replacement date set up like this one: paid orders as new orders with the same seats and prices (the money stays with this date), printed tickets stay valid and their seats stay blocked, reservations are kept, released or decided one by one.'))),
    status, body));

  async function load() {
    try {
      /** @type {DateReconciliation} */
      const rc = await api.get(paths.dateReconciliation(perfId));
      if (dead) return;
      await show(rc);
    } catch (err) {
      if (dead || signedOut(err)) return;
      if (err instanceof api.ApiError && err.status === 404 && /not-rescheduled/.test(err.type || '')) {
        status.textContent = 'This performance has not been rescheduled.';
        replace(body, form());
        return;
      }
      status.textContent = 'The page could not be loaded.';
      showError(err);
    }
  }

  /** The new date and the choice for reservations, and the start. */
  function form() {
    const soon = new Date(Date.now() + 30 * 86400000);
    const date = /** @type {HTMLInputElement} */ (h('input', { id: 'reschedule-date', type: 'date', required: true, value: inputDate(soon), 'aria-describedby': 'reschedule-error' }));
    const time = /** @type {HTMLInputElement} */ (h('input', { id: 'reschedule-time', type: 'time', required: true, value: '19:30' }));
    /** @param {string} value @param {string} label @param {string} hint */
    const choice = (value, label, hint) => h('label', { class: 'radio-row' },
      h('input', { type: 'radio', name: 'reservations', value, id: `reschedule-res-${value}`, checked: value === 'decide' }),
      h('span', null, h('strong', null, label), ' ', h('span', { class: 'hint' }, hint)));
    const error = h('p', { class: 'form-error', id: 'reschedule-error', role: 'alert', hidden: true });
    const go = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'reschedule-go', class: 'btn btn-primary', hidden: true }, 'Move to the new date'));
    const summary = h('div', { id: 'reschedule-summary', role: 'status' });
    const check = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'reschedule-check', class: 'btn btn-secondary', onclick: async () => {
      check.disabled = true;
      try {
        const { dry_run: d } = await api.post(paths.reschedule(perfId), { dry_run: true });
        if (dead) return;
        replace(summary, h('ul', { id: 'reschedule-dry-run' },
          h('li', null, `${plural(d.paid_orders, 'paid order')} with ${plural(d.seats, 'seat')} move as new orders; the money stays with this date`),
          h('li', null, `${plural(d.printed, 'printed ticket')} stay valid, their seats blocked (gedruckt Vortermin)`),
          h('li', null, `${plural(d.reservations, 'reservation')} (${plural(d.reserved_seats, 'seat')}) as chosen below`),
          d.pending_payments ? h('li', null, `${plural(d.pending_payments, 'payment')} under way: waited for`) : null,
          h('li', null, `${plural(d.blocks, 'blocked seat')} blocked again on the new date`),
          h('li', null, `${plural(d.holds, 'live hold')} on this date end; sales here stop`)));
        go.hidden = false;
      } catch (err) {
        if (!dead && !signedOut(err)) showError(err);
      } finally {
        check.disabled = false;
      }
    } }, 'Check what happens'));
    return h('form', { class: 'card', id: 'reschedule-form', novalidate: true, 'aria-labelledby': 'reschedule-form-title', onsubmit: async (/** @type {Event} */ e) => {
      e.preventDefault();
      const starts = new Date(`${date.value}T${time.value || '00:00'}`);
      const picked = /** @type {HTMLInputElement | null} */ (root.querySelector('input[name=reservations]:checked'));
      let msg = '';
      if (!date.value || Number.isNaN(starts.getTime())) msg = 'Choose the new date and time.';
      else if (starts.getTime() <= Date.now()) msg = 'The new date must be in the future.';
      error.textContent = msg;
      error.hidden = !msg;
      date.toggleAttribute('aria-invalid', !!msg);
      if (msg) { date.focus(); return; }
      go.disabled = true;
      go.setAttribute('aria-busy', 'true');
      try {
        const out = await api.post(paths.reschedule(perfId), { starts_at: starts.toISOString(), reservations: picked ? picked.value : 'decide' });
        if (dead) return;
        announce('The replacement date is set up; the bookings are moving.');
        await follow(out.job);
      } catch (err) {
        if (dead || signedOut(err)) return;
        error.textContent = err instanceof api.ApiError ? err.friendly : String(err);
        error.hidden = false;
        go.disabled = false;
        go.removeAttribute('aria-busy');
      }
    } },
    h('h2', { id: 'reschedule-form-title' }, 'New date'),
    h('div', { class: 'form-row' },
      h('div', null, h('label', { for: 'reschedule-date' }, 'Date'), date),
      h('div', null, h('label', { for: 'reschedule-time' }, 'Time'), time)),
    h('fieldset', null, h('legend', null, 'Reservations of this date'),
      choice('decide', 'Decide one by one', '— they wait, blocked, on the new date'),
      choice('keep', 'Keep all', '— reservations on the new date, same deadline'),
      choice('release', 'Release all', '— their seats go on sale on the new date')),
    error,
    h('div', { class: 'btn-row' }, check, go),
    summary);
  }

  /** @param {Job} job */
  async function follow(job) {
    const progress = /** @type {HTMLProgressElement} */ (h('progress', { id: 'reschedule-progress', max: '1', value: '0', 'aria-labelledby': 'reschedule-progress-text' }));
    const text = h('p', { id: 'reschedule-progress-text', class: 'hint', role: 'status' });
    replace(body, h('div', { class: 'card' }, h('h2', null, 'Moving the bookings'), progress, text));
    const paint = () => {
      progress.max = Math.max(job.total, 1);
      progress.value = job.state === 'done' ? progress.max : job.done;
      progress.dataset.state = job.state;
      const failed = job.failed ? `, ${count(job.failed)} failed (tried again)` : '';
      text.textContent = job.state === 'done' ? `Moved: ${plural(job.done, 'order')}.`
        : job.state === 'failed' ? `The move stopped: ${count(job.done)} of ${count(job.total)} done${failed}. Start it again with the same date to resume.`
          : `Moving: ${count(job.done)} of ${count(job.total)}${failed}…`;
    };
    paint();
    while (job.state === 'running' && !dead) {
      await new Promise((r) => setTimeout(r, 500));
      if (dead) return;
      Object.assign(job, await api.get(paths.job(job.id)));
      paint();
    }
    if (dead) return;
    if (job.state === 'done') announce(`The move is done: ${plural(job.done, 'order')}.`);
    await load();
  }

  /** @param {DateReconciliation} rc */
  async function show(rc) {
    if (rc.job.state === 'running') {
      status.textContent = `Rescheduled to ${dateTime(rc.starts_at)}.`;
      await follow(rc.job);
      return;
    }
    status.textContent = `Rescheduled to ${dateTime(rc.starts_at)}. ${rc.equal ? 'Both dates agree.' : 'The dates do not agree yet.'}`;
    const rows = ROWS.map(([k, label]) => h('tr', null,
      h('th', { scope: 'row' }, label),
      h('td', { class: 'num' }, count(rc.origin[k] ?? 0)),
      h('td', { class: 'num' }, count(rc.replacement[k] ?? 0))));
    const extra = rc.replacement;
    const table = h('table', { class: 'data-table', id: 'reconciliation-table' },
      h('caption', { class: 'sr-only' }, 'Both dates side by side'),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Seats and orders'), h('th', { scope: 'col', class: 'num' }, 'Previous date'),
        h('th', { scope: 'col', class: 'num' }, 'New date'))),
      h('tbody', null, rows));
    const verdict = h('p', { id: 'reconciliation-verdict', class: rc.equal ? 'verdict-ok' : 'verdict-warn', 'data-equal': String(rc.equal) },
      rc.equal ? 'Equal: the new date holds every booking of the previous one.' : 'Not equal yet.',
      ' ', `Sold on the new date since: ${count(extra.sold_since ?? 0)}; released reservations: ${count(extra.released ?? 0)}; still to move: ${count(extra.moving ?? 0)}.`);
    const queue = h('div', { id: 'pending-reservations' });
    replace(body,
      h('div', { class: 'card' }, h('h2', null, 'Reconciliation'),
        h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Reconciliation' }, table), verdict,
        h('p', null, h('a', { href: `#/staff/p/${encodeURIComponent(rc.replacement_id)}/paint` }, 'Open the new date in the painter'))),
      queue);
    await loadQueue(queue, rc.replacement_id);
  }

  /** @param {HTMLElement} box @param {string} replacementId */
  async function loadQueue(box, replacementId) {
    /** @type {{reservations: PendingOrder[]}} */
    const q = await api.get(paths.pendingReservations(perfId));
    if (dead) return;
    /** @type {Array<{id: string, name: string}>} */
    let fares = [];
    if (q.reservations.length) {
      try {
        fares = (await api.get(paths.fares(replacementId))).fares || [];
      } catch (err) {
        if (!dead && !signedOut(err)) showError(err);
      }
      if (dead) return;
    }
    if (!q.reservations.length) {
      replace(box, h('div', { class: 'card' }, h('h2', null, 'Reservations to decide'), h('p', { class: 'hint', id: 'pending-none' }, 'None waiting.')));
      return;
    }
    const rows = q.reservations.map((o) => {
      const fareSel = /** @type {HTMLSelectElement} */ (h('select', { id: `fare-${o.id}`, 'aria-label': `Fare to keep reservation ${o.number} at` },
        h('option', { value: '' }, 'Its own fares'),
        fares.map((f) => h('option', { value: f.id }, f.name))));
      /** @param {'keep'|'release'} d */
      const decide = async (d) => {
        try {
          /** @type {Record<string, string>} */
          const body = { decision: d };
          if (d === 'keep' && fareSel.value) body.fare = fareSel.value;
          await api.post(paths.decideReservation(o.id), body);
          if (dead) return;
          announce(`Reservation ${o.number} ${d === 'keep' ? 'kept on the new date' : 'released'}.`);
          await load();
        } catch (err) {
          if (!dead && !signedOut(err)) showError(err);
        }
      };
      return h('tr', null,
        h('th', { scope: 'row' }, o.number),
        h('td', null, o.buyer.name || o.buyer.email || '—'),
        h('td', null, o.seats.join(', ')),
        h('td', null, h('div', { class: 'btn-row' },
          fares.length > 1 ? fareSel : null,
          h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `Keep reservation ${o.number}`, onclick: () => decide('keep') }, 'Keep'),
          h('button', { type: 'button', class: 'btn btn-ghost btn-small', 'aria-label': `Release reservation ${o.number}`, onclick: () => decide('release') }, 'Release'))));
    });
    replace(box, h('div', { class: 'card' }, h('h2', null, 'Reservations to decide'),
      h('p', { class: 'hint' }, `${plural(q.reservations.length, 'reservation')} of the previous date wait, their seats blocked on the new date.`),
      h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Reservations to decide' },
        h('table', { class: 'data-table', id: 'pending-table' },
          h('caption', { class: 'sr-only' }, 'Reservations to decide'),
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Order'), h('th', { scope: 'col' }, 'Buyer'), h('th', { scope: 'col' }, 'Seats'),
            h('th', { scope: 'col' }, 'Decision'))),
          h('tbody', null, rows)))));
  }

  load();
  return () => { dead = true; };
}
