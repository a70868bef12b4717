// What the staff order, voucher and report pages look up besides their own
// data: the performances (names, dates, zones) for their selects and to name the
// performance and zones of an order. Fetched once per page view, a few pages of
// 200 at most; a performance outside them still shows, by its id.

import * as api from './api.js';
import * as paths from './paths.js';
import { h } from './dom.js';
import { dateTime, venueTimeZone, venueOffset } from './format.js';

/**
 * @typedef {{id: string, name: string, starts_at: string, status: string,
 *   zones: Array<{id: string, name: string, price: number, currency: string, color: string}>}} PerformanceInfo
 */

/** Pages of performances fetched at most. */
const MAX_PAGES = 5;

/**
 * Every performance, newest first, past ones too.
 * @param {AbortSignal} [signal]
 * @returns {Promise<PerformanceInfo[]>}
 */
export async function loadPerformances(signal) {
  /** @type {PerformanceInfo[]} */
  const out = [];
  /** @type {string | null} */
  let cursor = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const params = new URLSearchParams({ limit: '200' });
    if (cursor) params.set('cursor', cursor);
    const page = await api.get(paths.performances(params), signal);
    out.push(...(page.items || []));
    cursor = page.next || null;
    if (!cursor) break;
  }
  return out.sort((a, b) => b.starts_at.localeCompare(a.starts_at));
}

/**
 * Options for a performance select, after an "all" option.
 * @param {PerformanceInfo[]} perfs
 * @param {string} allLabel
 */
export function performanceOptions(perfs, allLabel) {
  return [
    h('option', { value: '' }, allLabel),
    perfs.map((p) => h('option', { value: p.id }, `${p.name} · ${dateTime(p.starts_at)}`)),
  ];
}

/**
 * The zone names of the performances, by zone id (the first name wins when
 * performances reuse an id).
 * @param {PerformanceInfo[]} perfs
 */
export function zoneNames(perfs) {
  /** @type {Map<string, string>} */
  const names = new Map();
  for (const p of perfs) {
    for (const z of p.zones || []) if (!names.has(z.id)) names.set(z.id, z.name);
  }
  return names;
}

/**
 * A local calendar date (YYYY-MM-DD) as the instant it starts, for from/to
 * query parameters; with nextDay, the instant the day after starts, so a "to"
 * date includes its whole day.
 * @param {string} date
 * @param {boolean} [nextDay]
 */
export function dayStart(date, nextDay = false) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return '';
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (nextDay ? 1 : 0));
  return d.toISOString();
}

/**
 * A calendar date (YYYY-MM-DD) as the instant it starts on the venue's clock
 * (not the browser's), for from/to query parameters of reports; with
 * nextDay, the instant the day after starts, so a "to" date includes its
 * whole day.
 * @param {string} date
 * @param {boolean} [nextDay]
 * @param {string} [zone] the venue's time zone
 */
export function venueDayStart(date, nextDay = false, zone = venueTimeZone()) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return '';
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (nextDay ? 1 : 0));
  // The offset at the guess, then at the instant found: twice settles a
  // day whose midnight is next to a change of the clocks.
  let t = wall - zoneOffset(wall, zone);
  t = wall - zoneOffset(t, zone);
  return new Date(t).toISOString();
}

/** @type {Map<string, Intl.DateTimeFormat>} */
const offsetFormats = new Map();

/**
 * How far the zone's clock is ahead of UTC at t, in milliseconds.
 * @param {number} t
 * @param {string} zone
 */
function zoneOffset(t, zone) {
  const known = venueOffset(t, zone); // the server's spans of the venue's zone, as its reports count days
  if (known !== null) return known;
  let f = offsetFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit' });
    offsetFormats.set(zone, f);
  }
  /** @type {Record<string, string>} */
  const p = {};
  for (const part of f.formatToParts(new Date(t))) p[part.type] = part.value;
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return wall - Math.floor(t / 1000) * 1000;
}
