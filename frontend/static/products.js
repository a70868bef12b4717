// Access products and the facility (#/products, #/facility; organizers): the
// product list with a create/edit form whose fields follow the kind (issue 14,
// seeds 000 and 002), and the facility's settings: opening hours by weekday,
// exceptions by date, the season, the time-card tolerance and the zones. A
// problem the server names a field of is shown at that field.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, parseMoney, amountPlaceholder, amountHelp } from './format.js';
import { showError, announce } from './notify.js';
import { signedOut } from './session.js';

/** @typedef {Record<string, any>} Product */

/** Kinds and their names for people, in the order of the seeds. */
const KINDS = /** @type {Array<[string, string]>} */ ([
  ['day', 'Day ticket'], ['multi_day', 'Multi-day ticket'], ['day_choice', 'Day-choice ticket (N of M days)'],
  ['week', 'Week (Mon–Sun)'], ['month', 'Month'], ['year', 'Year (1.1.–31.12.)'], ['season', 'Season'],
  ['block', 'Block card'], ['time', 'Time card'], ['discount', 'Discount card'], ['value', 'Value card'],
  ['customer', 'Customer card'], ['entitlement', 'Entitlement (extra zones)'], ['staff', 'Staff card'],
  ['annual', 'Annual pass'], ['pass_voucher', 'Pass voucher'],
]);
const KIND_NAMES = new Map(KINDS);

// The rules of each kind, as package pass has them (pass.RuleFields).
const ENTRY = ['day', 'multi_day', 'day_choice', 'week', 'month', 'year', 'season', 'block', 'time', 'annual'];
const PERSONAL = ['multi_day', 'day_choice', 'week', 'month', 'year', 'season', 'block', 'discount', 'value', 'customer', 'annual'];
const CARDS = ['discount', 'value', 'customer'];
/** @type {Record<string, string[]>} */
const RULE_KINDS = {
  entries: ENTRY,
  window: ['day', 'time', 'block'],
  reentry_lock_minutes: ENTRY,
  reentry_lock_from: ENTRY,
  anti_passback: ENTRY,
  credit_limit: ['day', 'time', 'customer', 'value'],
  days: ['multi_day', 'day_choice'],
  within_days: ['day_choice'],
  cards: ['block'],
  card_kind: ['block'],
  duration_minutes: ['time', 'block'],
  surcharge: ['time', 'block'],
  surcharge_interval_minutes: ['time', 'block'],
  surcharge_from: ['time', 'block'],
  discount_group: CARDS,
  discount_percent: CARDS,
  value: ['value', 'customer'],
  auto_debit_product: ['value', 'customer'],
  zones: ['entitlement', ...ENTRY],
  permanent: ['entitlement'],
  personalized: PERSONAL,
  exchange_for: ['pass_voucher'],
};
const MONEY_RULES = ['credit_limit', 'surcharge', 'value'];
const NUMBER_RULES = ['reentry_lock_minutes', 'days', 'within_days', 'cards', 'duration_minutes', 'surcharge_interval_minutes', 'discount_percent'];
const CHECK_RULES = ['anti_passback', 'permanent', 'personalized'];

/**
 * A form field with its label, hint and error line; errors show at it.
 * @param {string} name the API's field name
 * @param {string} label
 * @param {HTMLElement} control
 * @param {string} [hint]
 */
function field(name, label, control, hint) {
  const id = control.id;
  const err = h('p', { class: 'field-error', id: `${id}-error`, role: 'alert', hidden: true });
  control.setAttribute('aria-describedby', `${id}-error${hint ? ` ${id}-hint` : ''}`);
  const isCheck = control instanceof HTMLInputElement && control.type === 'checkbox';
  const el = isCheck
    ? h('div', { class: 'field', dataset: { field: name } }, h('label', { class: 'check', for: id }, control, ` ${label}`), hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null, err)
    : h('div', { class: 'field', dataset: { field: name } }, h('label', { for: id }, label), control, hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null, err);
  return el;
}

/**
 * Shows msg at the field named name (the longest match of the problem's
 * field: "channels[0]" at "channels"), or in the form's error line.
 * @param {HTMLElement} form
 * @param {string} name
 * @param {string} msg
 */
