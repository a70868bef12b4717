// On a performance's page, asks for the performance and its seat map at
// once. The server writes it into index.html (frontend/build.go: bundled on
// its own, allowed by its hash in the Content-Security-Policy), so it runs as
// the page is parsed, while the app's modules are still on their way
// (TestPhoneWeight in cmd/seatd measures what this saves on a phone); app.js
// imports it too, for a page served as plain files. performance.js's api.get
// calls take these answers (prefetch.js).

import { prefetch } from './prefetch.js';
import { performance, compactSeatmap } from './paths.js';

const m = /^#\/?p\/([^/?]+)/.exec(location.hash);
if (m) {
  let id = '';
  try {
    id = decodeURIComponent(m[1]);
  } catch {
    // a broken link: the page says so once the router has run
  }
  if (id) {
    prefetch(performance(id));
    prefetch(compactSeatmap(id));
  }
}
