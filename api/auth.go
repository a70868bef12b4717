package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/internal/breaker"
	"github.com/seatmap/seatmap/sales"
	"github.com/seatmap/seatmap/staff"
	"github.com/seatmap/seatmap/store"
)

// Role is a staff role.
type Role string

// Staff roles. Admins pass every role check.
const (
	RoleAdmin     Role = staff.RoleAdmin
	RoleOrganizer Role = staff.RoleOrganizer
	RoleBoxOffice Role = staff.RoleBoxOffice
	RoleGate      Role = staff.RoleGate
)

// Roles lists every staff role.
var Roles = []Role{RoleAdmin, RoleOrganizer, RoleBoxOffice, RoleGate}

// sellers may sell at the counter and act on any hold.
var sellers = []Role{RoleAdmin, RoleOrganizer, RoleBoxOffice}

// StaffUser is an authenticated staff member.
type StaffUser struct {
	ID    string
	Login string
	Name  string
	Role  Role
}

// Users is what staff authentication needs from the store.
type Users interface {
	CreateUser(ctx context.Context, u staff.User) error
	GetUser(ctx context.Context, id string) (staff.User, error)
	UserByLogin(ctx context.Context, login string) (staff.User, error)
	ListUsers(ctx context.Context) ([]staff.User, error)
	CreateAPIToken(ctx context.Context, t staff.Token) error
	UserByToken(ctx context.Context, hash string) (staff.User, error)
	DeleteAPIToken(ctx context.Context, userID, id string) error
	CreateSession(ctx context.Context, s staff.Session) error
	SessionUser(ctx context.Context, hash string, now time.Time) (staff.Session, staff.User, error)
	DeleteSession(ctx context.Context, hash string) error
	// Classify marks the store's errors that mean it is unavailable.
	Classify(err error) error
}

// storeError is the answer to a failed call of Users: unavailability (or a
// call out of time) is a 503; anything else stays what it is, a 500 that is
// logged, or a 422 for a value the store refused.
func (s *Server) storeError(err error) error {
	err = s.users.Classify(err)
	if errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		return &breaker.UnavailableError{Service: "store", Err: err}
	}
	return err
}

// TokenHash is how API tokens are stored: SHA-256. Tokens are 256-bit random
// strings, so a fast hash is enough (a password KDF protects low-entropy secrets).
func TokenHash(token string) [32]byte { return sha256.Sum256([]byte(token)) }

func tokenHashHex(token string) string {
	h := TokenHash(token)
	return hex.EncodeToString(h[:])
}

// NewToken returns a random API token.
func NewToken() string { return "smk_" + randomString(32) }

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

const (
	staffKey      = "staff"
	staffCookie   = "seatmap_staff"
	csrfHeader    = "X-CSRF-Token"
	staffSessionT = 12 * time.Hour
)

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) || len(h) > 512 {
		return "", false
	}
	return strings.TrimSpace(h[len(prefix):]), true
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

var errBadToken = problem(http.StatusUnauthorized, "unauthenticated", "Unauthenticated", "the bearer token is not valid")

// authenticate finds the staff member behind a request: a bearer token (the
// bootstrap admin's or a user's API token), or a signed-in browser session. A
// session on a state-changing request counts only with its CSRF token; without
// it the request is a buyer's (csrfMissing tells staff routes to say why).
func (s *Server) authenticate(c *echo.Context) (u StaffUser, ok, csrfMissing bool, err error) {
	if u, ok := c.Get(staffKey).(StaffUser); ok {
		return u, true, false, nil
	}
	r := c.Request()
	ctx := r.Context()
	if tok, has := bearer(r); has {
		h := TokenHash(tok)
		if subtle.ConstantTimeCompare(h[:], s.cfg.AdminToken[:]) == 1 {
			u = StaffUser{ID: "admin", Login: "admin", Name: "Administrator", Role: RoleAdmin}
		} else {
			su, err := s.users.UserByToken(ctx, hex.EncodeToString(h[:]))
			if errors.Is(err, store.ErrNotFound) {
				return StaffUser{}, false, false, errBadToken
			}
			if err != nil {
				return StaffUser{}, false, false, s.storeError(err)
			}
			u = staffUser(su)
		}
		c.Set(staffKey, u)
		return u, true, false, nil
	}
	ck, err := c.Cookie(staffCookie)
	if err != nil || len(ck.Value) > 128 {
		return StaffUser{}, false, false, nil
	}
	ss, su, err := s.users.SessionUser(ctx, tokenHashHex(ck.Value), time.Now())
	if errors.Is(err, store.ErrNotFound) {
		return StaffUser{}, false, false, nil
	}
	if err != nil {
		return StaffUser{}, false, false, s.storeError(err)
	}
	if unsafeMethod(r.Method) && subtle.ConstantTimeCompare([]byte(r.Header.Get(csrfHeader)), []byte(ss.CSRF)) != 1 {
		return StaffUser{}, false, true, nil
	}
	u = staffUser(su)
	c.Set(staffKey, u)
	return u, true, false, nil
}

func staffUser(u staff.User) StaffUser {
	return StaffUser{ID: u.ID, Login: u.Login, Name: u.Name, Role: Role(u.Role)}
}

// staffOf authenticates the request's staff member, if any.
func (s *Server) staffOf(c *echo.Context) (StaffUser, bool, error) {
	u, ok, _, err := s.authenticate(c)
	return u, ok, err
}

// actorOf is who a buyer-facing request acts as: a selling staff member, or the
// buyer session.
func (s *Server) actorOf(c *echo.Context) (sales.Actor, error) {
	a := sales.Actor{Session: sessionOf(c), Address: clientAddress(c)}
	u, ok, err := s.staffOf(c)
	if err != nil {
		return a, err
	}
	if ok && slices.Contains(sellers, u.Role) {
		a.StaffID, a.Login, a.Role = u.ID, u.Login, string(u.Role)
	}
	return a, nil
}

// requireStaff lets through staff with one of roles (admins always).
func (s *Server) requireStaff(roles ...Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			u, ok, csrfMissing, err := s.authenticate(c)
			switch {
			case err != nil:
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="seatmap"`)
				return err
			case csrfMissing:
				return problem(http.StatusForbidden, "csrf", "CSRF token missing", "send the session's csrf_token in the "+csrfHeader+" header")
			case !ok:
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="seatmap"`)
				return problem(http.StatusUnauthorized, "unauthenticated", "Unauthenticated", "sign in, or send a staff bearer token")
			case u.Role != RoleAdmin && !slices.Contains(roles, u.Role):
				return problem(http.StatusForbidden, "forbidden", "Forbidden", fmt.Sprintf("the role %s may not do this", u.Role))
			}
			return next(c)
		}
	}
}
