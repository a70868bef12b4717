// Every API path the app uses, in one place: the routes of api/openapi.yaml as
// functions, with ids, tokens and codes escaped. A path here is relative to
// API_BASE, as api.get and the other helpers of api.js take it; url() and
// socketURL() make one whole for a link or the live socket. No other module
// writes "/api/v1" or a resource path by hand (frontend/embed_test.go checks).

/** Where the JSON API lives on this origin. */
export const API_BASE = '/api/v1';

/**
 * Query parameters as URLSearchParams or a plain record.
 * @typedef {URLSearchParams | Record<string, string>} Query
 */

/** @param {string} s an id, token or code as one path segment */
const seg = (s) => encodeURIComponent(s);

/**
 * @param {string} path
 * @param {Query} [query] appended after "?" when given (even if empty)
 */
const withQuery = (path, query) => (query === undefined ? path : `${path}?${new URLSearchParams(query)}`);

/**
 * A path made absolute on this origin: for a link (href) or a plain fetch.
 * @param {string} path from this module
 */
export const url = (path) => API_BASE + path;

/**
 * A path as a WebSocket URL on this origin (wss: under https).
 * @param {string} path from this module
 */
export const socketURL = (path) => `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${url(path)}`;

// ---- reference data and staff session ----

export const currencies = () => '/currencies';
/** The venue: its time zone. */
export const venue = () => '/venue';
export const session = () => '/session';
export const halls = () => '/halls';
/** @param {string} hallId */
export const hallTemplates = (hallId) => `/halls/${seg(hallId)}/templates`;

// ---- performances ----

/** @param {Query} [query] */
export const performances = (query) => withQuery('/performances', query);
/** @param {string} id */
export const performance = (id) => `/performances/${seg(id)}`;
/** The seat map in the packed form SeatData reads (seatdata.js unpack). @param {string} id */
export const compactSeatmap = (id) => `${performance(id)}/seatmap?format=packed`;
/**
 * The live socket's path: wrap in socketURL(). With gzip, snapshots come as
 * gzipped binary messages (compressed once by the server for every joiner).
 * @param {string} id
 * @param {boolean} [gzip]
 */
export const live = (id, gzip = false) => `${performance(id)}/live${gzip ? '?snapshot=gzip' : ''}`;
/** @param {string} id */
export const stats = (id) => `${performance(id)}/stats`;
/** @param {string} id holds of one performance (list, or POST to hold) */
export const performanceHolds = (id) => `${performance(id)}/holds`;
/** @param {string} id */
export const paint = (id) => `${performance(id)}/paint`;
/** @param {string} id */
export const zones = (id) => `${performance(id)}/zones`;
/** @param {string} id a performance's fares (GET; PUT staff) */
export const fares = (id) => `${performance(id)}/fares`;
/** @param {string} id apply a hall template */
export const template = (id) => `${performance(id)}/template`;
/** @param {string} id @param {'start'|'stop'} action */
export const sales = (id, action) => `${performance(id)}/sales/${seg(action)}`;
/** @param {string} id cancel the performance (or its dry run) */
export const cancelPerformance = (id) => `${performance(id)}/cancel`;
/** @param {string} id a background job */
export const job = (id) => `/jobs/${seg(id)}`;
/** @param {string} id reschedule to a replacement date (issue 16) */
export const reschedule = (id) => `${performance(id)}/reschedule`;
/** @param {string} id a reschedule's two dates side by side (either date's id) */
export const dateReconciliation = (id) => `${performance(id)}/reconciliation`;
/** @param {string} id reservations of a rescheduled date waiting for a decision */
export const pendingReservations = (id) => `${performance(id)}/pending-reservations`;
/** @param {string} orderId keep or release one of them */
export const decideReservation = (orderId) => `/pending-reservations/${seg(orderId)}`;

// ---- holds ----

/** @param {string} token */
export const hold = (token) => `/holds/${seg(token)}`;
/** @param {string} token */
export const holdExtend = (token) => `${hold(token)}/extend`;
/** @param {string} token */
export const holdReserve = (token) => `${hold(token)}/reserve`;

// ---- orders ----

/** @param {Query} [query] */
export const orders = (query) => withQuery('/orders', query);
/**
 * An order; with its secret key (the e-mail's link) it opens on any device.
 * @param {string} id
 * @param {string} [key]
 */
