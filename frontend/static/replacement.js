// The buyer's attend-or-refund page (#/order/{id}/replacement?key=…): the
// link of the e-mail that tells a buyer their performance changed name or
// date (issue 16, "замена"). It shows what was and what is now, in the
// venue's time, and until the organizer's deadline two choices: keep the
// order for the new date, or have the money back in full (a second step
// confirms the refund, which cannot be undone). The key in the address is
// the order's secret link; without it (or with another order's) the server
// answers 404. Loaded by import() on its route, never with the other pages.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, dateTime } from './format.js';
import { announce, showError } from './notify.js';

/**
 * @typedef {{old_name: string, new_name: string, old_starts_at: string, new_starts_at: string,
 *   refund_deadline?: string, time_zone: string}} Replacement
 * @typedef {{order_id: string, number: string, status: string, total: number, refunded: number, currency: string,
 *   replacement: Replacement, choice: string | null, open: boolean, cancelled: boolean}} Offer
 */

/** The order's key from the page's address, or ''. */
function keyFromAddress() {
  const q = location.hash.split('?')[1] || '';
  return new URLSearchParams(q).get('key') || '';
}

/**
 * @param {HTMLElement} root
 * @param {string} id order id
 * @returns {() => void} unmount
 */
export function mountReplacement(root, id) {
  let dead = false;
  let busy = false;
  const key = keyFromAddress();
  document.title = 'Your performance has changed · seatmap';
  replace(root, h('section', { class: 'order replacement' }, h('p', { class: 'shows-status' }, 'Loading…')));

  (async () => {
    try {
      const offer = /** @type {Offer} */ (await api.get(paths.orderReplacement(id, key)));
      if (!dead) show(offer, '');
    } catch (err) {
      if (dead) return;
      const notFound = err instanceof api.ApiError && err.status === 404;
      replace(root, h('section', { class: 'order replacement' },
        h('div', { class: 'order-card' },
          h('h1', null, notFound ? 'Nothing to choose here' : 'This page could not be loaded'),
          h('p', null, notFound
            ? 'Open this page with the link in the e-mail about the change: it is the order’s own link, and works on any device.'
            : 'Please try again in a moment.'),
          h('p', null, h('a', { href: '#/' }, 'See all performances')))));
      if (!notFound) showError(err);
    }
  })();

  /**
   * @param {'attend' | 'refund'} choice
   * @param {Offer} offer
   */
  async function choose(choice, offer) {
    if (busy) return;
    busy = true;
    root.querySelectorAll('button').forEach((b) => { /** @type {HTMLButtonElement} */ (b).disabled = true; });
    try {
      const after = /** @type {Offer} */ (await api.post(paths.orderReplacement(id, key), { choice }));
      if (dead) return;
      busy = false;
      const said = after.choice === 'refund'
        ? `Refunded: ${money(after.refunded, after.currency)} goes back to you.`
        : 'Thank you: your order stands for the new date.';
      show(after, said);
      announce(said);
    } catch (err) {
      busy = false;
      if (dead) return;
      if (err instanceof api.ApiError && err.status === 409) {
        // The deadline passed, or a refund was made meanwhile: show the page as it is now.
        const now = /** @type {Offer} */ (await api.get(paths.orderReplacement(id, key)).catch(() => offer));
        if (!dead) show(now, err.slug === 'replacement-choice-closed'
          ? 'The deadline for choosing has passed: your order stands for the new date.'
          : err.friendly);
        return;
      }
      show(offer, '');
      showError(err);
    }
  }

  /**
   * @param {Offer} offer
   * @param {string} said what just happened, for the status line
   */
  function show(offer, said) {
    const r = offer.replacement;
    const zone = r.time_zone;
    const nameChanged = r.old_name !== r.new_name;
    const dateChanged = r.old_starts_at !== r.new_starts_at;
    const left = offer.total - offer.refunded;
    const heading = h('h1', { id: 'replacement-title', tabindex: '-1' }, 'Your performance has changed');
    /** @type {HTMLElement | null} */
    let confirm = null;
    const refundBtn = h('button', {
      type: 'button', id: 'choose-refund', class: 'btn btn-secondary',
      onclick: () => {
        if (confirm) confirm.hidden = false;
        confirm?.querySelector('button')?.focus();
      },
    }, 'I want a refund');
    confirm = offer.open ? h('div', { id: 'refund-confirm', class: 'replacement-confirm', hidden: true, role: 'group', 'aria-labelledby': 'refund-confirm-text' },
      h('p', { id: 'refund-confirm-text' }, `Refund ${money(left, offer.currency)} in full and give up your seats? This cannot be undone.`),
      h('div', { class: 'btn-row' },
        h('button', { type: 'button', id: 'confirm-refund', class: 'btn btn-primary', onclick: () => choose('refund', offer) }, 'Yes, refund my order'),
        h('button', {
          type: 'button', class: 'btn btn-ghost',
          onclick: () => {
            if (confirm) confirm.hidden = true;
            refundBtn.focus();
          },
        }, 'No, go back'))) : null;
    const closedText = offer.cancelled
      ? 'This performance is cancelled: your order is refunded in full, nothing needs doing.'
      : offer.choice === 'refund'
      ? `You chose a refund: ${money(offer.refunded, offer.currency)} was refunded.`
      : offer.choice === 'attend'
        ? 'You chose to attend: your order stands for the new date.'
        : r.refund_deadline ? `The deadline (${dateTime(r.refund_deadline, zone)}) has passed: your order stands for the new date.`
          : 'Your order stands for the new date; nothing needs doing.';
    replace(root, h('section', { class: 'order replacement', 'aria-labelledby': 'replacement-title', dataset: { choice: offer.choice || '', open: String(offer.open) } },
      h('div', { class: 'order-card' },
        heading,
        h('div', { class: 'order-number-box' },
          h('span', { class: 'order-number-label' }, 'Order number'),
          h('span', { id: 'order-number', class: 'order-number' }, offer.number)),
        h('dl', { class: 'order-facts replacement-facts' },
          h('dt', null, 'Was'),
          h('dd', { id: 'replacement-old' }, nameChanged ? h('s', null, r.old_name) : r.old_name, h('br'),
            dateChanged ? h('s', null, dateTime(r.old_starts_at, zone)) : dateTime(r.old_starts_at, zone)),
          h('dt', null, 'Now'),
          h('dd', { id: 'replacement-new' }, h('strong', null, r.new_name), h('br'), h('strong', null, dateTime(r.new_starts_at, zone))),
          r.refund_deadline ? [h('dt', null, 'Choose by'), h('dd', { id: 'replacement-deadline' }, dateTime(r.refund_deadline, zone))] : null,
          h('dt', null, 'Your order'),
          h('dd', null, money(offer.total, offer.currency), offer.refunded > 0 ? ` · ${money(offer.refunded, offer.currency)} refunded` : '')),
        h('p', { id: 'replacement-said', class: 'replacement-said', role: 'status' }, said),
        offer.open
          ? [
            h('p', { class: 'order-sub' }, offer.choice === 'attend'
              ? 'You chose to attend. You may still take a full refund until the deadline.'
              : 'Your seats stay yours for the new date. If you cannot come, you may have your money back in full until the deadline.'),
            h('div', { class: 'btn-row replacement-choices' },
              h('button', { type: 'button', id: 'choose-attend', class: 'btn btn-primary', disabled: offer.choice === 'attend', onclick: () => choose('attend', offer) },
                offer.choice === 'attend' ? 'You attend ✓' : 'I will attend'),
              refundBtn),
            confirm]
          : h('p', { id: 'replacement-closed', class: 'order-sub' }, closedText),
        h('p', { class: 'no-print' }, h('a', { id: 'replacement-order-link', href: `#/order/${encodeURIComponent(offer.order_id)}${key ? `?key=${encodeURIComponent(key)}` : ''}` }, 'See your order and tickets')))));
    if (said) heading.focus();
  }

  return () => { dead = true; };
}
