// The document template (#/document-template, issue 17, шаблоны документов):
// the venue's name, its legal details (company, address, tax id), a logo
// (PNG or JPEG up to 512 KiB) and a footer text, printed on every document.
// Saved whole with PUT /document-template (the logo as base64); the preview
// is a sample PDF the server prints with the saved template, shown in a frame,
// or — "Preview these edits" — with what is in the form, unsaved (POST
// /document-template/preview.pdf, the same JSON as PUT, nothing stored; the
// PDF framed as a blob: URL).
// Saving changes the next version of each document made after it.
// Organizers and admins.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { dateTime } from './format.js';
import { showError, clearError, announce } from './notify.js';
import { signedOut } from './session.js';

/** The server's limit on a logo. */
const MAX_LOGO = 512 * 1024;

/**
 * @typedef {{venue_name: string, legal_details: string, footer: string, logo: string | null, logo_type?: string,
 *   version: number, updated_at: string | null, updated_by?: string, preview_url: string}} DocumentTemplate
 */

/**
 * A file's bytes as base64 (no data: prefix).
 * @param {Blob} file
 * @returns {Promise<string>}
 */
function base64Of(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

/**
 * @param {HTMLElement} root
 * @returns {() => void} unmount
 */
export function mountDocumentTemplate(root) {
  let dead = false;
  document.title = 'Document template · seatmap staff';
  /** @type {DocumentTemplate | null} */
  let current = null;
  /** The logo to send: the stored one's base64, a new file's, or null. */
  /** @type {string | null} */
  let logo = null;

  /**
   * A labelled field with its hint and its error line.
   * @param {string} id
   * @param {string} label
   * @param {HTMLElement} control
   * @param {string} hint
   */
  const field = (id, label, control, hint) => {
    control.setAttribute('aria-describedby', `${id}-hint ${id}-error`);
    return h('div', { class: 'field' },
      h('label', { for: id }, label), control,
      h('p', { class: 'hint', id: `${id}-hint` }, hint),
      h('p', { class: 'field-error', id: `${id}-error`, hidden: true }));
  };
  const name = /** @type {HTMLInputElement} */ (h('input', { id: 'tpl-venue-name', name: 'venue_name', type: 'text', maxlength: '120', autocomplete: 'organization' }));
  const legal = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: 'tpl-legal-details', name: 'legal_details', rows: '4', maxlength: '600' }));
  const footer = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: 'tpl-footer', name: 'footer', rows: '2', maxlength: '300' }));
  const file = /** @type {HTMLInputElement} */ (h('input', { id: 'tpl-logo', name: 'logo', type: 'file', accept: 'image/png,image/jpeg' }));
  const thumb = /** @type {HTMLImageElement} */ (h('img', { id: 'tpl-logo-image', class: 'tpl-logo-image', alt: 'The logo as stored', hidden: true }));
  const removeLogo = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'tpl-logo-remove', hidden: true }, 'Remove the logo'));
  const save = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', class: 'btn btn-primary', id: 'tpl-save' }, 'Save'));
  const previewEdits = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn btn-secondary', id: 'tpl-preview-edits' }, 'Preview these edits'));
  /** The blob: URL of the unsaved form's preview, revoked when replaced. */
  let draftURL = '';
  const status = h('p', { class: 'shows-status', role: 'status', id: 'tpl-status' }, 'Loading the template…');
  const frame = /** @type {HTMLIFrameElement} */ (h('iframe', { id: 'tpl-preview', class: 'tpl-preview', title: 'Preview: a sample document printed with the saved template', hidden: true }));
  const open = /** @type {HTMLAnchorElement} */ (h('a', { id: 'tpl-preview-link', class: 'btn btn-secondary btn-small', target: '_blank', rel: 'noopener', hidden: true }, 'Open the preview PDF'));
  const previewHint = h('p', { class: 'hint', id: 'tpl-preview-hint', role: 'status' }, 'A sample realization report printed with the saved template.');
  const fields = /** @type {Record<string, HTMLElement>} */ ({ venue_name: name, legal_details: legal, footer, logo: file });

  const form = /** @type {HTMLFormElement} */ (h('form', { id: 'tpl-form', class: 'tpl-form', novalidate: true, 'aria-labelledby': 'tpl-form-title' },
    h('h2', { id: 'tpl-form-title' }, 'Letterhead and footer'),
    field('tpl-venue-name', 'Venue name', name, 'One line, printed large at the top of every page.'),
    field('tpl-legal-details', 'Legal details', legal, 'Company, address, tax id: up to 6 lines, under the venue name.'),
    h('div', { class: 'field' },
      h('label', { for: 'tpl-logo' }, 'Logo'), file,
      h('p', { class: 'hint', id: 'tpl-logo-hint' }, 'PNG or JPEG, up to 512 KB; printed at most 16 mm high, top left.'),
      h('p', { class: 'field-error', id: 'tpl-logo-error', hidden: true }),
      h('div', { class: 'tpl-logo-row' }, thumb, removeLogo)),
    field('tpl-footer', 'Footer', footer, 'Up to 2 lines at the bottom of every page (bank details, a thank-you).'),
    h('div', { class: 'btn-row' }, save, previewEdits),
    status));
  file.setAttribute('aria-describedby', 'tpl-logo-hint tpl-logo-error');

  replace(root, h('section', { class: 'staff-page tpl-page', 'aria-labelledby': 'tpl-title' },
    h('div', { class: 'staff-home-head' },
      h('div', null, h('h1', { id: 'tpl-title' }, 'Document template'),
        h('p', { class: 'hint' }, 'What every document — acts, reports, settlements — is printed with. After you save, the next “Make now” of each document (and the automatic ones) is a new version with this template; versions made before keep theirs.'))),
    h('div', { class: 'tpl-layout' },
      h('div', { class: 'card' }, form),
      h('section', { class: 'card tpl-preview-card', 'aria-labelledby': 'tpl-preview-title' },
        h('div', { class: 'card-head' }, h('h2', { id: 'tpl-preview-title' }, 'Preview'), open),
        previewHint,
        frame))));

  /** @param {string} f @param {string} msg */
  function fieldError(f, msg) {
    const el = fields[f];
    const err = document.getElementById(`${el.id}-error`);
    if (msg) el.setAttribute('aria-invalid', 'true');
    else el.removeAttribute('aria-invalid');
    if (err) {
      err.textContent = msg;
      err.hidden = !msg;
    }
  }
  const clearErrors = () => Object.keys(fields).forEach((f) => fieldError(f, ''));

  /** @param {DocumentTemplate} t */
  function show(t) {
    current = t;
    name.value = t.venue_name;
    legal.value = t.legal_details;
    footer.value = t.footer;
    file.value = '';
    logo = t.logo;
    showLogo(t.logo ? `data:${t.logo_type || 'image/png'};base64,${t.logo}` : '');
    const u = paths.documentTemplatePreview({ v: String(t.version) });
    dropDraft();
    frame.src = paths.url(u);
    open.href = paths.url(u);
    frame.hidden = open.hidden = false;
    frame.title = 'Preview: a sample document printed with the saved template';
    previewHint.textContent = 'A sample realization report printed with the saved template.';
    delete form.dataset.preview;
    status.textContent = t.version
      ? `Saved: version ${t.version}${t.updated_at ? `, ${dateTime(t.updated_at)}` : ''}${t.updated_by ? ` by ${t.updated_by.replace(/^staff:/, '')}` : ''}.`
      : 'No template saved yet: documents are printed without a letterhead.';
    form.dataset.version = String(t.version);
  }

  /** @param {string} src */
  function showLogo(src) {
    thumb.hidden = !src;
    removeLogo.hidden = !src;
    if (src) thumb.src = src;
    else thumb.removeAttribute('src');
  }

  file.addEventListener('change', async () => {
    fieldError('logo', '');
    const f = file.files && file.files[0];
    if (!f) return;
    if (!/^image\/(png|jpeg)$/.test(f.type)) {
      fieldError('logo', 'Choose a PNG or JPEG image.');
      file.value = '';
      return;
    }
    if (f.size > MAX_LOGO) {
      fieldError('logo', `The image has ${Math.ceil(f.size / 1024)} KB: at most 512 KB, please.`);
      file.value = '';
      return;
    }
    try {
      logo = await base64Of(f);
      if (dead) return;
      showLogo(`data:${f.type};base64,${logo}`);
      thumb.alt = 'The new logo, not saved yet';
    } catch (err) {
      showError(err);
    }
  });
  removeLogo.addEventListener('click', () => {
    logo = null;
    file.value = '';
    showLogo('');
    announce('The logo will be removed when you save.');
    file.focus();
  });

  function dropDraft() {
    if (draftURL) URL.revokeObjectURL(draftURL);
    draftURL = '';
  }

  /**
   * A 422's field error by its field, focused; else the page's error.
   * @param {unknown} err
   */
  function badInput(err) {
    if (err instanceof api.ApiError && err.field && fields[err.field]) {
      fieldError(err.field, err.friendly);
      fields[err.field].focus();
    } else if (err instanceof api.ApiError && err.status === 413) {
      fieldError('logo', 'The logo is too large: at most 512 KB, please.');
      file.focus();
    } else {
      showError(err);
    }
  }

  // The sample printed with what is in the form now, nothing saved.
  previewEdits.addEventListener('click', async () => {
    if (previewEdits.disabled) return;
    clearErrors();
    previewEdits.disabled = true;
    previewEdits.setAttribute('aria-busy', 'true');
    previewHint.textContent = 'Printing the preview of your edits…';
    try {
      const pdf = /** @type {Blob} */ (await api.request('POST', paths.documentTemplatePreview(),
        { body: { venue_name: name.value, legal_details: legal.value, footer: footer.value, logo }, blob: true }));
      if (dead) return;
      clearError();
      dropDraft();
      draftURL = URL.createObjectURL(pdf);
      frame.src = draftURL;
      open.href = draftURL;
      frame.hidden = open.hidden = false;
      frame.title = 'Preview: a sample document printed with your edits, not saved';
      previewHint.textContent = 'A sample realization report printed with your edits — not saved yet.';
      form.dataset.preview = 'draft';
    } catch (err) {
      if (dead || signedOut(err)) return;
      previewHint.textContent = 'The preview of your edits could not be printed.';
      badInput(err);
    } finally {
      if (!dead) {
        previewEdits.disabled = false;
        previewEdits.removeAttribute('aria-busy');
      }
    }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (save.disabled) return;
    clearErrors();
    save.disabled = true;
    save.setAttribute('aria-busy', 'true');
    status.textContent = 'Saving…';
    try {
      /** @type {DocumentTemplate} */
      const t = await api.put(paths.documentTemplate(), { venue_name: name.value, legal_details: legal.value, footer: footer.value, logo });
      if (dead) return;
      clearError();
      show(t);
      thumb.alt = 'The logo as stored';
      announce(`Template saved: version ${t.version}. The preview is updated.`);
    } catch (err) {
      if (dead || signedOut(err)) return;
      status.textContent = current && current.version ? `Not saved. Version ${current.version} stays.` : 'Not saved.';
      badInput(err);
    } finally {
      if (!dead) {
        save.disabled = false;
        save.removeAttribute('aria-busy');
      }
    }
  });

  (async () => {
    try {
      /** @type {DocumentTemplate} */
      const t = await api.get(paths.documentTemplate());
      if (!dead) show(t);
    } catch (err) {
      if (dead || signedOut(err)) return;
      status.textContent = 'The template could not be loaded.';
      showError(err);
    }
  })();

  return () => {
    dead = true;
    dropDraft();
  };
}