export const order = (id, key) => (key ? withQuery(`/orders/${seg(id)}`, { key }) : `/orders/${seg(id)}`);
/**
 * A ticket's QR code (SVG), for an <img>: whole, as the browser loads it.
 * @param {string} orderId
 * @param {string} ticketId
 * @param {string} [key] the order's key, when the page was opened by it
 */
export const ticketQR = (orderId, ticketId, key) =>
  url(key ? withQuery(`/orders/${seg(orderId)}/tickets/${seg(ticketId)}/qr.svg`, { key }) : `/orders/${seg(orderId)}/tickets/${seg(ticketId)}/qr.svg`);
/**
 * The order's tickets as a PDF (A4, three a page), for a download link.
 * @param {string} orderId
 * @param {string} [key] the order's key, when the page was opened by it
 */
export const ticketsPDF = (orderId, key) =>
  url(key ? withQuery(`/orders/${seg(orderId)}/tickets.pdf`, { key }) : `/orders/${seg(orderId)}/tickets.pdf`);
/**
 * The order's invoice as a PDF.
 * @param {string} orderId
 * @param {string} [key] the order's key, when the page was opened by it
 */
export const invoicePDF = (orderId, key) =>
  url(key ? withQuery(`/orders/${seg(orderId)}/invoice.pdf`, { key }) : `/orders/${seg(orderId)}/invoice.pdf`);
/**
 * A pass's QR code (SVG), for an <img>: whole, as the browser loads it.
 * @param {string} orderId
 * @param {string} passId
 * @param {string} [key] the order's key, when the page was opened by it
 */
export const passQR = (orderId, passId, key) =>
  url(key ? withQuery(`/orders/${seg(orderId)}/passes/${seg(passId)}/qr.svg`, { key }) : `/orders/${seg(orderId)}/passes/${seg(passId)}/qr.svg`);
/** @param {string} id */
export const orderHistory = (id) => `${order(id)}/history`;
/** @param {string} id */
export const orderRefunds = (id) => `${order(id)}/refunds`;
/** The box office printed the order's tickets. @param {string} id */
export const orderPrint = (id) => `${order(id)}/print`;
/** @param {string} id */
export const orderExtend = (id) => `${order(id)}/extend`;
/** @param {string} id */
export const orderPay = (id) => `${order(id)}/pay`;
/** @param {string} id */
export const orderAnnul = (id) => `${order(id)}/annul`;
/** @param {string} id */
export const orderResend = (id) => `${order(id)}/resend`;
/**
 * The offer of a performance's replacement to an order's buyer (GET), and
 * the buyer's choice (POST): with the order's key from the e-mail's link.
 * @param {string} id
 * @param {string} [key]
 */
export const orderReplacement = (id, key) =>
  (key ? withQuery(`/orders/${seg(id)}/replacement`, { key }) : `/orders/${seg(id)}/replacement`);
/** A performance's last replacement and its buyers' choices, for staff. @param {string} id */
export const performanceReplacement = (id) => `/performances/${seg(id)}/replacement`;

// ---- payments ----

/**
 * The test provider's answer to a payment (the buyer's page approves or
 * declines it with the payment's client secret).
 * @param {string} paymentId
 * @param {'approve'|'decline'} outcome
 */
export const testPayment = (paymentId, outcome) => `/payments/test/${seg(paymentId)}/${seg(outcome)}`;

/** @param {Query} query holds and orders by buyer, number or token */
export const search = (query) => withQuery('/search', query);
/** @param {Query} query */
export const salesReport = (query) => withQuery('/reports/sales', query);
/** The sales report and its timeline as one CSV: wrap in url() for a download link. @param {Query} query */
export const salesCSV = (query) => withQuery('/reports/sales.csv', query);
/** Sales by day or hour on the venue's clock (bucket=day|hour). @param {Query} query */
export const salesTimeline = (query) => withQuery('/reports/sales/timeline', query);

// ---- documents (issue 17) ----

/**
 * A day's documents: GET ?day= every version, POST {kind, day} to make one now.
 * @param {URLSearchParams | Record<string, string>} [query]
 */
export const dayDocuments = (query) => withQuery('/documents', query);
/** A performance's documents: GET every version, POST {kind} to make one now. @param {string} id */
export const performanceDocuments = (id) => `/performances/${seg(id)}/documents`;
/** The document template: GET, PUT. */
export const documentTemplate = () => '/document-template';
/** The template's logo: PUT the image, DELETE it. */
export const documentTemplateLogo = () => '/document-template/logo';
/** A sample PDF as the template stands: for the editor's preview. @param {Query} [query] */
export const documentTemplatePreview = (query) => withQuery('/document-template/preview.pdf', query);

