package api

import (
	"crypto/rand"
	"encoding/base32"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"
)

// Buyers are anonymous: a random session id in an HttpOnly cookie identifies
// whose holds are whose. The id is 128 random bits; it is never logged.
const (
	sessionCookie = "seatmap_session"
	sessionKey    = "session"
	sessionLen    = 26 // base32 of 16 bytes
	sessionMaxAge = 30 * 24 * time.Hour
)

var sessionEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

func validSession(v string) bool {
	if len(v) != sessionLen {
		return false
	}
	_, err := sessionEncoding.DecodeString(v)
	return err == nil
}

// session makes sure every API request has a buyer session, issuing a cookie when
// it has none.
func (s *Server) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		if ck, err := c.Cookie(sessionCookie); err == nil && validSession(ck.Value) {
			c.Set(sessionKey, ck.Value)
			return next(c)
		}
		b := make([]byte, 16)
		rand.Read(b)
		id := sessionEncoding.EncodeToString(b)
		c.SetCookie(&http.Cookie{
			Name:     sessionCookie,
			Value:    id,
			Path:     "/",
			MaxAge:   int(sessionMaxAge / time.Second),
			HttpOnly: true,
			Secure:   s.cfg.SecureCookies || c.Request().TLS != nil,
			SameSite: http.SameSiteLaxMode,
		})
		c.Set(sessionKey, id)
		return next(c)
	}
}

func sessionOf(c *echo.Context) string {
	id, _ := c.Get(sessionKey).(string)
	return id
}
