// A performance's documents (#/staff/p/{id}/documents, issue 17, seed 001 §5):
// for each kind — act of issue, act of return, realization report, ticket
// movement, organizer settlement — the current version with the moment it
// describes, its SHA-256 (short), who made it and its PDF and CSV; "Make now"
// makes it from what is stored now (the server answers the stored one when
// nothing it counts has changed, else a new version); older versions are
// listed under it, still downloadable. Organizers and admins.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { dateTime } from './format.js';
import { showError, announce } from './notify.js';
import { signedOut } from './session.js';

/**
 * @typedef {{id: string, kind: string, title: string, version: number, sha256: string, as_of: string, supersedes: string | null,
 *   superseded_by?: string | null, created_at: string, created_by: string, pdf_url: string, csv_url: string}} DocumentInfo
 */

/** Kinds and what each is, for people (the server's titles win when given). */
const KINDS = /** @type {Record<string, {title: string, about: string}>} */ ({
  act_issue: { title: 'Act of issue', about: 'Every ticket issued, by its form number.' },
  act_return: { title: 'Act of return', about: 'Every ticket returned, by its form number, and the refunds.' },
  realization: { title: 'Realization report', about: 'Issued, returned and net, by zone and channel: the sales report’s figures.' },
  ticket_movement: { title: 'Ticket movement', about: 'Opening stock, issued, returned, voided and closing, by series.' },
  settlement: { title: 'Organizer settlement', about: 'What the organizer is owed.' },
});

/**
 * Who made a document, for people: "system" for the automatic ones.
 * @param {string} by
 */
export function madeBy(by) {
  if (!by || by === 'system') return 'automatically';
  return by.replace(/^staff:/, '');
}

/**
 * The first 12 hex digits of a SHA-256: enough to tell versions apart.
 * @param {string} sha
 */
export const shortHash = (sha) => sha.slice(0, 12);

/**
 * @param {HTMLElement} root
 * @param {string} perfId
 * @returns {() => void} unmount
 */