// ---- payments at the provider ----

/** Payments and refunds made in [from, to). @param {Query} query */
export const payments = (query) => withQuery('/payments', query);
/** The same rows as CSV, every page: wrap in url() for a download link. @param {Query} query */
export const paymentsCSV = (query) => withQuery('/payments.csv', query);
/** The reconciliation: GET the last daily check, POST {from, to} to check now. */
export const reconciliation = () => '/payments/reconciliation';

// ---- vouchers and promotions ----

/** @param {Query} [query] */
export const promotions = (query) => withQuery('/promotions', query);
export const voucherBatches = () => '/voucher-batches';
/** @param {string} id */
export const voucherBatch = (id) => `/voucher-batches/${seg(id)}`;
/** The batch's codes as CSV: wrap in url() for a download link. @param {string} id */
export const voucherBatchCSV = (id) => `/voucher-batches/${seg(id)}.csv`;
/** @param {string} code @param {Query} query */
export const voucherCheck = (code, query) => withQuery(`/vouchers/${seg(code)}/check`, query);
/** @param {string} code @param {'block'|'unblock'|'release'} action */
export const voucherAction = (code, action) => `/vouchers/${seg(code)}/${seg(action)}`;

// ---- products and the facility ----

/** @param {Query} [query] */
export const products = (query) => withQuery('/products', query);
/** @param {string} id */
export const product = (id) => `/products/${seg(id)}`;
/** The facility's settings: opening hours, exceptions, season, tolerance, zones. */
export const facility = () => '/facility';

// ---- pass production (issue 14) ----

/** The passes a personalization link opens. @param {string} token */
export const personalization = (token) => `/personalize/${seg(token)}`;
/** One pass's holder (PUT). @param {string} token @param {string} passId */
export const personalizePass = (token, passId) => `${personalization(token)}/passes/${seg(passId)}`;
/** One pass's photo (PUT the image, GET it). @param {string} token @param {string} passId */
export const personalizePhoto = (token, passId) => `${personalizePass(token, passId)}/photo`;
/** @param {Query} [query] state, product, limit, cursor */
export const passes = (query) => withQuery('/passes', query);
/** @param {string} id */
export const pass = (id) => `/passes/${seg(id)}`;
/** @param {string} id @param {'ship'|'deposit'|'hand-over'|'block'|'unblock'|'replace'} move */
export const passMove = (id, move) => `${pass(id)}/${seg(move)}`;
/** @param {string} id */
export const passPhoto = (id) => `${pass(id)}/photo`;
export const printBatches = () => '/print-batches';
/** @param {string} id @param {'pdf'|'csv'} format */
export const printBatchFile = (id, format) => `/print-batches/${seg(id)}.${format}`;

// ---- the gate ----

/** Gates: GET lists, POST makes one. */
export const gates = () => '/gates';
/** Scans: POST scans a code now; GET the log. @param {Query} [query] */
export const scans = (query) => withQuery('/scans', query);
/** What an offline scanner uploads. */
export const scansBatch = () => '/scans/batch';
/** Who is inside, by zone. */
export const occupancy = () => '/occupancy';
/** The same, live: a socket path, wrap in socketURL(). */
export const occupancyLive = () => '/occupancy/live';
/** A time card's surcharge paid at the till. */
export const surcharges = () => '/surcharges';
/** What a time card owes now. @param {string} code */
export const surchargeDue = (code) => `/surcharges/${seg(code)}`;

// ---- value cards and pass vouchers (issue 14) ----

/** @param {string} id @param {Record<string, string>=} query after, limit */
export const passLedger = (id, query) => withQuery(`/passes/${seg(id)}/ledger`, query);
/** @param {string} id @param {'top-up'|'debit'|'transfer'} action */
export const passAction = (id, action) => `/passes/${seg(id)}/${seg(action)}`;
/** @param {string} code as typed or scanned */
export const passByCode = (code) => `/pass-codes/${seg(code)}`;
/** @param {string} code the voucher's code */
export const passVoucherExchange = (code) => `/pass-vouchers/${seg(code)}/exchange`;
/**
 * A pass's QR code (SVG) for staff, for an <img>: whole, as the browser loads it.
 * @param {string} id
 */
export const staffPassQR = (id) => url(`/passes/${seg(id)}/qr.svg`);
