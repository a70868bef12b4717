// The sales report (#/reports): one performance or all, orders made (and
// refunds given) in a date range; the totals as cards, and gross against net by
// zone and by channel as bar charts — inline SVG drawn here, nothing fetched —
// each with its figures in a table beside it for those who read rather than look.
// Issue 17: the sales over time (by day, or by hour for an on-sale) as a bar
// chart on the venue's clock, the codes used, and "Download CSV" of what the
// page shows (the report and its timeline, GET /reports/sales.csv). A report
// is of one performance, of days (the venue's), or of both.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, count, venueTimeZone } from './format.js';
import { showError } from './notify.js';
import { may, signedOut } from './session.js';
import { channelLabel } from './staffmap.js';
import { loadPerformances, performanceOptions, zoneNames, venueDayStart } from './catalog.js';

/**
 * @typedef {import('./session.js').StaffUser} StaffUser
 * @typedef {import('./catalog.js').PerformanceInfo} PerformanceInfo
 * @typedef {{reservations: number, reserved_seats: number, paid_orders: number, seats: number, refunded_seats: number,
 *   refunds: number, gross: number, discounts: number, refunded: number, net: number, passes?: number, refunded_passes?: number}} Figures
 * @typedef {Figures & {key: string}} Line
 * @typedef {{code: string, uses: number, discount: number}} CodeUse
 * @typedef {{currency: string, holds: number, held_seats: number, total: Figures, zones: Line[], channels: Line[], products?: Line[], fares?: Line[],
 *   codes?: CodeUse[]}} Report
 * @typedef {{start: string, end: string, orders: number, tickets: number, passes: number, gross: number, discounts: number,
 *   refunds: number, refunded: number, net: number}} Point
 * @typedef {{bucket: string, time_zone: string, points: Point[]}} Timeline
 */

const SVG = 'http://www.w3.org/2000/svg';

/**
 * An SVG element with attributes.
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {...(Node | string)} children
 */
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** The documents a period has (issue 17), as the select offers them. */
const PERIOD_KINDS = [
  ['realization', 'Realization report'],
  ['act_issue', 'Act of issue'],
  ['act_return', 'Act of return'],
  ['ticket_movement', 'Ticket movement'],
  ['settlement', 'Organizer settlement'],
];

/**
 * @param {HTMLElement} root
 * @param {StaffUser} _user
 * @returns {() => void} unmount
 */
