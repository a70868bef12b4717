// Pass production for staff (issue 14, seed 000):
//   #/passes        passes by state and product, newest first, each linking to
//   #/passes/{id}   a pass's page: holder, photo, QR code, history, and the
//                   moves its state allows (ship, deposit, hand over, block,
//                   unblock, replace)
//   #/production    the production queue (personalized, not printed) with
//                   "Make print batch", past batches (PDF, CSV), and the
//                   posting and pick-up list.
// Making a batch is two steps, each honest about its progress: the POST
// prints the passes at once (a record, no document); the PDF is then made
// as it is fetched, and the page shows the time taken while the server
// assembles it and the bytes as they arrive (fpdf writes a document whole,
// so there is no page count to show before the first byte).

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { dateTime } from './format.js';
import { announce, showError, clearError } from './notify.js';
import { loadLedger, ledgerTable, balanceLine } from './ledger.js';
import { reasonText } from './gate.js';

/**
 * @typedef {{id: string, order_id: string, code: string | null, state: string, product_id: string, product_name: string,
 *   valid_from: string | null, valid_to: string | null, personalize: boolean, holder: {name: string, birth_date: string | null},
 *   created_at: string}} Pass
 * @typedef {Pass & {history: {at: string, actor: string, from: string, to: string, note: string}[], moves: string[],
 *   replaced_by: string | null, printed_at: string | null, photo_url: string | null}} PassDetail
 * @typedef {{id: string, passes: string[], count: number, created_at: string, created_by: string, pdf_url: string, csv_url: string}} Batch
 */

export const STATES = ['awaiting_personalization', 'personalized', 'printed', 'posted', 'deposited', 'handed_over', 'blocked', 'replaced', 'expired', 'void'];

const STATE_NAMES = /** @type {Record<string, string>} */ ({
  awaiting_personalization: 'To be personalized', personalized: 'Personalized', printed: 'Printed', posted: 'Posted',
  deposited: 'Deposited', handed_over: 'Handed over', blocked: 'Blocked', replaced: 'Replaced', expired: 'Expired', void: 'Void',
});

const MOVE_NAMES = /** @type {Record<string, string>} */ ({
  ship: 'Ship (posted)', deposit: 'Deposit for pick-up', 'hand-over': 'Hand over', block: 'Block', unblock: 'Unblock', replace: 'Replace (lost card)',
});

/** @param {string} s */
export const stateName = (s) => STATE_NAMES[s] || s;

/** @param {string} s */
const statePill = (s) => h('span', { class: `badge pass-state state-${s}`, dataset: { state: s } }, stateName(s));

/**
 * @param {string} id
 * @param {string} label
 * @param {HTMLElement} control
 */
const field = (id, label, control) => h('div', { class: 'field' }, h('label', { for: id }, label), control);

/**
 * @param {Pass} p
 * @param {HTMLElement | null} [actions]
 */
function passRow(p, actions = null) {
  return h('tr', { dataset: { pass: p.id, state: p.state } },
    h('td', null, h('a', { href: `#/passes/${encodeURIComponent(p.id)}`, class: 'pass-link' }, p.holder.name || '(no holder yet)')),
    h('td', null, p.product_name),
    h('td', null, statePill(p.state)),
    h('td', null, dateTime(p.created_at)),
    actions ? h('td', { class: 'pass-actions' }, actions) : null);
}

/**
 * @param {string} id
 * @param {string} caption
 * @param {boolean} [withActions]
 */
function passTable(id, caption, withActions = false) {
  const body = h('tbody');
  const table = h('table', { class: 'data-table', id },
    h('caption', { class: 'sr-only' }, caption),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Holder'), h('th', { scope: 'col' }, 'Product'), h('th', { scope: 'col' }, 'State'),
      h('th', { scope: 'col' }, 'Sold'), withActions ? h('th', { scope: 'col' }, 'Actions') : null)),
    body);
  return { table, body, wrap: h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': caption }, table) };
}

/**
 * #/passes: the pass list, filtered by state and product.
 * @param {HTMLElement} root
 * @returns {() => void}
 */
