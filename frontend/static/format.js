// Formatting of money, dates and durations for the user's locale; times in
// the venue's time zone, named, never the viewer's.

import { url, currencies, venue } from './paths.js';

/**
 * What the page needs before it renders, written into index.html by the
 * server (api/static.go): the venue's time zone (IANA), in which every time
 * is shown, with its offsets and abbreviations over the years around now,
 * and how many decimals each currency's amounts have as the server
 * counts them (ISO 4217 from golang.org/x/text/currency; the browser's own
 * Intl data differs for a few currencies: HUF, MNT, TZS …). Every amount the
 * API gives or takes is an integer of minor units in this sense. Asked of the
 * API (GET /venue, GET /currencies) only when the page lacks it. payment
 * says how buyers pay: the provider ("none", "test", "stripe") and, for
 * Stripe, the publishable key its payment form is loaded with.
 *
 * Nothing here touches Intl when the module loads: a browser's first Intl
 * object loads its locale and zone data, which on a phone costs hundreds of
 * milliseconds (TestPhoneWeight in cmd/seatd), and the seat map's first
 * frame (firstdraw.js) needs none of it.
 * @typedef {{provider: string, publishable_key?: string}} PaymentSetup
 * @typedef {{from: number, to: number, offset: number, abbr: string}} ZoneSpan Unix seconds [from, to); offset in seconds east of UTC
 * @typedef {{time_zone?: string, time_zone_spans?: ZoneSpan[], currencies?: Array<{code: string, decimals: number}>, payment?: PaymentSetup}} Boot
 */

