// window.seatmap: the handle automated browser tests (chromedp) use to see and
// drive the seat-map page. Pages other than the seat map leave it inert.
// Every page has `format`: the page's money formatting, which tests compare
// with the server's currency list.

import { minorDigits, money } from './format.js';

const format = Object.freeze({ minorDigits, money });

const inert = {
  format,
  performanceId: null,
  version: 0,
  ready: false,
  connected: false,
  stateOf: () => null,
  select: () => false,
  hold: async () => ({ ok: false, status: 0, detail: 'no seat map on this page' }),
  frameStats: () => ({ frames: 0, avgMs: 0, maxMs: 0, lastMs: 0 }),
};

/**
 * Installs the hooks of the current page.
 * @param {object} hooks
 */
export function setHooks(hooks) {
  if (!('format' in hooks)) /** @type {any} */ (hooks).format = format;
  /** @type {any} */ (window).seatmap = hooks;
}

/** Puts back the inert hooks. */
export function resetHooks() {
  /** @type {any} */ (window).seatmap = { ...inert };
}
