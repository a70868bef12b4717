// The staff side of the app: sign-in (#/login), the performances list with the
// create form (#/staff), and the frame around the painter and the desk — a small
// staff bar with the signed-in member and sign-out. Every staff route checks the
// session first; signed out, it goes to #/login and comes back after sign-in.
//
//   #/login                 sign-in
//   #/staff                 performances (drafts too), create form
//   #/staff/p/{id}/paint    the organizer's painter (painter.js)
//   #/staff/p/{id}/reschedule  reschedule to a new date, reconciliation, reservations to decide (reschedule.js, by import())
//   #/staff/p/{id}/desk     the box office desk (desk.js)
//   #/staff/halls           upload a hall layout (halls.js)
//   #/orders, #/orders/{id} the order table and one order's page (orders.js)
//   #/vouchers              promotions and voucher batches (vouchers.js)
//   #/reports               the sales report (reports.js)
//   #/payments              payments at the provider, reconciliation (payments.js)
//   #/products              access products: list and editor (products.js)
//   #/facility              opening hours, exceptions, season, zones (products.js)
//   #/passes, #/passes/{id} passes by state and product; a pass's page (production.js)
//   #/production            the production queue, print batches, posting and pick-up (production.js)
//   #/till                  access products sold at the counter (till.js)
//   #/gate                  the scanner at the turnstile (gate.js)
//   #/scans                 occupancy, gates and the scan log (scans.js)
//   #/counter               the pass counter: vouchers, value cards (counter.js, by import())
//   #/staff/p/{id}/documents a performance's documents and their versions (documents.js)
//   #/document-template      the documents' letterhead and footer, with a preview (doctemplate.js)

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { dateTime, inputDate, count } from './format.js';
import { showError, clearError, announce } from './notify.js';
import { loadSession, signIn, signOut, toLogin, takeNext, may, signedOut, ROLE_NAMES } from './session.js';
import { mountPainter } from './painter.js';
import { mountDesk } from './desk.js';
import { mountOrders, mountOrderPage } from './orders.js';
import { mountVouchers } from './vouchers.js';
import { mountReports } from './reports.js';
import { mountPayments } from './payments.js';
import { mountHalls } from './halls.js';
import { mountProducts, mountFacility } from './products.js';
import { mountPasses, mountPassPage, mountProduction } from './production.js';
import { mountTill } from './till.js';
import { mountGate } from './gate.js';
import { mountScans } from './scans.js';
import { statusPill } from './staffmap.js';
import { mountDocuments } from './documents.js';
import { mountDocumentTemplate } from './doctemplate.js';

/** @typedef {import('./session.js').StaffUser} StaffUser */

/**
 * Mounts a staff route once the session is known.
 * @param {HTMLElement} root
 * @param {string[]} parts the route, split at '/'
 * @returns {() => void} unmount
 */
