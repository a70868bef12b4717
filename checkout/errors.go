package checkout

import "errors"

var (
	// ErrOrderNotFound: no such order, or not visible to the caller.
	ErrOrderNotFound = errors.New("order not found")
	// ErrIdempotencyMismatch: the key was used before for a different request.
	ErrIdempotencyMismatch = errors.New("idempotency key was used for a different request")
	// ErrNotReserved: the order is not (or no longer) a reservation.
	ErrNotReserved = errors.New("order is not a reservation")
	// ErrNotPaid: the order is not paid, so it has no tickets to print.
	ErrNotPaid = errors.New("order is not paid")
	// ErrPassNotFound: no such pass, or not visible to the caller; also an
	// unknown personalization token.
	ErrPassNotFound = errors.New("pass not found")
	// ErrPassProduced: the pass is printed or past it (or blocked, replaced,
	// expired, void) and takes no holder any more.
	ErrPassProduced = errors.New("pass is printed or past it and refuses edits")
	// ErrDocumentNotFound: no such document.
	ErrDocumentNotFound = errors.New("document not found")
)
