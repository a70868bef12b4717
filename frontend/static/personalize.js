// The personalization page (#/personalize/{token}): the link of a paid
// order's confirmation opens its passes that need a holder, without an
// account (the token is the secret). One form a pass: the holder's name,
// birth date and photo (a file or, on a phone, the front camera), saved with
// PUT …/passes/{id} and PUT …/passes/{id}/photo. A printed pass (or one past
// it) refuses edits: its form is shown read-only with the reason, and a 409
// from the server (printed meanwhile) says the same.
// Loaded by import() on the first visit, never with the other buyer pages.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { announce, showError, clearError } from './notify.js';

/**
 * @typedef {{id: string, state: string, product_name: string, valid_from: string | null, valid_to: string | null,
 *   holder: {name: string, birth_date: string | null}}} Pass
 */

/** The states in which a pass takes a holder and a photo. */
const EDITABLE = ['awaiting_personalization', 'personalized'];

const STATE_TEXT = /** @type {Record<string, string>} */ ({
  awaiting_personalization: 'Needs its holder',
  personalized: 'Personalized: waiting to be printed',
  printed: 'Printed',
  posted: 'Posted to you',
  deposited: 'Ready for pick-up',
  handed_over: 'Handed over',
  blocked: 'Blocked',
  replaced: 'Replaced',
  expired: 'Expired',
});

/** The server's limit on a photo (5 MiB), and what the page sends at most. */
const MAX_PHOTO = 5 * 1024 * 1024;
const SEND_SIDE = 1200;
const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

const LOCKED_TEXT = 'This pass is printed: its holder and photo can no longer be changed. Please contact the venue if something is wrong.';

/**
 * A photo ready to send: a phone's camera picture, often larger than the
 * limit, is drawn at most SEND_SIDE pixels on its long side as a JPEG (the
 * browser turns it upright as it draws it). Whatever the browser cannot
 * draw is sent as it is, for the server to judge.
 * @param {File} file
 * @returns {Promise<Blob>}
 */
async function photoToSend(file) {
  if (typeof createImageBitmap !== 'function') return file;
  let bmp;
  try {
    bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return file;
  }
  const scale = Math.min(1, SEND_SIDE / Math.max(bmp.width, bmp.height));
  if (scale === 1 && file.size <= MAX_PHOTO && PHOTO_TYPES.includes(file.type)) {
    bmp.close();
    return file;
  }
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bmp.width * scale));
  canvas.height = Math.max(1, Math.round(bmp.height * scale));
  const ctx = canvas.getContext('2d');
  if (!ctx) return file;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(bmp, 0, 0, canvas.width, canvas.height);
  bmp.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
  return blob || file;
}

/**
 * Sends a photo's bytes (not JSON, so not through api.put).
 * @param {string} path
 * @param {Blob} blob
 */
async function putPhoto(path, blob) {
  let res;
  try {
    res = await fetch(paths.url(path), { method: 'PUT', body: blob, credentials: 'same-origin',
      headers: { 'Content-Type': blob.type || 'application/octet-stream', Accept: 'application/json, application/problem+json' } });
  } catch (err) {
    throw new api.ApiError(0, { title: 'Network error', detail: String(err) });
  }
  if (!res.ok) {
    let problem = { title: res.statusText };
    try {
      problem = await res.json();
    } catch { /* not JSON */ }
    throw new api.ApiError(res.status, problem);
  }
  return res.json();
}

/**
 * @param {HTMLElement} root
 * @param {string} token
 * @returns {() => void} unmount
 */
