package api

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/seating"
	"github.com/seatmap/seatmap/staff"
)

const (
	staffKey    = "staff"
	staffCookie = "seatmap_staff"
	csrfHeader  = "X-CSRF-Token"
)

// errUnauthenticated is the answer to a staff route without a staff member.
var errUnauthenticated = problem(http.StatusUnauthorized, "unauthenticated", "Unauthenticated", "sign in, or send a staff bearer token")

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

// authenticate finds the staff member behind a request: a bearer token (the
// bootstrap admin's or a user's API token), or a signed-in browser session. A
// session on a state-changing request counts only with its CSRF token; without
// it the request is a buyer's (csrfMissing tells staff routes to say why).
func (s *Server) authenticate(c *echo.Context) (u staff.Member, ok, csrfMissing bool, err error) {
	if u, ok := c.Get(staffKey).(staff.Member); ok {
		return u, true, false, nil
	}
	r := c.Request()
	if tok, has := bearer(r); has {
		u, err := s.staff.ByToken(r.Context(), tok)
		if errors.Is(err, staff.ErrBadToken) {
			return staff.Member{}, false, false, problem(http.StatusUnauthorized, "unauthenticated", "Unauthenticated", err.Error())
		}
		if err != nil {
			return staff.Member{}, false, false, err
		}
		c.Set(staffKey, u)
		return u, true, false, nil
	}
	ck, err := c.Cookie(staffCookie)
	if err != nil {
		return staff.Member{}, false, false, nil
	}
	u, csrf, err := s.staff.BySession(r.Context(), ck.Value)
	if errors.Is(err, staff.ErrNoSession) {
		return staff.Member{}, false, false, nil
	}
	if err != nil {
		return staff.Member{}, false, false, err
	}
	if unsafeMethod(r.Method) && subtle.ConstantTimeCompare([]byte(r.Header.Get(csrfHeader)), []byte(csrf)) != 1 {
		return staff.Member{}, false, true, nil
	}
	c.Set(staffKey, u)
	return u, true, false, nil
}

// staffOf authenticates the request's staff member, if any.
func (s *Server) staffOf(c *echo.Context) (staff.Member, bool, error) {
	u, ok, _, err := s.authenticate(c)
	return u, ok, err
}

// actorOf is who a buyer-facing request acts as: a selling staff member, or the
// buyer session.
func (s *Server) actorOf(c *echo.Context) (seating.Actor, error) {
	a := seating.Actor{Session: sessionOf(c), Address: clientAddress(c)}
	u, ok, err := s.staffOf(c)
	if err != nil {
		return a, err
	}
	if ok && u.May(staff.Sellers...) {
		a.StaffID, a.Login, a.Role = u.ID, u.Login, string(u.Role)
	}
	return a, nil
}

// requireStaff lets through staff with one of roles (admins always).
func (s *Server) requireStaff(roles ...staff.Role) echo.MiddlewareFunc {
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
				return errUnauthenticated
			case !u.May(roles...):
				return problem(http.StatusForbidden, "forbidden", "Forbidden", fmt.Sprintf("the role %s may not do this", u.Role))
			}
			return next(c)
		}
	}
}
