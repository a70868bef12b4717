// A thin fetch wrapper for the JSON API. Failures become ApiError, carrying the
// problem document (RFC 9457) the server sent, so pages can show its detail.
// Paths come from paths.js.

import { url } from './paths.js';
import { takePrefetched, prefetchedBody } from './prefetch.js';

/** Server clock minus ours, from the Date header; 0 while they agree within 2 s. */
let clockSkewMs = 0;

/** The server's idea of now, in ms since the epoch: hold deadlines are its times. */
export function serverNow() {
  return Date.now() + clockSkewMs;
}

/** @param {Response} res */
function noteClock(res) {
  const d = Date.parse(res.headers.get('Date') || '');
  if (Number.isNaN(d)) return;
  // The header has whole seconds: ignore sub-2 s differences rather than add jitter.
  const skew = d - Date.now();
  clockSkewMs = Math.abs(skew) < 2000 ? 0 : skew;
}

/**
 * The signed-in staff member's CSRF token, kept in memory only: every
 * state-changing request carries it, and a reload reads it again from
 * GET /session. Empty for buyers.
 */
let csrfToken = '';

/** @type {(() => Promise<string>) | null} */
let csrfRefresher = null;

/**
 * Sets the CSRF token sent with POST, PUT and DELETE ('' to stop sending one).
 * @param {string} token
 */
export function setCsrfToken(token) {
  csrfToken = token || '';
}

/**
 * Registers how to fetch a fresh CSRF token when the server refuses a stale one
 * (the session was renewed in another tab).
 * @param {(() => Promise<string>) | null} fn
 */
export function onCsrfRefused(fn) {
  csrfRefresher = fn;
}

/** The body of a problem+json answer, as far as the app uses it. */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server could not be reached
   * @param {{type?: string, title?: string, detail?: string, seats?: string[], retry_after?: number, reason?: string, field?: string, errors?: {path: string, reason: string}[],
   *   pass?: string, balance?: number, currency?: string}} problem
   */
  constructor(status, problem) {
    super(problem.detail || problem.title || `request failed (${status})`);
    this.name = 'ApiError';
    this.status = status;
    this.type = problem.type || '';
    this.title = problem.title || '';
    this.detail = problem.detail || '';
    /** Seat ids the server named, e.g. the taken seats of a 409. */
    this.seats = Array.isArray(problem.seats) ? problem.seats : [];
    this.retryAfter = Number(problem.retry_after) || 0;
    /** Why a voucher or promotion was refused (code-invalid), e.g. "blocked". */
    this.reason = typeof problem.reason === 'string' ? problem.reason : '';
    /** The bad field of an invalid-input problem, as the request named it: "price", "hours.mon.ranges[0]". */
    this.field = typeof problem.field === 'string' ? problem.field : '';
    /** What is wrong where, e.g. in a hall layout: [{path: "sections[0].rows[2].seats[5].id", reason}]. */
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    /** The pass a voucher or card became (voucher-exchanged, pass-not-in-use). */
    this.pass = typeof problem.pass === 'string' ? problem.pass : '';
    /** A card's balance and its currency (insufficient-balance); null when not told. */
    this.balance = typeof problem.balance === 'number' ? problem.balance : null;
    this.currency = typeof problem.currency === 'string' ? problem.currency : '';
  }

  /** The problem type's last segment, e.g. "code-invalid". */
  get slug() {
    return this.type.replace(/^.*\//, '');
  }

  /** A sentence for the buyer. */
  get friendly() {
    switch (this.status) {
      case 0:
        return 'Cannot reach the box office right now. Check your connection and try again.';
      case 429:
        if (this.slug === 'hold-limit') {
          const wait = this.retryAfter ? `, or wait about ${Math.ceil(this.retryAfter / 60)} min until the oldest of your holds ends` : '';
          return `You already hold as many seats as one buyer may at once. Buy or release some of them first${wait}.`;
        }
        return `Please wait a moment before trying again${this.retryAfter ? ` (about ${this.retryAfter} s)` : ''}.`;
      case 503:
        return this.detail || 'The box office is busy right now. Please try again in a moment.';
    }
    if (this.detail) return capitalize(this.detail);
    if (this.title) return this.title;
    return `Something went wrong (error ${this.status}). Please try again.`;
  }
}

