// The sales report (#/reports): one performance or all, orders made (and
// refunds given) in a date range; the totals as cards, and gross against net by
// zone and by channel as bar charts — inline SVG drawn here, nothing fetched —
// each with its figures in a table beside it for those who read rather than look.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, count } from './format.js';
import { showError } from './notify.js';
import { signedOut } from './session.js';
import { channelLabel } from './staffmap.js';
import { loadPerformances, performanceOptions, zoneNames, dayStart } from './catalog.js';

/**
 * @typedef {import('./session.js').StaffUser} StaffUser
 * @typedef {import('./catalog.js').PerformanceInfo} PerformanceInfo
 * @typedef {{reservations: number, reserved_seats: number, paid_orders: number, seats: number, refunded_seats: number,
 *   refunds: number, gross: number, discounts: number, refunded: number, net: number, passes?: number, refunded_passes?: number}} Figures
 * @typedef {Figures & {key: string}} Line
 * @typedef {{currency: string, holds: number, held_seats: number, total: Figures, zones: Line[], channels: Line[], products?: Line[], fares?: Line[]}} Report
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

/**
 * @param {HTMLElement} root
 * @param {StaffUser} _user
 * @returns {() => void} unmount
 */
export function mountReports(root, _user) {
  let dead = false;
  let generation = 0;
  document.title = 'Sales report · seatmap staff';
  /** @type {PerformanceInfo[]} */
  let perfs = [];

  const perfSel = /** @type {HTMLSelectElement} */ (h('select', { id: 'report-performance' }, h('option', { value: '' }, 'All performances')));
  const from = /** @type {HTMLInputElement} */ (h('input', { id: 'report-from', type: 'date' }));
  const to = /** @type {HTMLInputElement} */ (h('input', { id: 'report-to', type: 'date' }));
  const status = h('p', { class: 'shows-status', role: 'status' }, 'Loading the report…');
  const out = h('div', { class: 'report', id: 'report' });

  replace(root, h('section', { class: 'staff-page' },
    h('div', { class: 'staff-home-head' },
      h('div', null, h('h1', null, 'Sales report'),
        h('p', { class: 'hint' }, 'Orders made, and refunds given, in the days chosen. Net is gross less discounts and refunds.'))),
    h('form', { class: 'filters', 'aria-label': 'Report for', onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); load(); } },
      h('div', { class: 'field field-wide' }, h('label', { for: 'report-performance' }, 'Performance'), perfSel),
      h('div', { class: 'field' }, h('label', { for: 'report-from' }, 'From'), from),
      h('div', { class: 'field' }, h('label', { for: 'report-to' }, 'Until'), to)),
    status,
    out));
  for (const el of [perfSel, from, to]) el.addEventListener('change', load);

  async function load() {
    const gen = ++generation;
    const params = new URLSearchParams();
    if (perfSel.value) params.set('performance', perfSel.value);
    if (from.value) params.set('from', dayStart(from.value));
    if (to.value) params.set('to', dayStart(to.value, true));
    out.setAttribute('aria-busy', 'true');
    try {
      /** @type {Report} */
      const r = await api.get(paths.salesReport(params));
      if (dead || gen !== generation) return;
      status.hidden = true;
      render(r);
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

  /** @param {Report} r */
  function render(r) {
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
      h('div', { class: 'report-charts' },
        chart('zones', 'By zone', r.zones, (k) => zones.get(k) || k, cur,
          unsplit(r.zones, t) ? 'Refunds of an amount (not of seats) belong to no zone: they show by channel and in the total.' : ''),
        chart('channels', 'By channel', r.channels, channelLabel, cur, ''),
        r.products && r.products.length ? chart('products', 'By product', r.products, (k) => k, cur,
          'Passes and access products sold; a block card counts each of its cards.') : null,
        // Fares (issue 16): shown once some ticket was sold at another fare than normal.
        r.fares && r.fares.some((l) => l.key !== 'normal') ? chart('fares', 'By fare', r.fares, (k) => k, cur,
          'Tickets by the fare they were sold at (normal, reduced, free).') : null));
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
