// Formatting of money, dates and durations for the user's locale.

/** @type {Map<string, (minor: number) => string>} */
const moneyFormats = new Map();

/**
 * Formats integer minor units (cents) in an ISO 4217 currency. The currency's own
 * number of decimals decides the divisor (100 for EUR, 1 for JPY).
 * @param {number} minor
 * @param {string} currency
 */
export function money(minor, currency) {
  let f = moneyFormats.get(currency);
  if (!f) {
    try {
      const nf = new Intl.NumberFormat(undefined, { style: 'currency', currency });
      const div = 10 ** (nf.resolvedOptions().maximumFractionDigits ?? 2);
      f = (n) => nf.format(n / div);
    } catch {
      // An unknown code: show the number and the code rather than fail.
      const nf = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
      f = (n) => `${nf.format(n / 100)} ${currency}`;
    }
    moneyFormats.set(currency, f);
  }
  return f(minor);
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit',
});
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** @param {string} iso */
export function dateTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTimeFormat.format(d);
}

/** @param {string} iso */
export function time(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : timeFormat.format(d);
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

/**
 * Digits after the decimal point of a currency (2 for EUR, 0 for JPY).
 * @param {string} currency
 */
export function minorDigits(currency) {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/**
 * Parses an amount typed in currency units ("12.50", "12,5") into minor units;
 * null when it is not a number of at most the currency's decimals, or negative.
 * @param {string} text
 * @param {string} currency
 * @returns {number | null}
 */
export function parseMoney(text, currency) {
  const t = text.replace(/\s/g, '').replace(',', '.');
  const digits = minorDigits(currency);
  if (!/^\d+(\.\d*)?$/.test(t)) return null;
  const frac = t.split('.')[1] || '';
  if (frac.length > digits) return null;
  return Math.round(Number(t) * 10 ** digits);
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