/** @returns {Boot | null} */
function bootFromPage() {
  const text = document.getElementById('boot')?.textContent;
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** @returns {Promise<Boot>} */
async function bootFromAPI() {
  const get = (/** @type {string} */ path) =>
    fetch(url(path), { credentials: 'same-origin' }).then((r) => (r.ok ? r.json() : null)).catch(() => null);
  const [zone, list] = await Promise.all([get(venue()), get(currencies())]);
  return { time_zone: zone?.time_zone, time_zone_spans: zone?.time_zone_spans, currencies: list?.items };
}

/** @type {Boot} */
let boot = {};

/** @type {Map<string, number> | null} decimals by currency; null: ask Intl */
let serverDecimals = null;

/** @type {string} the venue's zone; '' until asked when the server named none */
let venueZone = '';

/** @type {ZoneSpan[]} */
let venueSpans = [];

/** @param {Boot} b */
function useBoot(b) {
  boot = b || {};
  serverDecimals = Array.isArray(boot.currencies) ? new Map(boot.currencies.map((c) => [c.code, c.decimals])) : null;
  // The server's zone is one its tzdata knows; should the browser not know
  // it, zoneFormat falls back to the viewer's zone and names that.
  venueZone = typeof boot.time_zone === 'string' ? boot.time_zone : '';
  venueSpans = Array.isArray(boot.time_zone_spans) ? boot.time_zone_spans : [];
}

const fromPage = bootFromPage();
useBoot(fromPage || {});

/**
 * Resolves once the boot data is in: at once when the page carries it,
 * else once the API has answered. The app (app.js) waits for it before its
 * pages run; no top-level await here, so that firstdraw.js, a classic script
 * written into index.html after the boot data, can use this module.
 * @type {Promise<void>}
 */
export const bootReady = fromPage ? Promise.resolve() : bootFromAPI().then(useBoot);

/**
 * How buyers pay, as the server started (its -payment); {provider: ''} when
 * the page was not given it (an order's own payment names its provider).
 * @returns {PaymentSetup}
 */
export function paymentSetup() {
  return boot.payment && typeof boot.payment.provider === 'string' ? boot.payment : { provider: '' };
}

/** The venue's time zone, e.g. "Europe/Berlin"; the viewer's when the server named none. */
export function venueTimeZone() {
  if (!venueZone) venueZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  return venueZone;
}

/**
 * Digits after the decimal point of a currency: 2 for EUR, 0 for JPY, 3 for
 * BHD; 2 for a code nobody knows.
 * @param {string} currency
 */
export function minorDigits(currency) {
  if (serverDecimals) return serverDecimals.get(currency) ?? 2;
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** @type {Map<string, (minor: number) => string>} */
const moneyFormats = new Map();

/**
 * Formats integer minor units in an ISO 4217 currency for the user's locale,
 * with the currency's own decimals: 1050 EUR is €10.50, 1000 JPY is ¥1,000.
 * @param {number} minor
 * @param {string} currency
 */
export function money(minor, currency) {
  let f = moneyFormats.get(currency);
  if (!f) {
    const digits = minorDigits(currency);
    const div = 10 ** digits;
    const fraction = { minimumFractionDigits: digits, maximumFractionDigits: digits };
    try {
      const nf = new Intl.NumberFormat(undefined, { style: 'currency', currency, ...fraction });
      f = (n) => nf.format(n / div);
    } catch {
      // A malformed code: show the number and the code rather than fail.
      const nf = new Intl.NumberFormat(undefined, fraction);
      f = (n) => `${nf.format(n / div)} ${currency}`;
    }
    moneyFormats.set(currency, f);
  }
  return f(minor);
}

/**
 * Minor units as a plain number to type or edit: "12.50", "1500", "1.250".
 * @param {number} minor
 * @param {string} currency
 */
export function amountText(minor, currency) {
  const digits = minorDigits(currency);
  const neg = minor < 0 ? '-' : '';
  const s = String(Math.abs(Math.trunc(minor))).padStart(digits + 1, '0');
  return digits ? `${neg}${s.slice(0, -digits)}.${s.slice(-digits)}` : neg + s;
}

/**
 * An example of an amount typed in currency: "12.50", "1500", "12.500".
 * @param {string} currency
 */
export function amountExample(currency) {
  const digits = minorDigits(currency);
  return digits ? `12.${'5'.padEnd(digits, '0')}` : '1500';
}

/**
 * A field's placeholder for an amount in currency: "0.00", "0", "0.000".
 * @param {string} currency
 */
export function amountPlaceholder(currency) {
  const digits = minorDigits(currency);
  return digits ? `0.${'0'.repeat(digits)}` : '0';
}

/**
 * What to tell someone whose amount could not be read.
 * @param {string} currency
 */
export function amountHelp(currency) {
  const digits = minorDigits(currency);
  return digits
    ? `Type the amount in ${currency} with at most ${digits} decimal${digits === 1 ? '' : 's'}, for example ${amountExample(currency)}.`
    : `${currency} has no minor unit: type a whole amount, for example ${amountExample(currency)}.`;
}

/** @type {{decimal: string, group: string} | null} */
let marks = null;

/** The user's locale's decimal and group separators (asked of Intl once, when first needed). */
function localeMarks() {
  if (!marks) {
    const parts = new Intl.NumberFormat().formatToParts(12345.6);
    marks = {
      decimal: parts.find((p) => p.type === 'decimal')?.value || '.',
      group: parts.find((p) => p.type === 'group')?.value || ',',
    };
  }
  return marks;
}

/**
 * Parses an amount typed in currency units into minor units: "12.50" and
 * "12,5" in EUR are 1250, "1,500" and "1500" in JPY are 1500. Grouping marks
 * are taken where they cannot be a decimal point (twice, or both kinds), and a
 * lone mark before three digits by the user's locale, or as grouping in a
 * currency without decimals. The currency's code or symbol may be typed too.
 * null when it is not a non-negative amount with at most the currency's
 * decimals: a currency without a minor unit takes no decimals at all.
 * @param {string} text
 * @param {string} currency
 * @returns {number | null}
 */
export function parseMoney(text, currency) {
  const digits = minorDigits(currency);
  let t = text.replace(/[\s'\u2019]/g, '');
  for (const mark of [currency, currencySymbol(currency)]) {
    if (mark && t.toUpperCase().startsWith(mark.toUpperCase())) t = t.slice(mark.length);
    else if (mark && t.toUpperCase().endsWith(mark.toUpperCase())) t = t.slice(0, -mark.length);
  }
  if (!/^\d[\d.,]*$/.test(t) || /[.,]$/.test(t)) return null;
  const marks = t.replace(/\d/g, '');
  let whole = t;
  let frac = '';
  if (marks) {
    const at = Math.max(t.lastIndexOf('.'), t.lastIndexOf(','));
    const last = t[at];
    const after = t.slice(at + 1);
    const mixed = marks.includes('.') && marks.includes(',');
    let grouping = !mixed && marks.length > 1;
    if (!mixed && marks.length === 1 && after.length === 3 && !/^0\d*$/.test(t.slice(0, at))) {
      const { group, decimal } = localeMarks();
      grouping = digits === 0 || last === group || (digits < 3 && last !== decimal);
    }
    if (!grouping) {
      if (marks.split(last).length - 1 > 1) return null; // one decimal point at most
      whole = t.slice(0, at);
      frac = after;
    }
    const groups = whole.split(/[.,]/);
    if (groups.length > 1 && (groups[0].length > 3 || groups.slice(1).some((g) => g.length !== 3 && g.length !== 2) || groups[groups.length - 1].length !== 3)) return null;
    whole = groups.join('');
  }
  if (frac.length > digits) return null;
  const minor = Number(whole + frac.padEnd(digits, '0'));
  return Number.isSafeInteger(minor) ? minor : null;
}

/**
 * The currency's symbol in the user's locale ("€", "¥"), or ''.
 * @param {string} currency
 */
function currencySymbol(currency) {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).formatToParts(0).find((p) => p.type === 'currency')?.value || '';
  } catch {
    return '';
  }
}

/** @type {Map<string, Intl.DateTimeFormat>} */
const zoneFormats = new Map();

/**
 * A formatter of dates and times in zone: the venue's, or the viewer's when
 * the browser does not know it.
 * @param {string} zone
 */
function zoneFormat(zone) {
  let f = zoneFormats.get(zone);
  if (!f) {
    const opts = /** @type {const} */ ({
      weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit',
      hourCycle: 'h23', timeZoneName: 'short',
    });
    try {
      f = new Intl.DateTimeFormat('en-GB', { ...opts, timeZone: zone });
    } catch {
      f = new Intl.DateTimeFormat('en-GB', opts);
    }
    zoneFormats.set(zone, f);
  }
  return f;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const WEEKDAYS_LONG = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTHS_LONG = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** @param {number} n */
const two = (n) => String(n).padStart(2, '0');

/**
 * The span of the venue's zone that holds instant ms: null outside the
 * spans, or for another zone.
 * @param {number} ms
 * @param {string} zone
 * @returns {ZoneSpan | null}
 */
function venueSpan(ms, zone) {
  if (zone !== venueZone || !venueSpans.length) return null;
  const sec = Math.floor(ms / 1000);
  return venueSpans.find((s) => sec >= s.from && sec < s.to) || null;
}

/**
 * How far the venue's clock is ahead of UTC at instant ms, in
 * milliseconds, from the server's spans of its zone: null outside them, or
 * for another zone.
 * @param {number} ms
 * @param {string} zone
 * @returns {number | null}
 */
export function venueOffset(ms, zone) {
  const z = venueSpan(ms, zone);
  return z ? z.offset * 1000 : null;
}

/**
 * An instant on the venue's clock from the server's spans of its zone, as
 * the server writes it (checkout.FormatWhen: Go's tzdata and its names):
 * null outside the spans, or for another zone.
 * @param {Date} d
 * @param {string} zone
 */
function venueClock(d, zone) {
  const z = venueSpan(d.getTime(), zone);
  if (!z) return null;
  const w = new Date(d.getTime() + z.offset * 1000); // its UTC fields are the venue's wall clock
  return {
    p: {
      weekday: WEEKDAYS[w.getUTCDay()], day: String(w.getUTCDate()), month: MONTHS[w.getUTCMonth()],
      year: String(w.getUTCFullYear()), hour: two(w.getUTCHours()), minute: two(w.getUTCMinutes()), timeZoneName: z.abbr,
    },
    zone,
    wall: w,
  };
}

/**
 * The parts of an instant in zone, by type: from the venue's spans when
 * they hold it, else from Intl.
 * @param {Date} d
 * @param {string} zone
 */
function partsIn(d, zone) {
  const c = venueClock(d, zone);
  if (c) return c;
  const f = zoneFormat(zone);
  /** @type {Record<string, string>} */
  const p = {};
  for (const part of f.formatToParts(d)) p[part.type] = part.value;
  return { p, zone: f.resolvedOptions().timeZone };
}

/**
 * An instant as the venue's clock shows it, naming the zone, the same as the
 * e-mails: "Sat 12 Dec 2026, 20:30 CET (Europe/Berlin)".
 * @param {string} iso
 * @param {string} [zone] IANA name; default the venue's
 */
export function dateTime(iso, zone = venueTimeZone()) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const { p, zone: z } = partsIn(d, zone);
  return `${p.weekday} ${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute} ${p.timeZoneName} (${z})`;
}

/**
 * The time of day on the venue's clock with its zone: "20:30 CET".
 * @param {string} iso
 * @param {string} [zone]
 */
export function time(iso, zone = venueTimeZone()) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const { p } = partsIn(d, zone);
  return `${p.hour}:${p.minute} ${p.timeZoneName}`;
}

/**
 * The day on the venue's calendar: "Saturday 12 December 2026".
 * @param {string} iso
 * @param {string} [zone]
 */
export function dateLong(iso, zone = venueTimeZone()) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const c = venueClock(d, zone);
  if (c) return `${WEEKDAYS_LONG[c.wall.getUTCDay()]} ${c.p.day} ${MONTHS_LONG[c.wall.getUTCMonth()]} ${c.p.year}`;
  try {
    return d.toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: zone });
  } catch {
    return d.toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  }
}