export function mountStaff(root, parts) {
  parts = parts.filter((p, i) => p !== '' || i === 0); // "#/staff/" is "#/staff"
  let dead = false;
  /** @type {(() => void) | null} */
  let inner = null;
  document.body.dataset.area = 'staff';
  replace(root, h('div', { class: 'staff-loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Checking your sign-in…'));

  (async () => {
    let user;
    try {
      user = await loadSession();
    } catch (err) {
      if (dead) return;
      replace(root, h('section', { class: 'order' }, h('div', { class: 'order-card' },
        h('h1', null, 'The staff area cannot be reached'),
        h('p', null, 'Please check your connection and try again.'),
        h('div', { class: 'btn-row' }, h('button', { type: 'button', class: 'btn btn-primary', onclick: () => location.reload() }, 'Try again')))));
      showError(err);
      return;
    }
    if (dead) return;
    if (parts[0] === 'login') {
      if (user) {
        location.replace(takeNext());
        return;
      }
      inner = mountLogin(root);
      return;
    }
    if (!user) {
      toLogin(location.hash);
      return;
    }
    const content = h('div', { class: 'staff-content' });
    const area = parts[0];
    const perfId = area === 'staff' && parts[1] === 'p' ? parts[2] || '' : '';
    const page = area === 'staff' && parts[1] === 'p' ? parts[3] || '' : area === 'staff' && parts[1] === 'halls' ? 'halls' : '';
    replace(root, staffBar(user, area, perfId, page), content);
    if (area === 'staff' && parts.length === 1 && user.role === 'gate') {
      // The gate role has one page: the scanner.
      location.replace('#/gate');
      return;
    }
    if (area === 'staff' && parts.length === 1) inner = mountHome(content, user);
    else if (area === 'staff' && parts[1] === 'halls' && parts.length === 2) inner = may(user, 'create') ? mountHalls(content) : forbidden(content, user, 'upload halls', '');
    else if (perfId && page === 'paint') inner = may(user, 'paint') ? mountPainter(content, perfId, user) : forbidden(content, user, 'paint the seat map', perfId);
    else if (perfId && page === 'documents') inner = may(user, 'documents') ? mountDocuments(content, perfId) : forbidden(content, user, 'see the documents', perfId);
    else if (area === 'document-template' && parts.length === 1) inner = may(user, 'documents') ? mountDocumentTemplate(content) : forbidden(content, user, 'edit the document template', '');
    else if (perfId && page === 'reschedule') inner = may(user, 'paint') ? mountLazily(content, () => import('./reschedule.js').then((m) => (el) => m.mountReschedule(el, perfId))) : forbidden(content, user, 'reschedule the performance', perfId);
    else if (perfId && page === 'desk') inner = may(user, 'desk') ? mountDesk(content, perfId, user) : forbidden(content, user, 'use the box office desk', perfId);
    else if (area === 'orders' && parts.length <= 2) {
      if (!may(user, 'orders')) inner = forbidden(content, user, 'see orders', '');
      else inner = parts[1] ? mountOrderPage(content, parts[1], user) : mountOrders(content, user);
    } else if (area === 'vouchers' && parts.length === 1) inner = may(user, 'vouchers') ? mountVouchers(content, user) : forbidden(content, user, 'manage vouchers and promotions', '');
    else if (area === 'reports' && parts.length === 1) inner = may(user, 'reports') ? mountReports(content, user) : forbidden(content, user, 'see sales reports', '');
    else if (area === 'payments' && parts.length === 1) inner = may(user, 'payments') ? mountPayments(content, user) : forbidden(content, user, 'see payments', '');
    else if (area === 'products' && parts.length === 1) inner = may(user, 'products') ? mountProducts(content) : forbidden(content, user, 'edit products', '');
    else if (area === 'facility' && parts.length === 1) inner = may(user, 'products') ? mountFacility(content) : forbidden(content, user, 'edit the facility settings', '');
    else if (area === 'passes' && parts.length <= 2) {
      if (!may(user, 'production')) inner = forbidden(content, user, 'see passes', '');
      else inner = parts[1] ? mountPassPage(content, parts[1]) : mountPasses(content);
    } else if (area === 'production' && parts.length === 1) inner = may(user, 'production') ? mountProduction(content) : forbidden(content, user, 'make passes', '');
    else if (area === 'till' && parts.length === 1) inner = may(user, 'till') ? mountTill(content) : forbidden(content, user, 'sell at the till', '');
    else if (area === 'gate' && parts.length === 1) inner = may(user, 'scan') ? mountGate(content) : forbidden(content, user, 'scan at the gate', '');
    else if (area === 'scans' && parts.length === 1) inner = may(user, 'scan') ? mountScans(content, user) : forbidden(content, user, 'see the gates', '');
    else if (area === 'counter' && parts.length === 1) inner = may(user, 'counter') ? mountLazily(content, () => import('./counter.js').then((m) => (el) => m.mountCounter(el, user))) : forbidden(content, user, 'work the pass counter', '');
    else {
      replace(content, h('section', { class: 'order' },
        h('h1', null, 'Page not found'),
        h('p', null, h('a', { href: '#/staff' }, 'All performances'))));
    }
  })();

  return () => {
    dead = true;
    delete document.body.dataset.area;
    if (inner) inner();
  };
}

/**
 * Mounts a page whose module load() brings by import(): loaded on the first
 * visit only. A page left before then mounts nothing.
 * @param {HTMLElement} root
 * @param {() => Promise<(root: HTMLElement) => () => void>} load
 * @returns {() => void} unmount
 */
function mountLazily(root, load) {
  let gone = false;
  /** @type {(() => void) | null} */
  let inner = null;
  replace(root, h('div', { class: 'staff-loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading…'));
  load().then(
    (mount) => {
      if (!gone) inner = mount(root);
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

/**
 * The staff bar: where you are, who you are, sign-out.
 * @param {StaffUser} user
 * @param {string} area the route's first part: staff, orders, vouchers, reports, payments, products or facility
 * @param {string} perfId
 * @param {string} page
 */
function staffBar(user, area, perfId, page) {
  const out = h('button', { type: 'button', id: 'sign-out', class: 'staff-signout' }, 'Sign out');
  out.addEventListener('click', async () => {
    out.setAttribute('disabled', '');
    try {
      await signOut();
    } catch (err) {
      showError(err);
    }
    location.hash = '#/login';
  });
  /** @param {string} href @param {string} text @param {boolean} here */
  const link = (href, text, here) => h('a', { href, 'aria-current': here ? 'page' : null }, text);
  const id = encodeURIComponent(perfId);
  return h('div', { class: 'staff-bar' },
    h('div', { class: 'staff-bar-inner' },
      h('span', { class: 'staff-badge' }, 'Staff'),
      h('nav', { 'aria-label': 'Staff' },
        link('#/staff', 'Performances', area === 'staff' && !perfId && page !== 'halls'),
        may(user, 'create') ? link('#/staff/halls', 'Halls', page === 'halls') : null,
        may(user, 'orders') ? link('#/orders', 'Orders', area === 'orders') : null,
        may(user, 'vouchers') ? link('#/vouchers', 'Vouchers', area === 'vouchers') : null,
        may(user, 'reports') ? link('#/reports', 'Reports', area === 'reports') : null,
        may(user, 'payments') ? link('#/payments', 'Payments', area === 'payments') : null,
        may(user, 'till') ? link('#/till', 'Till', area === 'till') : null,
        may(user, 'scan') ? link('#/gate', 'Scanner', area === 'gate') : null,
        may(user, 'scan') ? link('#/scans', 'Gates', area === 'scans') : null,
        may(user, 'products') ? link('#/products', 'Products', area === 'products') : null,
        may(user, 'products') ? link('#/facility', 'Facility', area === 'facility') : null,
        may(user, 'production') ? link('#/passes', 'Passes', area === 'passes') : null,
        may(user, 'production') ? link('#/production', 'Production', area === 'production') : null,
        may(user, 'counter') ? link('#/counter', 'Pass counter', area === 'counter') : null,
        may(user, 'documents') ? link('#/document-template', 'Document template', area === 'document-template') : null,
        perfId ? [
          may(user, 'paint') ? link(`#/staff/p/${id}/paint`, 'Painter', page === 'paint') : null,
          may(user, 'desk') ? link(`#/staff/p/${id}/desk`, 'Box office', page === 'desk') : null,
          may(user, 'documents') ? link(`#/staff/p/${id}/documents`, 'Documents', page === 'documents') : null,
          link(`#/p/${id}`, 'Buyer view', false),
        ] : null),
      h('span', { class: 'staff-user' },
        h('span', { class: 'staff-name' }, user.name || user.login),
        h('span', { class: 'staff-role' }, ROLE_NAMES[user.role] || user.role)),
      out));
}

/**
 * @param {HTMLElement} root
 * @param {StaffUser} user
 * @param {string} what
 * @param {string} perfId
 */
function forbidden(root, user, what, perfId) {
  const id = encodeURIComponent(perfId);
  replace(root, h('section', { class: 'order' }, h('div', { class: 'order-card' },
    h('h1', null, 'Not available for your role'),
    h('p', null, `As ${ROLE_NAMES[user.role] || user.role} you cannot ${what}.`),
    h('div', { class: 'btn-row' },
      perfId && may(user, 'desk') ? h('a', { class: 'btn btn-primary', href: `#/staff/p/${id}/desk` }, 'Open the box office desk') : null,
      h('a', { class: 'btn btn-secondary', href: '#/staff' }, 'All performances')))));
  return () => {};
}

// ---- sign-in ----

/** @param {HTMLElement} root */
function mountLogin(root) {
  let dead = false;
  document.title = 'Staff sign-in · seatmap';
  const login = /** @type {HTMLInputElement} */ (h('input', { id: 'login', name: 'login', type: 'text', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true, maxlength: '64' }));
  const password = /** @type {HTMLInputElement} */ (h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: '256' }));
  const error = h('p', { id: 'login-error', class: 'form-error', role: 'alert', hidden: true });
  const button = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'login-button', class: 'btn btn-primary btn-block' }, 'Sign in'));
  /** @param {string} msg */
  const fail = (msg) => {
    error.textContent = msg;
    error.hidden = !msg;
  };
  const form = h('form', { class: 'login-form', novalidate: true, 'aria-describedby': 'login-error', onsubmit: async (/** @type {Event} */ e) => {
    e.preventDefault();
    if (button.disabled) return;
    if (!login.value.trim() || !password.value) {
      fail('Enter your login and password.');
      (!login.value.trim() ? login : password).focus();
      return;
    }
    fail('');
    button.disabled = true;
    button.textContent = 'Signing in…';
    button.setAttribute('aria-busy', 'true');
    try {
      await signIn(login.value.trim(), password.value);
      if (dead) return;
      clearError();
      location.hash = takeNext();
    } catch (err) {
      if (dead) return;
      password.value = '';
      if (err instanceof api.ApiError && err.status === 401) fail('The login or the password is wrong.');
      else if (err instanceof api.ApiError && err.status === 429) fail(`Too many attempts. ${err.retryAfter ? `Please wait ${err.retryAfter} s and try again.` : 'Please wait a moment and try again.'}`);
      else fail(err instanceof api.ApiError ? err.friendly : String(err));
      password.focus();
    } finally {
      button.disabled = false;
      button.textContent = 'Sign in';
      button.removeAttribute('aria-busy');
    }
  } },
  h('div', { class: 'field' }, h('label', { for: 'login' }, 'Login'), login),
  h('div', { class: 'field' }, h('label', { for: 'password' }, 'Password'), password),
  error,
  button);
  replace(root, h('section', { class: 'login' },
    h('div', { class: 'login-card' },
      h('h1', null, 'Staff sign-in'),
      h('p', { class: 'login-sub' }, 'For organizers and the box office. Buyers need no account: ', h('a', { href: '#/' }, 'see what’s on'), '.'),
      form)));
  login.focus();
  return () => { dead = true; };
}

