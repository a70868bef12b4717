// The scanner at the turnstile (#/gate), for the gate role, made for a phone
// or a tablet: the gate is chosen once per device (kept in localStorage), a
// code comes from the camera (the platform's BarcodeDetector where there is
// one) or is typed, and the answer fills the screen — green or red, the
// reason in plain words, the holder's name and photo for personalized
// passes, a sound. Without a network the scanner keeps working: scans are
// let through provisionally (amber), queued on the device with their own
// time, and uploaded (POST /scans/batch) when the network returns; the
// server logs where its rules disagree, and the device's decision stands.

import * as api from './api.js';
import * as paths from './paths.js';
import { h, replace } from './dom.js';
import { money, dateTime } from './format.js';
import { announce } from './notify.js';
import { signedOut } from './session.js';

/** @typedef {{id: string, name: string, zones: string[], direction: string, performance_id?: string}} Gate */
/**
 * @typedef {{id?: string, verdict: string, reason?: string, retry_at?: string, surcharge_due?: number, currency?: string,
 *   remaining?: number, holder?: string, kind?: string, pass_id?: string}} Verdict
 * @typedef {{code: string, gate_id: string, direction: string, nonce: string, at: string, verdict: string}} Queued
 */

const GATE_KEY = 'seatmap.gate';
const QUEUE_KEY = 'seatmap.gate.queue';
/** How long a verdict fills the screen, ms. */
const SHOW_MS = 2500;
/** The most scans kept on a device while offline (an upload takes 1000). */
const MAX_QUEUE = 5000;

/** Reasons in plain words for the person at the gate. */
const REASONS = /** @type {Record<string, string>} */ ({
  unknown: 'Unknown code',
  locked: 'Card is blocked',
  replaced: 'Card was replaced: this one is no longer valid',
  refunded: 'Refunded or not paid',
  not_personalized: 'Pass not personalized yet',
  no_entry: 'This card gives no entry',
  expired: 'Expired',
  not_valid_today: 'Not valid today',
  outside_opening_hours: 'Outside opening hours',
  outside_window: 'Outside its entry times',
  used_up: 'Already used',
  days_used_up: 'All its days are used',
  reentry_locked: 'Re-entry not yet allowed',
  passback: 'Already inside: no exit was scanned',
  no_zone: 'Not valid for this area',
  surcharge_due: 'Surcharge due: pay at the till',
  wrong_performance: 'Ticket for another performance',
  wrong_direction: 'Wrong way for this gate',
  credit_limit: 'Not enough balance on the card',
});

/** @param {string} reason */
export function reasonText(reason) {
  return REASONS[reason] || reason;
}

/** @returns {Queued[]} */
function loadQueue() {
  try {
    const q = JSON.parse(localStorage.getItem(QUEUE_KEY) || '[]');
    return Array.isArray(q) ? q : [];
  } catch {
    return [];
  }
}

/** @param {Queued[]} q */
function saveQueue(q) {
  try {
    localStorage.setItem(QUEUE_KEY, JSON.stringify(q.slice(-MAX_QUEUE)));
  } catch {
    // Storage full or private mode: the queue lives in memory only.
  }
}

let audio = /** @type {AudioContext | null} */ (null);

/**
 * A short tone: high for a grant, low and double for a denial.
 * @param {boolean} ok
 */
function beep(ok) {
  try {
    audio = audio || new AudioContext();
    const ctx = audio;
    const tones = ok ? [[880, 0]] : [[220, 0], [220, 0.22]];
    for (const [freq, at] of tones) {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.frequency.value = freq;
      g.gain.value = 0.2;
      o.connect(g).connect(ctx.destination);
      o.start(ctx.currentTime + at);
      o.stop(ctx.currentTime + at + 0.18);
    }
  } catch {
    // No audio (a locked-down browser): the screen still says it.
  }
}

/**
 * @param {HTMLElement} root
 * @returns {() => void} unmount
 */
