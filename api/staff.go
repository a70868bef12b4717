package api

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/staff"
	"github.com/seatmap/seatmap/store"
)

// Staff sign-in, users and API tokens.

type userJSON struct {
	ID        string `json:"id"`
	Login     string `json:"login"`
	Name      string `json:"name"`
	Role      string `json:"role"`
	CreatedAt string `json:"created_at,omitempty"`
}

type sessionJSON struct {
	User      userJSON `json:"user"`
	CSRFToken string   `json:"csrf_token"`
}

type loginJSON struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

// dummyHash is checked against when a login does not exist, so that unknown and
// known logins take the same time to refuse.
var dummyHash = HashPassword("not-a-real-password-0123456789")

func (s *Server) login(c *echo.Context) error {
	var in loginJSON
	if err := decode(c, &in, 4<<10); err != nil {
		return err
	}
	login := strings.ToLower(strings.TrimSpace(in.Login))
	now := time.Now()
	// Keyed by (address, login) and by address: failing to sign in as
	// someone costs that someone nothing at their own address. (Logins are
	// at most 64 bytes; a longer one is refused below and keyed by a prefix.)
	address := c.RealIP()
	if ok, wait := s.logins.allow(address+" "+login[:min(len(login), 65)], address, now); !ok {
		return limited("Too many sign-in attempts", "wait %d s before trying again", wait)
	}
	refused := problem(http.StatusUnauthorized, "bad-credentials", "Sign-in failed", "the login or the password is wrong")
	if login == "" || len(in.Password) > MaxPasswordLen || len(login) > 64 {
		return refused
	}
	u, err := s.users.UserByLogin(c.Request().Context(), login)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return s.storeError(err)
	}
	hash := u.PasswordHash
	if err != nil || hash == "" || u.Disabled {
		hash = dummyHash
	}
	match, herr := CheckPassword(hash, in.Password)
	if err != nil || herr != nil || !match || u.Disabled || u.PasswordHash == "" {
		return refused
	}
	secret, csrf := randomString(32), randomString(24)
	ss := staff.Session{Hash: tokenHashHex(secret), UserID: u.ID, CSRF: csrf, Expires: now.Add(staffSessionT)}
	if err := s.users.CreateSession(c.Request().Context(), ss); err != nil {
		return s.storeError(err)
	}
	c.SetCookie(&http.Cookie{
		Name: staffCookie, Value: secret, Path: "/", MaxAge: int(staffSessionT / time.Second),
		HttpOnly: true, Secure: s.cfg.SecureCookies || c.Request().TLS != nil, SameSite: http.SameSiteStrictMode,
	})
	return c.JSON(http.StatusOK, sessionJSON{User: toUserJSON(u), CSRFToken: csrf})
}

func toUserJSON(u staff.User) userJSON {
	return userJSON{ID: u.ID, Login: u.Login, Name: u.Name, Role: u.Role, CreatedAt: rfc3339(u.CreatedAt)}
}

// currentSession answers who is signed in, with the CSRF token a reloaded page
// needs again.
func (s *Server) currentSession(c *echo.Context) error {
	ck, err := c.Cookie(staffCookie)
	if err == nil && len(ck.Value) <= 128 {
		ss, u, err := s.users.SessionUser(c.Request().Context(), tokenHashHex(ck.Value), time.Now())
		if err == nil {
			return c.JSON(http.StatusOK, sessionJSON{User: toUserJSON(u), CSRFToken: ss.CSRF})
		}
		if !errors.Is(err, store.ErrNotFound) {
			return s.storeError(err)
		}
	}
	return problem(http.StatusUnauthorized, "unauthenticated", "Not signed in", "no staff session")
}

