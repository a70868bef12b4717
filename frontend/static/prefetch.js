// Answers asked for ahead of need. early.js starts them as the page is
// parsed (the server writes it into index.html), before the app's modules
// have arrived; api.js hands each to the first GET of the same path. One left
// untaken for 10 s is dropped: the page went elsewhere. The answers are kept
// on the window, not in this module: the inline early.js and firstdraw.js
// each have a copy of this module of their own.

import { url } from './paths.js';

/**
 * An answer asked for ahead: the response, once its body has been read when
 * readPrefetched asked for it first.
 * @typedef {{answer: Promise<Response>}} Entry
 */

/** @type {Map<string, Entry>} */
const early = (/** @type {any} */ (globalThis)[Symbol.for('seatmap.prefetch')] ||= new Map());

/** Paths asked for once already: asking again (early.js runs in the bundle too) is a no-op. */
/** @type {Set<string>} */
const asked = (/** @type {any} */ (globalThis)[Symbol.for('seatmap.prefetched')] ||= new Set());

/**
 * Bodies read by readPrefetched, parsed, by response: the taker uses them
 * rather than read (and parse) the body a second time.
 * @type {WeakMap<Response, {data: any}>}
 */
const bodies = (/** @type {any} */ (globalThis)[Symbol.for('seatmap.prefetchBodies')] ||= new WeakMap());

/**
 * Starts a GET of path now, with the headers api.js would send.
 * @param {string} path from paths.js
 */
export function prefetch(path) {
  if (asked.has(path)) return;
  asked.add(path);
  const p = fetch(url(path), { headers: { Accept: 'application/json, application/problem+json' }, credentials: 'same-origin' });
  p.catch(() => {}); // the taker sees a failure; until then it is nobody's
  /** @type {Entry} */
  const entry = { answer: p };
  early.set(path, entry);
  setTimeout(() => {
    if (early.get(path) === entry) early.delete(path);
  }, 10_000);
}

/**
 * The answer prefetch(path) started, once; undefined if none.
 * @param {string} path
 * @returns {Promise<Response> | undefined}
 */
export function takePrefetched(path) {
  const entry = early.get(path);
  early.delete(path);
  return entry?.answer;
}

/**
 * Reads the JSON of the answer prefetch(path) started, without taking it:
 * the taker (api.js) gets the answer once it has been read, with its body
 * (prefetchedBody). null when there is none, or it failed or is not 2xx:
 * the taker reads and reports that one itself.
 * @param {string} path
 * @returns {Promise<any>}
 */
export function readPrefetched(path) {
  const entry = early.get(path);
  if (!entry) return Promise.resolve(null);
  const answer = entry.answer;
  const read = answer.then(async (res) => {
    if (!res.ok || bodies.has(res)) return bodies.get(res)?.data ?? null;
    const text = await res.text();
    let data = null;
    try {
      data = JSON.parse(text);
    } catch {
      // as api.js: a body that is not JSON is no data
    }
    bodies.set(res, { data });
    return data;
  });
  // The taker waits for the read: the body is read once.
  entry.answer = read.then(() => answer, () => answer);
  return read.catch(() => null);
}

/**
 * The body readPrefetched read of res, if it did.
 * @param {Response} res
 * @returns {{data: any} | undefined}
 */
export function prefetchedBody(res) {
  return bodies.get(res);
}
