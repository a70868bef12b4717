// The hall upload page (#/staff/halls), for organizers: choose a layout file
// (JSON, as POST /halls takes it), see it drawn and outlined by section and row
// before saving, and the server's validation problems shown at the place they
// name (sections[0].rows[2].seats[5].id lands on row 3 of the first section, and
// its seat is ringed on the drawing).

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { count } from './format.js';
import { showError, announce } from './notify.js';
import { signedOut } from './session.js';

/** The largest file the page reads; the server takes no more either. */
const MAX_BYTES = 32 << 20;

/**
 * @typedef {{id?: string, number?: string, x: number, y: number, zone?: string}} LSeat
 * @typedef {{label?: string, zone?: string, seats?: LSeat[]}} LRow
 * @typedef {{id?: string, name?: string, zone?: string, rows?: LRow[]}} LSection
 * @typedef {{x: number, y: number, w: number, h: number}} LRect
 * @typedef {{id?: string, name?: string, color?: string}} LZone
 * @typedef {{name?: string, zones?: LZone[], sections?: LSection[], standing?: (LRect & {id?: string, name?: string})[], stage?: LRect}} Layout
 * @typedef {{path: string, reason: string}} Problem
 */

/**
 * @param {HTMLElement} root
 * @returns {() => void}
 */
