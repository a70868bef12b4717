// Package api is seatmap's HTTP interface: echo routes under /api/v1, buyer
// sessions and staff authentication, request validation, rate limits, one table
// that maps every error to an RFC 9457 problem, metrics, and the OpenAPI document
// served at /api/v1/openapi.yaml. The WebSocket live seat map is handed to the
// realtime hub; everything else goes to the domain packages (seating, checkout, voucher, staff).
//
// On a node of several (Config.Cluster, issue 18) a request that needs a
// performance's shard is passed to the performance's owner, signed with the
// cluster secret (internal/nodeauth), and the owner's answer is the answer
// (forward.go, whose table places every route).
package api