// ---- performances ----

/**
 * @param {HTMLElement} root
 * @param {StaffUser} user
 */
function mountHome(root, user) {
  let dead = false;
  let generation = 0;
  document.title = 'Performances · seatmap staff';
  /** @type {Map<string, {id: string, name: string, seats: number}>} */
  const halls = new Map();
  const past = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: 'show-past' }));
  const list = h('tbody');
  const status = h('p', { class: 'shows-status' }, 'Loading performances…');
  const table = h('table', { class: 'data-table', id: 'performances-table', hidden: true },
    h('caption', { class: 'sr-only' }, 'Performances'),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Performance'),
      h('th', { scope: 'col' }, 'Date'),
      h('th', { scope: 'col' }, 'Hall'),
      h('th', { scope: 'col' }, 'Status'),
      h('th', { scope: 'col', class: 'num' }, 'Free'),
      h('th', { scope: 'col', class: 'num' }, 'Sold'),
      h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Open')))),
    list);
  const more = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn btn-secondary', hidden: true }, 'Show more'));
  /** @type {string | null} */
  let next = null;

  const form = may(user, 'create') ? createForm(halls, () => dead) : null;
  replace(root, h('section', { class: 'staff-home' },
    h('div', { class: 'staff-home-head' },
      h('div', null, h('h1', null, 'Performances'), h('p', { class: 'hint' }, 'Drafts are visible to staff only until sales start.')),
      h('label', { class: 'check' }, past, ' Show past performances')),
    h('div', { class: 'staff-home-body' },
      h('div', { class: 'card' }, status, h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Performances' }, table), h('div', { class: 'more' }, more)),
      form)));

  past.addEventListener('change', () => load(true));
  more.addEventListener('click', () => load(false));

  /** @param {boolean} fresh */
  async function load(fresh) {
    const gen = ++generation;
    const params = new URLSearchParams({ limit: '100' });
    if (!past.checked) {
      const today = new Date();
      today.setHours(0, 0, 0, 0);
      params.set('from', today.toISOString());
    }
    if (!fresh && next) params.set('cursor', next);
    if (fresh) {
      list.replaceChildren();
      status.textContent = 'Loading performances…';
      status.hidden = false;
    }
    more.disabled = true;
    try {
      const page = await api.get(paths.performances(params));
      if (dead || gen !== generation) return;
      list.append(...(page.items || []).map((/** @type {any} */ p) => row(p)));
      next = page.next || null;
      more.hidden = !next;
      table.hidden = list.children.length === 0;
      status.hidden = list.children.length > 0;
      status.textContent = list.children.length ? '' : 'No performances yet. Create the first one with the form.';
    } catch (err) {
      if (dead || gen !== generation || signedOut(err)) return;
      status.textContent = 'The performances could not be loaded.';
      showError(err);
    } finally {
      more.disabled = false;
    }
  }

  /** @param {any} p */
  function row(p) {
    const id = encodeURIComponent(p.id);
    const hall = halls.get(p.hall_id);
    const c = p.counts || { free: 0, sold: 0 };
    return h('tr', { dataset: { id: p.id } },
      h('th', { scope: 'row' }, h('span', { class: 'cell-strong' }, p.name)),
      h('td', null, dateTime(p.starts_at)),
      h('td', { class: 'hall-name', dataset: { hall: p.hall_id } }, hall ? hall.name : ''),
      h('td', null, statusPill(p.status)),
      h('td', { class: 'num' }, count(c.free)),
      h('td', { class: 'num' }, count(c.sold)),
      h('td', { class: 'row-actions' },
        may(user, 'paint') ? h('a', { class: 'btn btn-small btn-secondary', href: `#/staff/p/${id}/paint` }, 'Painter') : null,
        may(user, 'desk') ? h('a', { class: 'btn btn-small btn-secondary', href: `#/staff/p/${id}/desk` }, 'Box office') : null,
        may(user, 'documents') ? h('a', { class: 'btn btn-small btn-secondary', href: `#/staff/p/${id}/documents` }, 'Documents') : null,
        h('a', { class: 'btn btn-small btn-ghost', href: `#/p/${id}` }, 'Buyer view')));
  }

  (async () => {
    if (!may(user, 'desk')) return; // halls are for organizers and the box office
    try {
      const page = await api.get(paths.halls());
      for (const hl of page.items || []) halls.set(hl.id, hl);
      if (dead) return;
      for (const td of /** @type {NodeListOf<HTMLElement>} */ (list.querySelectorAll('td.hall-name'))) {
        td.textContent = halls.get(td.dataset.hall || '')?.name || '';
      }
      form?.dispatchEvent(new CustomEvent('halls'));
    } catch (err) {
      if (!dead && !signedOut(err)) showError(err);
    }
  })();
  load(true);
  return () => { dead = true; };
}

