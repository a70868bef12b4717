// The repertoire (#/): upcoming performances, filtered by a date range, a page
// at a time.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, time, dateLong, dayParts, venueTimeZone, inputDate, parseInputDate, count } from './format.js';
import { showError, clearError } from './notify.js';

/** @typedef {import('./performance.js').Performance} Performance */

/** The filter survives a visit to a seat map and back. */
const filter = { from: '', to: '' };

/**
 * @param {HTMLElement} root
 * @returns {() => void} unmount
 */
export function mountRepertoire(root) {
  let dead = false;
  /** @type {string | null} */
  let next = null;
  let loading = false;
  let generation = 0;

  const today = inputDate(new Date());
  if (!filter.from || filter.from < today) filter.from = today;

  const from = /** @type {HTMLInputElement} */ (h('input', { type: 'date', id: 'date-from', name: 'from', value: filter.from, min: today }));
  const to = /** @type {HTMLInputElement} */ (h('input', { type: 'date', id: 'date-to', name: 'to', value: filter.to, min: filter.from }));
  const list = h('ol', { class: 'shows', 'aria-live': 'polite', 'aria-busy': 'true' });
  const status = h('p', { class: 'shows-status' }, 'Loading performances…');
  const more = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'load-more', class: 'btn btn-secondary', hidden: true, onclick: () => load(false) }, 'Show more'));
  const reset = h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => {
    from.value = today;
    to.value = '';
    changed();
  } }, 'Reset');

  replace(root,
    h('section', { class: 'repertoire' },
      h('div', { class: 'hero' },
        h('h1', null, 'What’s on'),
        h('p', null, 'Choose a performance, pick your seats on the live hall plan, and book in a minute.'),
        h('p', null, 'Day tickets and annual passes: ', h('a', { id: 'shop-link', href: '#/shop' }, 'see the passes'), '.')),
      h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter by date', onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); changed(); } },
        h('div', { class: 'field' }, h('label', { for: 'date-from' }, 'From'), from),
        h('div', { class: 'field' }, h('label', { for: 'date-to' }, 'Until'), to),
        reset),
      status,
      list,
      h('div', { class: 'more' }, more)));

  from.addEventListener('change', changed);
  to.addEventListener('change', changed);

  function changed() {
    filter.from = from.value || today;
    filter.to = to.value;
    to.min = filter.from;
    load(true);
  }

  /** @param {boolean} fresh start from the first page */
  async function load(fresh) {
    if (loading && !fresh) return;
    const gen = ++generation;
    loading = true;
    const f = parseInputDate(filter.from) || new Date();
    const fromTime = filter.from === today ? new Date() : f;
    const params = new URLSearchParams({ from: fromTime.toISOString(), limit: '50' });
    if (filter.to) {
      const t = parseInputDate(filter.to);
      if (t) {
        if (t < f) {
          showError('The “until” date is before the “from” date.');
          loading = false;
          return;
        }
        t.setDate(t.getDate() + 1); // through the end of that day
        params.set('to', t.toISOString());
      }
    }
    if (!fresh && next) params.set('cursor', next);
    if (fresh) {
      list.replaceChildren();
      status.textContent = 'Loading performances…';
      status.hidden = false;
    }
    list.setAttribute('aria-busy', 'true');
    more.disabled = true;
    try {
      const page = await api.get(paths.performances(params));
      if (dead || gen !== generation) return;
      clearError();
      /** @type {Performance[]} */
      const items = page.items || [];
      list.append(...items.map(card));
      next = page.next || null;
      more.hidden = !next;
      const shown = list.children.length;
      status.hidden = shown > 0;
      status.textContent = shown ? '' : 'No performances in this period. Try other dates.';
    } catch (err) {
      if (dead || gen !== generation) return;
      status.textContent = 'The performances could not be loaded.';
      status.hidden = false;
      showError(err);
    } finally {
      if (gen === generation) {
        loading = false;
        more.disabled = false;
        list.setAttribute('aria-busy', 'false');
      }
    }
  }

  load(true);
  return () => { dead = true; };
}

/**
 * One performance in the list.
 * @param {Performance} p
 */
function card(p) {
  const day = dayParts(p.starts_at); // on the venue's calendar, not the viewer's
  const prices = (p.zones || []).filter((z) => z.price >= 0);
  let priceText = '';
  if (prices.length) {
    const min = prices.reduce((a, b) => (b.price < a.price ? b : a));
    const sameCurrency = prices.every((z) => z.currency === min.currency);
    priceText = prices.length === 1 || !sameCurrency ? money(min.price, min.currency) : `from ${money(min.price, min.currency)}`;
  }
  const c = p.counts;
  const total = c ? c.free + c.held + c.sold + c.blocked : 0;
  let availText = '', availClass = '';
  if (c && total) {
    const share = c.free / total;
    if (c.free === 0) { availText = 'Sold out'; availClass = 'out'; }
    else if (share < 0.1) { availText = `Only ${count(c.free)} seats left`; availClass = 'low'; }
    else availText = `${count(c.free)} seats available`;
  }
  const onSale = p.status === 'on_sale';
  const bar = h('span', { class: 'avail-bar', 'aria-hidden': 'true' }, h('span', { class: 'avail-fill' }));
  if (c && total) /** @type {HTMLElement} */ (bar.firstChild).style.width = `${Math.round((c.free / total) * 100)}%`;
  return h('li', null,
    h('a', { class: 'show', href: `#/p/${encodeURIComponent(p.id)}` },
      h('span', { class: 'show-date', 'aria-hidden': 'true' },
        h('span', { class: 'show-wd' }, day.weekday),
        h('span', { class: 'show-day' }, day.day),
        h('span', { class: 'show-month' }, day.month)),
      h('span', { class: 'show-main' },
        h('span', { class: 'show-name' }, p.name),
        h('span', { class: 'show-meta' },
          h('time', { datetime: p.starts_at }, `${dateLong(p.starts_at)} · ${time(p.starts_at)} (${venueTimeZone()})`)),
        c && total ? h('span', { class: `show-avail ${availClass}` }, bar, availText) : null),
      h('span', { class: 'show-side' },
        priceText ? h('span', { class: 'show-price' }, priceText) : null,
        onSale
          ? h('span', { class: 'show-cta' }, c && c.free === 0 ? 'View plan' : 'Choose seats')
          : h('span', { class: 'badge' }, p.status === 'stopped' ? 'Sales stopped' : p.status === 'cancelled' ? 'Cancelled' : 'Not on sale'))));
}