export function mountPasses(root) {
  let dead = false;
  let generation = 0;
  /** @type {string | null} */
  let next = null;
  document.title = 'Passes · seatmap staff';
  const stateSel = /** @type {HTMLSelectElement} */ (h('select', { id: 'passes-state', name: 'state' },
    h('option', { value: '' }, 'Any state'), STATES.map((s) => h('option', { value: s }, stateName(s)))));
  const productSel = /** @type {HTMLSelectElement} */ (h('select', { id: 'passes-product', name: 'product' }, h('option', { value: '' }, 'Any product')));
  const status = h('p', { class: 'shows-status', id: 'passes-status', role: 'status' }, 'Loading passes…');
  const { body, wrap } = passTable('passes-table', 'Passes');
  const more = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'passes-more', class: 'btn btn-secondary', hidden: true }, 'More'));
  replace(root, h('section', { class: 'staff-page' },
    h('div', { class: 'staff-home-head' }, h('div', null, h('h1', null, 'Passes'),
      h('p', { class: 'hint' }, 'Newest first. Open a pass for its history and to post, hand over, block or replace it. ',
        h('a', { href: '#/production' }, 'Production queue and print batches'), '.'))),
    h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter passes', onsubmit: (/** @type {Event} */ e) => e.preventDefault() },
      field('passes-state', 'State', stateSel), field('passes-product', 'Product', productSel)),
    h('div', { class: 'card' }, status, wrap, h('div', { class: 'pager' }, more))));
  stateSel.addEventListener('change', () => load(false));
  productSel.addEventListener('change', () => load(false));
  more.addEventListener('click', () => load(true));

  api.get(paths.products({ limit: '200' })).then((page) => {
    if (dead) return;
    for (const p of page.items || []) productSel.append(h('option', { value: p.id }, p.name));
  }, () => { /* the filter works without names */ });

  /** @param {boolean} append */
  async function load(append) {
    const gen = ++generation;
    const q = new URLSearchParams({ limit: '100' });
    if (stateSel.value) q.set('state', stateSel.value);
    if (productSel.value) q.set('product', productSel.value);
    if (append && next) q.set('cursor', next);
    try {
      const page = await api.get(paths.passes(q));
      if (dead || gen !== generation) return;
      /** @type {Pass[]} */
      const items = page.items || [];
      if (!append) body.replaceChildren();
      for (const p of items) body.append(passRow(p));
      next = page.next || null;
      more.hidden = !next;
      const n = body.children.length;
      status.textContent = n ? `${n} ${n === 1 ? 'pass' : 'passes'}${next ? ' so far' : ''}.` : 'No passes match.';
    } catch (err) {
      if (!dead) showError(err);
    }
  }
  load(false);
  return () => { dead = true; };
}

/**
 * #/passes/{id}: a pass's page.
 * @param {HTMLElement} root
 * @param {string} id
 * @returns {() => void}
 */