export function mountHalls(root) {
  let dead = false;
  document.title = 'Upload a hall · seatmap staff';
  /** @type {Layout | null} */
  let layout = null;

  const file = /** @type {HTMLInputElement} */ (h('input', { id: 'hall-file', type: 'file', accept: '.json,application/json', 'aria-describedby': 'hall-file-hint' }));
  const status = h('p', { id: 'hall-status', class: 'shows-status', role: 'status' }, 'No file chosen yet.');
  const save = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'hall-save', class: 'btn btn-primary', disabled: true }, 'Save hall'));
  const canvas = /** @type {HTMLCanvasElement} */ (h('canvas', { id: 'hall-preview', class: 'hall-preview', role: 'img', 'aria-label': 'Preview of the hall: no file chosen' }));
  const problems = h('div', { id: 'hall-problems', class: 'hall-problems', hidden: true });
  const outline = h('div', { id: 'hall-outline', class: 'hall-outline' });
  const done = h('p', { id: 'hall-saved', class: 'notice', hidden: true });

  replace(root, h('section', { class: 'staff-page halls-page' },
    h('div', { class: 'staff-home-head' },
      h('div', null, h('h1', null, 'Upload a hall'),
        h('p', { class: 'hint' }, 'A layout file lists price zones, sections with their rows and seats, standing areas and the stage. Check the drawing, then save.'))),
    h('div', { class: 'card halls-pick' },
      h('div', { class: 'field' }, h('label', { for: 'hall-file' }, 'Layout file (JSON)'), file,
        h('p', { class: 'hint', id: 'hall-file-hint' }, 'At most 32 MB. Nothing is saved until you press “Save hall”.')),
      status,
      h('div', { class: 'btn-row' }, save),
      done),
    problems,
    h('div', { class: 'halls-body' },
      h('div', { class: 'card halls-drawing' }, h('h2', null, 'Drawing'), canvas),
      h('div', { class: 'card' }, h('h2', null, 'Sections and rows'), outline))));

  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    layout = null;
    save.disabled = true;
    done.hidden = true;
    showProblems([]);
    if (!f) return;
    if (f.size > MAX_BYTES) {
      status.textContent = `${f.name} is ${count(f.size)} bytes; a layout may have at most ${count(MAX_BYTES)}.`;
      return;
    }
    status.textContent = `Reading ${f.name}…`;
    let parsed;
    try {
      parsed = JSON.parse(await f.text());
    } catch (err) {
      if (dead) return;
      status.textContent = `${f.name} is not JSON: ${err instanceof Error ? err.message : String(err)}`;
      draw(canvas, null, []);
      replace(outline);
      return;
    }
    if (dead) return;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      status.textContent = `${f.name} is JSON but not a layout: it must be an object with "name" and "sections".`;
      return;
    }
    layout = /** @type {Layout} */ (parsed);
    const seats = seatCount(layout);
    status.textContent = `${f.name}: “${String(layout.name || 'no name')}”, ${count(seats)} seats in ${count(list(layout.sections).length)} sections. Check the drawing, then save.`;
    canvas.setAttribute('aria-label', `Preview of ${String(layout.name || 'the hall')}: ${count(seats)} seats in ${count(list(layout.sections).length)} sections`);
    draw(canvas, layout, []);
    renderOutline(layout, []);
    save.disabled = false;
  });

  save.addEventListener('click', async () => {
    if (!layout || save.disabled) return;
    save.disabled = true;
    save.setAttribute('aria-busy', 'true');
    try {
      const hall = await api.post(paths.halls(), layout);
      if (dead) return;
      showProblems([]);
      done.hidden = false;
      replace(done, `${hall.name} was saved with ${count(hall.seats)} seats. `, h('a', { href: '#/staff' }, 'Create a performance in it'));
      status.textContent = 'Saved.';
      announce(`${hall.name} was saved.`);
      layout = null;
    } catch (err) {
      if (dead || signedOut(err)) return;
      save.disabled = false;
      if (err instanceof api.ApiError && err.status === 422 && err.errors.length) {
        status.textContent = `The hall was not saved: ${err.detail || 'the layout has problems'}. Each problem is shown at its place below.`;
        showProblems(err.errors);
        if (layout) {
          draw(canvas, layout, err.errors);
          renderOutline(layout, err.errors);
        }
        const first = /** @type {HTMLElement | null} */ (outline.querySelector('.hall-problem'));
        if (first) first.scrollIntoView({ block: 'nearest' });
      } else if (err instanceof api.ApiError) {
        status.textContent = `The hall was not saved: ${err.friendly}`;
      } else {
        showError(err);
      }
    } finally {
      save.removeAttribute('aria-busy');
    }
  });

  /** @param {Problem[]} ps */
  function showProblems(ps) {
    problems.hidden = ps.length === 0;
    if (!ps.length) {
      replace(problems);
      return;
    }
    replace(problems, h('div', { class: 'card form-error-card', role: 'alert' },
      h('h2', null, ps.length === 1 ? 'One problem' : `${ps.length} problems`),
      h('ul', null, ps.map((p) => h('li', null, h('strong', null, placeName(layout, p.path)), `: ${p.reason}`)))));
  }

  /**
   * The outline: the hall, its zones, then each section with its rows. A
   * problem is put inside the deepest item its path starts with.
   * @param {Layout} l
   * @param {Problem[]} ps
   */
  function renderOutline(l, ps) {
    /** @type {Map<string, HTMLElement>} where each path's problems go */
    const slots = new Map();
    /** @param {string} path @param {any[]} head */
    const item = (path, ...head) => {
      const slot = h('div', { class: 'hall-problem-slot' });
      slots.set(path, slot);
      return h('li', { dataset: { path } }, h('span', { class: 'hall-outline-head' }, ...head), slot);
    };
    const sections = list(l.sections).map((s, i) => {
      const rows = list(s && s.rows).map((r, j) => item(`sections[${i}].rows[${j}]`,
        `Row ${String((r && r.label) ?? j + 1)}`, h('span', { class: 'hint' }, ` · ${count(list(r && r.seats).length)} seats`)));
      const path = `sections[${i}]`;
      const li = item(path, h('strong', null, String((s && (s.name || s.id)) ?? `Section ${i + 1}`)), h('span', { class: 'hint' }, ` · ${count(rows.length)} rows`));
      const open = ps.some((p) => p.path === path || p.path.startsWith(path + '.') || p.path.startsWith(path + '['));
      li.append(h('details', { open }, h('summary', null, 'Rows'), h('ul', null, rows)));
      return li;
    });
    const zones = list(l.zones).map((z, i) => item(`zones[${i}]`, `Zone ${String((z && (z.name || z.id)) ?? i + 1)}`));
    const standing = list(l.standing).map((s, i) => item(`standing[${i}]`, `Standing ${String((s && (s.name || s.id)) ?? i + 1)}`));
    replace(outline, h('ul', { class: 'hall-tree' },
      item('', h('strong', null, String(l.name || 'Hall')), h('span', { class: 'hint' }, ' · the whole file')),
      zones.length ? h('li', null, 'Zones', h('ul', null, zones)) : null,
      standing.length ? h('li', null, 'Standing areas', h('ul', null, standing)) : null,
      h('li', null, 'Sections', h('ul', null, sections))));
    for (const p of ps) {
      let path = p.path;
      let slot = slots.get(path);
      while (!slot && path) {
        path = parentPath(path);
        slot = slots.get(path);
      }
      (slot || /** @type {HTMLElement} */ (slots.get('')))
        .append(h('p', { class: 'hall-problem', dataset: { path: p.path } }, h('span', { class: 'hall-problem-where' }, placeName(l, p.path)), ` ${p.reason}`));
    }
  }

  return () => { dead = true; };
}

/**
 * The path one level up: "sections[0].rows[2].seats[5].id" → "sections[0].rows[2].seats[5]"
 * → "sections[0].rows[2]"; "name" → "".
 * @param {string} path
 */
export function parentPath(path) {
  const m = /^(.*?)(\.[^.[\]]+|\[\d+\])$/.exec(path);
  return m ? m[1] : '';
}

/**
 * The place a path names, as people say it: "Section Parkett, row 3, seat 6 (id P-3-6)".
 * @param {Layout | null} l
 * @param {string} path
 */
