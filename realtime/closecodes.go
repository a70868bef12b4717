package realtime

import "github.com/coder/websocket"

// CloseCode is a WebSocket close code the server sends, and what a client
// should do about it. This table is the one place that defines them: the API
// document (api/openapi.yaml) and the browser client (frontend/static/live.js)
// follow it, and tests check them against CloseCodes.
type CloseCode struct {
	Code websocket.StatusCode
	Name string // also the close reason on the wire; at most 123 bytes
	// Reconnect says whether a client may connect again on its own. False means
	// a reconnect would meet the same answer: stop, or fix the client first.
	Reconnect bool
	// Backoff says a client that reconnects should wait first, with jittered
	// exponential backoff, so a crowd does not return in lockstep.
	Backoff bool
	Advice  string // what a client should do, for documents
}

// The close codes of the live seat map.
var (
	CloseGoingAway = CloseCode{websocket.StatusGoingAway, "going away", true, true,
		"the server is shutting down or restarting: reconnect with backoff (another node may answer)"}
	CloseProtocol = CloseCode{websocket.StatusProtocolError, "protocol error", false, false,
		"the client broke WebSocket framing (sent by the WebSocket library): fix the client"}
	ClosePolicy = CloseCode{websocket.StatusPolicyViolation, "policy violation", false, false,
		"the client sent a frame the protocol does not allow (unknown type, not JSON, binary, over 4 KiB): fix the client, do not reconnect blindly"}
	CloseNotFound = CloseCode{4004, "performance not found", false, false,
		"the performance does not exist or is not visible: do not reconnect"}
	CloseSlow = CloseCode{4008, "slow client", true, false,
		"the client fell behind (its queue filled, or a write or ping outlasted the write timeout): reconnect and start from the new snapshot"}
	CloseTooMany = CloseCode{4029, "too many clients", true, true,
		"the node has as many sockets as it allows: reconnect later with backoff"}
	CloseUnavailable = CloseCode{4503, "unavailable", true, true,
		"the performance could not be loaded just now: reconnect later with backoff"}
)

// CloseCodes lists every close code the server sends, by code.
var CloseCodes = []CloseCode{CloseGoingAway, CloseProtocol, ClosePolicy, CloseNotFound, CloseSlow, CloseTooMany, CloseUnavailable}

// LookupCloseCode finds a close code in the table.
func LookupCloseCode(code websocket.StatusCode) (CloseCode, bool) {
	for _, c := range CloseCodes {
		if c.Code == code {
			return c, true
		}
	}
	return CloseCode{}, false
}