function showAt(form, name, msg) {
  const parent = (/** @type {string} */ n) => n.replace(/(\[\d+\]|\.[^.[]*)$/, '');
  for (let n = name, prev = ''; n && n !== prev; prev = n, n = parent(n)) {
    const f = /** @type {HTMLElement | null} */ (form.querySelector(`[data-field="${CSS.escape(n)}"]`));
    if (f && !f.hidden) {
      const err = /** @type {HTMLElement} */ (f.querySelector('.field-error'));
      err.textContent = msg;
      err.hidden = false;
      const control = /** @type {HTMLElement | null} */ (f.querySelector('input:not([disabled]), select'));
      control?.setAttribute('aria-invalid', 'true');
      control?.focus();
      return true;
    }
  }
  return false;
}

/** @param {HTMLElement} form */
function clearErrors(form) {
  for (const e of /** @type {NodeListOf<HTMLElement>} */ (form.querySelectorAll('.field-error'))) {
    e.hidden = true;
    e.textContent = '';
  }
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
}

/** @param {string} tag @param {Record<string, any>} attrs */
const input = (tag, attrs) => /** @type {HTMLInputElement} */ (h(tag, attrs));

// ---- products ----

/**
 * @param {HTMLElement} root
 * @returns {() => void}
 */
export function mountProducts(root) {
  let dead = false;
  document.title = 'Products · seatmap staff';
  /** @type {Product[]} */
  let items = [];
  /** @type {Product | null} */
  let editing = null;

  const list = h('tbody');
  const status = h('p', { class: 'shows-status' }, 'Loading products…');
  const table = h('table', { class: 'data-table', id: 'products-table', hidden: true },
    h('caption', { class: 'sr-only' }, 'Products'),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Product'),
      h('th', { scope: 'col' }, 'Kind'),
      h('th', { scope: 'col', class: 'num' }, 'Price'),
      h('th', { scope: 'col' }, 'Channels'),
      h('th', { scope: 'col' }, 'On sale'),
      h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Edit')))),
    list);

  // The form: common fields, then every rule, shown as the kind has it.
  const kind = /** @type {HTMLSelectElement} */ (h('select', { id: 'product-kind' }, KINDS.map(([k, n]) => h('option', { value: k }, n))));
  const name = input('input', { id: 'product-name', type: 'text', maxlength: '200', required: true, autocomplete: 'off' });
  const currency = input('input', { id: 'product-currency', type: 'text', maxlength: '3', value: 'EUR', autocapitalize: 'characters', autocomplete: 'off' });
  const price = input('input', { id: 'product-price', type: 'text', inputmode: 'decimal', placeholder: amountPlaceholder('EUR'), autocomplete: 'off' });
  const web = input('input', { id: 'product-channel-web', type: 'checkbox', checked: true });
  const box = input('input', { id: 'product-channel-box', type: 'checkbox', checked: true });
  const otherChannels = input('input', { id: 'product-channels-other', type: 'text', placeholder: 'e.g. partner-shop', autocomplete: 'off' });
  const onSale = input('input', { id: 'product-on-sale', type: 'checkbox', checked: true });
  const validity = /** @type {HTMLSelectElement} */ (h('select', { id: 'product-validity' },
    h('option', { value: '' }, 'The kind’s usual validity'),
    h('option', { value: 'fixed' }, 'Fixed dates'),
    h('option', { value: 'calendar' }, 'Calendar period (week, month, year, season)'),
    h('option', { value: 'first_use' }, 'Days from first use'),
    h('option', { value: 'open' }, 'Open (bounded by the dates, if any)')));
  const validFrom = input('input', { id: 'product-valid-from', type: 'date' });
  const validTo = input('input', { id: 'product-valid-to', type: 'date' });
  const validDays = input('input', { id: 'product-valid-days', type: 'number', min: '1', max: '3660', inputmode: 'numeric' });

  /** @type {Record<string, HTMLInputElement | HTMLSelectElement>} */
  const rule = {
    entries: /** @type {HTMLSelectElement} */ (h('select', { id: 'rule-entries' },
      h('option', { value: '' }, 'Not set'), h('option', { value: '1' }, 'Single entry'), h('option', { value: '0' }, 'Unlimited entries'))),
    window_from: input('input', { id: 'rule-window-from', type: 'time' }),
    window_to: input('input', { id: 'rule-window-to', type: 'time' }),
    card_kind: /** @type {HTMLSelectElement} */ (h('select', { id: 'rule-card-kind' }, h('option', { value: 'day' }, 'Day cards'), h('option', { value: 'time' }, 'Time cards'))),
    reentry_lock_from: /** @type {HTMLSelectElement} */ (h('select', { id: 'rule-reentry-lock-from' },
      h('option', { value: 'entry' }, 'the last entry'), h('option', { value: 'exit' }, 'the last exit'))),
    surcharge_from: /** @type {HTMLSelectElement} */ (h('select', { id: 'rule-surcharge-from' },
      h('option', { value: 'duration' }, 'the end of the duration'), h('option', { value: 'tolerance' }, 'the end of the tolerance'))),
    discount_group: input('input', { id: 'rule-discount-group', type: 'text', maxlength: '32', autocomplete: 'off' }),
    auto_debit_product: input('input', { id: 'rule-auto-debit-product', type: 'text', maxlength: '64', autocomplete: 'off' }),
    zones: input('input', { id: 'rule-zones', type: 'text', placeholder: 'e.g. sauna, spa', autocomplete: 'off' }),
    exchange_for: /** @type {HTMLSelectElement} */ (h('select', { id: 'rule-exchange-for' })),
  };
  for (const r of NUMBER_RULES) rule[r] = input('input', { id: `rule-${r.replaceAll('_', '-')}`, type: 'number', min: '0', inputmode: 'numeric' });
  for (const r of MONEY_RULES) rule[r] = input('input', { id: `rule-${r.replaceAll('_', '-')}`, type: 'text', inputmode: 'decimal', autocomplete: 'off' });
  for (const r of CHECK_RULES) rule[r] = input('input', { id: `rule-${r.replaceAll('_', '-')}`, type: 'checkbox' });

  const ruleFields = /** @type {Record<string, HTMLElement>} */ ({
    entries: field('entries', 'Entries', rule.entries),
    window: h('fieldset', { class: 'field', dataset: { field: 'window' } }, h('legend', null, 'Entry window within the day (optional)'),
      h('div', { class: 'field-pair' },
        h('div', { class: 'field' }, h('label', { for: 'rule-window-from' }, 'From'), rule.window_from),
        h('div', { class: 'field' }, h('label', { for: 'rule-window-to' }, 'To'), rule.window_to)),
      h('p', { class: 'field-error', id: 'rule-window-error', role: 'alert', hidden: true })),
    reentry_lock_minutes: field('reentry_lock_minutes', 'Re-entry lock (minutes)', rule.reentry_lock_minutes, 'Multiple entries only.'),
    reentry_lock_from: field('reentry_lock_from', 'The lock counts from', rule.reentry_lock_from, 'Seed 002 leaves it open: from the last entry (the default) or the last exit.'),
    anti_passback: field('anti_passback', 'Anti-passback', rule.anti_passback, 'No second entry before an exit. Multiple entries only.'),
    credit_limit: field('credit_limit', 'Credit limit in the house', rule.credit_limit),
    days: field('days', 'Days', rule.days, 'Multi-day: day tickets; day choice: entry days (N).'),
    within_days: field('within_days', 'Within days (M)', rule.within_days),
    cards: field('cards', 'Cards in the block', rule.cards),
    card_kind: field('card_kind', 'Kind of the cards', rule.card_kind),
    duration_minutes: field('duration_minutes', 'Duration (minutes)', rule.duration_minutes, 'How long a stay may last, e.g. 240.'),
    surcharge: field('surcharge', 'Surcharge per started interval', rule.surcharge),
    surcharge_interval_minutes: field('surcharge_interval_minutes', 'Surcharge interval (minutes)', rule.surcharge_interval_minutes),
    surcharge_from: field('surcharge_from', 'Once over the tolerance, intervals count from', rule.surcharge_from, 'The end of the duration (the default: the tolerance is a grace) or of the tolerance.'),
    discount_group: field('discount_group', 'Discount group', rule.discount_group),
    discount_percent: field('discount_percent', 'Discount (%)', rule.discount_percent),
    value: field('value', 'Value loaded on issue', rule.value),
    auto_debit_product: field('auto_debit_product', 'Product booked at each entry (id)', rule.auto_debit_product),
    zones: field('zones', 'Zones', rule.zones, 'Zone ids, separated by commas. An entitlement: the zones it adds. An entry product: the zones it admits to (empty: every zone).'),
    permanent: field('permanent', 'Permanent (else this visit only)', rule.permanent),
    personalized: field('personalized', 'Personalized', rule.personalized, 'A holder’s name and photo before production. Always for annual passes and customer cards.'),
    exchange_for: field('exchange_for', 'Exchanged for', rule.exchange_for),
  });

  const channelsField = h('fieldset', { class: 'field', dataset: { field: 'channels' } },
    h('legend', null, 'Sales channels'),
    h('label', { class: 'check', for: 'product-channel-web' }, web, ' Web'),
    h('label', { class: 'check', for: 'product-channel-box' }, box, ' Box office'),
    h('label', { for: 'product-channels-other' }, 'Named channels'), otherChannels,
    h('p', { class: 'field-error', id: 'product-channels-error', role: 'alert', hidden: true }));
  otherChannels.setAttribute('aria-describedby', 'product-channels-error');
  const priceField = field('price', 'Price', price);
  const validityFields = h('div', { class: 'product-validity' },
    field('validity', 'Validity', validity),
    h('div', { class: 'field-pair' }, field('valid_from', 'Valid from', validFrom), field('valid_to', 'Valid to', validTo)),
    field('valid_days', 'Valid days from first use', validDays));
  const title = h('h2', { id: 'product-form-title' }, 'New product');
  const error = h('p', { class: 'form-error', id: 'product-error', role: 'alert', hidden: true });
  const save = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'product-save', class: 'btn btn-primary btn-block' }, 'Create product'));
  const cancel = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'product-cancel', class: 'btn btn-secondary btn-block', hidden: true }, 'Cancel editing'));

  const form = h('form', { class: 'card create-form', id: 'product-form', 'aria-labelledby': 'product-form-title', novalidate: true, onsubmit: submit },
    title,
    field('kind', 'Kind', kind),
    field('name', 'Name', name),
    h('div', { class: 'field-pair' }, priceField, h('div', { class: 'field field-narrow', dataset: { field: 'currency' } },
      h('label', { for: 'product-currency' }, 'Currency'), currency, h('p', { class: 'field-error', id: 'product-currency-error', role: 'alert', hidden: true }))),
    channelsField,
    field('on_sale', 'On sale', onSale),
    validityFields,
    h('div', { class: 'product-rules' }, Object.values(ruleFields)),
    error,
    save,
    cancel);
  currency.setAttribute('aria-describedby', 'product-currency-error');

  function followKind() {
    const k = kind.value;
    for (const [r, el] of Object.entries(ruleFields)) el.hidden = !RULE_KINDS[r].includes(k);
    const staffCard = k === 'staff';
    channelsField.hidden = staffCard;
    priceField.hidden = staffCard;
    /** @type {HTMLElement} */ (form.querySelector('[data-field="on_sale"]')).hidden = staffCard;
    if (k === 'annual' || k === 'customer') {
      /** @type {HTMLInputElement} */ (rule.personalized).checked = true;
    }
  }
  kind.addEventListener('change', followKind);
  currency.addEventListener('input', () => { price.placeholder = amountPlaceholder(currency.value.toUpperCase() || 'EUR'); });

  function reset() {
    editing = null;
    form.reset();
    kind.disabled = false;
    currency.value = 'EUR';
    title.textContent = 'New product';
    save.textContent = 'Create product';
    cancel.hidden = true;
    clearErrors(form);
    error.hidden = true;
    followKind();
  }
  cancel.addEventListener('click', () => { reset(); name.focus(); });

  /** @param {Product} p */
  function edit(p) {
    reset();
    editing = p;
    kind.value = p.kind;
    kind.disabled = true;
    name.value = p.name;
    currency.value = p.currency;
    price.value = p.kind === 'staff' ? '' : money(p.price, p.currency).replace(/[^\d.,-]/g, '');
    web.checked = p.channels.includes('web');
    box.checked = p.channels.includes('box_office');
    otherChannels.value = p.channels.filter((/** @type {string} */ c) => c !== 'web' && c !== 'box_office').join(', ');
    onSale.checked = !!p.on_sale;
    validity.value = p.validity || '';
    validFrom.value = p.valid_from || '';
    validTo.value = p.valid_to || '';
    validDays.value = p.valid_days ? String(p.valid_days) : '';
    /** @type {HTMLSelectElement} */ (rule.entries).value = p.entries === undefined || p.entries === null ? '' : String(p.entries);
    rule.window_from.value = p.window?.from || '';
    rule.window_to.value = p.window?.to || '';
    for (const r of NUMBER_RULES) rule[r].value = p[r] ? String(p[r]) : '';
    for (const r of MONEY_RULES) rule[r].value = p[r] ? money(p[r], p.currency).replace(/[^\d.,-]/g, '') : '';
    for (const r of CHECK_RULES) /** @type {HTMLInputElement} */ (rule[r]).checked = !!p[r];
    rule.card_kind.value = p.card_kind || 'day';
    rule.reentry_lock_from.value = p.reentry_lock_from || 'entry';
    rule.surcharge_from.value = p.surcharge_from || 'duration';
    rule.discount_group.value = p.discount_group || '';
    rule.auto_debit_product.value = p.auto_debit_product || '';
    rule.zones.value = (p.zones || []).join(', ');
    fillExchange(p.exchange_for || '');
    title.textContent = `Edit ${p.name}`;
    save.textContent = 'Save changes';
    cancel.hidden = false;
    followKind();
    name.focus();
  }

  /** @param {string} selected */
  function fillExchange(selected) {
    replace(rule.exchange_for, h('option', { value: '' }, 'Choose a product'),
      items.filter((p) => !['staff', 'pass_voucher', 'value'].includes(p.kind) && p.id !== editing?.id)
        .map((p) => h('option', { value: p.id, selected: p.id === selected }, `${p.name} (${KIND_NAMES.get(p.kind) || p.kind})`)));
  }

  /**
   * The body from the form; null, with the problem shown, when a field
   * cannot be read.
   * @returns {Record<string, any> | null}
   */
  function body() {
    const k = kind.value;
    const cur = currency.value.trim().toUpperCase();
    /** @type {Record<string, any>} */
    const b = { name: name.value.trim(), currency: cur, on_sale: k === 'staff' ? false : onSale.checked };
    if (!editing) b.kind = k;
    if (k === 'staff') {
      b.price = 0;
      b.channels = [];
    } else {
      const minor = parseMoney(price.value.trim(), cur || 'EUR');
      if (minor === null) {
        showAt(form, 'price', price.value.trim() ? amountHelp(cur || 'EUR') : 'Give a price.');
        return null;
      }
      b.price = minor;
      b.channels = [...(web.checked ? ['web'] : []), ...(box.checked ? ['box_office'] : []),
        ...otherChannels.value.split(',').map((c) => c.trim()).filter(Boolean)];
    }
    b.validity = validity.value;
    b.valid_from = validFrom.value;
    b.valid_to = validTo.value;
    b.valid_days = validDays.value ? Number(validDays.value) : 0;
    const has = (/** @type {string} */ r) => RULE_KINDS[r].includes(k);
    // Every rule of the kind is sent, cleared ones as null or zero: a PATCH
    // merges, and a rule left out would keep its old value.
    if (has('entries')) b.entries = rule.entries.value === '' ? null : Number(rule.entries.value);
    if (has('window')) b.window = rule.window_from.value || rule.window_to.value ? { from: rule.window_from.value, to: rule.window_to.value } : null;
    for (const r of NUMBER_RULES) if (has(r)) b[r] = rule[r].value ? Number(rule[r].value) : 0;
    for (const r of MONEY_RULES) {
      if (!has(r)) continue;
      const v = rule[r].value.trim();
      const minor = v ? parseMoney(v, cur || 'EUR') : 0;
      if (minor === null) {
        showAt(form, r, amountHelp(cur || 'EUR'));
        return null;
      }
      b[r] = minor;
    }
    for (const r of CHECK_RULES) if (has(r)) b[r] = /** @type {HTMLInputElement} */ (rule[r]).checked;
    if (has('card_kind')) b.card_kind = rule.card_kind.value;
    if (has('reentry_lock_from')) b.reentry_lock_from = rule.reentry_lock_from.value;
    if (has('surcharge_from')) b.surcharge_from = rule.surcharge_from.value;
    if (has('discount_group')) b.discount_group = rule.discount_group.value.trim();
    if (has('auto_debit_product')) b.auto_debit_product = rule.auto_debit_product.value.trim();
    if (has('zones')) {
      const zones = rule.zones.value.split(',').map((z) => z.trim()).filter(Boolean);
      b.zones = zones.length ? zones : null;
    }
    if (has('exchange_for')) b.exchange_for = rule.exchange_for.value;
    return b;
  }

  /** @param {Event} e */
  async function submit(e) {
    e.preventDefault();
    if (save.disabled) return;
    clearErrors(form);
    error.hidden = true;
    const b = body();
    if (!b) return;
    save.disabled = true;
    save.setAttribute('aria-busy', 'true');
    try {
      const p = editing
        ? await api.patch(paths.product(editing.id), b, { 'If-Match': `"${editing.version}"` })
        : await api.post(paths.products(), b);
      if (dead) return;
      announce(editing ? `${p.name} was saved.` : `${p.name} was created.`);
      reset();
      await load();
    } catch (err) {
      if (dead || signedOut(err)) return;
      if (err instanceof api.ApiError && err.slug === 'stale') {
        error.textContent = 'Someone changed this product meanwhile. The list was reloaded: open it again to edit.';
        error.hidden = false;
        load();
      } else if (!(err instanceof api.ApiError && err.field && showAt(form, err.field, err.friendly))) {
        error.textContent = err instanceof api.ApiError ? err.friendly : String(err);
        error.hidden = false;
      }
    } finally {
      save.disabled = false;
      save.removeAttribute('aria-busy');
    }
  }

  /** @param {Product} p */
  function row(p) {
    const editBtn = h('button', { type: 'button', class: 'btn btn-small btn-secondary', 'aria-label': `Edit ${p.name}` }, 'Edit');
    editBtn.addEventListener('click', () => edit(p));
    return h('tr', { dataset: { id: p.id } },
      h('th', { scope: 'row' }, h('span', { class: 'cell-strong' }, p.name)),
      h('td', null, KIND_NAMES.get(p.kind) || p.kind),
      h('td', { class: 'num product-price' }, p.kind === 'staff' ? '—' : money(p.price, p.currency)),
      h('td', null, p.channels.map((/** @type {string} */ c) => (c === 'box_office' ? 'box office' : c)).join(', ') || '—'),
      h('td', null, p.on_sale ? 'Yes' : 'No'),
      h('td', { class: 'row-actions' }, editBtn));
  }

  async function load() {
    try {
      /** @type {Product[]} */
      const all = [];
      /** @type {string | null} */
      let cursor = null;
      do {
        /** @type {Record<string, string>} */
        const q = { limit: '200' };
        if (cursor) q.cursor = cursor;
        const page = await api.get(paths.products(q));
        if (dead) return;
        all.push(...(page.items || []));
        cursor = page.next;
      } while (cursor);
      items = all;
      replace(list, items.map(row));
      table.hidden = items.length === 0;
      status.hidden = items.length > 0;
      status.textContent = items.length ? '' : 'No products yet. Create the first one with the form.';
      fillExchange(rule.exchange_for.value);
    } catch (err) {
      if (dead || signedOut(err)) return;
      status.textContent = 'The products could not be loaded.';
      showError(err);
    }
  }

  replace(root, h('section', { class: 'staff-home products-page' },
    h('div', { class: 'staff-home-head' },
      h('div', null, h('h1', null, 'Products'),
        h('p', { class: 'hint' }, 'Passes and tickets that are not seats. Buyers see those on sale on the web. ', h('a', { href: '#/facility' }, 'Facility settings')))),
    h('div', { class: 'staff-home-body' },
      h('div', { class: 'card' }, status, h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Products' }, table)),
      form)));
  followKind();
  load();
  return () => { dead = true; };
}