function placeName(l, path) {
  if (!path) return 'The file';
  const sec = /^sections\[(\d+)\](?:\.rows\[(\d+)\](?:\.seats\[(\d+)\])?)?/.exec(path);
  if (sec && l) {
    const s = list(l.sections)[Number(sec[1])];
    const parts = [`Section ${String((s && (s.name || s.id)) ?? Number(sec[1]) + 1)}`];
    if (sec[2] !== undefined) {
      const r = list(s && s.rows)[Number(sec[2])];
      parts.push(`row ${String((r && r.label) ?? Number(sec[2]) + 1)}`);
      if (sec[3] !== undefined) {
        const seat = list(r && r.seats)[Number(sec[3])];
        parts.push(`seat ${Number(sec[3]) + 1}${seat && seat.id ? ` (id ${String(seat.id)})` : ''}`);
      }
    }
    const rest = path.slice(sec[0].length).replace(/^\./, '');
    return parts.join(', ') + (rest ? `, ${rest}` : '');
  }
  return path;
}

/** @template T @param {T[] | undefined | null | unknown} a @returns {T[]} */
function list(a) {
  return Array.isArray(a) ? a : [];
}

/** @param {Layout} l */
function seatCount(l) {
  let n = 0;
  for (const s of list(l.sections)) for (const r of list(s && s.rows)) n += list(r && r.seats).length;
  return n;
}

/**
 * Draws the layout read-only: the stage, standing areas, and a dot per seat in
 * its zone's colour; seats a problem names are ringed in red.
 * @param {HTMLCanvasElement} canvas
 * @param {Layout | null} l
 * @param {Problem[]} ps
 */
function draw(canvas, l, ps) {
  const width = Math.max(200, Math.round(canvas.getBoundingClientRect().width || 600));
  const height = Math.round(width * 0.62);
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  if (!l) return;
  /** @type {Map<string, string>} */
  const colors = new Map();
  for (const z of list(l.zones)) if (z && typeof z.id === 'string' && typeof z.color === 'string' && /^#[0-9a-f]{6}$/i.test(z.color)) colors.set(z.id, z.color);
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  /** @param {number} x @param {number} y */
  const see = (x, y) => {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    minX = Math.min(minX, x); maxX = Math.max(maxX, x);
    minY = Math.min(minY, y); maxY = Math.max(maxY, y);
  };
  const rects = [l.stage, ...list(l.standing)].filter((r) => r && typeof r === 'object');
  for (const r of rects) { see(Number(r.x), Number(r.y)); see(Number(r.x) + Number(r.w), Number(r.y) + Number(r.h)); }
  for (const s of list(l.sections)) for (const r of list(s && s.rows)) for (const seat of list(r && r.seats)) see(Number(seat && seat.x), Number(seat && seat.y));
  if (!Number.isFinite(minX)) return;
  const pad = 12;
  const spanX = Math.max(maxX - minX, 1), spanY = Math.max(maxY - minY, 1);
  const k = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
  const ox = pad + (width - 2 * pad - spanX * k) / 2, oy = pad + (height - 2 * pad - spanY * k) / 2;
  /** @param {number} x */ const X = (x) => ox + (x - minX) * k;
  /** @param {number} y */ const Y = (y) => oy + (y - minY) * k;
  ctx.fillStyle = '#e2e8f0';
  ctx.strokeStyle = '#64748b';
  for (const r of rects) {
    ctx.fillRect(X(Number(r.x)), Y(Number(r.y)), Number(r.w) * k, Number(r.h) * k);
    ctx.strokeRect(X(Number(r.x)), Y(Number(r.y)), Number(r.w) * k, Number(r.h) * k);
  }
  const radius = Math.max(0.6, Math.min(6, k * 0.4));
  /** @type {Set<string>} */
  const bad = new Set();
  for (const p of ps) {
    const m = /^sections\[(\d+)\]\.rows\[(\d+)\]\.seats\[(\d+)\]/.exec(p.path);
    if (m) bad.add(`${m[1]}/${m[2]}/${m[3]}`);
  }
  list(l.sections).forEach((s, i) => {
    list(s && s.rows).forEach((r, j) => {
      list(r && r.seats).forEach((seat, n) => {
        if (!seat) return;
        const x = Number(seat.x), y = Number(seat.y);
        if (!Number.isFinite(x) || !Number.isFinite(y)) return;
        ctx.fillStyle = colors.get(seat.zone || (r && r.zone) || (s && s.zone) || '') || '#94a3b8';
        ctx.beginPath();
        ctx.arc(X(x), Y(y), radius, 0, Math.PI * 2);
        ctx.fill();
        if (bad.has(`${i}/${j}/${n}`)) {
          ctx.strokeStyle = '#b91c1c';
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.arc(X(x), Y(y), radius + 5, 0, Math.PI * 2);
          ctx.stroke();
        }
      });
    });
  });
}