export function mountPassPage(root, id) {
  let dead = false;
  document.title = 'Pass · seatmap staff';
  const status = h('p', { class: 'shows-status', id: 'pass-status', role: 'status' }, 'Loading the pass…');
  replace(root, h('section', { class: 'staff-page' }, status));

  async function load() {
    try {
      /** @type {PassDetail} */
      const p = await api.get(paths.pass(id));
      if (!dead) render(p);
    } catch (err) {
      if (dead) return;
      status.textContent = err instanceof api.ApiError && err.status === 404 ? 'There is no such pass.' : 'The pass cannot be loaded.';
      showError(err);
    }
  }

  /** @param {PassDetail} p */
  function render(p) {
    const note = /** @type {HTMLInputElement} */ (h('input', { id: 'pass-note', name: 'note', type: 'text', maxlength: '500', autocomplete: 'off' }));
    const moveNote = h('p', { id: 'pass-move-status', role: 'status', class: 'hint' });
    const buttons = p.moves.map((m) => h('button', { type: 'button', class: m === 'block' || m === 'replace' ? 'btn btn-secondary' : 'btn btn-primary',
      id: `pass-move-${m}`, dataset: { move: m }, onclick: () => move(m) }, MOVE_NAMES[m] || m));
    const live = !['void', 'blocked', 'replaced', 'expired'].includes(p.state) && p.code;
    replace(root, h('section', { class: 'staff-page pass-page', dataset: { pass: p.id, state: p.state } },
      h('div', { class: 'staff-home-head' }, h('div', null,
        h('h1', { id: 'pass-title', tabindex: '-1' }, p.holder.name || 'Pass without a holder'),
        h('p', { class: 'hint' }, h('a', { href: '#/passes' }, 'All passes'), ' · ', h('a', { href: `#/orders/${encodeURIComponent(p.order_id)}` }, 'Its order')))),
      h('div', { class: 'card pass-card' },
        h('div', { class: 'pass-media' },
          p.photo_url ? h('img', { class: 'pass-photo', id: 'pass-photo', src: p.photo_url, alt: `Photo of ${p.holder.name}` }) : h('p', { class: 'hint' }, 'No photo.'),
          live ? h('img', { class: 'pass-qr', id: 'pass-qr', src: paths.passQR(p.order_id, p.id), alt: 'QR code of the pass', width: '132', height: '132' }) : null),
        h('dl', { class: 'order-facts' },
          h('dt', null, 'State'), h('dd', { id: 'pass-state' }, statePill(p.state)),
          h('dt', null, 'Product'), h('dd', null, p.product_name),
          h('dt', null, 'Valid'), h('dd', null, p.valid_from && p.valid_to ? `${p.valid_from} to ${p.valid_to}` : 'from first use'),
          h('dt', null, 'Holder'), h('dd', null, p.holder.name ? `${p.holder.name}, born ${p.holder.birth_date}` : '—'),
          h('dt', null, 'Code'), h('dd', { class: 'pass-code-text' }, p.code || '—'),
          p.printed_at ? [h('dt', null, 'Printed'), h('dd', null, dateTime(p.printed_at))] : null,
          p.replaced_by ? [h('dt', null, 'Replaced by'), h('dd', null, h('a', { id: 'pass-replaced-by', href: `#/passes/${encodeURIComponent(p.replaced_by)}` }, p.replaced_by))] : null)),
      p.moves.length ? h('div', { class: 'card' },
        h('h2', null, 'Change its state'),
        field('pass-note', 'Note for the history (optional)', note),
        h('div', { class: 'btn-row', id: 'pass-moves' }, buttons), moveNote)
        : h('p', { class: 'hint', id: 'pass-no-moves' }, `A ${stateName(p.state).toLowerCase()} pass cannot change its state here.`),
      h('div', { class: 'card' },
        h('h2', null, 'History'),
        h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'History' }, h('table', { class: 'data-table', id: 'pass-history' },
          h('caption', { class: 'sr-only' }, 'State changes, oldest first'),
          h('thead', null, h('tr', null, ['When', 'Who', 'From', 'To', 'Note'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, p.history.map((c) => h('tr', null,
            h('td', null, dateTime(c.at)), h('td', null, c.actor), h('td', null, c.from ? stateName(c.from) : 'issued'),
            h('td', null, stateName(c.to)), h('td', null, c.note))))))),
      h('div', { class: 'card', id: 'pass-ledger-card', hidden: true }),
      h('div', { class: 'card', id: 'pass-scans-card', hidden: true })));
    extras(p);

    /** @param {string} m */
    async function move(m) {
      if (m === 'replace' && !window.confirm('Replace this card? Its code stops working and a new pass is made.')) return;
      clearError();
      for (const b of buttons) /** @type {HTMLButtonElement} */ (b).disabled = true;
      moveNote.textContent = 'Saving…';
      try {
        /** @type {PassDetail} */
        const got = await api.post(paths.passMove(p.id, /** @type {any} */ (m)), note.value.trim() ? { note: note.value.trim() } : {});
        if (dead) return;
        announce(`${MOVE_NAMES[m] || m}: done. The pass is ${stateName(got.state).toLowerCase()}.`);
        if (m === 'replace') {
          location.hash = `#/passes/${encodeURIComponent(got.id)}`;
          return;
        }
        render(got);
        document.getElementById('pass-title')?.focus();
      } catch (err) {
        if (dead) return;
        moveNote.textContent = err instanceof api.ApiError && err.status === 409 ? `Not done: ${err.friendly}` : '';
        showError(err);
        load();
      }
    }
  }
  /**
   * The card's ledger (value and customer cards) and the pass's last gate
   * scans, below the history, once they are loaded.
   * @param {PassDetail} p
   */
  async function extras(p) {
    const kind = /** @type {any} */ (p).kind;
    if (kind === 'value' || kind === 'customer') {
      try {
        const l = await loadLedger(p.id);
        const card = document.getElementById('pass-ledger-card');
        if (dead || !card) return;
        replace(card, h('h2', null, 'Balance and ledger'), balanceLine(l, 'pass-balance'), ledgerTable(l, 'pass-ledger'));
        card.hidden = false;
      } catch {
        // The ledger is the counter's too: its page says more.
      }
    }
    if (!p.code) return;
    try {
      /** @type {{items: {at: string, direction: string, verdict: string, reason?: string, gate_id: string}[]}} */
      const page = await api.get(paths.scans({ code: p.code, limit: '20' }));
      const card = document.getElementById('pass-scans-card');
      if (dead || !card || !page.items.length) return;
      replace(card, h('h2', null, 'At the gates'),
        h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Gate scans' }, h('table', { class: 'data-table', id: 'pass-scans' },
          h('caption', { class: 'sr-only' }, 'The last scans of this pass, newest first'),
          h('thead', null, h('tr', null, ['When', 'Way', 'Verdict'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, page.items.map((sc) => h('tr', null, h('td', null, dateTime(sc.at)), h('td', null, sc.direction === 'in' ? 'In' : 'Out'),
            h('td', null, sc.verdict === 'granted' ? 'Granted' : `Denied: ${reasonText(sc.reason || '')}`)))))));
      card.hidden = false;
    } catch {
      // Only gate staff and organizers read the scan log.
    }
  }
  load();
  return () => { dead = true; };
}

