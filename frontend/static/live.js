// LiveMap keeps one performance's SeatData current over the WebSocket at
// paths.live(id), for the buyer page and the staff pages alike: it applies the
// snapshot that comes first and every delta after it (states, seat zones, sales
// channels) to the seat data, then tells the page what changed. On a version gap
// it drops deltas, asks for a resync and applies the snapshot that answers; when
// the connection drops it reconnects with jittered exponential backoff and
// starts again from the next snapshot. A {"type":"refresh"} frame says zone
// definitions, channel names or the sale status changed: the page fetches them.

import { socketURL, live } from './paths.js';
import { HELD } from './seatdata.js';

/**
 * The one close code that means "do not come back": the performance is gone.
 * Every other close — 4008 (too slow a client), 1001 (server going away), 1006
 * (network drop) — reconnects.
 */
const CLOSE_NOT_FOUND = 4004;
// Codes after which reconnecting would meet the same answer (realtime/closecodes.go).
const CLOSE_FATAL = new Set([1002, 1008, CLOSE_NOT_FOUND]);
// A slow client may come straight back: the server is fine, the client fell behind.
const CLOSE_SLOW = 4008;

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 10000;

/**
 * @typedef {import('./seatdata.js').SeatData} SeatData
 * @typedef {'connecting'|'live'|'reconnecting'|'offline'} LiveStatus
 * @typedef {{
 *   changes: Array<[number, number]>,
 *   lost: number[],
 *   heldBefore: boolean,
 *   zones: boolean,
 *   channels: boolean,
 * }} LiveDelta what one applied delta changed: its [seat, state] pairs; the
 *   selected seats it made unselectable (taken, unpriced or of a channel this
 *   page may not sell), each once; whether a seat it changed was held before or
 *   is held now; whether it moved seats between zones or channels
 * @typedef {{
 *   onSnapshot: (lost: number[]) => void,
 *   onDelta: (d: LiveDelta) => void,
 *   onRefresh?: () => void,
 *   onStatus?: (status: LiveStatus, detail?: string) => void,
 *   onFatal?: (message: string) => void,
 * }} LiveHandlers onSnapshot and onDelta run after the seat data was patched
 *   and its version moved; a snapshot's lost are the selected seats no longer
 *   selectable
 */

