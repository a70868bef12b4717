// A script of its own, loaded async before the app: on a performance's page
// it asks for the performance and its seat map the moment it arrives, while
// the app's modules are still on their way (TestPhoneWeight in cmd/seatd
// measures what this saves on a phone). performance.js's api.get calls take
// these answers (prefetch.js).

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
