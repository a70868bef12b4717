// Gates and their log (#/scans): who is inside now, by zone (live on a
// socket, GET /occupancy/live; asked every few seconds while it is down),
// the gates (organizers make them here), and the scan log with filters — a
// gate, granted or denied, the conflicts offline scanners brought back.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { dateTime, count } from './format.js';
import { showError, announce } from './notify.js';
import { signedOut, may } from './session.js';
import { reasonText } from './gate.js';

/**
 * @typedef {import('./session.js').StaffUser} StaffUser
 * @typedef {{id: string, name: string, zones: string[], direction: string, performance_id?: string}} Gate
 * @typedef {{id: string, verdict: string, reason?: string, gate_id: string, direction: string, code: string, at: string,
 *   holder?: string, offline?: boolean, conflict?: string, kind?: string}} ScanRow
 */

const REFRESH_MS = 3000;
const DIRECTIONS = /** @type {Record<string, string>} */ ({ in: 'In', out: 'Out', both: 'In and out' });

/**
 * @param {HTMLElement} root
 * @param {StaffUser} user
 * @returns {() => void} unmount
 */
export function mountScans(root, user) {
  let dead = false;
  /** @type {Gate[]} */
  let gates = [];
  /** @type {{id: string, name: string}[]} */
  let zones = [];
  /** @type {string | null} */
  let next = null;
  document.title = 'Gates · seatmap staff';

  const occupancy = h('div', { class: 'stat-cards', id: 'occupancy', 'aria-live': 'polite' });
  const gateList = h('tbody');
  const gateTable = h('table', { class: 'data-table', id: 'gates-table' },
    h('caption', { class: 'sr-only' }, 'Gates'),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Gate'), h('th', { scope: 'col' }, 'Zones'), h('th', { scope: 'col' }, 'Direction'))),
    gateList);

  const name = /** @type {HTMLInputElement} */ (h('input', { id: 'gate-new-name', type: 'text', maxlength: '200', required: true }));
  const direction = /** @type {HTMLSelectElement} */ (h('select', { id: 'gate-new-direction' },
    Object.entries(DIRECTIONS).map(([v, l]) => h('option', { value: v }, l))));
  direction.value = 'both';
  const zoneBox = h('fieldset', { class: 'field', id: 'gate-new-zones' }, h('legend', null, 'Leads into (none: every zone)'));
  const formError = h('p', { class: 'form-error', id: 'gate-new-error', role: 'alert', hidden: true });
  const form = h('form', { class: 'card side-form', id: 'gate-new', novalidate: true, onsubmit: (/** @type {Event} */ e) => {
    e.preventDefault();
    createGate();
  } },
  h('h2', null, 'New gate'),
  h('div', { class: 'field' }, h('label', { for: 'gate-new-name' }, 'Name'), name),
  h('div', { class: 'field' }, h('label', { for: 'gate-new-direction' }, 'Counts'), direction),
  zoneBox,
  formError,
  h('button', { type: 'submit', class: 'btn btn-primary btn-block', id: 'gate-new-save' }, 'Make gate'));

  const filterGate = /** @type {HTMLSelectElement} */ (h('select', { id: 'scans-gate' }, h('option', { value: '' }, 'All gates')));
  const filterVerdict = /** @type {HTMLSelectElement} */ (h('select', { id: 'scans-verdict' },
    h('option', { value: '' }, 'Granted and denied'), h('option', { value: 'granted' }, 'Granted'), h('option', { value: 'denied' }, 'Denied')));
  const filterConflict = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: 'scans-conflict' }));
  const rows = h('tbody');
  const more = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn btn-secondary', id: 'scans-more', hidden: true, onclick: () => loadScans(true) }, 'Older scans'));
  const logStatus = h('p', { class: 'hint', id: 'scans-status' }, 'Loading…');

  replace(root, h('section', { class: 'scans-page', 'aria-labelledby': 'scans-title' },
    h('div', { class: 'page-head' }, h('div', null, h('h1', { id: 'scans-title' }, 'Gates'),
      h('p', { class: 'hint' }, 'Who is inside, the gates, and every scan. Scanners open ', h('a', { href: '#/gate' }, 'the scanner'), '.'))),
    h('h2', null, 'Inside now'),
    occupancy,
    h('div', { class: 'order-page-grid' },
      h('div', { class: 'order-page-main' },
        h('div', { class: 'card' }, h('h2', null, 'Gates'), h('div', { class: 'table-scroll', tabindex: '0' }, gateTable)),
        h('div', { class: 'card' },
          h('h2', null, 'Scan log'),
          h('div', { class: 'filters' },
            h('div', { class: 'field' }, h('label', { for: 'scans-gate' }, 'Gate'), filterGate),
            h('div', { class: 'field' }, h('label', { for: 'scans-verdict' }, 'Verdict'), filterVerdict),
            h('label', { class: 'check', for: 'scans-conflict' }, filterConflict, ' Only conflicts of offline scanners')),
          logStatus,
          h('div', { class: 'table-scroll', tabindex: '0' }, h('table', { class: 'data-table', id: 'scans-table' },
            h('caption', { class: 'sr-only' }, 'Scans, newest first'),
            h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'When'), h('th', { scope: 'col' }, 'Gate'), h('th', { scope: 'col' }, 'Way'),
              h('th', { scope: 'col' }, 'Code'), h('th', { scope: 'col' }, 'Verdict'), h('th', { scope: 'col' }, 'Holder'))),
            rows)),
          more)),
      may(user, 'paint') ? h('div', { class: 'order-page-side' }, form) : null)));

  for (const el of [filterGate, filterVerdict, filterConflict]) el.addEventListener('change', () => loadScans(false));

  /** @param {string} id */
  const gateName = (id) => gates.find((g) => g.id === id)?.name || id;
  /** @param {string} id */
  const zoneName = (id) => (id === '*' ? 'Every zone' : zones.find((z) => z.id === id)?.name || id);

  function renderGates() {
    replace(gateList, gates.length ? gates.map((g) => h('tr', { dataset: { gate: g.id } },
      h('th', { scope: 'row' }, g.name),
      h('td', null, g.zones.length ? g.zones.map(zoneName).join(', ') : 'Every zone'),
      h('td', null, DIRECTIONS[g.direction] || g.direction)))
      : h('tr', null, h('td', { colspan: '3', class: 'hint' }, 'No gates yet.')));
    const keep = filterGate.value;
    replace(filterGate, h('option', { value: '' }, 'All gates'), gates.map((g) => h('option', { value: g.id }, g.name)));
    filterGate.value = keep;
  }

  /** @param {{zones: {zone: string, inside: number}[], total: number}} o */
  function renderOccupancy(o) {
    replace(occupancy,
        h('div', { class: 'stat-card stat-net', id: 'occupancy-total' }, h('span', { class: 'stat-label' }, 'Inside'),
          h('strong', { class: 'stat-value', dataset: { count: String(o.total) } }, count(o.total))),
        o.zones.map((z) => h('div', { class: 'stat-card', dataset: { zone: z.zone } }, h('span', { class: 'stat-label' }, zoneName(z.zone)),
          h('strong', { class: 'stat-value' }, count(z.inside)))));
  }

  async function refreshOccupancy() {
    try {
      const o = await api.get(paths.occupancy());
      if (!dead) renderOccupancy(o);
    } catch (err) {
      if (signedOut(err)) dead = true;
    }
  }

  /**
   * Occupancy live on a socket (after every scan, at most twice a second);
   * while it is down the page asks every few seconds instead.
   */
  /** @type {WebSocket | null} */
  let socket = null;
  function openSocket() {
    if (dead) return;
    socket = new WebSocket(paths.socketURL(paths.occupancyLive()));
    socket.onmessage = (ev) => {
      try {
        renderOccupancy(JSON.parse(ev.data));
        occupancy.dataset.live = 'true';
      } catch {
        // A message that is not the occupancy: the next one is.
      }
    };
    socket.onclose = () => {
      occupancy.dataset.live = 'false';
      socket = null;
      if (!dead) window.setTimeout(openSocket, 5000);
    };
  }

  /** @param {boolean} older */
  async function loadScans(older) {
    /** @type {Record<string, string>} */
    const q = { limit: '100' };
    if (filterGate.value) q.gate_id = filterGate.value;
    if (filterVerdict.value) q.verdict = filterVerdict.value;
    if (filterConflict.checked) q.conflict = 'true';
    if (older && next) q.cursor = next;
    try {
      /** @type {{items: ScanRow[], next: string | null}} */
      const page = await api.get(paths.scans(q));
      if (dead) return;
      next = page.next;
      more.hidden = !next;
      const trs = page.items.map((s) => h('tr', { dataset: { scan: s.id, verdict: s.verdict } },
        h('td', null, dateTime(s.at), s.offline ? h('span', { class: 'sub' }, 'offline') : null),
        h('td', null, gateName(s.gate_id)),
        h('td', null, s.direction === 'in' ? 'In' : 'Out'),
        h('td', null, h('code', null, s.code)),
        h('td', null, h('span', { class: `ticket-status scan-${s.verdict}` }, s.verdict === 'granted' ? 'Granted' : `Denied: ${reasonText(s.reason || '')}`),
          s.conflict ? h('span', { class: 'sub scan-conflict' }, s.conflict) : null),
        h('td', null, s.holder || '—')));
      if (older) rows.append(...trs);
      else replace(rows, trs);
      logStatus.textContent = rows.children.length ? '' : 'No scans match.';
      logStatus.hidden = !!rows.children.length;
    } catch (err) {
      if (dead || signedOut(err)) return;
      showError(err);
    }
  }

  async function createGate() {
    formError.hidden = true;
    const body = {
      name: name.value.trim(), direction: direction.value,
      zones: [...zoneBox.querySelectorAll('input:checked')].map((i) => /** @type {HTMLInputElement} */ (i).value),
    };
    if (!body.name) {
      formError.textContent = 'Name the gate, e.g. “North turnstile”.';
      formError.hidden = false;
      name.focus();
      return;
    }
    try {
      /** @type {Gate} */
      const g = await api.post(paths.gates(), body);
      if (dead) return;
      gates = [...gates, g].sort((a, b) => a.name.localeCompare(b.name));
      renderGates();
      name.value = '';
      announce(`Gate ${g.name} made.`);
    } catch (err) {
      if (dead || signedOut(err)) return;
      formError.textContent = err instanceof api.ApiError ? err.friendly : String(err);
      formError.hidden = false;
    }
  }

  (async () => {
    try {
      const [g, f] = await Promise.all([api.get(paths.gates()), api.get(paths.facility())]);
      if (dead) return;
      gates = g.items || [];
      zones = f.zones || [];
    } catch (err) {
      if (dead || signedOut(err)) return;
      showError(err);
      return;
    }
    replace(zoneBox, h('legend', null, 'Leads into (none: every zone)'),
      zones.length ? zones.map((z) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: z.id, name: 'gate-zone' }), ` ${z.name}`))
        : h('p', { class: 'hint' }, 'The facility has no zones: the gate leads everywhere.'));
    renderGates();
    refreshOccupancy();
    openSocket();
    loadScans(false);
  })();
  const timer = window.setInterval(() => {
    if (!dead && !socket && document.visibilityState === 'visible') refreshOccupancy();
  }, REFRESH_MS);

  return () => {
    dead = true;
    clearInterval(timer);
    socket?.close();
  };
}