export function mountPersonalize(root, token) {
  let dead = false;
  document.title = 'Personalize your passes · seatmap';
  const status = h('p', { class: 'shows-status', id: 'personalize-status', role: 'status' }, 'Loading your passes…');
  const list = h('div', { id: 'personalize-passes', class: 'personalize-passes' });
  const heading = h('h1', { id: 'personalize-title', tabindex: '-1' }, 'Personalize your passes');
  replace(root, h('section', { class: 'shop personalize', 'aria-labelledby': 'personalize-title' },
    h('div', { class: 'hero' }, heading,
      h('p', null, 'Each pass is made out to its holder: enter their name and date of birth, and add a photo (from a file, or your phone’s camera). You can change them until the pass is printed.')),
    status, list));

  (async () => {
    try {
      const pz = await api.get(paths.personalization(token));
      if (dead) return;
      /** @type {Pass[]} */
      const passes = pz.passes || [];
      status.textContent = `Order ${pz.order_number}: ${passes.length} ${passes.length === 1 ? 'pass' : 'passes'}.`;
      replace(list, passes.map((p, i) => passForm(p, i, passes.length)));
    } catch (err) {
      if (dead) return;
      status.textContent = err instanceof api.ApiError && err.status === 404
        ? 'This link opens no passes. Please check that you copied the whole link from your confirmation e-mail.'
        : 'Your passes cannot be loaded right now.';
      showError(err);
    }
  })();

  /**
   * @param {Pass} p
   * @param {number} i
   * @param {number} n
   */
  function passForm(p, i, n) {
    const id = (/** @type {string} */ what) => `pz-${what}-${p.id}`;
    const editable = EDITABLE.includes(p.state);
    const name = /** @type {HTMLInputElement} */ (h('input', { id: id('name'), name: 'name', type: 'text', autocomplete: 'name', required: true,
      maxlength: '200', value: p.holder.name || '', 'aria-describedby': id('name-error') }));
    const birth = /** @type {HTMLInputElement} */ (h('input', { id: id('birth'), name: 'birth_date', type: 'date', required: true,
      min: '1900-01-01', max: new Date().toISOString().slice(0, 10), value: p.holder.birth_date || '', 'aria-describedby': id('birth-error') }));
    const photo = /** @type {HTMLInputElement} */ (h('input', { id: id('photo'), name: 'photo', type: 'file', accept: 'image/*', capture: 'user',
      'aria-describedby': id('photo-hint') }));
    const nameErr = h('p', { id: id('name-error'), class: 'field-error', hidden: true });
    const birthErr = h('p', { id: id('birth-error'), class: 'field-error', hidden: true });
    const preview = /** @type {HTMLImageElement} */ (h('img', { class: 'pz-photo', id: id('preview'), alt: `Photo of the holder of pass ${i + 1}`, hidden: true }));
    preview.addEventListener('load', () => { preview.hidden = false; });
    preview.addEventListener('error', () => { preview.hidden = true; });
    preview.src = paths.url(paths.personalizePhoto(token, p.id)) + `?v=${Date.now()}`;
    const state = h('span', { class: 'badge pz-state', id: id('state'), dataset: { state: p.state } }, STATE_TEXT[p.state] || p.state);
    const note = h('p', { class: 'pz-note', id: id('note'), role: 'status' });
    const save = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: id('save'), class: 'btn btn-primary' }, 'Save'));
    const locked = h('p', { class: 'pz-locked', id: id('locked'), hidden: editable }, LOCKED_TEXT);
    const form = /** @type {HTMLFormElement} */ (h('form', { class: 'card pz-pass', id: id('form'), novalidate: true, dataset: { pass: p.id, state: p.state },
      'aria-labelledby': id('title'), onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); submit(); } },
    h('div', { class: 'pz-head' },
      h('h2', { id: id('title') }, `Pass ${i + 1} of ${n}: ${p.product_name}`), state),
    p.valid_from && p.valid_to ? h('p', { class: 'hint' }, `Valid ${p.valid_from} to ${p.valid_to}`) : null,
    locked,
    h('div', { class: 'pz-body' },
      preview,
      h('div', { class: 'pz-fields' },
        h('div', { class: 'field' }, h('label', { for: id('name') }, 'Holder’s full name'), name, nameErr),
        h('div', { class: 'field' }, h('label', { for: id('birth') }, 'Date of birth'), birth, birthErr),
        h('div', { class: 'field' }, h('label', { for: id('photo') }, 'Photo (optional)'), photo,
          h('p', { class: 'hint', id: id('photo-hint') }, 'A face, front on: JPEG, PNG or WebP, up to 5 MB. On a phone you can take it with the camera.')))),
    h('div', { class: 'btn-row' }, save),
    note));
    setEditable(editable);

    /** @param {boolean} on */
    function setEditable(on) {
      for (const el of [name, birth, photo, save]) el.disabled = !on;
      locked.hidden = on;
    }

    /** @param {string} st */
    function setState(st) {
      form.dataset.state = st;
      state.dataset.state = st;
      state.textContent = STATE_TEXT[st] || st;
    }

    /**
     * @param {HTMLInputElement} input
     * @param {HTMLElement} err
     * @param {string} text
     */
    function fieldError(input, err, text) {
      err.textContent = text;
      err.hidden = !text;
      if (text) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }

    async function submit() {
      clearError();
      note.textContent = '';
      fieldError(name, nameErr, name.value.trim() ? '' : 'Please enter the holder’s name.');
      fieldError(birth, birthErr, birth.value ? '' : 'Please enter the date of birth.');
      if (!name.value.trim()) return name.focus();
      if (!birth.value) return birth.focus();
      const file = photo.files && photo.files[0];
      save.disabled = true;
      save.textContent = 'Saving…';
      try {
        const got = await api.put(paths.personalizePass(token, p.id), { holder: { name: name.value.trim(), birth_date: birth.value } });
        if (dead) return;
        setState(got.state);
        if (file) {
          note.textContent = 'Sending the photo…';
          await putPhoto(paths.personalizePhoto(token, p.id), await photoToSend(file));
          if (dead) return;
          photo.value = '';
          preview.src = paths.url(paths.personalizePhoto(token, p.id)) + `?v=${Date.now()}`;
        }
        note.textContent = file ? 'Saved, with the photo.' : 'Saved.';
        announce(`Pass ${i + 1} saved.`);
      } catch (err) {
        if (dead) return;
        if (err instanceof api.ApiError && err.status === 409) {
          setEditable(false);
          note.textContent = LOCKED_TEXT;
          return;
        }
        if (err instanceof api.ApiError && err.field === 'holder.name') fieldError(name, nameErr, err.friendly);
        else if (err instanceof api.ApiError && err.field === 'holder.birth_date') fieldError(birth, birthErr, err.friendly);
        else if (err instanceof api.ApiError && (err.status === 413 || err.status === 415 || err.field === 'photo')) {
          note.textContent = err.status === 413 ? 'The photo is larger than 5 MB: please choose a smaller one.'
            : 'That file is not a photo we can use: please choose a JPEG, PNG or WebP image.';
        } else showError(err);
      } finally {
        save.textContent = 'Save';
        if (!locked.hidden) save.disabled = true;
        else save.disabled = false;
      }
    }
    return form;
  }

  return () => {
    dead = true;
  };
}
