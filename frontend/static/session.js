// The staff sign-in: who is signed in, and the session's CSRF token, kept in
// memory only. The session itself is an HttpOnly cookie the script never sees;
// after a reload GET /session answers who it belongs to and hands the token out
// again.

import * as api from './api.js';
import * as paths from './paths.js';

/**
 * @typedef {{id: string, login: string, name: string, role: 'admin'|'organizer'|'box_office'|'gate'|'pass_counter'}} StaffUser
 * @typedef {'paint'|'desk'|'create'|'orders'|'vouchers'|'reports'|'payments'|'reconcile'|'products'|'production'|'till'|'scan'|'counter'|'topup'|'debit'|'documents'} Ability
 */

/** @type {{user: StaffUser, csrf: string} | null} */
let current = null;
/** @type {Promise<StaffUser | null> | null} */
let loading = null;

export const ROLE_NAMES = /** @type {Record<string, string>} */ ({
  admin: 'Administrator',
  organizer: 'Organizer',
  box_office: 'Box office',
  gate: 'Gate',
  pass_counter: 'Pass counter',
});

/** Who may do what; the server checks the same roles. */
const ABILITIES = /** @type {Record<Ability, string[]>} */ ({
  paint: ['admin', 'organizer'],
  create: ['admin', 'organizer'],
  desk: ['admin', 'organizer', 'box_office'],
  orders: ['admin', 'organizer', 'box_office'],
  vouchers: ['admin', 'organizer'],
  reports: ['admin', 'organizer', 'box_office'],
  payments: ['admin', 'organizer', 'box_office'],
  reconcile: ['admin', 'organizer'],
  products: ['admin', 'organizer'],
  production: ['admin', 'organizer', 'box_office'],
  till: ['admin', 'organizer', 'box_office'],
  scan: ['admin', 'organizer', 'gate'],
  counter: ['admin', 'organizer', 'box_office', 'pass_counter'],
  topup: ['admin', 'organizer', 'box_office'],
  debit: ['admin', 'organizer', 'box_office', 'gate'],
  documents: ['admin', 'organizer'],
});

/**
 * @param {StaffUser | null} user
 * @param {Ability} what
 */
export function may(user, what) {
  return !!user && ABILITIES[what].includes(user.role);
}

/** @param {{user: StaffUser, csrf_token: string}} body */
function remember(body) {
  current = { user: body.user, csrf: body.csrf_token };
  api.setCsrfToken(body.csrf_token);
  return body.user;
}

function forget() {
  current = null;
  api.setCsrfToken('');
}

/**
 * The signed-in staff member, asking the server unless known (or force).
 * Resolves to null when signed out; other failures reject.
 * @param {boolean} [force]
 * @returns {Promise<StaffUser | null>}
 */
export function loadSession(force = false) {
  if (current && !force) return Promise.resolve(current.user);
  if (loading) return loading;
  loading = (async () => {
    try {
      return remember(await api.get(paths.session()));
    } catch (err) {
      if (err instanceof api.ApiError && err.status === 401) {
        forget();
        return null;
      }
      throw err;
    } finally {
      loading = null;
    }
  })();
  return loading;
}

/** The staff member known to be signed in, without asking. */
export function staffUser() {
  return current ? current.user : null;
}

/**
 * Signs in; rejects with the server's ApiError (401 wrong credentials, 429 too
 * many attempts).
 * @param {string} login
 * @param {string} password
 */
export async function signIn(login, password) {
  forget();
  return remember(await api.post(paths.session(), { login, password }));
}

/** Signs out; the local state goes even when the server cannot be reached. */
export async function signOut() {
  try {
    await api.del(paths.session());
  } finally {
    forget();
  }
}

/**
 * Sends a signed-out staff member to the sign-in page, to come back to `next`.
 * @param {string} [next] a hash route
 */
export function toLogin(next) {
  try {
    if (next) sessionStorage.setItem('seatmap.next', next);
  } catch {
    // Without storage the sign-in page goes to #/staff.
  }
  location.hash = '#/login';
}

/** The route a sign-in should return to (once). */
export function takeNext() {
  let next = '';
  try {
    next = sessionStorage.getItem('seatmap.next') || '';
    sessionStorage.removeItem('seatmap.next');
  } catch {
    next = '';
  }
  return /^#\/(staff|orders|vouchers|reports|payments|products|facility|document-template)(\/|$)/.test(next) ? next : '#/staff';
}

/**
 * True when err means the session ended (then the page goes to sign-in).
 * @param {unknown} err
 */
export function signedOut(err) {
  if (err instanceof api.ApiError && err.status === 401) {
    forget();
    toLogin(location.hash);
    return true;
  }
  return false;
}

// A stale token (the session was renewed in another tab) is refreshed once.
api.onCsrfRefused(async () => {
  await loadSession(true);
  return current ? current.csrf : '';
});