export class LiveMap {
  /**
   * @param {string} performanceId
   * @param {SeatData} data the seat data to keep current; its version is the
   *   last one applied
   * @param {LiveHandlers} handlers
   */
  constructor(performanceId, data, handlers) {
    this.url = socketURL(live(performanceId, typeof DecompressionStream === 'function'));
    /** Messages are handled one after another: a gzipped snapshot is inflated
     * asynchronously, and the deltas behind it must wait for it. */
    this.inbox = Promise.resolve();
    this.data = data;
    this.handlers = handlers;
    /** @type {WebSocket | null} */
    this.ws = null;
    this.closed = false;
    this.synced = false; // a snapshot arrived on this connection and no gap since
    this.attempt = 0;
    /** @type {number | undefined} */
    this.retryTimer = undefined;
    /** @type {LiveStatus} */
    this.status = 'connecting';
    this.onOnline = () => { if (!this.ws && !this.closed) this.#reconnectNow(); };
    window.addEventListener('online', this.onOnline);
    this.#connect();
  }

  /** True while the socket is open and states are in sync. */
  get connected() {
    return this.status === 'live';
  }

  #connect() {
    if (this.closed) return;
    this.#setStatus(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.synced = false;
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (ev) => {
      this.inbox = this.inbox.then(() => this.#receive(ws, ev.data));
    };
    ws.onclose = (ev) => this.#onClose(ev);
    // Errors are followed by close; close decides what to do.
    ws.onerror = () => {};
  }

  /**
   * Inflates a gzipped snapshot (a binary message), then handles the frame,
   * unless its socket has been replaced meanwhile.
   * @param {WebSocket} ws
   * @param {unknown} data
   */
  async #receive(ws, data) {
    let text = data;
    if (data instanceof ArrayBuffer) {
      try {
        const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream('gzip'));
        text = await new Response(stream).text();
      } catch {
        return;
      }
    }
    if (ws !== this.ws || this.closed) return;
    this.#onMessage(text);
  }

  /** @param {unknown} data */
  #onMessage(data) {
    if (typeof data !== 'string') return;
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'snapshot' && typeof msg.states === 'string') {
      this.synced = true;
      this.attempt = 0;
      this.#applySnapshot(msg);
      this.#setStatus('live');
    } else if (msg.type === 'delta' && Array.isArray(msg.changes)) {
      if (!this.synced) return; // waiting for the snapshot of a resync
      if (Number(msg.from) !== this.data.version) {
        this.synced = false;
        this.#send({ type: 'resync' });
        return;
      }
      this.#applyDelta(msg);
    } else if (msg.type === 'refresh') {
      this.handlers.onRefresh?.();
    }
  }

  /**
   * Replaces every seat's state, zone and channel from a snapshot frame.
   * @param {{version?: unknown, states: string, zones?: unknown, channels?: unknown}} msg
   */
  #applySnapshot(msg) {
    const data = this.data;
    data.setStates(msg.states);
    data.setZoneBytes(typeof msg.zones === 'string' ? msg.zones : undefined);
    data.setChannelBytes(typeof msg.channels === 'string' ? msg.channels : undefined);
    data.version = Number(msg.version) || 0;
    this.handlers.onSnapshot(data.lostSelections());
  }

  /**
   * Patches the seats a delta frame names; its from is the data's version.
   * @param {{to?: unknown, changes: Array<[number, number]>, zones?: unknown, channels?: unknown}} msg
   */
  #applyDelta(msg) {
    const data = this.data;
    const { changes } = msg;
    const zones = Array.isArray(msg.zones) ? msg.zones : undefined;
    const channels = Array.isArray(msg.channels) ? msg.channels : undefined;
    const heldBefore = changes.some(([i, s]) => s === HELD || data.state[i] === HELD);
    const lost = data.applyChanges(changes);
    if (zones) lost.push(...data.applyZoneChanges(zones));
    if (channels) lost.push(...data.applyChannelChanges(channels));
    data.version = Number(msg.to);
    this.handlers.onDelta({ changes, lost: [...new Set(lost)], heldBefore, zones: !!zones, channels: !!channels });
  }

  /** @param {any} msg */
  #send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  /** @param {CloseEvent} ev */
  #onClose(ev) {
    this.ws = null;
    this.synced = false;
    if (this.closed) return;
    if (CLOSE_FATAL.has(ev.code)) {
      this.closed = true;
      const notFound = ev.code === CLOSE_NOT_FOUND;
      this.#setStatus('offline', notFound ? 'performance not found' : 'live updates stopped');
      this.handlers.onFatal?.(notFound ? 'This performance is no longer available.' : 'Live updates stopped. Reload the page to try again.');
      return;
    }
    if (ev.code === CLOSE_SLOW) this.attempt = 0; // reconnect at once, no backoff
    this.#scheduleReconnect();
  }

  #scheduleReconnect() {
    if (this.closed) return;
    this.#setStatus('reconnecting');
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
    this.attempt++;
    // Full jitter in the upper half, so a restarted server is not hit in lockstep.
    const delay = base / 2 + Math.random() * (base / 2);
    clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => this.#connect(), delay);
  }

  #reconnectNow() {
    clearTimeout(this.retryTimer);
    this.#connect();
  }

  /** @param {LiveStatus} s @param {string} [detail] */
  #setStatus(s, detail) {
    if (s === this.status && !detail) return;
    this.status = s;
    this.handlers.onStatus?.(s, detail);
  }

  /** Closes for good (the page is being left). */
  close() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    window.removeEventListener('online', this.onOnline);
    if (this.ws) {
      this.ws.onclose = null;
      this.ws.onmessage = null;
      this.ws.close(1000, 'page closed');
      this.ws = null;
    }
  }
}
