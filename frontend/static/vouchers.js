// Vouchers and promotions (#/vouchers, organizers): a form for a promotion (a
// memorable code with a use limit) and one for a batch of single-use vouchers,
// each worth a percentage or an amount and optionally restricted to dates,
// times of day, weekdays and performances; the lists with their state and uses,
// Block and Unblock, each batch's vouchers and its CSV download. A new batch
// shows its codes at once.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, dateTime, count, codeState, parseMoney, amountPlaceholder, amountHelp } from './format.js';
import { showError, announce } from './notify.js';
import { signedOut } from './session.js';
import { loadPerformances } from './catalog.js';

/**
 * @typedef {import('./session.js').StaffUser} StaffUser
 * @typedef {import('./catalog.js').PerformanceInfo} PerformanceInfo
 * @typedef {{dates: Array<{from: string, to: string}>, times: Array<{from: string, to: string}>, weekdays: number[], offerings: string[]}} Restrictions
 * @typedef {{code: string, display: string, kind: string, name: string, batch_id?: string, percent: number | null, amount: number | null,
 *   currency: string, max_uses: number | null, uses: number, state: string, restrictions: Restrictions, created_at: string}} Code
 * @typedef {{id: string, name: string, prefix: string, count: number, percent: number | null, amount: number | null, currency: string,
 *   restrictions: Restrictions, created_at: string, codes?: string[], vouchers?: Code[]}} Batch
 */

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/**
 * A code's or batch's value for people: "15 %" or "€10.00".
 * @param {{percent: number | null, amount: number | null, currency: string}} v
 */
function valueText(v) {
  return v.percent ? `${v.percent} %` : money(v.amount || 0, v.currency);
}

/**
 * The restrictions in one line, or "Any booking".
 * @param {Restrictions} r
 * @param {Map<string, PerformanceInfo>} perfs
 */
function restrictionText(r, perfs) {
  const parts = [];
  if (r.dates?.length) parts.push(r.dates.map((d) => (d.from === d.to ? d.from : `${d.from} to ${d.to}`)).join(', '));
  if (r.weekdays?.length) parts.push(r.weekdays.map((d) => WEEKDAYS[d - 1] || d).join(' '));
  if (r.times?.length) parts.push(r.times.map((t) => `${t.from}–${t.to}`).join(', '));
  if (r.offerings?.length) parts.push(r.offerings.map((id) => perfs.get(id)?.name || id).join(', '));
  return parts.join(' · ') || 'Any booking';
}

/**
 * A new voucher's code grouped for print, as the server's lists show it:
 * "GIFT-ABCD-EFGH-JKMN".
 * @param {string} code
 * @param {string} prefix
 */
function grouped(code, prefix) {
  const p = prefix && code.startsWith(prefix) ? prefix : '';
  const groups = code.slice(p.length).match(/.{1,4}/g) || [];
  return [p, ...groups].filter(Boolean).join('-');
}

/** @param {string} state */
function statePill(state) {
  return h('span', { class: `code-state code-${state}`, dataset: { state } }, codeState(state));
}

/**
 * @param {HTMLElement} root
 * @param {StaffUser} _user
 * @returns {() => void} unmount
 */
