// Package nodeauth signs and checks the requests seatd nodes send each other
// (issue 18): a node that forwards a buyer's request to a performance's owner
// signs it with the cluster secret, and the owner checks the signature before
// it believes the request's claims (which node sent it, which client address
// it speaks for).
//
// The signature is HMAC-SHA256 over the sending node's id, a Unix timestamp
// (accepted within MaxSkew of the checker's clock), the method, the path with
// its query, the client address header and the body's SHA-256. The secret is
// never logged and never appears in an error.
//
// It imports nothing of seatmap, and no HTTP framework: net/http only.
package nodeauth