/**
 * #/production: the queue, print batches, posting and pick-up.
 * @param {HTMLElement} root
 * @returns {() => void}
 */
export function mountProduction(root) {
  let dead = false;
  document.title = 'Production · seatmap staff';
  const queue = passTable('production-queue', 'Personalized passes waiting for printing');
  const queueStatus = h('p', { class: 'shows-status', id: 'production-queue-status', role: 'status' }, 'Loading…');
  const make = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'production-make', class: 'btn btn-primary' }, 'Make print batch'));
  const progress = /** @type {HTMLProgressElement} */ (h('progress', { id: 'production-progress', hidden: true, 'aria-labelledby': 'production-progress-text' }));
  const progressText = h('p', { id: 'production-progress-text', class: 'hint', role: 'status' });
  const made = h('div', { id: 'production-made' });
  const batches = h('ul', { id: 'production-batches', class: 'batch-list' });
  const shipping = passTable('production-shipping', 'Printed and deposited passes', true);
  const shipStatus = h('p', { class: 'shows-status', id: 'production-shipping-status', role: 'status' });
  replace(root, h('section', { class: 'staff-page' },
    h('div', { class: 'staff-home-head' }, h('div', null, h('h1', null, 'Production'),
      h('p', { class: 'hint' }, 'Print the personalized passes, then post them or deposit them for pick-up, and hand them over.'))),
    h('div', { class: 'card' },
      h('h2', null, 'Waiting for printing'),
      queueStatus, queue.wrap,
      h('div', { class: 'btn-row' }, make), progress, progressText, made),
    h('div', { class: 'card' }, h('h2', null, 'Print batches'), batches),
    h('div', { class: 'card' }, h('h2', null, 'Posting and pick-up'), shipStatus, shipping.wrap)));
  make.addEventListener('click', makeBatch);

  async function loadQueue() {
    const page = await api.get(paths.passes({ state: 'personalized', limit: '200' }));
    if (dead) return;
    /** @type {Pass[]} */
    const items = page.items || [];
    replace(queue.body, items.map((p) => passRow(p)));
    queueStatus.textContent = items.length ? `${items.length}${page.next ? '+' : ''} ${items.length === 1 ? 'pass waits' : 'passes wait'} for printing.` : 'No pass waits for printing.';
    make.disabled = !items.length;
  }

  async function loadBatches() {
    const page = await api.get(paths.printBatches());
    if (dead) return;
    /** @type {Batch[]} */
    const items = page.items || [];
    replace(batches, items.length ? items.map((b) => h('li', { dataset: { batch: b.id } },
      h('span', null, `${dateTime(b.created_at)} · ${b.count} ${b.count === 1 ? 'pass' : 'passes'} · by ${b.created_by}`), ' ',
      h('a', { href: paths.url(paths.printBatchFile(b.id, 'pdf')), download: `passes-${b.id}.pdf` }, 'PDF'), ' · ',
      h('a', { href: paths.url(paths.printBatchFile(b.id, 'csv')), download: `passes-${b.id}.csv` }, 'CSV'))) : h('li', { class: 'hint' }, 'No batches yet.'));
  }

  async function loadShipping() {
    const [printed, deposited, posted] = await Promise.all(['printed', 'deposited', 'posted'].map((s) => api.get(paths.passes({ state: s, limit: '200' }))));
    if (dead) return;
    /** @type {Pass[]} */
    const rows = [...printed.items, ...deposited.items, ...posted.items];
    replace(shipping.body, rows.map((p) => {
      const moves = p.state === 'printed' ? ['ship', 'deposit'] : ['hand-over'];
      return passRow(p, h('div', { class: 'btn-row' }, moves.map((m) => h('button', { type: 'button', class: 'btn btn-secondary btn-small',
        dataset: { move: m }, 'aria-label': `${MOVE_NAMES[m]}: ${p.holder.name}`, onclick: (/** @type {Event} */ e) => moveRow(p, m, /** @type {HTMLButtonElement} */ (e.currentTarget)) },
      MOVE_NAMES[m]))));
    }));
    shipStatus.textContent = rows.length ? `${rows.length} to post, hand over or wait for pick-up.` : 'Nothing to post or hand over.';
  }

  /**
   * @param {Pass} p
   * @param {string} m
   * @param {HTMLButtonElement} btn
   */
  async function moveRow(p, m, btn) {
    clearError();
    btn.disabled = true;
    try {
      const got = await api.post(paths.passMove(p.id, /** @type {any} */ (m)), {});
      if (dead) return;
      announce(`${p.holder.name}: ${stateName(got.state).toLowerCase()}.`);
      await loadShipping();
    } catch (err) {
      if (dead) return;
      showError(err);
      loadShipping().catch(showError);
    }
  }

  async function makeBatch() {
    clearError();
    make.disabled = true;
    made.replaceChildren();
    progress.hidden = false;
    progress.removeAttribute('value');
    progressText.textContent = 'Printing the passes…';
    try {
      /** @type {Batch} */
      const b = await api.post(paths.printBatches(), {});
      if (dead) return;
      progressText.textContent = `Batch of ${b.count} ${b.count === 1 ? 'pass' : 'passes'} made: they are printed. Making its PDF…`;
      const blob = await fetchWithProgress(paths.url(paths.printBatchFile(b.id, 'pdf')), b.count);
      if (dead) return;
      progress.max = 1;
      progress.value = 1;
      const pdfURL = URL.createObjectURL(blob);
      replace(made, h('p', { id: 'production-made-links' }, `${b.count} ${b.count === 1 ? 'card' : 'cards'} ready: `,
        h('a', { id: 'production-pdf', href: pdfURL, download: `passes-${b.id}.pdf`, dataset: { size: String(blob.size) } }, 'Download the PDF'), ' · ',
        h('a', { id: 'production-csv', href: paths.url(paths.printBatchFile(b.id, 'csv')), download: `passes-${b.id}.csv` }, 'the CSV of the print data')));
      progressText.textContent = `Done: ${b.count} ${b.count === 1 ? 'page' : 'pages'}, ${(blob.size / 1048576).toFixed(1)} MB.`;
      announce(`Print batch of ${b.count} made.`);
    } catch (err) {
      if (dead) return;
      progress.hidden = true;
      progressText.textContent = err instanceof api.ApiError && err.slug === 'nothing-to-print' ? 'No pass waits for printing.' : '';
      showError(err);
    }
    await Promise.all([loadQueue(), loadBatches(), loadShipping()]).catch(showError);
  }

  /**
   * Fetches a batch's PDF, showing how long the server takes to make it and
   * then the bytes as they arrive.
   * @param {string} href
   * @param {number} count
   * @returns {Promise<Blob>}
   */
  async function fetchWithProgress(href, count) {
    const started = Date.now();
    const tick = window.setInterval(() => {
      progressText.textContent = `Making the PDF of ${count} ${count === 1 ? 'card' : 'cards'}… ${Math.round((Date.now() - started) / 1000)} s`;
    }, 500);
    try {
      const res = await fetch(href, { credentials: 'same-origin' });
      if (!res.ok || !res.body) {
        let problem = { title: res.statusText };
        try { problem = await res.json(); } catch { /* not JSON */ }
        throw new api.ApiError(res.status, problem);
      }
      window.clearInterval(tick);
      const total = Number(res.headers.get('Content-Length')) || 0;
      if (total) progress.max = total;
      const reader = res.body.getReader();
      /** @type {Uint8Array[]} */
      const chunks = [];
      let got = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        got += value.length;
        if (total) progress.value = got;
        progressText.textContent = `Receiving the PDF: ${(got / 1048576).toFixed(1)} MB${total ? ` of ${(total / 1048576).toFixed(1)} MB` : ''}`;
      }
      return new Blob(chunks, { type: 'application/pdf' });
    } finally {
      window.clearInterval(tick);
    }
  }

  Promise.all([loadQueue(), loadBatches(), loadShipping()]).catch((err) => { if (!dead) showError(err); });
  return () => { dead = true; };
}