export function mountVouchers(root, _user) {
  let dead = false;
  document.title = 'Vouchers · seatmap staff';
  /** @type {Map<string, PerformanceInfo>} */
  const perfs = new Map();
  /** @type {Array<(perfs: PerformanceInfo[]) => void>} */
  const onPerfs = [];
  let currency = 'EUR';

  const promoBody = h('tbody');
  const promoStatus = h('p', { class: 'shows-status' }, 'Loading promotions…');
  const promoTable = h('table', { class: 'data-table', id: 'promotions-table', hidden: true },
    h('caption', { class: 'sr-only' }, 'Promotions'),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Code'), h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col', class: 'num' }, 'Value'),
      h('th', { scope: 'col', class: 'num' }, 'Uses'), h('th', { scope: 'col' }, 'Valid for'), h('th', { scope: 'col' }, 'State'),
      h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
    promoBody);
  const batchBody = h('tbody');
  const batchStatus = h('p', { class: 'shows-status' }, 'Loading voucher batches…');
  const batchTable = h('table', { class: 'data-table', id: 'batches-table', hidden: true },
    h('caption', { class: 'sr-only' }, 'Voucher batches'),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Batch'), h('th', { scope: 'col' }, 'Prefix'), h('th', { scope: 'col', class: 'num' }, 'Vouchers'),
      h('th', { scope: 'col', class: 'num' }, 'Value'), h('th', { scope: 'col' }, 'Valid for'), h('th', { scope: 'col' }, 'Made'),
      h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
    batchBody);
  const created = h('div', { class: 'card batch-created', id: 'batch-created', hidden: true, tabindex: '-1' });

  replace(root, h('section', { class: 'staff-page' },
    h('div', { class: 'staff-home-head' },
      h('div', null, h('h1', null, 'Vouchers and promotions'),
        h('p', { class: 'hint' }, 'A promotion is one code many buyers type; a voucher is a single-use code for one buyer.'))),
    h('div', { class: 'staff-home-body' },
      h('div', { class: 'stack' },
        created,
        h('div', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', null, 'Promotions')), promoStatus, h('div', { class: 'table-scroll', tabindex: '0' }, promoTable)),
        h('div', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', null, 'Voucher batches')), batchStatus, h('div', { class: 'table-scroll', tabindex: '0' }, batchTable))),
      h('div', { class: 'stack' },
        codeForm('promotion'),
        codeForm('batch')))));

  // ---- lists ----

  async function loadPromotions() {
    try {
      const page = await api.get(paths.promotions({ limit: '1000' }));
      if (dead) return;
      /** @type {Code[]} */
      const items = page.items || [];
      replace(promoBody, items.map(promoRow));
      promoTable.hidden = !items.length;
      promoStatus.hidden = !!items.length;
      promoStatus.textContent = 'No promotions yet.';
    } catch (err) {
      if (dead || signedOut(err)) return;
      promoStatus.textContent = 'The promotions could not be loaded.';
      showError(err);
    }
  }

  /** @param {Code} c */
  function promoRow(c) {
    return h('tr', { dataset: { code: c.code } },
      h('th', { scope: 'row' }, h('span', { class: 'token' }, c.code)),
      h('td', null, c.name),
      h('td', { class: 'num' }, valueText(c)),
      h('td', { class: 'num uses' }, c.max_uses ? `${count(c.uses)} / ${count(c.max_uses)}` : count(c.uses)),
      h('td', { class: 'restrictions' }, restrictionText(c.restrictions, perfs)),
      h('td', { class: 'state' }, statePill(c.state)),
      h('td', { class: 'row-actions' }, stateButtons(c, (fresh) => {
        const row = promoBody.querySelector(`tr[data-code="${CSS.escape(c.code)}"]`);
        row?.replaceWith(promoRow(fresh));
      })));
  }

  /**
   * Block, Unblock or Make available, by the code's state.
   * @param {Code} c
   * @param {(fresh: Code) => void} done
   */
  function stateButtons(c, done) {
    /** @type {Array<['block'|'unblock'|'release', string, string]>} action, label, class */
    const acts = [];
    if (c.state === 'blocked') acts.push(['unblock', 'Unblock', 'btn-secondary']);
    else if (c.state === 'prepared') acts.push(['release', 'Make available', 'btn-secondary'], ['block', 'Block', 'btn-danger']);
    else acts.push(['block', 'Block', 'btn-danger']);
    return acts.map(([action, label, cls]) => {
      const b = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: `btn btn-small ${cls} code-${action}`, 'aria-label': `${label} ${c.code}` }, label));
      b.addEventListener('click', async () => {
        b.disabled = true;
        b.setAttribute('aria-busy', 'true');
        try {
          /** @type {Code} */
          const fresh = await api.post(paths.voucherAction(c.code, action), {});
          if (dead) return;
          announce(`${fresh.code} is ${codeState(fresh.state).toLowerCase()}.`);
          done(fresh);
        } catch (err) {
          if (dead || signedOut(err)) return;
          showError(err);
          b.disabled = false;
          b.removeAttribute('aria-busy');
        }
      });
      return b;
    });
  }

  async function loadBatches() {
    try {
      const page = await api.get(paths.voucherBatches());
      if (dead) return;
      /** @type {Batch[]} */
      const items = page.items || [];
      replace(batchBody, items.map(batchRow));
      batchTable.hidden = !items.length;
      batchStatus.hidden = !!items.length;
      batchStatus.textContent = 'No voucher batches yet.';
    } catch (err) {
      if (dead || signedOut(err)) return;
      batchStatus.textContent = 'The voucher batches could not be loaded.';
      showError(err);
    }
  }

  /** @param {Batch} b */
  function batchRow(b) {
    const csv = paths.url(paths.voucherBatchCSV(b.id));
    const toggle = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn btn-small btn-secondary batch-toggle', 'aria-expanded': 'false' }, 'Show vouchers'));
    const row = h('tr', { dataset: { batch: b.id } },
      h('th', { scope: 'row' }, h('span', { class: 'cell-strong' }, b.name)),
      h('td', null, b.prefix ? h('span', { class: 'token' }, b.prefix) : h('span', { class: 'muted' }, '—')),
      h('td', { class: 'num' }, count(b.count)),
      h('td', { class: 'num' }, valueText(b)),
      h('td', { class: 'restrictions' }, restrictionText(b.restrictions, perfs)),
      h('td', { class: 'nowrap' }, dateTime(b.created_at)),
      h('td', { class: 'row-actions' },
        toggle,
        h('a', { class: 'btn btn-small btn-ghost batch-csv', href: csv, download: `vouchers-${b.id}.csv` }, 'CSV')));
    /** @type {HTMLElement | null} */
    let detail = null;
    toggle.addEventListener('click', async () => {
      if (detail) {
        detail.remove();
        detail = null;
        toggle.setAttribute('aria-expanded', 'false');
        toggle.textContent = 'Show vouchers';
        return;
      }
      toggle.disabled = true;
      try {
        /** @type {Batch} */
        const full = await api.get(paths.voucherBatch(b.id));
        if (dead) return;
        detail = h('tr', { class: 'form-row batch-detail', dataset: { batchDetail: b.id } },
          h('td', { colspan: '7' }, vouchersTable(full.vouchers || [])));
        row.after(detail);
        toggle.setAttribute('aria-expanded', 'true');
        toggle.textContent = 'Hide vouchers';
      } catch (err) {
        if (!dead && !signedOut(err)) showError(err);
      } finally {
        toggle.disabled = false;
      }
    });
    return row;
  }

  /** @param {Code[]} vouchers */
  function vouchersTable(vouchers) {
    const body = h('tbody');
    /** @param {Code} v */
    const vrow = (v) => h('tr', { dataset: { code: v.code } },
      h('th', { scope: 'row' }, h('span', { class: 'token' }, v.display || v.code)),
      h('td', { class: 'state' }, statePill(v.state)),
      h('td', { class: 'num' }, count(v.uses)),
      h('td', { class: 'row-actions' }, stateButtons(v, (fresh) => {
        body.querySelector(`tr[data-code="${CSS.escape(v.code)}"]`)?.replaceWith(vrow(fresh));
      })));
    body.append(...vouchers.map(vrow));
    return h('table', { class: 'data-table vouchers-table' },
      h('caption', null, `Vouchers (${vouchers.length})`),
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Code'), h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col', class: 'num' }, 'Uses'),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
      body);
  }

  /**
   * Shows a new batch's codes, to copy or download.
   * @param {Batch} b
   */
  function showCreated(b) {
    const codes = b.codes || [];
    const csv = paths.url(paths.voucherBatchCSV(b.id));
    replace(created,
      h('div', { class: 'card-head' },
        h('h2', null, `${b.name}: ${count(codes.length)} voucher${codes.length === 1 ? '' : 's'} made`),
        h('div', { class: 'btn-row' },
          h('a', { class: 'btn btn-small btn-secondary', href: csv, download: `vouchers-${b.id}.csv` }, 'Download CSV'),
          h('button', { type: 'button', class: 'btn btn-small btn-ghost', onclick: () => { created.hidden = true; } }, 'Close'))),
      h('p', { class: 'hint' }, 'Each code works once. They are in the batch list and its CSV too.'),
      h('ol', { class: 'code-list', id: 'batch-codes' }, codes.map((c) => h('li', { dataset: { code: c } }, h('span', { class: 'token' }, grouped(c, b.prefix))))));
    created.hidden = false;
    created.focus();
  }

  // ---- forms ----

  /**
   * The create form of a promotion or a voucher batch.
   * @param {'promotion' | 'batch'} kind
   */
  function codeForm(kind) {
    const p = kind === 'promotion' ? 'promo' : 'batch';
    const id = (/** @type {string} */ s) => `${p}-${s}`;
    /** @param {string} name @param {string} label @param {HTMLElement} control @param {string} [hint] */
    const field = (name, label, control, hint) => h('div', { class: 'field' }, h('label', { for: id(name) }, label), control, hint ? h('p', { class: 'hint' }, hint) : null);
    const input = (/** @type {string} */ name, /** @type {Record<string, any>} */ attrs = {}) =>
      /** @type {HTMLInputElement} */ (h('input', { id: id(name), name, type: 'text', autocomplete: 'off', ...attrs }));

    const code = kind === 'promotion' ? input('code', { required: true, maxlength: '32', autocapitalize: 'characters', spellcheck: 'false', placeholder: 'e.g. SUMMER25' }) : null;
    const name = input('name', { required: true, maxlength: '200', placeholder: kind === 'promotion' ? 'e.g. Summer promo' : 'e.g. Gift vouchers 2025' });
    const prefix = kind === 'batch' ? input('prefix', { maxlength: '10', autocapitalize: 'characters', spellcheck: 'false', placeholder: 'e.g. GIFT' }) : null;
    const howMany = kind === 'batch' ? input('count', { type: 'number', min: '1', max: '10000', value: '10', required: true, inputmode: 'numeric' }) : null;
    const maxUses = kind === 'promotion' ? input('max-uses', { type: 'number', min: '1', inputmode: 'numeric', placeholder: 'Unlimited' }) : null;
    const byPercent = /** @type {HTMLInputElement} */ (h('input', { type: 'radio', name: id('kind'), id: id('by-percent'), value: 'percent', checked: true }));
    const byAmount = /** @type {HTMLInputElement} */ (h('input', { type: 'radio', name: id('kind'), id: id('by-amount'), value: 'amount' }));
    const value = input('value', { inputmode: 'decimal', required: true, placeholder: '10' });
    const cur = input('currency', { maxlength: '3', value: currency, autocapitalize: 'characters', spellcheck: 'false' });
    const valueLabel = h('label', { for: id('value') }, 'Percent off');
    const dateFrom = input('date-from', { type: 'date' });
    const dateTo = input('date-to', { type: 'date' });
    const timeFrom = input('time-from', { type: 'time' });
    const timeTo = input('time-to', { type: 'time' });
    const days = WEEKDAYS.map((d, i) => /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', value: String(i + 1), id: id(`wd-${i + 1}`) })));
    const offerings = /** @type {HTMLSelectElement} */ (h('select', { id: id('offerings'), multiple: true, size: '4' }));
    const prepared = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: id('prepared') }));
    const error = h('p', { class: 'form-error', id: id('error'), role: 'alert', hidden: true });
    const button = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: id('create'), class: 'btn btn-primary btn-block' }, kind === 'promotion' ? 'Create promotion' : 'Make vouchers'));

    onPerfs.push((list) => {
      replace(offerings, list.map((pf) => h('option', { value: pf.id }, `${pf.name} · ${dateTime(pf.starts_at)}`)));
      if (!cur.dataset.touched) cur.value = currency;
      kindChanged();
    });
    const kindChanged = () => {
      valueLabel.textContent = byPercent.checked ? 'Percent off' : 'Amount off';
      value.placeholder = byPercent.checked ? '10' : amountPlaceholder(cur.value.trim().toUpperCase() || currency);
    };
    cur.addEventListener('input', () => { cur.dataset.touched = 'true'; kindChanged(); });
    byPercent.addEventListener('change', kindChanged);
    byAmount.addEventListener('change', kindChanged);

    /** @param {string} msg @param {HTMLElement} [at] */
    const fail = (msg, at) => {
      error.textContent = msg;
      error.hidden = !msg;
      at?.focus();
    };

    /** @returns {[Restrictions, string, HTMLElement | undefined]} the restrictions, or what is wrong and where */
    const restrictions = () => {
      /** @type {Restrictions} */
      const r = { dates: [], times: [], weekdays: [], offerings: [] };
      if (dateFrom.value || dateTo.value) {
        const from = dateFrom.value || dateTo.value;
        const to = dateTo.value || dateFrom.value;
        if (to < from) return [r, 'The last day comes before the first.', dateTo];
        r.dates.push({ from, to });
      }
      if (timeFrom.value || timeTo.value) {
        if (!timeFrom.value || !timeTo.value) return [r, 'Give both times of the day, or neither.', timeFrom.value ? timeTo : timeFrom];
        if (timeTo.value <= timeFrom.value) return [r, 'The time of day ends before it starts.', timeTo];
        r.times.push({ from: timeFrom.value, to: timeTo.value });
      }
      r.weekdays = days.filter((d) => d.checked).map((d) => Number(d.value));
      r.offerings = [...offerings.selectedOptions].map((o) => o.value);
      return [r, '', undefined];
    };

    const form = h('form', { class: 'card create-form', id: `${p}-form`, novalidate: true, 'aria-labelledby': id('title'), onsubmit: async (/** @type {Event} */ e) => {
      e.preventDefault();
      if (button.disabled) return;
      fail('');
      /** @type {Record<string, any>} */
      const body = { name: name.value.trim() };
      if (code) {
        body.code = code.value.trim();
        if (!body.code) return fail('Give the promotion a code buyers can type.', code);
      }
      if (!body.name) return fail('Give it a name buyers will see with the discount.', name);
      if (prefix) body.prefix = prefix.value.trim();
      if (howMany) {
        body.count = Number(howMany.value);
        if (!Number.isInteger(body.count) || body.count < 1 || body.count > 10000) return fail('Make from 1 to 10,000 vouchers.', howMany);
      }
      if (maxUses && maxUses.value.trim()) {
        body.max_uses = Number(maxUses.value);
        if (!Number.isInteger(body.max_uses) || body.max_uses < 1) return fail('Uses are a whole number from 1, or empty for unlimited.', maxUses);
      } else if (maxUses) {
        body.max_uses = null;
      }
      const currencyCode = cur.value.trim().toUpperCase();
      if (currencyCode && !/^[A-Z]{3}$/.test(currencyCode)) return fail('The currency is a three-letter code such as EUR.', cur);
      if (byPercent.checked) {
        const n = Number(value.value.trim().replace('%', ''));
        if (!Number.isInteger(n) || n < 1 || n > 100) return fail('The percentage is a whole number from 1 to 100.', value);
        body.percent = n;
        if (currencyCode) body.currency = currencyCode;
      } else {
        if (!currencyCode) return fail('An amount needs its currency.', cur);
        const minor = parseMoney(value.value, currencyCode);
        if (minor === null || minor <= 0) return fail(`Enter the amount off. ${amountHelp(currencyCode)}`, value);
        body.amount = minor;
        body.currency = currencyCode;
      }
      const [r, wrong, where] = restrictions();
      if (wrong) {
        /** @type {HTMLDetailsElement} */ (form.querySelector('details')).open = true;
        return fail(wrong, where);
      }
      body.restrictions = r;
      if (prepared.checked) body.state = 'prepared';
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
      try {
        if (kind === 'promotion') {
          /** @type {Code} */
          const c = await api.post(paths.promotions(), body);
          if (dead) return;
          announce(`Promotion ${c.code} created.`);
          loadPromotions();
        } else {
          /** @type {Batch} */
          const b = await api.post(paths.voucherBatches(), body);
          if (dead) return;
          announce(`${b.codes?.length || 0} vouchers made.`);
          showCreated(b);
          loadBatches();
        }
        /** @type {HTMLFormElement} */ (form).reset();
        cur.value = currency;
        kindChanged();
      } catch (err) {
        if (dead || signedOut(err)) return;
        fail(err instanceof api.ApiError ? err.friendly : String(err));
      } finally {
        button.disabled = false;
        button.removeAttribute('aria-busy');
      }
    } },
    h('h2', { id: id('title') }, kind === 'promotion' ? 'New promotion' : 'New voucher batch'),
    code ? field('code', 'Code', code, 'Letters and digits; spaces and dashes are ignored.') : null,
    field('name', 'Name', name),
    prefix && howMany ? h('div', { class: 'field-pair' },
      h('div', { class: 'field' }, h('label', { for: id('prefix') }, 'Prefix'), prefix),
      h('div', { class: 'field' }, h('label', { for: id('count') }, 'How many'), howMany)) : null,
    h('fieldset', { class: 'choice' },
      h('legend', null, 'Worth'),
      h('label', { class: 'check' }, byPercent, ' A percentage'),
      h('label', { class: 'check' }, byAmount, ' An amount')),
    h('div', { class: 'field-pair' },
      h('div', { class: 'field' }, valueLabel, value),
      h('div', { class: 'field field-narrow' }, h('label', { for: id('currency') }, 'Currency'), cur)),
    maxUses ? field('max-uses', 'Uses at most', maxUses, 'Empty: as often as buyers like.') : null,
    h('details', { class: 'rows-details' },
      h('summary', null, 'Restrictions (optional)'),
      h('div', { class: 'rows-form' },
        h('div', { class: 'field-pair' },
          h('div', { class: 'field' }, h('label', { for: id('date-from') }, 'Shows from'), dateFrom),
          h('div', { class: 'field' }, h('label', { for: id('date-to') }, 'until'), dateTo)),
        h('div', { class: 'field-pair' },
          h('div', { class: 'field' }, h('label', { for: id('time-from') }, 'Starting from'), timeFrom),
          h('div', { class: 'field' }, h('label', { for: id('time-to') }, 'before'), timeTo)),
        h('fieldset', { class: 'choice weekdays' },
          h('legend', null, 'Weekdays'),
          days.map((d, i) => h('label', { class: 'check check-small' }, d, ` ${WEEKDAYS[i]}`))),
        h('div', { class: 'field' }, h('label', { for: id('offerings') }, 'Performances'), offerings,
          h('p', { class: 'hint' }, 'None chosen: every performance. Ctrl or ⌘ chooses several.')))),
    h('label', { class: 'check' }, prepared, ' Prepared: buyers cannot use it until made available'),
    error,
    button);
    return form;
  }

  (async () => {
    try {
      const list = await loadPerformances();
      if (dead) return;
      for (const pf of list) perfs.set(pf.id, pf);
      currency = list.find((pf) => pf.zones?.length)?.zones[0].currency || currency;
      for (const fn of onPerfs) fn(list);
    } catch (err) {
      if (dead || signedOut(err)) return;
      showError(err);
    }
    // After the performances, so restrictions name them.
    loadPromotions();
    loadBatches();
  })();
  return () => { dead = true; };
}
