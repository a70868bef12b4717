// A performance's first frame before the app has arrived. The server writes
// this module into index.html as a classic script (frontend/build.go: bundled
// on its own with what it imports, allowed by its hash in the
// Content-Security-Policy), run as the page is parsed: an async module script
// ran only after the app's scripts had been compiled. On a phone
// the app's scripts take a few hundred ms of CPU to compile and run after
// they arrive; the page's data (asked for by early.js) is usually there
// before that. So this puts the page's frame (perfframe.js: the heading, the
// legend, the map's box) into the page once it is parsed, and as soon as the
// performance and its packed seat map have arrived, fills it in and paints
// the seats with their states into a canvas in the map's box (seatcanvas.js: the app's own painting code), at
// the size the layout gives the box (read in a ResizeObserver, after layout:
// no layout forced). The app then takes the frame over (performance.js:
// claimFirstDraw) and draws its own map over this one in one task, at the
// same size and with the same code, so nothing moves or flashes.
//
// It paints only what the app's first frame would show the same: a hall of
// up to EARLY_MAX_SEATS seats that opens with seats, not the section
// overview (which needs the app's label placement and counts). A larger hall
// is left to the app altogether: its data is not unpacked twice. Once the
// app has claimed the page (it mounted first, or the route changed) this
// does nothing more. TestPhoneWeight (cmd/seatd) asserts that on a phone the
// theatre's map is drawn before the app's modules run (app.js waits for it),
// and logs the steps' performance marks (seatmap:firstdraw:start, :frame,
// :data, and seatmap:firstdraw when drawn); TestFirstDrawTakeover that the app's first
// frame has the same pixels, in the same place.

import './early.js';
import { performance as performancePath, compactSeatmap } from './paths.js';
import { readPrefetched } from './prefetch.js';
import { replace } from './dom.js';
import { SeatData } from './seatdata.js';
import { SeatCanvas, OVERVIEW_PX } from './seatcanvas.js';
import { buildFrame, renderHead } from './perfframe.js';
import { bootReady } from './format.js';
import { startFirstDraw, firstDraw } from './handoff.js';

/**
 * Halls up to this many seats are drawn here; a larger one is left to the
 * app. A stadium (80,000 seats) opens at the section overview on a phone
 * anyway.
 */
const EARLY_MAX_SEATS = 20_000;

/** The performance of a seat-map route (#/p/{id}), or ''. */
function routeId() {
  const m = /^#\/?p\/([^/?]+)/.exec(location.hash);
  if (!m) return '';
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return '';
  }
}

/**
 * Resolves once the page's <main> has been parsed (before the app's scripts
 * run: those wait for the end of parsing).
 * @returns {Promise<HTMLElement | null>}
 */
function mainElement() {
  const main = document.getElementById('main');
  if (main || document.readyState !== 'loading') return Promise.resolve(main);
  return new Promise((resolve) => {
    document.addEventListener('readystatechange', () => resolve(document.getElementById('main')), { once: true });
  });
}

/** @param {string} id */
async function draw(id) {
  const fd = startFirstDraw(id);
  if (!fd) return;
  const reads = Promise.all([readPrefetched(performancePath(id)), readPrefetched(compactSeatmap(id))]);
  // The page's frame at once, showing that the map is loading (the app
  // would show the same while it waits for the data).
  const main = await mainElement();
  const f = buildFrame();
  if (main && fd.state === 'waiting' && routeId() === id) {
    fd.frame = f;
    replace(main, f.page);
    performance.mark('seatmap:firstdraw:frame');
  }
  const [perf, map] = await reads;
  await bootReady; // at once when the page carries the boot data (the server writes it in)
  performance.mark('seatmap:firstdraw:data');
  const done = (/** @type {'framed' | 'gone'} */ state) => {
    if (fd.state === 'waiting' || fd.state === 'drawing') fd.state = fd.frame ? state : 'gone';
    fd.settle();
  };
  // Not this app's to draw: a large hall, an error (the app says what), or
  // the app or the route moved on.
  if (!perf || !map || !fd.frame || fd.state !== 'waiting' || routeId() !== id || !(map.count <= EARLY_MAX_SEATS)) {
    done('framed');
    return;
  }
  let data, painter;
  const canvas = document.createElement('canvas');
  canvas.className = 'map-canvas';
  canvas.setAttribute('aria-hidden', 'true'); // the app's map, which replaces it, is the one to read and use
  try {
    data = new SeatData(map);
    painter = new SeatCanvas(canvas, data, 'buyer');
    renderHead(f, perf, data);
  } catch {
    done('framed');
    return;
  }
  const loading = [...f.mapEl.childNodes];
  f.mapEl.replaceChildren(canvas);
  fd.state = 'drawing';
  // Painted after the layout of the frame that shows the page, at the box's
  // size, and again should the box change before the app takes over.
  const ro = new ResizeObserver(() => {
    if (fd.state !== 'drawing' && fd.state !== 'drawn') {
      ro.disconnect();
      fd.settle();
      return;
    }
    const w = f.mapEl.clientWidth, h = f.mapEl.clientHeight;
    if (w) painter.fitTo(w, h);
    if (!w || !h || painter.seatPx() < OVERVIEW_PX) {
      // The app's overview it is (or a box with no room): the frame stays,
      // the map waits for the app.
      ro.disconnect();
      f.mapEl.replaceChildren(...loading);
      done('framed');
      return;
    }
    painter.paint();
    if (!fd.drawnAt) fd.drawnAt = performance.mark('seatmap:firstdraw').startTime;
    fd.state = 'drawn';
    fd.settle();
  });
  ro.observe(f.mapEl);
}

const id = routeId();
if (id) {
  performance.mark('seatmap:firstdraw:start');
  draw(id).catch(() => {
    // Whatever went wrong, the app takes over at once.
    const fd = firstDraw();
    if (!fd) return;
    if (fd.state !== 'claimed') fd.state = fd.frame ? 'framed' : 'gone';
    fd.settle();
  });
}