export function mountReports(root, user) {
  let dead = false;
  let generation = 0;
  document.title = 'Sales report · seatmap staff';
  /** @type {PerformanceInfo[]} */
  let perfs = [];

  const perfSel = /** @type {HTMLSelectElement} */ (h('select', { id: 'report-performance' }, h('option', { value: '' }, 'All performances')));
  const from = /** @type {HTMLInputElement} */ (h('input', { id: 'report-from', type: 'date' }));
  const to = /** @type {HTMLInputElement} */ (h('input', { id: 'report-to', type: 'date' }));
  const bucket = /** @type {HTMLSelectElement} */ (h('select', { id: 'report-bucket' },
    h('option', { value: 'day' }, 'By day'), h('option', { value: 'hour' }, 'By hour')));
  const csv = /** @type {HTMLAnchorElement} */ (h('a', { id: 'report-csv', class: 'btn btn-secondary', href: paths.url(paths.salesCSV()), download: 'sales.csv' },
    'Download CSV'));
  const status = h('p', { class: 'shows-status', role: 'status' }, 'Loading the report…');
  const out = h('div', { class: 'report', id: 'report' });
  const zone = venueTimeZone();

  replace(root, h('section', { class: 'staff-page' },
    h('div', { class: 'staff-home-head' },
      h('div', null, h('h1', null, 'Sales report'),
        h('p', { class: 'hint' }, `Orders made, and refunds given, for a performance, in the days chosen (the venue's, ${zone}), or both. `
          + 'Net is gross less discounts and refunds.'))),
    h('form', { class: 'filters', 'aria-label': 'Report for', onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); load(); } },
      h('div', { class: 'field field-wide' }, h('label', { for: 'report-performance' }, 'Performance'), perfSel),
      h('div', { class: 'field' }, h('label', { for: 'report-from' }, 'From'), from),
      h('div', { class: 'field' }, h('label', { for: 'report-to' }, 'Until'), to),
      h('div', { class: 'field' }, h('label', { for: 'report-bucket' }, 'Over time'), bucket),
      h('div', { class: 'field field-action' }, csv)),
    status,
    out,
    may(user, 'documents') ? h('div', { class: 'doc-cards' }, cashierDay(), periodDocuments()) : null));
  for (const el of [perfSel, from, to, bucket]) el.addEventListener('change', load);

  /**
   * The cashier's day report (issue 17): a day on the venue's clock, "Make
   * now", and every version made for that day with its PDF and CSV.
   */
  function cashierDay() {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    const day = /** @type {HTMLInputElement} */ (h('input', { id: 'cashier-day', type: 'date', value: today, max: today }));
    const said = h('p', { id: 'cashier-said', class: 'hint', role: 'status' });
    const list = h('ul', { id: 'cashier-versions', class: 'doc-versions' });
    const make = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'cashier-make', class: 'btn btn-secondary', onclick: () => makeNow() }, 'Make now'));
    async function versions() {
      if (!day.value) return;
      try {
        const r = await api.get(paths.dayDocuments({ day: day.value }));
        if (dead) return;
        replace(list, r.documents.length ? r.documents.map((/** @type {any} */ d) => h('li', { dataset: { version: String(d.version) } },
          `Version ${d.version}${d.superseded_by ? ' (superseded)' : ''}, as of ${new Date(d.as_of).toLocaleString('en-GB', { timeZone: zone })}: `,
          h('a', { href: d.pdf_url, download: '' }, 'PDF'), ' · ',
          h('a', { href: d.csv_url, download: '' }, 'CSV')))
          : h('li', null, 'None made for this day yet.'));
      } catch (err) {
        if (!dead && !signedOut(err)) showError(err);
      }
    }
    async function makeNow() {
      make.disabled = true;
      try {
        let created = false;
        await api.request('POST', paths.dayDocuments(), { body: { kind: 'cashier_day', day: day.value }, onStatus: (st) => { created = st === 201; } });
        if (dead) return;
        said.textContent = created ? 'A new version was made.' : 'Unchanged since the last version.';
        await versions();
      } catch (err) {
        if (!dead && !signedOut(err)) showError(err);
      } finally {
        make.disabled = false;
      }
    }
    day.addEventListener('change', versions);
    versions();
    return h('section', { class: 'card', id: 'cashier-card', 'aria-labelledby': 'cashier-title' },
      h('h2', { id: 'cashier-title' }, 'Cashier’s day report'),
      h('p', { class: 'hint' }, `What each staff member sold and gave back at each till on a day (${zone}), by payment method; kept with every version.`),
      h('div', { class: 'filters' }, h('div', { class: 'field' }, h('label', { for: 'cashier-day' }, 'Day'), day), h('div', { class: 'field field-action' }, make)),
      said, list);
  }

  /**
   * Documents for a period (issue 17): the performances' kinds over the
   * performances starting in the days chosen (the venue's, both included),
   * "Make now", and every version made for those days with its PDF and CSV.
   */
  function periodDocuments() {
    const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    const today = fmt.format(new Date());
    const monthStart = `${today.slice(0, 8)}01`;
    const pfrom = /** @type {HTMLInputElement} */ (h('input', { id: 'period-from', type: 'date', value: monthStart, required: true }));
    const pto = /** @type {HTMLInputElement} */ (h('input', { id: 'period-to', type: 'date', value: today, required: true }));
    const kind = /** @type {HTMLSelectElement} */ (h('select', { id: 'period-kind' },
      ...PERIOD_KINDS.map(([value, label]) => h('option', { value }, label))));
    const said = h('p', { id: 'period-said', class: 'hint', role: 'status' });
    const list = h('ul', { id: 'period-versions', class: 'doc-versions', 'aria-label': 'Versions' });
    const make = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'period-make', class: 'btn btn-secondary' }, 'Make now'));
    const chosen = () => (pfrom.value && pto.value && pfrom.value <= pto.value ? { from: pfrom.value, to: pto.value, kind: kind.value } : null);
    let asked = 0;
    async function versions() {
      const q = chosen();
      const mine = ++asked; // an answer to an older choice is dropped
      if (!q) {
        replace(list, h('li', null, 'Choose a first day not after the last.'));
        return;
      }
      try {
        const r = await api.get(paths.dayDocuments(q));
        if (dead || mine !== asked) return;
        replace(list, r.documents.length ? r.documents.map((/** @type {any} */ d) => h('li', { dataset: { version: String(d.version) } },
          `${d.title}, version ${d.version}${d.superseded_by ? ' (superseded)' : ''}, as of ${new Date(d.as_of).toLocaleString('en-GB', { timeZone: zone })}: `,
          h('a', { href: d.pdf_url, download: '', 'aria-label': `PDF of ${d.title} version ${d.version}` }, 'PDF'), ' · ',
          h('a', { href: d.csv_url, download: '', 'aria-label': `CSV of ${d.title} version ${d.version}` }, 'CSV')))
          : h('li', null, 'None made for these days yet.'));
      } catch (err) {
        if (!dead && !signedOut(err)) showError(err);
      }
    }
    async function makeNow() {
      const q = chosen();
      if (!q) {
        said.textContent = 'Choose a first day not after the last.';
        return;
      }
      make.disabled = true;
      said.textContent = 'Making…';
      try {
        let created = false;
        await api.request('POST', paths.dayDocuments(), { body: q, onStatus: (st) => { created = st === 201; } });
        if (dead) return;
        said.textContent = created ? 'A new version was made.' : 'Unchanged since the last version.';
        await versions();
      } catch (err) {
        said.textContent = '';
        if (!dead && !signedOut(err)) showError(err);
      } finally {
        make.disabled = false;
      }
    }
    for (const el of [pfrom, pto, kind]) el.addEventListener('change', () => { said.textContent = ''; versions(); });
    versions();
    return h('section', { class: 'card', id: 'period-card', 'aria-labelledby': 'period-title' },
      h('h2', { id: 'period-title' }, 'Documents for a period'),
      h('p', { class: 'hint' }, `Over the performances starting in the days chosen (${zone}, both included, at most a year); `
        + 'each figure is the sum of the performances’ own documents. Kept with every version.'),
      h('form', { class: 'filters', 'aria-label': 'Document for a period', onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); makeNow(); } },
        h('div', { class: 'field' }, h('label', { for: 'period-from' }, 'From'), pfrom),
        h('div', { class: 'field' }, h('label', { for: 'period-to' }, 'Until'), pto),
        h('div', { class: 'field field-wide' }, h('label', { for: 'period-kind' }, 'Document'), kind),
        h('div', { class: 'field field-action' }, make)),
      said, list);
  }

  async function load() {
    const gen = ++generation;
    const params = new URLSearchParams();
    if (perfSel.value) params.set('performance', perfSel.value);
    if (from.value) params.set('from', venueDayStart(from.value));
    if (to.value) params.set('to', venueDayStart(to.value, true));
    const withBucket = new URLSearchParams(params);
    withBucket.set('bucket', bucket.value);
    // The download follows the choice: the same filters, the same buckets.
    csv.href = paths.url(paths.salesCSV(withBucket));
    csv.download = `sales-${perfSel.value || 'all'}${from.value ? `-from-${from.value}` : ''}${to.value ? `-until-${to.value}` : ''}.csv`;
    out.setAttribute('aria-busy', 'true');
    try {
      /** @type {[Report, Timeline | Error]} */
      const [r, tl] = await Promise.all([
        api.get(paths.salesReport(params)),
        // A timeline refused (too many hours) leaves the report standing.
        api.get(paths.salesTimeline(withBucket)).catch((/** @type {Error} */ err) => err),
      ]);
      if (dead || gen !== generation) return;
      if (tl instanceof Error && signedOut(tl)) return;
      status.hidden = true;
      render(r, tl);
      root.dataset.loaded = String(gen);
    } catch (err) {
      if (dead || gen !== generation || signedOut(err)) return;
      status.hidden = false;
      status.textContent = 'The report could not be loaded.';
      showError(err);
    } finally {
      if (gen === generation) out.removeAttribute('aria-busy');
    }
  }

  /** @param {Report} r @param {Timeline | Error} tl */
  function render(r, tl) {
    const cur = r.currency || 'EUR';
    const t = r.total;
    const zones = zoneNames(perfSel.value ? perfs.filter((p) => p.id === perfSel.value) : perfs);
    /** @param {string} id @param {string} label @param {string} value @param {string} [sub] @param {string} [kind] */
    const card = (id, label, value, sub, kind) => h('div', { class: `stat-card${kind ? ` stat-${kind}` : ''}`, id: `report-${id}` },
      h('span', { class: 'stat-label' }, label),
      h('strong', { class: 'stat-value' }, value),
      sub ? h('span', { class: 'stat-sub' }, sub) : null);
    replace(out,
      h('div', { class: 'stat-cards' },
        card('gross', 'Gross', money(t.gross, cur), `${count(t.paid_orders)} paid order${t.paid_orders === 1 ? '' : 's'}`),
        card('discounts', 'Discounts', money(t.discounts, cur), 'vouchers and promotions'),
        card('refunded', 'Refunded', money(t.refunded, cur), `${count(t.refunds)} refund${t.refunds === 1 ? '' : 's'}, ${count(t.refunded_seats)} seat${t.refunded_seats === 1 ? '' : 's'}`),
        card('net', 'Net', money(t.net, cur), 'gross − discounts − refunds', 'net'),
        card('seats', 'Seats sold', count(t.seats), 'tickets still valid'),
        t.passes || t.refunded_passes ? card('passes', 'Passes sold', count(t.passes || 0), `${count(t.refunded_passes || 0)} refunded`) : null,
        card('reserved', 'Reserved', count(t.reserved_seats), `${count(t.reservations)} reservation${t.reservations === 1 ? '' : 's'} not yet paid`),
        card('held', 'Held now', count(r.held_seats), `${count(r.holds)} hold${r.holds === 1 ? '' : 's'} in checkout`)),
      timeline(tl, cur),
      h('div', { class: 'report-charts' },
        chart('zones', 'By zone', r.zones, (k) => zones.get(k) || k, cur,
          unsplit(r.zones, t) ? 'Refunds of an amount (not of seats) belong to no zone: they show by channel and in the total.' : ''),
        chart('channels', 'By channel', r.channels, channelLabel, cur, ''),
        r.products && r.products.length ? chart('products', 'By product', r.products, (k) => k, cur,
          'Passes and access products sold; a block card counts each of its cards.') : null,
        // Fares (issue 16): shown once some ticket was sold at another fare than normal.
        r.fares && r.fares.some((l) => l.key !== 'normal') ? chart('fares', 'By fare', r.fares, (k) => k, cur,
          'Tickets by the fare they were sold at (normal, reduced, free).') : null,
        codes(r.codes || [], cur)));
  }

  /**
   * The codes used: uses and the discount given, as bars and a table.
   * @param {CodeUse[]} list
   * @param {string} cur
   */
  function codes(list, cur) {
    const headId = 'chart-codes-title';
    const card = h('div', { class: 'card chart-card', id: 'chart-codes' }, h('h2', { id: headId }, 'By code: uses and discount given'));
    if (!list.length) {
      card.append(h('p', { class: 'hint' }, 'No voucher or promotion code was used in these days.'));
      return card;
    }
    const maxD = Math.max(1, ...list.map((c) => c.discount));
    const rowH = 22;
    const labelW = 150;
    const width = 560;
    const plotW = width - labelW - 110;
    const svg = s('svg', { viewBox: `0 0 ${width} ${list.length * rowH + 4}`, class: 'bar-chart', role: 'img', 'aria-labelledby': headId,
      preserveAspectRatio: 'xMinYMin meet' });
    list.forEach((c, i) => {
      const y = i * rowH + 2;
      const w = Math.max(c.discount > 0 ? 2 : 0, (c.discount / maxD) * plotW);
      svg.append(s('g', { class: 'chart-row', 'data-key': c.code },
        s('text', { x: labelW - 8, y: y + 13, class: 'chart-label', 'text-anchor': 'end' }, c.code.length > 20 ? `${c.code.slice(0, 19)}…` : c.code),
        s('rect', { x: labelW, y: y + 2, width: w, height: 14, rx: 2, class: 'bar-net' }, s('title', {}, `${c.code}: ${money(c.discount, cur)} off ${count(c.uses)} orders`)),
        s('text', { x: labelW + w + 6, y: y + 13, class: 'chart-value' }, `${money(c.discount, cur)} · ${count(c.uses)}×`)));
    });
    card.append(svg, h('details', { class: 'chart-figures' }, h('summary', null, 'Figures'),
      h('table', { class: 'stats-table', id: 'table-codes' },
        h('caption', null, 'By code: figures'),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'Code'),
          h('th', { scope: 'col', class: 'num' }, 'Orders'),
          h('th', { scope: 'col', class: 'num' }, 'Discount given'))),
        h('tbody', null, list.map((c) => h('tr', { dataset: { key: c.code } },
          h('th', { scope: 'row' }, c.code),
          h('td', { class: 'num' }, count(c.uses)),
          h('td', { class: 'num' }, money(c.discount, cur))))))));
    return card;
  }

  /**
   * The sales over time: gross and net bars a bucket, on the venue's clock,
   * described in words for screen readers and as a table under it.
   * @param {Timeline | Error} tl
   * @param {string} cur
   */
  function timeline(tl, cur) {
    const headId = 'chart-timeline-title';
    const descId = 'chart-timeline-desc';
    const byHour = bucket.value === 'hour';
    const card = h('div', { class: 'card chart-card', id: 'chart-timeline' },
      h('h2', { id: headId }, byHour ? 'Sales by hour' : 'Sales by day'));
    if (tl instanceof Error) {
      const tooMany = tl instanceof api.ApiError && tl.field === 'bucket';
      card.append(h('p', { class: 'form-error', id: 'timeline-error' },
        tooMany ? `Too many ${byHour ? 'hours' : 'days'} to show: ${byHour ? 'choose By day, or ' : 'choose '}fewer days.` : 'The sales over time could not be loaded.'));
      if (!tooMany) showError(tl);
      return card;
    }
    const pts = tl.points;
    if (!pts.length || pts.every((p) => !p.orders && !p.refunds)) {
      card.append(h('p', { class: 'hint' }, 'No sales in these days.'));
      return card;
    }
    const day = new Intl.DateTimeFormat('en-GB', { timeZone: tl.time_zone, day: 'numeric', month: 'short' });
    const hour = new Intl.DateTimeFormat('en-GB', { timeZone: tl.time_zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    const full = new Intl.DateTimeFormat('en-GB', { timeZone: tl.time_zone, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
      ...(byHour ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' } : {}) });
    /** @param {Point} p */
    const label = (p) => full.format(new Date(p.start));
    const width = 720;
    const height = 240;
    const left = 70;
    const right = 10;
    const top = 22;
    const bottom = 34;
    const plotW = width - left - right;
    const plotH = height - top - bottom;
    const maxV = Math.max(1, ...pts.map((p) => Math.max(p.gross, p.net)));
    const minV = Math.min(0, ...pts.map((p) => p.net));
    const y = (/** @type {number} */ v) => top + ((maxV - v) / (maxV - minV)) * plotH;
    const step = plotW / pts.length;
    const barW = Math.min(40, Math.max(1, step * 0.8));
    const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'bar-chart timeline-chart', role: 'img', 'aria-labelledby': headId,
      'aria-describedby': descId, preserveAspectRatio: 'xMinYMin meet' });
    svg.append(
      s('rect', { x: left, y: 4, width: 10, height: 10, rx: 2, class: 'bar-gross' }),
      s('text', { x: left + 14, y: 13, class: 'chart-legend' }, 'Gross'),
      s('rect', { x: left + 70, y: 4, width: 10, height: 10, rx: 2, class: 'bar-net' }),
      s('text', { x: left + 84, y: 13, class: 'chart-legend' }, 'Net'));
    // The axis: zero, the top, and the middle.
    for (const v of [maxV, maxV / 2, 0, ...(minV < 0 ? [minV] : [])]) {
      svg.append(s('line', { x1: left, x2: width - right, y1: y(v), y2: y(v), class: v === 0 ? 'chart-axis' : 'chart-grid' }),
        s('text', { x: left - 6, y: y(v) + 4, class: 'chart-value', 'text-anchor': 'end' }, money(Math.round(v), cur)));
    }
    const labels = Math.max(1, Math.ceil(pts.length / 8));
    pts.forEach((p, i) => {
      const x = left + i * step + (step - barW) / 2;
      const g = s('g', { class: 'timeline-bar', 'data-start': p.start });
      if (p.gross > 0) {
        g.append(s('rect', { x, y: y(p.gross), width: barW, height: Math.max(1, y(0) - y(p.gross)), class: 'bar-gross' },
          s('title', {}, `${label(p)}: gross ${money(p.gross, cur)}, ${count(p.orders)} orders`)));
      }
      if (p.net !== 0) {
        const top0 = p.net > 0 ? y(p.net) : y(0);
        g.append(s('rect', { x: x + barW * 0.25, y: top0, width: barW * 0.5, height: Math.max(1, Math.abs(y(p.net) - y(0))), class: 'bar-net' },
          s('title', {}, `${label(p)}: net ${money(p.net, cur)}`)));
      }
      if (i % labels === 0) {
        const d = new Date(p.start);
        const text = byHour ? (i === 0 || hour.format(d) === '00:00' ? `${day.format(d)} ${hour.format(d)}` : hour.format(d)) : day.format(d);
        g.append(s('text', { x: left + i * step + step / 2, y: height - bottom + 16, class: 'chart-label', 'text-anchor': 'middle' }, text));
      }
      svg.append(g);
    });
    const busiest = pts.reduce((a, b) => (b.gross > a.gross ? b : a), pts[0]);
    const gross = pts.reduce((n, p) => n + p.gross, 0);
    const net = pts.reduce((n, p) => n + p.net, 0);
    const unit = byHour ? 'hour' : 'day';
    const desc = h('p', { class: 'hint chart-note', id: descId },
      `${count(pts.length)} ${unit}${pts.length === 1 ? '' : 's'} from ${label(pts[0])} to ${label(pts[pts.length - 1])} (${tl.time_zone}). `
      + `Busiest ${unit}: ${label(busiest)}, gross ${money(busiest.gross, cur)}. In all: gross ${money(gross, cur)}, net ${money(net, cur)}.`);
    const table = h('table', { class: 'stats-table', id: 'table-timeline' },
      h('caption', null, `Sales by ${unit}: figures`),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, byHour ? 'Hour' : 'Day'),
        h('th', { scope: 'col', class: 'num' }, 'Orders'),
        h('th', { scope: 'col', class: 'num' }, 'Tickets'),
        h('th', { scope: 'col', class: 'num' }, 'Gross'),
        h('th', { scope: 'col', class: 'num' }, 'Refunded'),
        h('th', { scope: 'col', class: 'num' }, 'Net'))),
      h('tbody', null, pts.filter((p) => p.orders || p.refunds).map((p) => h('tr', { dataset: { start: p.start } },
        h('th', { scope: 'row' }, label(p)),
        h('td', { class: 'num' }, count(p.orders)),
        h('td', { class: 'num' }, count(p.tickets + p.passes)),
        h('td', { class: 'num' }, money(p.gross, cur)),
        h('td', { class: 'num' }, money(p.refunded, cur)),
        h('td', { class: 'num total-cell' }, money(p.net, cur))))));
    card.append(svg, desc,
      h('details', { class: 'chart-figures' }, h('summary', null, `Figures by ${unit}`),
        h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': `Sales by ${unit}` }, table)));
    return card;
  }

  /**
   * Whether the total has discounts or refunds the lines do not carry.
   * @param {Line[]} lines
   * @param {Figures} total
   */
  function unsplit(lines, total) {
    const sum = (/** @type {(l: Line) => number} */ f) => lines.reduce((n, l) => n + f(l), 0);
    return sum((l) => l.discounts) < total.discounts || sum((l) => l.refunded) < total.refunded;
  }

  /**
   * Gross and net bars per line, and the same figures as a table.
   * @param {string} id
   * @param {string} title
   * @param {Line[]} lines
   * @param {(key: string) => string} name
   * @param {string} cur
   * @param {string} note said under the chart
   */
  function chart(id, title, lines, name, cur, note) {
    const headId = `chart-${id}-title`;
    if (!lines.length) {
      return h('div', { class: 'card chart-card', id: `chart-${id}` }, h('h2', { id: headId }, title), h('p', { class: 'hint' }, 'No sales in these days.'));
    }
    const rowH = 34;
    const barH = 12;
    const labelW = 130;
    const valueW = 96;
    const width = 560;
    const plotW = width - labelW - valueW;
    const top = 24;
    const height = top + lines.length * rowH + 6;
    const maxV = Math.max(1, ...lines.map((l) => Math.max(l.gross, l.net)));
    const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'bar-chart', role: 'img', 'aria-labelledby': headId, preserveAspectRatio: 'xMinYMin meet' });
    // Legend.
    svg.append(
      s('rect', { x: labelW, y: 4, width: 10, height: 10, rx: 2, class: 'bar-gross' }),
      s('text', { x: labelW + 14, y: 13, class: 'chart-legend' }, 'Gross'),
      s('rect', { x: labelW + 70, y: 4, width: 10, height: 10, rx: 2, class: 'bar-net' }),
      s('text', { x: labelW + 84, y: 13, class: 'chart-legend' }, 'Net'));
    lines.forEach((l, i) => {
      const y = top + i * rowH;
      const label = name(l.key);
      const wG = Math.max(l.gross > 0 ? 2 : 0, (l.gross / maxV) * plotW);
      const wN = Math.max(l.net > 0 ? 2 : 0, (Math.max(0, l.net) / maxV) * plotW);
      svg.append(s('g', { class: 'chart-row', 'data-key': l.key },
        s('text', { x: labelW - 8, y: y + barH + 3, class: 'chart-label', 'text-anchor': 'end' }, label.length > 18 ? `${label.slice(0, 17)}…` : label),
        s('rect', { x: labelW, y, width: wG, height: barH, rx: 2, class: 'bar-gross' },
          s('title', {}, `${label}: gross ${money(l.gross, cur)}`)),
        s('rect', { x: labelW, y: y + barH + 2, width: wN, height: barH, rx: 2, class: 'bar-net' },
          s('title', {}, `${label}: net ${money(l.net, cur)}`)),
        s('text', { x: labelW + wG + 6, y: y + barH - 2, class: 'chart-value' }, money(l.gross, cur)),
        s('text', { x: labelW + wN + 6, y: y + 2 * barH, class: 'chart-value chart-value-net' }, money(l.net, cur))));
    });
    const table = h('table', { class: 'stats-table', id: `table-${id}` },
      h('caption', null, `${title}: figures`),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, id === 'zones' ? 'Zone' : id === 'products' ? 'Product' : id === 'fares' ? 'Fare' : 'Channel'),
        h('th', { scope: 'col', class: 'num' }, id === 'products' ? 'Passes' : 'Seats'),
        h('th', { scope: 'col', class: 'num' }, 'Gross'),
        h('th', { scope: 'col', class: 'num' }, 'Discounts'),
        h('th', { scope: 'col', class: 'num' }, 'Refunded'),
        h('th', { scope: 'col', class: 'num' }, 'Net'))),
      h('tbody', null, lines.map((l) => h('tr', { dataset: { key: l.key } },
        h('th', { scope: 'row' }, name(l.key)),
        h('td', { class: 'num' }, count(id === 'products' ? l.passes || 0 : l.seats)),
        h('td', { class: 'num' }, money(l.gross, cur)),
        h('td', { class: 'num' }, money(l.discounts, cur)),
        h('td', { class: 'num' }, money(l.refunded, cur)),
        h('td', { class: 'num total-cell' }, money(l.net, cur))))));
    return h('div', { class: 'card chart-card', id: `chart-${id}` },
      h('h2', { id: headId }, `${title}: gross and net`),
      svg,
      note ? h('p', { class: 'hint chart-note' }, note) : null,
      h('details', { class: 'chart-figures' }, h('summary', null, 'Figures'), table));
  }

  (async () => {
    try {
      perfs = await loadPerformances();
      if (dead) return;
      replace(perfSel, performanceOptions(perfs, 'All performances'));
    } catch (err) {
      if (!dead && !signedOut(err)) showError(err);
    }
    if (!dead) load();
  })();
  return () => { dead = true; };
}
