// The app: a hash router over the buyer pages and the staff pages, loaded by
// app.js (the entry). Routing in the fragment keeps the server simple: it only
// ever serves index.html and these files.
//
//   #/            repertoire
//   #/p/{id}      seat map and checkout of one performance
//   #/order/{id}  order confirmation (order.js, loaded by import() on the first visit)
//   #/order/{id}/replacement?key=…  the buyer's attend-or-refund page (replacement.js, by import())
//   #/shop        the pass shop (shop.js, loaded by import() on the first visit)
//   #/personalize/{token}  the buyer's personalization page (personalize.js, by import())
//   #/login, #/staff, #/staff/p/{id}/paint, #/staff/p/{id}/desk   staff (staff.js)
//   #/orders, #/orders/{id}, #/vouchers, #/reports, #/payments     staff (staff.js)
//   #/products, #/facility                                          staff (staff.js, products.js)
//   #/passes, #/passes/{id}, #/production                          staff (staff.js, production.js)
//   #/till                                                          staff (staff.js, till.js)
//   #/gate, #/scans                                                 staff (staff.js, gate.js, scans.js)
//   #/counter                                                       staff (staff.js, counter.js by import())
//
// staff.js and everything only it imports (desk, painter, orders, vouchers,
// reports, staffmap, session, catalog: most of the app's bytes) are loaded by
// import() on the first staff route, never on a buyer's page. What a seat
// map's first draw does not need is loaded after it: the checkout and the
// payment step (performance.js imports checkout.js once the map is up), the
// order page (order.js, on its route).

import { h, replace } from './dom.js';
import { clearError, showError } from './notify.js';
import { resetHooks } from './hooks.js';
import { mountRepertoire } from './repertoire.js';
import { mountPerformance } from './performance.js';

const STAFF_ROUTES = ['login', 'staff', 'orders', 'vouchers', 'reports', 'payments', 'products', 'facility', 'till', 'passes', 'production', 'gate', 'scans', 'counter', 'document-template'];

/**
 * Mounts a page whose module is loaded by import() on its first visit; a
 * route left before then mounts nothing.
 * @param {() => Promise<(main: HTMLElement) => (() => void)>} load the page's mount
 * @param {HTMLElement} main
 * @returns {() => void} unmount
 */
function mountLazily(load, main) {
  let gone = false;
  /** @type {(() => void) | null} */
  let inner = null;
  load().then(
    (mount) => {
      if (!gone) inner = mount(main);
    },
    (err) => {
      if (!gone) showError(err);
    },
  );
  return () => {
    gone = true;
    if (inner) inner();
  };
}

/** @type {(() => void) | null} */
let unmount = null;

function route() {
  const main = /** @type {HTMLElement} */ (document.getElementById('main'));
  // A query after the path (#/reports?x=1, from a hand-made link) is not part
  // of the route.
  const hash = location.hash.replace(/^#\/?/, '').split('?')[0];
  const parts = hash.split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (unmount) unmount();
  unmount = null;
  resetHooks();
  clearError();
  document.title = 'seatmap · tickets';
  document.body.dataset.page = parts[0] || 'home';

  if (parts[0] === '' || parts[0] === undefined) unmount = mountRepertoire(main);
  else if (parts[0] === 'p' && parts[1]) unmount = mountPerformance(main, parts[1]);
  else if (parts[0] === 'order' && parts[1] && parts[2] === 'replacement') {
    const id = parts[1];
    unmount = mountLazily(() => import('./replacement.js').then((m) => (el) => m.mountReplacement(el, id)), main);
  } else if (parts[0] === 'order' && parts[1]) {
    const id = parts[1];
    unmount = mountLazily(() => import('./order.js').then((m) => (el) => m.mountOrder(el, id)), main);
  } else if (parts[0] === 'shop') unmount = mountLazily(() => import('./shop.js').then((m) => m.mountShop), main);
  else if (parts[0] === 'personalize' && parts[1]) {
    const token = parts[1];
    unmount = mountLazily(() => import('./personalize.js').then((m) => (el) => m.mountPersonalize(el, token)), main);
  } else if (STAFF_ROUTES.includes(parts[0])) {
    unmount = mountLazily(() => import('./staff.js').then((m) => (el) => m.mountStaff(el, parts)), main);
  }
  else {
    replace(main, h('section', { class: 'order' },
      h('h1', null, 'Page not found'),
      h('p', null, h('a', { href: '#/' }, 'See all performances'))));
  }
  // A new page starts at its top; a page just loaded is there already, and
  // asking would lay out the page before it has its data (a phone's first
  // draw waits for that layout).
  if (routed) {
    window.scrollTo(0, 0);
    // Move focus to the new page for keyboard and screen-reader users. Not
    // on the first: a page just loaded starts at its top with nothing
    // focused, as any page does, and focusing would lay it out before it has
    // its data (60 ms of a phone's first draw).
    main.focus({ preventScroll: true });
  }
  routed = true;
}

/** Whether a route has been shown: false until the first. */
let routed = false;

window.addEventListener('hashchange', route);
document.getElementById('error-close')?.addEventListener('click', clearError);
route();
