// A value card's ledger as a table (staff): its balance and every entry
// with the balance after it, oldest first, as GET /passes/{id}/ledger
// answers. The pass counter (counter.js) shows it; a pass's page may too.

import * as api from './api.js';
import * as paths from './paths.js';
import { h } from './dom.js';
import { dateTime, money } from './format.js';

/**
 * @typedef {{id: number, pass_id: string, kind: string, amount: number, currency: string, balance_after: number,
 *   by: string, till: string, order_id: string, note: string, created_at: string}} Entry
 * @typedef {{pass_id: string, balance: number, currency: string, credit_limit: number, items: Entry[], next: number | null}} Ledger
 */

/** What each kind of entry is, for staff. */
export const ENTRY_KINDS = /** @type {Record<string, string>} */ ({
  top_up: 'Top-up', debit: 'Debit', refund: 'Refund', transfer: 'Transfer',
});

/**
 * Loads a card's whole ledger, page by page.
 * @param {string} passId
 * @param {AbortSignal=} signal
 * @returns {Promise<Ledger>}
 */
export async function loadLedger(passId, signal) {
  /** @type {Ledger} */
  const first = await api.get(paths.passLedger(passId), signal);
  let page = first;
  while (page.next !== null && page.next !== undefined) {
    page = await api.get(paths.passLedger(passId, { after: String(page.next) }), signal);
    first.items.push(...page.items);
  }
  first.next = null;
  return first;
}

/**
 * The ledger as a captioned table in a scroll box: one row per entry.
 * @param {Ledger} l
 * @param {string} [id] the table's id
 */
export function ledgerTable(l, id = 'ledger-table') {
  const rows = l.items.map((e) => h('tr', { dataset: { entry: String(e.id), kind: e.kind } },
    h('td', null, dateTime(e.created_at)),
    h('td', null, ENTRY_KINDS[e.kind] || e.kind),
    h('td', { class: 'num', dataset: { minor: String(e.amount) } }, money(e.amount, e.currency)),
    h('td', { class: 'num', dataset: { minor: String(e.balance_after) } }, money(e.balance_after, e.currency)),
    h('td', null, [e.till, e.note].filter(Boolean).join(' · ') || (e.order_id ? 'Opening value' : '')),
  ));
  const table = h('table', { id, class: 'data-table ledger-table' },
    h('caption', null, `Ledger: ${l.items.length} ${l.items.length === 1 ? 'entry' : 'entries'}`),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'When'),
      h('th', { scope: 'col' }, 'What'),
      h('th', { scope: 'col', class: 'num' }, 'Amount'),
      h('th', { scope: 'col', class: 'num' }, 'Balance after'),
      h('th', { scope: 'col' }, 'Till, note'))),
    h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colspan: '5', class: 'muted' }, 'No entries yet: the card holds its opening value.'))));
  return h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Ledger' }, table);
}

/**
 * The balance as a line: "Balance €20.00 (credit limit €10.00)".
 * @param {Ledger} l
 * @param {string} [id] the amount's id
 */
export function balanceLine(l, id = 'ledger-balance') {
  return h('p', { class: 'ledger-balance' }, 'Balance ',
    h('strong', { id, dataset: { minor: String(l.balance) } }, money(l.balance, l.currency)),
    l.credit_limit ? h('span', { class: 'muted' }, ` (credit limit ${money(l.credit_limit, l.currency)})`) : null);
}