export function mountDocuments(root, perfId) {
  let dead = false;
  let generation = 0;
  document.title = 'Documents · seatmap staff';
  const heading = h('h1', { id: 'documents-title' }, 'Documents');
  const sub = h('p', { class: 'hint', id: 'documents-performance' });
  const status = h('p', { class: 'shows-status', role: 'status', id: 'documents-status' }, 'Loading documents…');
  const list = h('div', { class: 'documents-list', id: 'documents-list', 'aria-busy': 'true' });
  /** @type {Map<string, HTMLElement>} kind → its "Make now" result line */
  const results = new Map();
  /** @type {DocumentInfo[]} */
  let docs = [];

  replace(root, h('section', { class: 'staff-page documents-page', 'aria-labelledby': 'documents-title' },
    h('div', { class: 'staff-home-head' },
      h('div', null, heading, sub,
        h('p', { class: 'hint' }, 'Each document is a PDF and a CSV, kept as it was made. “Make now” makes it from the sales as they stand: when nothing it counts has changed you get the same version back; otherwise a new version, and the old one stays here. Documents are also made automatically when a performance is cancelled or has ended. The letterhead comes from the ',
          h('a', { href: '#/document-template' }, 'document template'), '.'))),
    status, list));

  (async () => {
    try {
      /** @type {{name: string, starts_at: string, status: string}} */
      const p = await api.get(paths.performance(perfId));
      if (dead) return;
      heading.textContent = `Documents: ${p.name}`;
      sub.textContent = dateTime(p.starts_at);
      document.title = `Documents: ${p.name} · seatmap staff`;
    } catch (err) {
      if (!dead && !signedOut(err)) showError(err);
    }
  })();
  load();

  async function load() {
    const gen = ++generation;
    list.setAttribute('aria-busy', 'true');
    try {
      /** @type {{kinds: string[], documents: DocumentInfo[]}} */
      const out = await api.get(paths.performanceDocuments(perfId));
      if (dead || gen !== generation) return;
      docs = out.documents;
      render(out.kinds);
      status.textContent = docs.length ? '' : 'No documents yet: make the first with “Make now”.';
      status.hidden = docs.length > 0;
    } catch (err) {
      if (dead || gen !== generation || signedOut(err)) return;
      status.textContent = 'The documents could not be loaded.';
      showError(err);
    } finally {
      if (!dead && gen === generation) list.setAttribute('aria-busy', 'false');
    }
  }

  /** @param {string[]} kinds */
  function render(kinds) {
    const focused = document.activeElement && document.activeElement.id;
    replace(list, kinds.map((k) => kindCard(k, docs.filter((d) => d.kind === k).sort((a, b) => b.version - a.version))));
    if (focused) document.getElementById(focused)?.focus();
  }

  /**
   * @param {string} kind
   * @param {DocumentInfo[]} versions newest first
   */
  function kindCard(kind, versions) {
    const info = KINDS[kind] || { title: kind, about: '' };
    const title = versions[0]?.title || info.title;
    const [current, ...older] = versions;
    const result = results.get(kind) || h('p', { class: 'doc-result', id: `doc-result-${kind}`, role: 'status' });
    results.set(kind, result);
    const make = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn btn-primary btn-small', id: `doc-make-${kind}`,
      'aria-describedby': `doc-result-${kind}` }, 'Make now'));
    make.addEventListener('click', () => makeNow(kind, title, make, result));
    return h('section', { class: 'card doc-kind', id: `doc-${kind}`, 'aria-labelledby': `doc-title-${kind}`, dataset: { kind } },
      h('div', { class: 'card-head' },
        h('h2', { id: `doc-title-${kind}` }, title),
        make),
      h('p', { class: 'hint' }, info.about),
      current ? versionLine(current, title, true) : h('p', { class: 'doc-none' }, 'Not made yet.'),
      result,
      older.length ? h('div', { class: 'doc-older' },
        h('h3', { id: `doc-older-${kind}` }, `Older versions (${older.length})`),
        h('ul', { class: 'doc-versions', 'aria-labelledby': `doc-older-${kind}` }, older.map((d) => h('li', null, versionLine(d, title, false))))) : null);
  }

  /**
   * @param {DocumentInfo} d
   * @param {string} title
   * @param {boolean} current
   */
  function versionLine(d, title, current) {
    const name = `${title}, version ${d.version}`;
    return h('div', { class: current ? 'doc-version doc-current' : 'doc-version', dataset: { id: d.id, version: String(d.version) } },
      h('p', { class: 'doc-meta' },
        h('strong', null, current ? `Version ${d.version} (current)` : `Version ${d.version} (superseded)`),
        h('span', { class: 'sub' }, 'As of ', h('time', { datetime: d.as_of }, dateTime(d.as_of))),
        h('span', { class: 'sub' }, 'SHA-256 ', h('code', { class: 'doc-sha', 'aria-label': `SHA-256 begins ${shortHash(d.sha256).split('').join(' ')}` }, shortHash(d.sha256)),
          ` · made ${madeBy(d.created_by) === 'automatically' ? 'automatically' : `by ${madeBy(d.created_by)}`}, ${dateTime(d.created_at)}`)),
      h('p', { class: 'doc-links' },
        h('a', { class: 'btn btn-secondary btn-small doc-pdf', href: d.pdf_url, download: '', 'aria-label': `${name}, PDF` }, 'PDF'),
        h('a', { class: 'btn btn-secondary btn-small doc-csv', href: d.csv_url, download: '', 'aria-label': `${name}, CSV` }, 'CSV')));
  }

  /**
   * @param {string} kind
   * @param {string} title
   * @param {HTMLButtonElement} button
   * @param {HTMLElement} result
   */
  async function makeNow(kind, title, button, result) {
    if (button.disabled) return;
    // The list is drawn anew after the make: focus goes back to this kind's button.
    const hadFocus = document.activeElement === button;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    result.textContent = 'Making…';
    let status = 0;
    try {
      /** @type {DocumentInfo} */
      const d = await api.request('POST', paths.performanceDocuments(perfId), { body: { kind }, onStatus: (st) => { status = st; } });
      if (dead) return;
      // 200 answers the stored version (nothing changed), 201 a new one.
      const created = status === 201;
      const text = created ? `New version ${d.version} made.` : `Unchanged: nothing has changed since version ${d.version}.`;
      result.textContent = text;
      result.dataset.outcome = created ? 'created' : 'unchanged';
      announce(`${title}: ${text}`);
      await load();
      if (!dead && hadFocus) document.getElementById(`doc-make-${kind}`)?.focus();
    } catch (err) {
      if (dead || signedOut(err)) return;
      result.textContent = '';
      showError(err);
    } finally {
      if (!dead) {
        const b = document.getElementById(`doc-make-${kind}`);
        for (const el of [button, b]) {
          if (!el) continue;
          /** @type {HTMLButtonElement} */ (el).disabled = false;
          el.removeAttribute('aria-busy');
        }
      }
    }
  }

  return () => {
    dead = true;
  };
}
