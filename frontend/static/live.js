// LiveClient keeps a performance's seat states current over the WebSocket at
// /api/v1/performances/{id}/live: a snapshot first, then deltas; on a version gap
// it asks for a resync, and when the connection drops it reconnects with jittered
// exponential backoff and starts again from the next snapshot. Snapshots and
// deltas also carry seat zones and sales channels; a {"type":"refresh"} frame
// says zone definitions, channel names or the sale status changed.

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
 * @typedef {'connecting'|'live'|'reconnecting'|'offline'} LiveStatus
 * @typedef {{zones?: string, channels?: string}} SnapshotExtra base64, one byte per seat
 * @typedef {{zones?: Array<[number, number]>, channels?: Array<[number, number]>}} DeltaExtra
 * @typedef {{
 *   onSnapshot: (version: number, states: string, extra: SnapshotExtra) => void,
 *   onDelta: (from: number, to: number, changes: Array<[number, number]>, extra: DeltaExtra) => void,
 *   onRefresh?: () => void,
 *   version: () => number,
 *   onStatus?: (status: LiveStatus, detail?: string) => void,
 *   onFatal?: (message: string) => void,
 * }} LiveHandlers
 */

export class LiveClient {
  /**
   * @param {string} performanceId
   * @param {LiveHandlers} handlers
   */
  constructor(performanceId, handlers) {
    this.url = liveURL(performanceId);
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
    ws.onmessage = (ev) => this.#onMessage(ev);
    ws.onclose = (ev) => this.#onClose(ev);
    // Errors are followed by close; close decides what to do.
    ws.onerror = () => {};
  }

  /** @param {MessageEvent} ev */
  #onMessage(ev) {
    if (typeof ev.data !== 'string') return;
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'snapshot' && typeof msg.states === 'string') {
      this.synced = true;
      this.attempt = 0;
      this.handlers.onSnapshot(Number(msg.version) || 0, msg.states, {
        zones: typeof msg.zones === 'string' ? msg.zones : undefined,
        channels: typeof msg.channels === 'string' ? msg.channels : undefined,
      });
      this.#setStatus('live');
    } else if (msg.type === 'delta' && Array.isArray(msg.changes)) {
      if (!this.synced) return; // waiting for the snapshot of a resync
      if (Number(msg.from) !== this.handlers.version()) {
        this.synced = false;
        this.#send({ type: 'resync' });
        return;
      }
      this.handlers.onDelta(Number(msg.from), Number(msg.to), msg.changes, {
        zones: Array.isArray(msg.zones) ? msg.zones : undefined,
        channels: Array.isArray(msg.channels) ? msg.channels : undefined,
      });
    } else if (msg.type === 'refresh') {
      this.handlers.onRefresh?.();
    }
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

/** @param {string} performanceId */
function liveURL(performanceId) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${proto}//${location.host}/api/v1/performances/${encodeURIComponent(performanceId)}/live`;
}