/**
 * The day on the venue's calendar in parts, for a date badge: "Sat", "12",
 * "Dec".
 * @param {string} iso
 * @param {string} [zone]
 * @returns {{weekday: string, day: string, month: string}}
 */
export function dayParts(iso, zone = venueTimeZone()) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return { weekday: '', day: '', month: '' };
  const { p } = partsIn(d, zone);
  return { weekday: p.weekday, day: p.day, month: p.month };
}

/**
 * Formats a remaining duration as mm:ss (never negative).
 * @param {number} ms
 */
export function mmss(ms) {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * A local calendar date as YYYY-MM-DD, the value format of <input type=date>.
 * @param {Date} d
 */
export function inputDate(d) {
  const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/**
 * Parses YYYY-MM-DD as local midnight.
 * @param {string} v
 * @returns {Date | null}
 */
export function parseInputDate(v) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (!m) return null;
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

/** @param {number} n */
export function count(n) {
  return new Intl.NumberFormat().format(n);
}

/** Why a voucher or promotion cannot be used, in the buyer's words. */
const CODE_REASONS = /** @type {Record<string, string>} */ ({
  unknown: 'This code is not known.',
  blocked: 'This code is blocked.',
  used_up: 'This code has been used up.',
  not_yet_available: 'This code is not yet available.',
  wrong_date: 'Not valid on this date.',
  wrong_weekday: 'Not valid on this weekday.',
  wrong_time: 'Not valid at this time.',
  wrong_offering: 'Not valid for this show.',
  wrong_currency: 'Not valid in this currency.',
});

/** @param {string | null | undefined} reason a check's or a code-invalid problem's reason */
export function codeReason(reason) {
  return CODE_REASONS[reason || ''] || 'This code cannot be used for this booking.';
}

/** A code's state for staff. */
const CODE_STATES = /** @type {Record<string, string>} */ ({
  prepared: 'Prepared', available: 'Available', redeemed: 'Used up', blocked: 'Blocked',
});

/** @param {string} state */
export function codeState(state) {
  return CODE_STATES[state] || state;
}

/** An order's status for people. */
const ORDER_STATUSES = /** @type {Record<string, string>} */ ({
  reserved: 'Reserved',
  pending_payment: 'Waiting for payment',
  payment_failed: 'Payment not completed',
  paid: 'Paid',
  partially_refunded: 'Partially refunded',
  refunded: 'Refunded',
  expired: 'Expired',
  annulled: 'Annulled',
});

/** @param {string} status */
export function orderStatus(status) {
  return ORDER_STATUSES[status] || status;
}

/** A pass's state for people (buyers and staff). */
const PASS_STATES = /** @type {Record<string, string>} */ ({
  awaiting_personalization: 'To be personalized', personalized: 'Personalized', printed: 'Printed', posted: 'Posted',
  deposited: 'Ready for pick-up', handed_over: 'Valid', blocked: 'Blocked', replaced: 'Replaced', expired: 'Expired', void: 'Void',
});

/** @param {string} state */
export function passState(state) {
  return PASS_STATES[state] || state;
}
