// Entry point. It loads the app (main.js: the router and the pages) once
// firstdraw.js is done with a seat map's first frame. firstdraw.js is written
// into index.html (frontend/build.go) and draws a small hall as soon as its
// data has arrived; on a phone that is while the app's scripts are still
// being compiled. Running the app's modules then would hold that frame up by
// a few hundred ms of CPU, so they wait for it (index.html has them fetched
// and compiled meanwhile: the build preloads main.js and its chunks), then the
// seat-map page takes the frame over (performance.js). On any other route,
// or with nothing to draw, the app loads at once.

// early.js runs once, whichever script comes first: index.html loads it on
// its own too, so that it starts while this bundle is still arriving.
import './early.js';
import { firstDrawSettled } from './handoff.js';
import { bootReady } from './format.js';

/**
 * At most this long the app waits for the first frame. The page shows
 * firstdraw.js's frame meanwhile, and the map needs the data anyway: this
 * only bounds a wait that went wrong.
 */
const FIRST_DRAW_WAIT_MS = 8000;

await Promise.all([firstDrawSettled(FIRST_DRAW_WAIT_MS), bootReady]);
// The app's modules run from here: TestPhoneWeight asserts that the theatre's
// map was drawn before this mark.
performance.mark('seatmap:app');
await import('./main.js');
