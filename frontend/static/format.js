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
