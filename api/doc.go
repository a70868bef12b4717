// Package api is seatmap's HTTP interface: echo routes under /api/v1, buyer
// sessions and staff authentication, request validation, rate limits, one table
// that maps every error to an RFC 9457 problem, metrics, and the OpenAPI document
// served at /api/v1/openapi.yaml. The WebSocket live seat map is handed to the
// realtime hub; everything else goes to the domain packages (seating, checkout, voucher, staff).
package api