// ---- the facility ----

const WEEKDAYS = /** @type {Array<[string, string]>} */ ([['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'], ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday']]);

/**
 * Opening hours as typed: "09:00-12:00, 13:00-18:00"; null when unreadable.
 * @param {string} text
 * @returns {Array<{from: string, to: string}> | null}
 */
function parseRanges(text) {
  const out = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})$/.exec(part);
    if (!m) return null;
    out.push({ from: `${m[1].padStart(2, '0')}:${m[2]}`, to: `${m[3].padStart(2, '0')}:${m[4]}` });
  }
  return out;
}

/** @param {Array<{from: string, to: string}> | undefined} ranges */
const rangesText = (ranges) => (ranges || []).map((r) => `${r.from}-${r.to}`).join(', ');

/**
 * @param {HTMLElement} root
 * @returns {() => void}
 */
export function mountFacility(root) {
  let dead = false;
  document.title = 'Facility · seatmap staff';
  let version = 0;
  let seq = 0;

  /** @type {Record<string, {closed: HTMLInputElement, ranges: HTMLInputElement}>} */
  const days = {};
  const hoursRows = WEEKDAYS.map(([key, label]) => {
    const closed = input('input', { id: `hours-${key}-closed`, type: 'checkbox' });
    const ranges = input('input', { id: `hours-${key}`, type: 'text', placeholder: 'Open all day', autocomplete: 'off', 'aria-describedby': `hours-${key}-error hours-hint` });
    closed.addEventListener('change', () => { ranges.disabled = closed.checked; });
    days[key] = { closed, ranges };
    return h('div', { class: 'field facility-day', dataset: { field: `hours.${key}` } },
      h('label', { for: `hours-${key}` }, label),
      h('div', { class: 'facility-day-row' }, ranges, h('label', { class: 'check check-small', for: `hours-${key}-closed` }, closed, ' Closed')),
      h('p', { class: 'field-error', id: `hours-${key}-error`, role: 'alert', hidden: true }));
  });

  const exceptions = h('div', { class: 'facility-list', id: 'facility-exceptions' });
  const zones = h('div', { class: 'facility-list', id: 'facility-zones' });

  /** @param {{date?: string, note?: string, closed?: boolean, ranges?: Array<{from: string, to: string}>}} [e] */
  function addException(e = {}) {
    const i = seq++;
    const date = input('input', { id: `exc-${i}-date`, type: 'date', value: e.date || '', class: 'exc-date' });
    const closed = input('input', { id: `exc-${i}-closed`, type: 'checkbox', checked: !!e.closed, class: 'exc-closed' });
    const ranges = input('input', { id: `exc-${i}-ranges`, type: 'text', value: rangesText(e.ranges), placeholder: 'Open all day', class: 'exc-ranges', autocomplete: 'off' });
    const note = input('input', { id: `exc-${i}-note`, type: 'text', value: e.note || '', maxlength: '200', class: 'exc-note', autocomplete: 'off' });
    const err = h('p', { class: 'field-error', id: `exc-${i}-error`, role: 'alert', hidden: true });
    for (const c of [date, ranges, note]) c.setAttribute('aria-describedby', err.id);
    const remove = h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'aria-label': 'Remove this exception' }, 'Remove');
    const el = h('fieldset', { class: 'facility-item exception' },
      h('legend', { class: 'sr-only' }, 'Exception'),
      h('div', { class: 'field-pair' },
        h('div', { class: 'field' }, h('label', { for: date.id }, 'Date'), date),
        h('div', { class: 'field' }, h('label', { for: ranges.id }, 'Hours'), ranges)),
      h('div', { class: 'field-pair' },
        h('div', { class: 'field' }, h('label', { for: note.id }, 'Note'), note),
        h('label', { class: 'check check-small', for: closed.id }, closed, ' Closed')),
      err, remove);
    remove.addEventListener('click', () => { el.remove(); addExc.focus(); });
    exceptions.append(el);
    return date;
  }

  /** @param {{id?: string, name?: string}} [z] */
  function addZone(z = {}) {
    const i = seq++;
    const id = input('input', { id: `zone-${i}-id`, type: 'text', value: z.id || '', maxlength: '32', class: 'zone-id', autocomplete: 'off' });
    const name = input('input', { id: `zone-${i}-name`, type: 'text', value: z.name || '', maxlength: '200', class: 'zone-name', autocomplete: 'off' });
    const err = h('p', { class: 'field-error', id: `zone-${i}-error`, role: 'alert', hidden: true });
    for (const c of [id, name]) c.setAttribute('aria-describedby', err.id);
    const remove = h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'aria-label': 'Remove this zone' }, 'Remove');
    const el = h('fieldset', { class: 'facility-item zone' },
      h('legend', { class: 'sr-only' }, 'Zone'),
      h('div', { class: 'field-pair' },
        h('div', { class: 'field' }, h('label', { for: id.id }, 'Id'), id),
        h('div', { class: 'field' }, h('label', { for: name.id }, 'Name'), name)),
      err, remove);
    remove.addEventListener('click', () => { el.remove(); addZ.focus(); });
    zones.append(el);
    return id;
  }

  const addExc = h('button', { type: 'button', id: 'add-exception', class: 'btn btn-small btn-secondary' }, 'Add exception');
  addExc.addEventListener('click', () => addException().focus());
  const addZ = h('button', { type: 'button', id: 'add-zone', class: 'btn btn-small btn-secondary' }, 'Add zone');
  addZ.addEventListener('click', () => addZone().focus());
  const seasonFrom = input('input', { id: 'season-from', type: 'date' });
  const seasonTo = input('input', { id: 'season-to', type: 'date' });
  const tolerance = input('input', { id: 'tolerance', type: 'number', min: '0', max: '1440', inputmode: 'numeric', value: '0' });
  const error = h('p', { class: 'form-error', id: 'facility-error', role: 'alert', hidden: true });
  const saved = h('p', { class: 'hint', id: 'facility-saved', role: 'status' });
  const save = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'facility-save', class: 'btn btn-primary' }, 'Save settings'));

  const form = h('form', { class: 'facility-form', id: 'facility-form', novalidate: true, onsubmit: submit },
    h('section', { class: 'card', 'aria-labelledby': 'hours-title' },
      h('h2', { id: 'hours-title' }, 'Opening hours'),
      h('p', { class: 'hint', id: 'hours-hint' }, 'Ranges like 09:00-12:00, 13:00-18:00. Empty: open all day.'),
      hoursRows),
    h('section', { class: 'card', 'aria-labelledby': 'exc-title', dataset: { field: 'exceptions' } },
      h('h2', { id: 'exc-title' }, 'Exceptions'),
      h('p', { class: 'hint' }, 'Days with other hours, or closed: holidays, late openings.'),
      exceptions, addExc),
    h('section', { class: 'card', 'aria-labelledby': 'season-title' },
      h('h2', { id: 'season-title' }, 'Season and time cards'),
      h('div', { class: 'field-pair' },
        field('season.from', 'Season from', seasonFrom),
        field('season.to', 'Season to', seasonTo)),
      field('tolerance_minutes', 'Time-card tolerance (minutes)', tolerance, 'What a time card may overstay before its surcharge.')),
    h('section', { class: 'card', 'aria-labelledby': 'zones-title' },
      h('h2', { id: 'zones-title' }, 'Zones'),
      h('p', { class: 'hint' }, 'Areas passes admit to; entitlements add them. Ids are lower-case letters, digits, - or _.'),
      zones, addZ),
    error, saved, h('div', { class: 'btn-row' }, save));

  /**
   * Shows a problem at its field: hours.mon…, exceptions[i]…, zones[i]….
   * @param {string} name
   * @param {string} msg
   */
  function showProblem(name, msg) {
    const m = /^(exceptions|zones)\[(\d+)\]/.exec(name);
    if (m) {
      const item = /** @type {HTMLElement | undefined} */ ((m[1] === 'exceptions' ? exceptions : zones).children[Number(m[2])]);
      if (item) {
        const err = /** @type {HTMLElement} */ (item.querySelector('.field-error'));
        err.textContent = msg;
        err.hidden = false;
        const control = /** @type {HTMLElement} */ (item.querySelector('input'));
        control.setAttribute('aria-invalid', 'true');
        control.focus();
        return true;
      }
    }
    return showAt(form, name, msg);
  }

  /** @param {any} f */
  function fill(f) {
    version = f.version || 0;
    for (const [key] of WEEKDAYS) {
      const d = (f.hours || {})[key] || {};
      days[key].closed.checked = !!d.closed;
      days[key].ranges.disabled = !!d.closed;
      days[key].ranges.value = rangesText(d.ranges);
    }
    exceptions.replaceChildren();
    for (const e of f.exceptions || []) addException(e);
    zones.replaceChildren();
    for (const z of f.zones || []) addZone(z);
    seasonFrom.value = f.season?.from || '';
    seasonTo.value = f.season?.to || '';
    tolerance.value = String(f.tolerance_minutes || 0);
  }

  /** @param {Event} e */
  async function submit(e) {
    e.preventDefault();
    if (save.disabled) return;
    clearErrors(form);
    error.hidden = true;
    saved.textContent = '';
    /** @type {Record<string, any>} */
    const hours = {};
    for (const [key, label] of WEEKDAYS) {
      const { closed, ranges } = days[key];
      if (closed.checked) {
        hours[key] = { closed: true, ranges: [] };
        continue;
      }
      const r = parseRanges(ranges.value);
      if (!r) {
        showProblem(`hours.${key}`, `${label}: write hours like 09:00-12:00, 13:00-18:00.`);
        return;
      }
      if (r.length) hours[key] = { closed: false, ranges: r };
    }
    const exc = [];
    for (const [i, el] of [...exceptions.children].entries()) {
      const q = (/** @type {string} */ c) => /** @type {HTMLInputElement} */ (el.querySelector(c));
      const r = parseRanges(q('.exc-ranges').value);
      if (!r) {
        showProblem(`exceptions[${i}]`, 'Write hours like 09:00-12:00, 13:00-18:00.');
        return;
      }
      if (!q('.exc-date').value) {
        showProblem(`exceptions[${i}]`, 'Choose the date.');
        return;
      }
      const closed = q('.exc-closed').checked;
      exc.push({ date: q('.exc-date').value, note: q('.exc-note').value.trim(), closed, ranges: closed ? [] : r });
    }
    const zs = [...zones.children].map((el) => ({
      id: /** @type {HTMLInputElement} */ (el.querySelector('.zone-id')).value.trim(),
      name: /** @type {HTMLInputElement} */ (el.querySelector('.zone-name')).value.trim(),
    }));
    /** @type {Record<string, any>} */
    const b = { hours, exceptions: exc, zones: zs, tolerance_minutes: Number(tolerance.value || 0), season: null };
    if (seasonFrom.value || seasonTo.value) b.season = { from: seasonFrom.value, to: seasonTo.value };
    save.disabled = true;
    save.setAttribute('aria-busy', 'true');
    try {
      const f = await api.put(paths.facility(), b, { 'If-Match': `"${version}"` });
      if (dead) return;
      fill(f);
      saved.textContent = 'Settings saved.';
      announce('The facility settings were saved.');
    } catch (err) {
      if (dead || signedOut(err)) return;
      if (err instanceof api.ApiError && err.slug === 'stale') {
        error.textContent = 'Someone changed the settings meanwhile. They were reloaded: make your change again.';
        error.hidden = false;
        load();
      } else if (!(err instanceof api.ApiError && err.field && showProblem(err.field, err.friendly))) {
        error.textContent = err instanceof api.ApiError ? err.friendly : String(err);
        error.hidden = false;
      }
    } finally {
      save.disabled = false;
      save.removeAttribute('aria-busy');
    }
  }

  async function load() {
    try {
      const f = await api.get(paths.facility());
      if (dead) return;
      fill(f);
      form.dataset.loaded = 'true';
    } catch (err) {
      if (dead || signedOut(err)) return;
      showError(err);
    }
  }

  replace(root, h('section', { class: 'staff-page facility-page' },
    h('h1', null, 'Facility'),
    h('p', { class: 'hint' }, 'Without settings the facility is open every day, all day. ', h('a', { href: '#/products' }, 'Products')),
    form));
  load();
  return () => { dead = true; };
}
