// What firstdraw.js did on this page load, and how the app takes it over:
// kept on the window, as the inline firstdraw.js and the app's bundle each
// have their own copy of this module. No imports: the app's entry waits on
// it before it loads the rest of the app (app.js).

/** @typedef {import('./perfframe.js').Frame} Frame */

/**
 * What firstdraw.js did. state: "waiting" for the data (frame, once set, is
 * in the page, showing that the map is loading), "drawing" (the data is in,
 * the map is painted with the next frame), "drawn" (at drawnAt, ms since
 * navigation), "framed" (the frame is in the page, the map left to the app:
 * a large hall, one that opens at overview, an error), "gone" (nothing in the
 * page), or "claimed" by the app (firstdraw.js does nothing more). done and
 * settled: it has drawn, or will not.
 * @typedef {{id: string, state: 'waiting'|'drawing'|'drawn'|'framed'|'claimed'|'gone', drawnAt: number, frame: Frame | null,
 *   done: boolean, settled: Promise<void>, settle: () => void}} FirstDraw
 */

const FIRST = Symbol.for('seatmap.firstdraw');

/**
 * The first draw of this page load, if firstdraw.js ran.
 * @returns {FirstDraw | undefined}
 */
export function firstDraw() {
  return /** @type {any} */ (globalThis)[FIRST];
}

/**
 * Starts the first draw of performance id: undefined if one was started on
 * this page load already.
 * @param {string} id
 * @returns {FirstDraw | undefined}
 */
export function startFirstDraw(id) {
  if (firstDraw()) return undefined;
  /** @type {(v: undefined) => void} */
  let resolve = () => {};
  const settled = new Promise((r) => { resolve = r; });
  /** @type {FirstDraw} */
  const fd = {
    id, state: 'waiting', drawnAt: 0, frame: null, done: false, settled,
    settle: () => {
      fd.done = true;
      resolve(undefined);
    },
  };
  /** @type {any} */ (globalThis)[FIRST] = fd;
  return fd;
}

/**
 * The app takes the page over: firstdraw.js stops, and the frame it put in
 * the page for performance id (if any) is the app's to keep.
 * @param {string} id
 * @returns {{frame: Frame, drawnAt: number} | null}
 */
export function claimFirstDraw(id) {
  const fd = firstDraw();
  if (!fd) return null;
  const f = fd.id === id && fd.state !== 'gone' && fd.state !== 'claimed' && fd.frame && fd.frame.page.isConnected ? fd.frame : null;
  fd.state = 'claimed';
  return f ? { frame: f, drawnAt: fd.drawnAt } : null;
}

/**
 * Resolves once firstdraw.js is done — it drew the map, or it will not —
 * at once in a background tab (nothing is drawn there until it is shown:
 * the app takes over), and after ms at most. The app waits for it before it
 * runs, so that its own start does not hold up the first frame; the page
 * shows firstdraw.js's frame meanwhile.
 * @param {number} ms
 * @returns {Promise<void>}
 */
export function firstDrawSettled(ms) {
  const fd = firstDraw();
  if (!fd || fd.done || fd.state === 'claimed' || document.visibilityState === 'hidden') return Promise.resolve();
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', hidden);
      resolve(undefined);
    };
    const hidden = () => { if (document.visibilityState === 'hidden') finish(); };
    const timer = setTimeout(finish, ms);
    document.addEventListener('visibilitychange', hidden);
    fd.settled.then(finish);
  });
}
