// The visible error area (#error) and a polite screen-reader announcer.

import { ApiError } from './api.js';

/** @type {number | undefined} */
let hideTimer;

/**
 * Shows a message in the error area. ApiErrors show their friendly text.
 * @param {unknown} err
 * @param {{autoHideMs?: number}} [opts]
 */
export function showError(err, opts = {}) {
  const box = document.getElementById('error');
  if (!box) return;
  let text;
  if (err instanceof ApiError) text = err.friendly;
  else if (err instanceof Error) text = err.message;
  else text = String(err);
  const msg = box.querySelector('.error-text');
  if (msg) msg.textContent = text;
  box.hidden = false;
  box.classList.remove('flash');
  void box.offsetWidth; // restart the attention animation
  box.classList.add('flash');
  clearTimeout(hideTimer);
  if (opts.autoHideMs) hideTimer = window.setTimeout(clearError, opts.autoHideMs);
}

/** Hides the error area. */
export function clearError() {
  clearTimeout(hideTimer);
  const box = document.getElementById('error');
  if (!box) return;
  box.hidden = true;
  const msg = box.querySelector('.error-text');
  if (msg) msg.textContent = '';
}

/**
 * Says something to screen-reader users without moving focus.
 * @param {string} text
 */
export function announce(text) {
  const el = document.getElementById('announcer');
  if (!el) return;
  el.textContent = '';
  // A new text node in a later task is announced even when the text repeats.
  window.setTimeout(() => { el.textContent = text; }, 30);
}
