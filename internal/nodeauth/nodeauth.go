package nodeauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// The headers of a signed request.
const (
	// HeaderNode names the node that sent the request.
	HeaderNode = "Seatmap-Node"
	// HeaderTime is the signing time, in Unix seconds.
	HeaderTime = "Seatmap-Node-Time"
	// HeaderSignature is the base64url (unpadded) HMAC-SHA256.
	HeaderSignature = "Seatmap-Node-Signature"
	// HeaderClientAddr is the address of the client the forwarding node
	// served (the key its limits count by), signed with the rest: the owner
	// applies its per-address caps and limits to the buyer, not to the node.
	HeaderClientAddr = "Seatmap-Client-Addr"
)

// Headers are every header a signed request carries; a request with any of
// them claims to come from a node and must verify.
var Headers = [...]string{HeaderNode, HeaderTime, HeaderSignature, HeaderClientAddr}

const (
	// MinSecretLen is the shortest cluster secret accepted, in bytes.
	MinSecretLen = 32
	// MaxSkew is how far a signature's time may be from the checker's clock,
	// either way.
	MaxSkew = 30 * time.Second
	// maxNodeID and maxClientAddr bound what a header may carry.
	maxNodeID     = 64
	maxClientAddr = 64
)

var (
	// ErrUnsigned: the request carries no node signature.
	ErrUnsigned = errors.New("nodeauth: request is not signed")
	// ErrMalformed: a node header is missing or not in its form.
	ErrMalformed = errors.New("nodeauth: malformed node headers")
	// ErrExpired: the signature's time is more than MaxSkew away.
	ErrExpired = errors.New("nodeauth: signature outside the time window")
	// ErrBadSignature: the signature does not match (forged, altered, or
	// another secret).
	ErrBadSignature = errors.New("nodeauth: signature does not match")
	// ErrShortSecret: the cluster secret is shorter than MinSecretLen.
	ErrShortSecret = fmt.Errorf("nodeauth: the cluster secret must have at least %d bytes", MinSecretLen)
)

// CheckSecret refuses a secret too short to be one.
func CheckSecret(secret []byte) error {
	if len(secret) < MinSecretLen {
		return ErrShortSecret
	}
	return nil
}

// ValidNodeID reports whether id may name a node: 1 to 64 of [A-Za-z0-9._-].
func ValidNodeID(id string) bool {
	if id == "" || len(id) > maxNodeID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validClientAddr: an address or a prefix as the api package keys limits by
// ("203.0.113.9", "2001:db8::/64"): printable, no spaces, bounded.
func validClientAddr(a string) bool {
	if len(a) > maxClientAddr {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] <= ' ' || a[i] >= 0x7f {
			return false
		}
	}
	return true
}

// Claims reports whether r carries any node header: such a request must
// verify, or be refused.
func Claims(r *http.Request) bool {
	for _, h := range Headers {
		if _, ok := r.Header[h]; ok {
			return true
		}
	}
	return false
}

// BodyHash is the SHA-256 of a request body, as Sign takes it.
func BodyHash(body []byte) [32]byte { return sha256.Sum256(body) }

// Sign signs r as sent by nodeID at now. bodyHash is the SHA-256 of the body
// r will carry (BodyHash(nil) for none). The Seatmap-Client-Addr header, if
// r has one, is covered: set it before signing. Sign panics on a node id
// ValidNodeID refuses: that is the caller's configuration, checked at start.
func Sign(r *http.Request, nodeID string, secret []byte, now time.Time, bodyHash [32]byte) {
	if !ValidNodeID(nodeID) {
		panic(fmt.Sprintf("nodeauth: invalid node id %q", nodeID))
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	r.Header.Set(HeaderNode, nodeID)
	r.Header.Set(HeaderTime, ts)
	mac := sum(secret, nodeID, ts, r.Method, requestURI(r), r.Header.Get(HeaderClientAddr), bodyHash)
	r.Header.Set(HeaderSignature, base64.RawURLEncoding.EncodeToString(mac))
}

// Verify checks r's signature against secret at now, body being r's whole
// body (the caller reads it, bounded, and restores it). It returns the
// sending node's id; the error is ErrUnsigned, ErrMalformed, ErrExpired or
// ErrBadSignature, and never holds the secret or the signature.
func Verify(r *http.Request, secret []byte, now time.Time, body []byte) (nodeID string, err error) {
	if !Claims(r) {
		return "", ErrUnsigned
	}
	if len(secret) < MinSecretLen {
		return "", ErrShortSecret
	}
	nodeID, ts, sig := one(r, HeaderNode), one(r, HeaderTime), one(r, HeaderSignature)
	addr := one(r, HeaderClientAddr)
	if !ValidNodeID(nodeID) || ts == "" || sig == "" || len(ts) > 20 || len(sig) > 64 || !validClientAddr(addr) ||
		len(r.Header.Values(HeaderClientAddr)) > 1 {
		return "", ErrMalformed
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", ErrMalformed
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return "", ErrMalformed
	}
	// The MAC first: a forged request learns nothing of our clock.
	want := sum(secret, nodeID, ts, r.Method, requestURI(r), addr, sha256.Sum256(body))
	if !hmac.Equal(got, want) {
		return "", ErrBadSignature
	}
	if d := now.Sub(time.Unix(unix, 0)); d > MaxSkew || d < -MaxSkew {
		return "", ErrExpired
	}
	return nodeID, nil
}

// ClientAddr is the client address a verified request speaks for; "" if none.
func ClientAddr(r *http.Request) string { return r.Header.Get(HeaderClientAddr) }

// one is a header's single value: "" if absent or repeated.
func one(r *http.Request, name string) string {
	vs := r.Header.Values(name)
	if len(vs) != 1 {
		return ""
	}
	return vs[0]
}

// requestURI is what the client sent as the request target: a server's
// r.RequestURI, or for an outgoing request its URL's path and query.
func requestURI(r *http.Request) string {
	if r.RequestURI != "" {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

// sum is the MAC of the signed fields, each length-prefixed so that no two
// field lists share a message.
func sum(secret []byte, nodeID, ts, method, uri, addr string, bodyHash [32]byte) []byte {
	m := hmac.New(sha256.New, secret)
	var n [8]byte
	field := func(s string) {
		m.Write(strconv.AppendInt(n[:0], int64(len(s)), 10))
		m.Write([]byte{':'})
		m.Write([]byte(s))
	}
	field("seatmap-node/1")
	field(nodeID)
	field(ts)
	field(method)
	field(uri)
	field(addr)
	var hexHash [64]byte
	hex.Encode(hexHash[:], bodyHash[:])
	m.Write(hexHash[:])
	return m.Sum(nil)
}
