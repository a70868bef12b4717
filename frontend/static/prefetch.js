// Answers asked for ahead of need. early.js starts them as the page is
// parsed (the server writes it into index.html), before the app's modules
// have arrived; api.js hands each to the first GET of the same path. One left
// untaken for 10 s is dropped: the page went elsewhere. The answers are kept
// on the window, not in this module: the inline early.js has a copy of this
// module of its own.

import { url } from './paths.js';

/** @type {Map<string, Promise<Response>>} */
const early = (/** @type {any} */ (globalThis)[Symbol.for('seatmap.prefetch')] ||= new Map());

/** Paths asked for once already: asking again (early.js runs in the bundle too) is a no-op. */
/** @type {Set<string>} */
const asked = (/** @type {any} */ (globalThis)[Symbol.for('seatmap.prefetched')] ||= new Set());

/**
 * Starts a GET of path now, with the headers api.js would send.
 * @param {string} path from paths.js
 */
export function prefetch(path) {
  if (asked.has(path)) return;
  asked.add(path);
  const p = fetch(url(path), { headers: { Accept: 'application/json, application/problem+json' }, credentials: 'same-origin' });
  p.catch(() => {}); // the taker sees a failure; until then it is nobody's
  early.set(path, p);
  setTimeout(() => {
    if (early.get(path) === p) early.delete(path);
  }, 10_000);
}

/**
 * The answer prefetch(path) started, once; undefined if none.
 * @param {string} path
 * @returns {Promise<Response> | undefined}
 */
export function takePrefetched(path) {
  const p = early.get(path);
  early.delete(path);
  return p;
}