export function mountGate(root) {
  let dead = false;
  /** @type {Gate[]} */
  let gates = [];
  /** @type {Gate | null} */
  let gate = null;
  let direction = 'in';
  /** @type {Queued[]} */
  let queue = loadQueue();
  let uploading = false;
  let hideTimer = 0;
  /** @type {MediaStream | null} */
  let stream = null;
  let scanning = false;
  /** The last code the camera read and when: a code held in view scans once. */
  let lastSeen = { code: '', at: 0 };
  document.title = 'Gate · seatmap staff';
  document.body.dataset.page = 'gate';

  const status = h('p', { class: 'hint', id: 'gate-status' }, 'Loading gates…');
  const picker = /** @type {HTMLSelectElement} */ (h('select', { id: 'gate-pick' }));
  const pickForm = h('form', { class: 'card', id: 'gate-pick-form', hidden: true, onsubmit: (/** @type {Event} */ e) => {
    e.preventDefault();
    choose(picker.value);
  } },
  h('h2', null, 'Which gate is this device at?'),
  h('p', { class: 'hint' }, 'Chosen once: the device remembers it.'),
  h('div', { class: 'field' }, h('label', { for: 'gate-pick' }, 'Gate'), picker),
  h('button', { type: 'submit', class: 'btn btn-primary btn-block', id: 'gate-pick-ok' }, 'Use this gate'));

  const gateName = h('strong', { id: 'gate-name' });
  const dirIn = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn gate-dir', id: 'gate-in', 'aria-pressed': 'true', onclick: () => setDirection('in') }, 'In'));
  const dirOut = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn gate-dir', id: 'gate-out', 'aria-pressed': 'false', onclick: () => setDirection('out') }, 'Out'));
  const code = /** @type {HTMLInputElement} */ (h('input', { id: 'gate-code', type: 'text', inputmode: 'text', autocomplete: 'off', autocapitalize: 'characters',
    spellcheck: 'false', maxlength: '128', 'aria-describedby': 'gate-code-hint' }));
  const video = /** @type {HTMLVideoElement} */ (h('video', { id: 'gate-video', playsinline: true, muted: true, hidden: true, 'aria-label': 'Camera' }));
  const camBtn = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'btn btn-secondary', id: 'gate-camera', onclick: () => toggleCamera() }, 'Use the camera'));
  const queueNote = h('p', { class: 'gate-queue', id: 'gate-queue', role: 'status', 'aria-live': 'polite' });
  const verdictBox = h('div', { class: 'gate-verdict', id: 'gate-verdict', hidden: true, role: 'alert', tabindex: '-1', onclick: () => hideVerdict() });

  const scanner = h('section', { class: 'gate-scanner', id: 'gate-scanner', hidden: true, 'aria-labelledby': 'gate-title' },
    h('div', { class: 'gate-head' },
      h('h1', { id: 'gate-title' }, 'Gate ', gateName),
      h('button', { type: 'button', class: 'btn btn-link', id: 'gate-change', onclick: () => showPicker() }, 'Change gate')),
    h('div', { class: 'gate-dirs', role: 'group', 'aria-label': 'Direction' }, dirIn, dirOut),
    h('form', { class: 'gate-form', id: 'gate-form', onsubmit: (/** @type {Event} */ e) => {
      e.preventDefault();
      const c = code.value.trim();
      code.value = '';
      if (c) scan(c);
      code.focus();
    } },
    h('label', { for: 'gate-code' }, 'Code'),
    h('div', { class: 'gate-entry' }, code, h('button', { type: 'submit', class: 'btn btn-primary', id: 'gate-scan' }, 'Check')),
    h('p', { class: 'hint', id: 'gate-code-hint' }, 'Type or paste the code, or use the camera.')),
    camBtn,
    video,
    queueNote);

  replace(root, h('div', { class: 'gate-page' }, status, pickForm, scanner, verdictBox));

  /** @param {string} d */
  function setDirection(d) {
    direction = d;
    dirIn.setAttribute('aria-pressed', String(d === 'in'));
    dirOut.setAttribute('aria-pressed', String(d === 'out'));
    code.focus();
  }

  function showPicker() {
    replace(picker, gates.map((g) => h('option', { value: g.id }, `${g.name}${g.zones.length ? ` (${g.zones.join(', ')})` : ''}`)));
    if (gate) picker.value = gate.id;
    scanner.hidden = true;
    pickForm.hidden = false;
    picker.focus();
  }

  /** @param {string} id */
  function choose(id) {
    const g = gates.find((x) => x.id === id);
    if (!g) return;
    gate = g;
    try {
      localStorage.setItem(GATE_KEY, JSON.stringify(g));
    } catch {
      // Private mode: chosen for this visit only.
    }
    gateName.textContent = g.name;
    dirIn.hidden = g.direction === 'out';
    dirOut.hidden = g.direction === 'in';
    setDirection(g.direction === 'out' ? 'out' : 'in');
    pickForm.hidden = true;
    scanner.hidden = false;
    renderQueue();
    code.focus();
  }

  function renderQueue() {
    queueNote.textContent = queue.length ? `${queue.length} scan${queue.length === 1 ? '' : 's'} made offline, waiting to upload.` : '';
    queueNote.dataset.count = String(queue.length);
  }

  /** @param {string} c */
  async function scan(c) {
    if (!gate) return;
    const body = { code: c, gate_id: gate.id, direction, nonce: api.uuid() };
    try {
      /** @type {Verdict} */
      const v = await api.post(paths.scans(), body);
      if (dead) return;
      show(v);
    } catch (err) {
      if (dead || signedOut(err)) return;
      const e = err instanceof api.ApiError ? err : new api.ApiError(0, {});
      if (e.status === 0 || e.status >= 500) {
        // Offline: let through provisionally, queue it with its own time.
        queue.push({ ...body, at: new Date(api.serverNow()).toISOString(), verdict: 'granted' });
        saveQueue(queue);
        renderQueue();
        show({ verdict: 'offline' });
      } else {
        show({ verdict: 'denied', reason: e.field === 'code' ? 'unknown' : '', holder: e.friendly });
      }
    }
  }

  /** @param {Verdict} v */
  function show(v) {
    const ok = v.verdict === 'granted';
    const offline = v.verdict === 'offline';
    const lines = [];
    if (offline) lines.push('No network: let through, checked when the network is back.');
    else if (!ok) lines.push(reasonText(v.reason || '') || v.holder || 'Denied');
    if (v.retry_at) lines.push(`Again from ${dateTime(v.retry_at)}`);
    if (v.surcharge_due) lines.push(`Due: ${money(v.surcharge_due, v.currency || 'EUR')}`);
    if (ok && typeof v.remaining === 'number') lines.push(`${v.remaining} left`);
    const photo = ok && v.kind === 'pass' && v.pass_id
      ? h('img', { class: 'gate-photo', alt: `Photo of ${v.holder || 'the holder'}`, src: paths.url(paths.passPhoto(v.pass_id)), onerror: (/** @type {Event} */ e) => { /** @type {HTMLElement} */ (e.target).remove(); } })
      : null;
    replace(verdictBox,
      h('p', { class: 'gate-verdict-word' }, offline ? 'Offline' : ok ? 'Granted' : 'Denied'),
      lines.map((l) => h('p', { class: 'gate-verdict-line' }, l)),
      ok && v.holder ? h('p', { class: 'gate-holder' }, v.holder) : null,
      photo,
      h('p', { class: 'gate-verdict-hint' }, 'Tap to scan the next'));
    verdictBox.className = `gate-verdict gate-${offline ? 'offline' : ok ? 'granted' : 'denied'}`;
    verdictBox.dataset.verdict = offline ? 'offline' : v.verdict;
    verdictBox.dataset.reason = v.reason || '';
    verdictBox.hidden = false;
    beep(ok || offline);
    announce(offline ? 'Offline: let through.' : ok ? `Granted${v.holder ? `: ${v.holder}` : ''}.` : `Denied: ${reasonText(v.reason || '')}.`);
    clearTimeout(hideTimer);
    hideTimer = window.setTimeout(hideVerdict, SHOW_MS);
  }

  function hideVerdict() {
    clearTimeout(hideTimer);
    verdictBox.hidden = true;
    if (!scanner.hidden) code.focus();
  }

  /** Uploads the offline queue, a thousand at a time. */
  async function upload() {
    if (uploading || !queue.length || dead) return;
    uploading = true;
    try {
      while (queue.length && !dead) {
        const part = queue.slice(0, 1000);
        /** @type {{recorded: number, replayed: number, refused: number, conflicts: number}} */
        const r = await api.post(paths.scansBatch(), { scans: part });
        queue = queue.slice(part.length);
        saveQueue(queue);
        renderQueue();
        announce(`Uploaded ${r.recorded + r.replayed} offline scan${r.recorded + r.replayed === 1 ? '' : 's'}${r.conflicts ? `, ${r.conflicts} the rules would have refused` : ''}.`);
      }
    } catch {
      // Still offline: the next try comes with the network or the timer.
    } finally {
      uploading = false;
    }
  }
  const onOnline = () => upload();
  window.addEventListener('online', onOnline);
  const uploadTimer = window.setInterval(upload, 15_000);

  async function toggleCamera() {
    if (stream) {
      stopCamera();
      return;
    }
    const Detector = /** @type {any} */ (window).BarcodeDetector;
    if (!Detector || !navigator.mediaDevices?.getUserMedia) {
      camBtn.textContent = 'No camera scanning in this browser: type the code';
      camBtn.disabled = true;
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    } catch {
      camBtn.textContent = 'The camera could not be opened: type the code';
      return;
    }
    if (dead) {
      stopCamera();
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    await video.play().catch(() => {});
    camBtn.textContent = 'Stop the camera';
    const detector = new Detector({ formats: ['qr_code'] });
    scanning = true;
    const tick = async () => {
      if (!scanning || dead) return;
      try {
        const found = await detector.detect(video);
        const raw = found[0]?.rawValue;
        const now = Date.now();
        if (raw && verdictBox.hidden && (raw !== lastSeen.code || now - lastSeen.at > 4000)) {
          lastSeen = { code: raw, at: now };
          scan(String(raw).trim());
        }
      } catch {
        // A frame the detector could not read.
      }
      window.setTimeout(tick, 150);
    };
    tick();
  }

  function stopCamera() {
    scanning = false;
    for (const t of stream?.getTracks() || []) t.stop();
    stream = null;
    video.hidden = true;
    video.srcObject = null;
    camBtn.textContent = 'Use the camera';
  }

  (async () => {
    try {
      /** @type {{items: Gate[]}} */
      const page = await api.get(paths.gates());
      if (dead) return;
      gates = page.items || [];
    } catch (err) {
      if (dead || signedOut(err)) return;
      status.textContent = 'The gates could not be loaded. Check the network and reload.';
      return;
    }
    if (!gates.length) {
      status.textContent = 'No gates are set up yet: an organizer makes them on the Gates page.';
      return;
    }
    status.hidden = true;
    let saved = null;
    try {
      saved = JSON.parse(localStorage.getItem(GATE_KEY) || 'null');
    } catch {
      saved = null;
    }
    const known = saved && gates.find((g) => g.id === saved.id);
    if (known) choose(known.id);
    else showPicker();
    upload();
  })();

  return () => {
    dead = true;
    stopCamera();
    clearTimeout(hideTimer);
    clearInterval(uploadTimer);
    window.removeEventListener('online', onOnline);
    delete document.body.dataset.page;
  };
}