func (s *Server) logout(c *echo.Context) error {
	ck, err := c.Cookie(staffCookie)
	if err == nil && len(ck.Value) <= 128 {
		ss, _, err := s.users.SessionUser(c.Request().Context(), tokenHashHex(ck.Value), time.Now())
		if err == nil {
			if subtle.ConstantTimeCompare([]byte(c.Request().Header.Get(csrfHeader)), []byte(ss.CSRF)) != 1 {
				return problem(http.StatusForbidden, "csrf", "CSRF token missing", "send the session's csrf_token in the "+csrfHeader+" header")
			}
			if err := s.users.DeleteSession(c.Request().Context(), ss.Hash); err != nil {
				return s.storeError(err)
			}
		}
	}
	c.SetCookie(&http.Cookie{Name: staffCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return c.NoContent(http.StatusNoContent)
}

var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

type newUserJSON struct {
	Login    string `json:"login"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

func (s *Server) createUser(c *echo.Context) error {
	var in newUserJSON
	if err := decode(c, &in, 4<<10); err != nil {
		return err
	}
	in.Login, in.Name = strings.ToLower(strings.TrimSpace(in.Login)), strings.TrimSpace(in.Name)
	switch {
	case !loginPattern.MatchString(in.Login):
		return &input.Error{Field: "login", Reason: "2 to 64 lower-case letters, digits, '.', '_' or '-'"}
	case in.Name == "" || len(in.Name) > 200:
		return &input.Error{Field: "name", Reason: "1 to 200 characters"}
	case !slices.Contains(Roles, Role(in.Role)):
		return &input.Error{Field: "role", Reason: "one of admin, organizer, box_office, gate"}
	case in.Password != "" && (len(in.Password) < MinPasswordLen || len(in.Password) > MaxPasswordLen):
		return &input.Error{Field: "password", Reason: fmt.Sprintf("%d to %d characters (or none, for a token-only user)", MinPasswordLen, MaxPasswordLen)}
	}
	u := staff.User{ID: "u" + randomString(10), Login: in.Login, Name: in.Name, Role: in.Role}
	if in.Password != "" {
		u.PasswordHash = HashPassword(in.Password)
	}
	err := s.users.CreateUser(c.Request().Context(), u)
	if errors.Is(err, store.ErrDuplicate) {
		return problem(http.StatusConflict, "login-taken", "Login taken", fmt.Sprintf("a user %q exists already", in.Login))
	}
	if err != nil {
		return s.storeError(err)
	}
	u, err = s.users.GetUser(c.Request().Context(), u.ID)
	if err != nil {
		return s.storeError(err)
	}
	return c.JSON(http.StatusCreated, toUserJSON(u))
}

func (s *Server) listUsers(c *echo.Context) error {
	us, err := s.users.ListUsers(c.Request().Context())
	if err != nil {
		return s.storeError(err)
	}
	out := listJSON[userJSON]{Items: make([]userJSON, 0, len(us))}
	for _, u := range us {
		out.Items = append(out.Items, toUserJSON(u))
	}
	return c.JSON(http.StatusOK, out)
}

type tokenJSON struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Token string `json:"token,omitempty"`
}

// selfOrAdmin lets a user manage their own tokens, and admins everyone's.
func (s *Server) selfOrAdmin(c *echo.Context) error {
	u, _, _ := s.staffOf(c)
	if u.Role != RoleAdmin && u.ID != c.Param("id") {
		return problem(http.StatusForbidden, "forbidden", "Forbidden", "only admins manage other users' tokens")
	}
	return nil
}

func (s *Server) createToken(c *echo.Context) error {
	if err := s.selfOrAdmin(c); err != nil {
		return err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(c, &in, 4<<10); err != nil {
		return err
	}
	if in.Name = strings.TrimSpace(in.Name); in.Name == "" || len(in.Name) > 100 {
		return &input.Error{Field: "name", Reason: "1 to 100 characters"}
	}
	if _, err := s.users.GetUser(c.Request().Context(), c.Param("id")); errors.Is(err, store.ErrNotFound) {
		return problem(http.StatusNotFound, "user-not-found", "User not found", "no such user")
	} else if err != nil {
		return s.storeError(err)
	}
	secret := NewToken()
	t := staff.Token{ID: "k" + randomString(10), UserID: c.Param("id"), Name: in.Name, Hash: tokenHashHex(secret)}
	if err := s.users.CreateAPIToken(c.Request().Context(), t); err != nil {
		return s.storeError(err)
	}
	// The secret is shown once, here; only its hash is kept.
	return c.JSON(http.StatusCreated, tokenJSON{ID: t.ID, Name: t.Name, Token: secret})
}

func (s *Server) deleteToken(c *echo.Context) error {
	if err := s.selfOrAdmin(c); err != nil {
		return err
	}
	err := s.users.DeleteAPIToken(c.Request().Context(), c.Param("id"), c.Param("token"))
	if errors.Is(err, store.ErrNotFound) {
		return problem(http.StatusNotFound, "token-not-found", "Token not found", "no such token")
	}
	if err != nil {
		return s.storeError(err)
	}
	return c.NoContent(http.StatusNoContent)
}
