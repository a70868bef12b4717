package realtime

import "github.com/coder/websocket"

// CloseCode is a WebSocket close code the server sends, and what a client
// should do about it. This table is the one place that defines them; the API
// document and the browser client follow it.
type CloseCode struct {
	Code      websocket.StatusCode
	Name      string
	Reconnect bool   // whether a client should connect again
	Advice    string // what a client should do
}

// The close codes of the live seat map.
var (
	CloseGoingAway   = CloseCode{websocket.StatusGoingAway, "going away", true, "the server is shutting down: reconnect with backoff"}
	ClosePolicy      = CloseCode{websocket.StatusPolicyViolation, "policy violation", false, "the client sent a frame the protocol does not allow: fix the client"}
	CloseNotFound    = CloseCode{4004, "performance not found", false, "the performance does not exist: do not reconnect"}
	CloseSlow        = CloseCode{4008, "slow client", true, "the client fell behind: reconnect and start from the new snapshot"}
	CloseTooMany     = CloseCode{4029, "too many clients", true, "the server is full: reconnect later with backoff"}
	CloseUnavailable = CloseCode{4503, "unavailable", true, "the performance could not be loaded: reconnect later with backoff"}
)

// CloseCodes lists every close code the server sends.
var CloseCodes = []CloseCode{CloseGoingAway, ClosePolicy, CloseNotFound, CloseSlow, CloseTooMany, CloseUnavailable}