/** @param {string} s */
function capitalize(s) {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : t + '.';
}

/**
 * Sends a request and decodes the JSON answer (null for 204).
 * @param {string} method
 * @param {string} path from paths.js
 * @param {{body?: any, headers?: Record<string,string>, signal?: AbortSignal, onStatus?: (status: number) => void, blob?: boolean}} [opts]
 *   onStatus hears the status of a successful answer (200 or 201, say); blob: the answer as a Blob (a PDF), errors as problems still
 * @returns {Promise<any>}
 */
export async function request(method, path, opts = {}) {
  try {
    return await send(method, path, opts);
  } catch (err) {
    // A stale CSRF token: fetch the session's current one and try once more.
    if (err instanceof ApiError && err.status === 403 && /csrf$/.test(err.type) && csrfRefresher && csrfToken) {
      const fresh = await csrfRefresher().catch(() => '');
      if (fresh && fresh !== csrfToken) {
        csrfToken = fresh;
        return send(method, path, opts);
      }
    }
    throw err;
  }
}

/**
 * @param {string} method
 * @param {string} path
 * @param {{body?: any, headers?: Record<string,string>, signal?: AbortSignal, onStatus?: (status: number) => void, blob?: boolean}} opts
 *   blob: a successful answer's body as a Blob (a PDF), not JSON
 */
async function send(method, path, opts) {
  /** @type {Record<string,string>} */
  const headers = { Accept: 'application/json, application/problem+json', ...opts.headers };
  if (csrfToken && method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken;
  /** @type {RequestInit} */
  const init = { method, headers, credentials: 'same-origin', signal: opts.signal };
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  let res;
  try {
    const early = method === 'GET' ? takePrefetched(path) : undefined;
    res = await (early || fetch(url(path), init));
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, { title: 'Network error', detail: String(err && /** @type {Error} */ (err).message) });
  }
  noteClock(res);
  if (opts.blob && res.ok) {
    if (opts.onStatus) opts.onStatus(res.status);
    return res.blob();
  }
  if (res.status === 204) return null;
  // An answer asked for ahead may have been read already (firstdraw.js).
  const read = prefetchedBody(res);
  let data = null;
  if (read) data = read.data;
  else {
    const text = await res.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
  }
  if (!res.ok) {
    const problem = data && typeof data === 'object' ? data : { title: res.statusText };
    if (!problem.retry_after && res.headers.get('Retry-After')) problem.retry_after = Number(res.headers.get('Retry-After'));
    throw new ApiError(res.status, problem);
  }
  if (opts.onStatus) opts.onStatus(res.status);
  return data;
}

export const get = (/** @type {string} */ path, /** @type {AbortSignal=} */ signal) => request('GET', path, { signal });
export const post = (/** @type {string} */ path, /** @type {any} */ body, /** @type {Record<string,string>=} */ headers) =>
  request('POST', path, { body: body ?? {}, headers });
export const put = (/** @type {string} */ path, /** @type {any} */ body, /** @type {Record<string,string>=} */ headers) =>
  request('PUT', path, { body, headers });
export const patch = (/** @type {string} */ path, /** @type {any} */ body, /** @type {Record<string,string>=} */ headers) =>
  request('PATCH', path, { body, headers });
export const del = (/** @type {string} */ path) => request('DELETE', path);

/**
 * A random UUID v4 for Idempotency-Key. crypto.randomUUID needs a secure context
 * (https or localhost); getRandomValues works everywhere.
 */
export function uuid() {
  if (typeof crypto.randomUUID === 'function' && window.isSecureContext) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
