// The painter's "Change name or date…" (issue 16, "замена"): the
// organizer changes the performance's name and/or date in place and sets
// the deadline until which buyers may take a full refund. The change is
// sent with If-Match (the performance's ETag, read when the panel opens), so
// a change made meanwhile elsewhere is not overwritten (412: reload). Then
// the job that e-mails every buyer is followed, and the counts of the last
// change are shown: how many were told and how many chose to attend, a
// refund, or nothing yet. Times are typed and shown on the venue's clock.
// Part of the staff chunk (painter.js imports it).

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { count, dateTime, money, venueTimeZone } from './format.js';
import { showError, announce } from './notify.js';
import { signedOut } from './session.js';

/**
 * The wall clock of an instant in zone: {date: "YYYY-MM-DD", time: "HH:MM"}.
 * @param {Date} d
 * @param {string} zone
 */
function wallOf(d, zone) {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  });
  /** @type {Record<string, string>} */
  const p = {};
  for (const part of f.formatToParts(d)) p[part.type] = part.value;
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}`, seconds: Number(p.second),
    utc: Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) };
}

/**
 * The instant at which zone's clock shows date and time, or null.
 * @param {string} date YYYY-MM-DD
 * @param {string} time HH:MM
 * @param {string} zone
 */
export function zonedInstant(date, time, zone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  if (!m || !t) return null;
  const want = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(t[1]), Number(t[2]));
  let guess = want;
  for (let i = 0; i < 3; i++) {
    const off = wallOf(new Date(guess), zone).utc - guess;
    guess = want - off;
  }
  return new Date(guess);
}

/**
 * @typedef {{id: string, name: string, starts_at: string, status: string}} Perf
 * @typedef {{id: () => string, perf: () => Perf | null, dead: () => boolean, changed: (p: Perf) => void}} Host
 */

/**
 * The panel's section.
 * @param {Host} host
 * @returns {HTMLElement}
 */
export function replaceSection(host) {
  const zone = venueTimeZone();
  /** @param {string} id @param {string} type @param {Record<string, string>} [more] */
  const field = (id, type, more = {}) => /** @type {HTMLInputElement} */ (h('input', { id, type, ...more }));
  const name = field('replace-name', 'text', { maxlength: '200', autocomplete: 'off' });
  const date = field('replace-date', 'date');
  const time = field('replace-time', 'time');
  const dlDate = field('replace-deadline-date', 'date', { 'aria-describedby': 'replace-deadline-hint' });
  const dlTime = field('replace-deadline-time', 'time', { 'aria-describedby': 'replace-deadline-hint' });
  const error = h('p', { id: 'replace-error', class: 'form-error', role: 'alert', hidden: true });
  const go = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'replace-confirm', class: 'btn btn-primary' }, 'Change and tell buyers'));
  const progress = /** @type {HTMLProgressElement} */ (h('progress', { id: 'replace-progress', hidden: true, max: '1', value: '0', 'aria-labelledby': 'replace-progress-text' }));
  const progressText = h('p', { id: 'replace-progress-text', class: 'hint', role: 'status' });
  const counts = h('div', { id: 'replace-counts', class: 'replace-counts' });
  const checkBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'replace-check', class: 'btn btn-ghost', onclick: () => check() }, 'Check what happens'));
  const preview = h('div', { id: 'replace-preview', role: 'status' });
  const refresh = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'replace-refresh', class: 'btn btn-ghost', onclick: () => loadCounts() }, 'Refresh the counts'));
  let etag = '';

  /** Fills the fields from the performance and reads its ETag. */
  async function load() {
    try {
      const res = await fetch(paths.url(paths.performance(host.id())), { credentials: 'same-origin' });
      if (!res.ok) throw new api.ApiError(res.status, await res.json().catch(() => ({})));
      const p = await res.json();
      if (host.dead()) return;
      etag = res.headers.get('ETag') || '';
      const w = wallOf(new Date(p.starts_at), zone);
      name.value = p.name;
      date.value = w.date;
      time.value = w.time;
    } catch (err) {
      if (!host.dead() && !signedOut(err)) showError(err);
    }
    loadCounts();
  }

  async function loadCounts() {
    try {
      const r = await api.get(paths.performanceReplacement(host.id()));
      if (host.dead()) return;
      const c = r.counts;
      const rep = r.replacement;
      replace(counts,
        h('p', { class: 'hint' }, `Last change: ${rep.old_name !== rep.new_name ? `“${rep.old_name}” → “${rep.new_name}”, ` : ''}${dateTime(rep.old_starts_at, rep.time_zone)} → ${dateTime(rep.new_starts_at, rep.time_zone)}`,
          rep.refund_deadline ? `; buyers choose until ${dateTime(rep.refund_deadline, rep.time_zone)}.` : '.'),
        h('ul', { id: 'replace-choices', class: 'replace-choices' },
          h('li', { dataset: { count: 'notified' } }, `${count(c.notified)} told`),
          h('li', { dataset: { count: 'attend' } }, `${count(c.attend)} attend`),
          h('li', { dataset: { count: 'refund' } }, `${count(c.refund)} refunded`),
          h('li', { dataset: { count: 'undecided' } }, `${count(c.undecided)} not decided`)),
        refresh);
    } catch (err) {
      if (host.dead()) return;
      if (err instanceof api.ApiError && err.status === 404) {
        replace(counts, h('p', { class: 'hint', id: 'replace-none' }, 'No change yet.'));
        return;
      }
      if (!signedOut(err)) showError(err);
    }
  }

  /** @param {string} msg @param {HTMLInputElement | null} bad */
  function fail(msg, bad) {
    error.textContent = msg;
    error.hidden = !msg;
    for (const el of [name, date, time, dlDate, dlTime]) el.removeAttribute('aria-invalid');
    if (bad) {
      bad.setAttribute('aria-invalid', 'true');
      bad.focus();
    }
  }

  /**
   * The change the fields ask for, or null (said in the form's error).
   * @returns {Record<string, string | boolean> | null}
   */
  function build() {
    const p = host.perf();
    if (!p) return null;
    const starts = zonedInstant(date.value, time.value, zone);
    if (!name.value.trim()) return failed('Give the performance a name.', name);
    if (!starts) return failed('Choose a date and a time.', date.value ? time : date);
    /** @type {Record<string, string | boolean>} */
    const body = {};
    if (name.value.trim() !== p.name) body.name = name.value.trim();
    if (starts.getTime() !== new Date(p.starts_at).getTime()) body.starts_at = starts.toISOString();
    if (dlDate.value || dlTime.value) {
      const dl = zonedInstant(dlDate.value, dlTime.value || '23:59', zone);
      if (!dl) return failed('Choose the refund deadline’s date and time.', dlDate);
      body.refund_deadline = dl.toISOString();
    } else if (body.starts_at) {
      return failed('A new date needs a refund deadline: until then buyers may take their money back.', dlDate);
    }
    if (!body.name && !body.starts_at) return failed('Change the name or the date first.', name);
    fail('', null);
    return body;
  }

  /** @param {string} msg @param {HTMLInputElement | null} bad @returns {null} */
  function failed(msg, bad) {
    fail(msg, bad);
    return null;
  }

  /** The dry run: what the change would do, nothing changed. */
  async function check() {
    const body = build();
    if (!body) return;
    replace(preview);
    try {
      const pv = await api.patch(paths.performance(host.id()), { ...body, dry_run: true }, { 'If-Match': etag });
      if (host.dead()) return;
      replace(preview,
        h('p', null, `${count(pv.paid_orders)} paid ${pv.paid_orders === 1 ? 'order' : 'orders'} and ${count(pv.reservations)} ${pv.reservations === 1 ? 'reservation' : 'reservations'} will be told by e-mail.`),
        pv.replacement.refund_deadline
          ? h('p', null, `Until ${dateTime(pv.replacement.refund_deadline, pv.replacement.time_zone)} each may take a full refund: at most ${money(pv.most_refund, pv.currency)} in all.`)
          : h('p', null, 'No refund is offered: only the name changes.'),
        h('p', { class: 'hint' }, 'Nothing has changed yet.'));
    } catch (err) {
      if (!host.dead()) handle(err);
    }
  }

  async function submit() {
    const body = build();
    if (!body) return;
    go.disabled = true;
    go.setAttribute('aria-busy', 'true');
    try {
      const out = await api.patch(paths.performance(host.id()), body, { 'If-Match': etag });
      if (host.dead()) return;
      host.changed(out.performance);
      announce('Changed. Buyers are being told.');
      progress.hidden = false;
      const job = out.job;
      show(job);
      while (job.state === 'running' && !host.dead()) {
        await new Promise((r) => setTimeout(r, 500));
        if (host.dead()) return;
        Object.assign(job, await api.get(paths.job(job.id)));
        show(job);
      }
      if (job.state === 'done') announce(`${count(job.done)} buyers told.`);
      await load();
    } catch (err) {
      if (!host.dead()) handle(err);
    } finally {
      go.disabled = false;
      go.removeAttribute('aria-busy');
    }
  }

  /** @param {unknown} err */
  function handle(err) {
    if (signedOut(err)) return;
    if (err instanceof api.ApiError && err.status === 412) {
      fail('Someone changed this performance since you opened it. Reload the page to see it, then try again.', null);
    } else if (err instanceof api.ApiError && err.status === 422) {
      const bad = { name, starts_at: date, refund_deadline: dlDate }[err.field] || null;
      fail(err.friendly, bad);
    } else if (err instanceof api.ApiError && err.status === 409) {
      fail(err.friendly, null);
    } else {
      showError(err);
    }
  }

  /** @param {{state: string, done: number, total: number, failed: number}} job */
  function show(job) {
    progress.max = Math.max(job.total, 1);
    progress.value = job.state === 'done' ? progress.max : job.done;
    progress.dataset.state = job.state;
    progressText.textContent = job.state === 'done'
      ? `Told: ${count(job.done)} ${job.done === 1 ? 'buyer' : 'buyers'}.`
      : job.state === 'failed' ? `Telling buyers stopped: ${count(job.done)} of ${count(job.total)}.`
        : `Telling buyers: ${count(job.done)} of ${count(job.total)}…`;
  }

  const details = h('details', { id: 'replace-details', class: 'rows-details', ontoggle: () => { if (details.open) load(); } },
    h('summary', null, 'Change name or date…'),
    h('p', { class: 'hint', id: 'replace-hint' }, 'Every buyer of a paid or reserved order is told by e-mail, with a link to attend the new date or take a full refund until the deadline.'),
    h('form', { class: 'replace-form', novalidate: true, onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); submit(); } },
      h('div', { class: 'field' }, h('label', { for: 'replace-name' }, 'Name'), name),
      h('div', { class: 'field-pair' },
        h('div', { class: 'field' }, h('label', { for: 'replace-date' }, 'Date'), date),
        h('div', { class: 'field' }, h('label', { for: 'replace-time' }, 'Time'), time)),
      h('div', { class: 'field-pair' },
        h('div', { class: 'field' }, h('label', { for: 'replace-deadline-date' }, 'Refund until'), dlDate),
        h('div', { class: 'field' }, h('label', { for: 'replace-deadline-time' }, 'at'), dlTime)),
      h('p', { class: 'hint', id: 'replace-deadline-hint' }, `On the venue’s clock (${zone}). Needed for a new date; at most a day after the new start.`),
      error,
      preview,
      h('div', { class: 'actions' }, checkBtn, go)),
    progress, progressText, counts);
  return h('section', { class: 'panel-section', 'aria-labelledby': 'replace-title' },
    h('h2', { class: 'panel-title', id: 'replace-title' }, 'Change'),
    details);
}
