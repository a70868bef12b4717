// Package staff owns who the staff are: users with a role, their API tokens
// and browser sessions. The stores translate rows to these types.
package staff

import "time"

// Roles.
const (
	RoleAdmin     = "admin"
	RoleOrganizer = "organizer"
	RoleBoxOffice = "box_office"
	RoleGate      = "gate"
	// RolePassCounter works the pass counter: exchanges pass vouchers,
	// personalizes and prints at the counter, reads passes.
	RolePassCounter = "pass_counter"
)

// User is a staff member.
type User struct {
	ID           string
	Login        string // unique, lower case
	Name         string
	Role         string
	PasswordHash string // encoded KDF hash; empty: token-only user
	Disabled     bool
	CreatedAt    time.Time
}

// Token is a staff bearer token, stored by the hash of its secret.
type Token struct {
	ID        string
	UserID    string
	Name      string
	Hash      string // hex SHA-256 of the token
	CreatedAt time.Time
}

// Session is a signed-in staff browser, stored by the hash of its cookie.
type Session struct {
	Hash    string // hex SHA-256 of the cookie value
	UserID  string
	CSRF    string
	Expires time.Time
}
