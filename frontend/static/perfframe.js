// The seat-map page's frame: its heading, the legend, the map's box and what
// sits around it — everything that decides where the map is on the screen.
// firstdraw.js builds it (inline in index.html, before the app has arrived)
// to paint a small hall's first frame, and performance.js builds it or, when
// firstdraw.js drew first, takes that one over: one builder, so the app's
// page is laid out as the first frame was and the map does not move.

import { h, replace } from './dom.js';
import { money, dateTime, count } from './format.js';
import { FREE } from './seatdata.js';

/**
 * @typedef {import('./seatdata.js').SeatData} SeatData
 * @typedef {{id: string, name: string, price: number, currency: string, color: string}} Zone
 * @typedef {{name: string, starts_at: string, zones?: Zone[]}} PerfInfo
 * @typedef {{
 *   page: HTMLElement, title: HTMLElement, when: HTMLElement, avail: HTMLElement, liveStatus: HTMLElement,
 *   legend: HTMLElement, accessibleOnly: HTMLInputElement, mapOptions: HTMLElement, mapEl: HTMLElement,
 *   keysHelp: HTMLElement, panel: HTMLElement,
 * }} Frame the page's elements; the panel is empty (the app fills it)
 */

/**
 * Builds the page's frame, the map's box showing that it is loading.
 * @returns {Frame}
 */
export function buildFrame() {
  const title = h('h1', { class: 'perf-title' }, 'Loading…');
  const when = h('p', { class: 'perf-when' });
  const liveStatus = h('span', { id: 'live-status', class: 'live-status', dataset: { state: 'connecting' }, role: 'status' }, 'Connecting…');
  const avail = h('span', { class: 'perf-avail' });
  const legend = h('ul', { class: 'legend', 'aria-label': 'Prices and seat colours' });
  const mapEl = h('div', { class: 'map' }, h('div', { class: 'map-loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading the seat map…'));
  const accessibleOnly = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: 'accessible-only' }));
  const mapOptions = h('div', { class: 'map-options' },
    h('label', { class: 'check' }, accessibleOnly, 'Show wheelchair-accessible seats only'));
  const keysHelp = h('details', { class: 'map-keys' },
    h('summary', null, 'Keyboard'),
    h('dl', null,
      h('dt', null, 'Tab'), h('dd', null, 'to the seat map, then:'),
      h('dt', null, 'Arrow keys'), h('dd', null, 'move to the next seat in that direction; each seat is read out'),
      h('dt', null, 'Enter or Space'), h('dd', null, 'pick the seat, or remove it again'),
      h('dt', null, 'Home, End'), h('dd', null, 'first or last seat of the row'),
      h('dt', null, 'Page Up, Page Down'), h('dd', null, 'previous or next section'),
      h('dt', null, 'Shift + arrow keys'), h('dd', null, 'move the map'),
      h('dt', null, '+ and −, 0'), h('dd', null, 'zoom in and out, show the whole hall'),
      h('dt', null, 'Tab'), h('dd', null, 'on to “Hold seats”')));
  const panel = h('aside', { class: 'panel', 'aria-label': 'Tickets' });
  const page = h('div', { class: 'perf' },
    h('div', { class: 'perf-head' },
      h('a', { href: '#/', class: 'back' }, '← All performances'),
      h('div', { class: 'perf-heading' }, title, when),
      h('div', { class: 'perf-meta' }, avail, liveStatus)),
    h('div', { class: 'perf-body' },
      h('div', { class: 'map-wrap' }, legend, mapOptions, mapEl, keysHelp),
      panel));
  return { page, title, when, avail, liveStatus, legend, accessibleOnly, mapOptions, mapEl, keysHelp, panel };
}

/**
 * Fills the heading, the legend and the count of free seats.
 * @param {Frame} f
 * @param {PerfInfo} perf
 * @param {SeatData} data
 */
export function renderHead(f, perf, data) {
  f.title.textContent = perf.name;
  f.when.textContent = dateTime(perf.starts_at);
  document.title = `${perf.name} · seatmap`;
  const zones = data ? data.zones : perf.zones || [];
  replace(f.legend,
    zones.map((z) => {
      const sw = h('span', { class: 'swatch' });
      sw.style.background = z.color; // CSSOM, allowed by the CSP's style-src 'self'
      return h('li', null, sw, h('span', null, z.name), h('span', { class: 'legend-price' }, money(z.price, z.currency)));
    }),
    h('li', { class: 'legend-state' }, h('span', { class: 'swatch swatch-mine' }), 'Your seats'),
    h('li', { class: 'legend-state' }, h('span', { class: 'swatch swatch-held' }), 'Held'),
    h('li', { class: 'legend-state' }, h('span', { class: 'swatch swatch-sold' }), 'Sold'),
    h('li', { class: 'legend-state' }, h('span', { class: 'swatch swatch-blocked' }), 'Unavailable'),
    h('li', { class: 'legend-state' }, h('span', { class: 'swatch swatch-accessible' }), 'Wheelchair accessible'),
  );
  if (data) renderAvail(f, data);
}

/**
 * The count of seats for sale here: free seats of a box-office quota or a
 * contingent are not.
 * @param {Frame} f
 * @param {SeatData} data
 */
export function renderAvail(f, data) {
  let free = data.counts[FREE];
  if (free > 0) {
    free = 0;
    for (let i = 0; i < data.n; i++) if (data.state[i] === FREE && data.sellable[data.channel[i]] === 1) free++;
  }
  f.avail.textContent = free === 0 ? (data.counts[FREE] ? 'No seats left online' : 'Sold out') : `${count(free)} of ${count(data.n)} seats free`;
}
