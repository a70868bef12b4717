package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v5"
)

// Role is a staff role.
type Role string

// Staff roles. Admins pass every role check.
const (
	RoleAdmin     Role = "admin"
	RoleOrganizer Role = "organizer"
	RoleBoxOffice Role = "box_office"
	RoleGate      Role = "gate"
)

// StaffUser is an authenticated staff member.
type StaffUser struct {
	ID   string
	Role Role
}

// ErrUnauthenticated: the credentials are missing, unknown or expired.
var ErrUnauthenticated = errors.New("unauthenticated")

// Authenticator checks staff API tokens.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (StaffUser, error)
}

// TokenHash is how API tokens are stored: SHA-256. Tokens are 256-bit random
// strings, so a fast hash is enough (a password KDF protects low-entropy secrets).
func TokenHash(token string) [32]byte { return sha256.Sum256([]byte(token)) }

// NewToken returns a random API token.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "smk_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// AdminToken authenticates the bootstrap admin by the hash of its token.
type AdminToken [32]byte

// Authenticate compares in constant time.
func (a AdminToken) Authenticate(_ context.Context, token string) (StaffUser, error) {
	h := TokenHash(token)
	if subtle.ConstantTimeCompare(h[:], a[:]) == 1 {
		return StaffUser{ID: "admin", Role: RoleAdmin}, nil
	}
	return StaffUser{}, ErrUnauthenticated
}

const staffKey = "staff"

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const prefix = "Bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) || len(h) > 512 {
		return "", false
	}
	return strings.TrimSpace(h[len(prefix):]), true
}

// staffOf authenticates the request's bearer token, if it has one.
func (s *Server) staffOf(c *echo.Context) (StaffUser, bool, error) {
	if u, ok := c.Get(staffKey).(StaffUser); ok {
		return u, true, nil
	}
	tok, ok := bearer(c.Request())
	if !ok {
		return StaffUser{}, false, nil
	}
	u, err := s.staff.Authenticate(c.Request().Context(), tok)
	if errors.Is(err, ErrUnauthenticated) {
		// Slow down token guessing a little without holding a lock.
		time.Sleep(50 * time.Millisecond)
		return StaffUser{}, false, problem(http.StatusUnauthorized, "unauthenticated", "Unauthenticated", "the bearer token is not valid")
	}
	if err != nil {
		return StaffUser{}, false, err
	}
	c.Set(staffKey, u)
	return u, true, nil
}

// requireStaff lets through staff with one of roles (admins always).
func (s *Server) requireStaff(roles ...Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			u, ok, err := s.staffOf(c)
			if err != nil {
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="seatmap"`)
				return err
			}
			if !ok {
				c.Response().Header().Set("WWW-Authenticate", `Bearer realm="seatmap"`)
				return problem(http.StatusUnauthorized, "unauthenticated", "Unauthenticated", "this route needs a staff bearer token")
			}
			if u.Role != RoleAdmin && !slices.Contains(roles, u.Role) {
				return problem(http.StatusForbidden, "forbidden", "Forbidden", "your role "+string(u.Role)+" may not do this")
			}
			return next(c)
		}
	}
}