/**
 * The create form: hall, name, date and time, optional template, on sale at once.
 * @param {Map<string, {id: string, name: string, seats: number}>} halls
 * @param {() => boolean} isDead
 */
function createForm(halls, isDead) {
  const hall = /** @type {HTMLSelectElement} */ (h('select', { id: 'new-hall', name: 'hall', required: true }, h('option', { value: '' }, 'Loading halls…')));
  const name = /** @type {HTMLInputElement} */ (h('input', { id: 'new-name', name: 'name', type: 'text', required: true, maxlength: '200', placeholder: 'e.g. Die Zauberflöte' }));
  const tomorrow = new Date(Date.now() + 86400000);
  const date = /** @type {HTMLInputElement} */ (h('input', { id: 'new-date', name: 'date', type: 'date', required: true, value: inputDate(tomorrow) }));
  const time = /** @type {HTMLInputElement} */ (h('input', { id: 'new-time', name: 'time', type: 'time', required: true, value: '19:30' }));
  const template = /** @type {HTMLSelectElement} */ (h('select', { id: 'new-template', name: 'template' }, h('option', { value: '' }, 'None: the hall’s own zones')));
  const onSale = /** @type {HTMLInputElement} */ (h('input', { id: 'new-on-sale', type: 'checkbox' }));
  const reentry = /** @type {HTMLInputElement} */ (h('input', { id: 'new-reentry', type: 'checkbox' }));
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const button = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'new-create', class: 'btn btn-primary btn-block' }, 'Create performance'));

  async function loadTemplates() {
    const id = hall.value;
    replace(template, h('option', { value: '' }, 'None: the hall’s own zones'));
    if (!id) return;
    try {
      const page = await api.get(paths.hallTemplates(id));
      if (isDead() || hall.value !== id) return;
      for (const t of page.items || []) template.append(h('option', { value: t.id }, t.name));
    } catch (err) {
      if (!isDead() && !signedOut(err)) showError(err);
    }
  }
  hall.addEventListener('change', loadTemplates);

  const form = h('form', { class: 'card create-form', 'aria-labelledby': 'create-title', novalidate: true, onsubmit: async (/** @type {Event} */ e) => {
    e.preventDefault();
    const starts = new Date(`${date.value}T${time.value || '00:00'}`);
    let msg = '';
    if (!hall.value) msg = 'Choose a hall.';
    else if (!name.value.trim()) msg = 'Give the performance a name.';
    else if (!date.value || Number.isNaN(starts.getTime())) msg = 'Choose a date and a time.';
    error.textContent = msg;
    error.hidden = !msg;
    if (msg) return;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      /** @type {Record<string, any>} */
      const body = { hall_id: hall.value, name: name.value.trim(), starts_at: starts.toISOString(), on_sale: onSale.checked, reentry: reentry.checked };
      if (template.value) body.template_id = template.value;
      const p = await api.post(paths.performances(), body);
      if (isDead()) return;
      announce(`${p.name} was created.`);
      location.hash = `#/staff/p/${encodeURIComponent(p.id)}/paint`;
    } catch (err) {
      if (isDead() || signedOut(err)) return;
      error.textContent = err instanceof api.ApiError ? err.friendly : String(err);
      error.hidden = false;
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
    }
  } },
  h('h2', { id: 'create-title' }, 'New performance'),
  h('div', { class: 'field' }, h('label', { for: 'new-hall' }, 'Hall'), hall,
    h('p', { class: 'hint' }, 'A new venue? ', h('a', { href: '#/staff/halls' }, 'Upload a hall'), ' first.')),
  h('div', { class: 'field' }, h('label', { for: 'new-name' }, 'Name'), name),
  h('div', { class: 'field-pair' },
    h('div', { class: 'field' }, h('label', { for: 'new-date' }, 'Date'), date),
    h('div', { class: 'field' }, h('label', { for: 'new-time' }, 'Time'), time)),
  h('div', { class: 'field' }, h('label', { for: 'new-template' }, 'Zone template'), template,
    h('p', { class: 'hint' }, 'Zones, quotas and blocks saved from another performance in this hall.')),
  h('label', { class: 'check' }, onSale, ' Put on sale at once'),
  h('label', { class: 'check' }, reentry, ' Tickets get back in after an exit (the gate)'),
  error,
  button);

  form.addEventListener('halls', () => {
    replace(hall, h('option', { value: '' }, halls.size ? 'Choose a hall' : 'No halls yet'),
      [...halls.values()].map((hl) => h('option', { value: hl.id }, `${hl.name} · ${count(hl.seats)} seats`)));
    if (halls.size === 1) {
      hall.value = [...halls.keys()][0];
      loadTemplates();
    }
  });
  return form;
}
