package api

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/seatmap/seatmap/staff"
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

func (s *Server) login(c *echo.Context) error {
	var in loginJSON
	if err := decode(c, &in, 4<<10); err != nil {
		return err
	}
	login := strings.ToLower(strings.TrimSpace(in.Login))
	// Keyed by (address, login) and by address: failing to sign in as
	// someone costs that someone nothing at their own address. (Logins are
	// at most 64 bytes; a longer one is refused and keyed by a prefix.)
	address := c.RealIP()
	if ok, wait := s.logins.allow(address+" "+login[:min(len(login), 65)], address, s.now()); !ok {
		return limited("Too many sign-in attempts", "wait %d s before trying again", wait)
	}
	in2, err := s.staff.SignIn(c.Request().Context(), login, in.Password)
	if errors.Is(err, staff.ErrBadCredentials) {
		return problem(http.StatusUnauthorized, "bad-credentials", "Sign-in failed", err.Error())
	}
	if err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: staffCookie, Value: in2.Cookie, Path: "/", MaxAge: int(staff.SessionLife / time.Second),
		HttpOnly: true, Secure: s.cfg.SecureCookies || c.Request().TLS != nil, SameSite: http.SameSiteStrictMode,
	})
	return c.JSON(http.StatusOK, sessionJSON{User: toMemberJSON(in2.Member), CSRFToken: in2.CSRF})
}

func toUserJSON(u staff.User) userJSON {
	return userJSON{ID: u.ID, Login: u.Login, Name: u.Name, Role: u.Role, CreatedAt: rfc3339(u.CreatedAt)}
}

func toMemberJSON(m staff.Member) userJSON {
	return userJSON{ID: m.ID, Login: m.Login, Name: m.Name, Role: string(m.Role)}
}

// currentSession answers who is signed in, with the CSRF token a reloaded page
// needs again.
func (s *Server) currentSession(c *echo.Context) error {
	var cookie string
	if ck, err := c.Cookie(staffCookie); err == nil {
		cookie = ck.Value
	}
	m, csrf, err := s.staff.BySession(c.Request().Context(), cookie)
	if errors.Is(err, staff.ErrNoSession) {
		return errUnauthenticated
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sessionJSON{User: toMemberJSON(m), CSRFToken: csrf})
}

func (s *Server) logout(c *echo.Context) error {
	if ck, err := c.Cookie(staffCookie); err == nil {
		err := s.staff.SignOut(c.Request().Context(), ck.Value, c.Request().Header.Get(csrfHeader))
		if errors.Is(err, staff.ErrBadToken) {
			return problem(http.StatusForbidden, "csrf", "CSRF token missing", "send the session's csrf_token in the "+csrfHeader+" header")
		}
		if err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: staffCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	return c.NoContent(http.StatusNoContent)
}

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
	u, err := s.staff.CreateUser(c.Request().Context(), staff.NewUser(in))
	if errors.Is(err, staff.ErrLoginTaken) {
		return problem(http.StatusConflict, "login-taken", "Login taken", err.Error())
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toUserJSON(u))
}

func (s *Server) listUsers(c *echo.Context) error {
	us, err := s.staff.Users(c.Request().Context())
	if err != nil {
		return err
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
	if u.Role != staff.RoleAdmin && u.ID != c.Param("id") {
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
	t, secret, err := s.staff.CreateToken(c.Request().Context(), c.Param("id"), in.Name)
	if errors.Is(err, staff.ErrUserNotFound) {
		return problem(http.StatusNotFound, "user-not-found", "User not found", "no such user")
	}
	if err != nil {
		return err
	}
	// The secret is shown once, here; only its hash is kept.
	return c.JSON(http.StatusCreated, tokenJSON{ID: t.ID, Name: t.Name, Token: secret})
}

func (s *Server) deleteToken(c *echo.Context) error {
	if err := s.selfOrAdmin(c); err != nil {
		return err
	}
	err := s.staff.DeleteToken(c.Request().Context(), c.Param("id"), c.Param("token"))
	if errors.Is(err, staff.ErrTokenNotFound) {
		return problem(http.StatusNotFound, "token-not-found", "Token not found", "no such token")
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// issueStaffCard gives a staff user a staff card (admins, in the user
// administration, as seed 002 says): POST /users/{id}/staff-card
// {"product_id"} → 201 with the pass, its code shown.
func (s *Server) issueStaffCard(c *echo.Context) error {
	var in struct {
		ProductID string `json:"product_id"`
	}
	if err := decode(c, &in, 4<<10); err != nil {
		return err
	}
	users, err := s.staff.Users(c.Request().Context())
	if err != nil {
		return err
	}
	id := c.Param("id")
	i := slices.IndexFunc(users, func(u staff.User) bool { return u.ID == id })
	if i < 0 {
		return problem(http.StatusNotFound, "user-not-found", "User not found", "no staff user has this id")
	}
	a, err := s.actorOf(c)
	if err != nil {
		return err
	}
	o, err := s.checkout.IssueStaffCard(c.Request().Context(), in.ProductID, users[i].Name, a)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toPassJSON(o.Passes[0], true))
}
