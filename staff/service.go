package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/seatmap/seatmap/input"
	"github.com/seatmap/seatmap/store"
)

// Role is a staff role.
type Role string

// Roles lists every staff role.
var Roles = []Role{RoleAdmin, RoleOrganizer, RoleBoxOffice, RoleGate, RolePassCounter}

// Sellers may sell at the counter and act on any hold.
var Sellers = []Role{RoleAdmin, RoleOrganizer, RoleBoxOffice}

// Member is a staff member as a request acts: who, and in which role.
type Member struct {
	ID    string
	Login string
	Name  string
	Role  Role
}

// May reports whether m acts in one of roles; admins may do everything.
func (m Member) May(roles ...Role) bool {
	return m.Role == RoleAdmin || slices.Contains(roles, m.Role)
}

// admin is the bootstrap administrator of the admin token.
var admin = Member{ID: "admin", Login: "admin", Name: "Administrator", Role: RoleAdmin}

var (
	// ErrBadToken: a bearer token that is no one's.
	ErrBadToken = errors.New("the bearer token is not valid")
	// ErrBadCredentials: a sign-in with a login or password that is wrong
	// (which one is not said).
	ErrBadCredentials = errors.New("the login or the password is wrong")
	// ErrNoSession: no live session has this cookie.
	ErrNoSession = errors.New("no staff session")
	// ErrLoginTaken: another user has the login.
	ErrLoginTaken = errors.New("login taken")
	// ErrUserNotFound and ErrTokenNotFound: no such user, or token of the user.
	ErrUserNotFound  = errors.New("no such user")
	ErrTokenNotFound = errors.New("no such token")
)

// Store is what staff identity needs of a store.
type Store interface {
	// CreateUser stores a user; a taken login gives store.ErrDuplicate.
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, id string) (User, error)
	UserByLogin(ctx context.Context, login string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	CreateAPIToken(ctx context.Context, t Token) error
	// UserByToken returns the enabled user owning the token with this hash.
	UserByToken(ctx context.Context, hash string) (User, error)
	DeleteAPIToken(ctx context.Context, userID, id string) error
	CreateSession(ctx context.Context, s Session) error
	// SessionUser returns a live session and its enabled user;
	// store.ErrNotFound when missing, expired or disabled.
	SessionUser(ctx context.Context, hash string, now time.Time) (Session, User, error)
	DeleteSession(ctx context.Context, hash string) error
}

// SessionLife is how long a browser stays signed in.
const SessionLife = 12 * time.Hour

// Service is where staff identity lives: users, their tokens and sessions,
// and who a bearer token or a session cookie is. It is safe for concurrent
// use.
type Service struct {
	store Store
	admin [32]byte // SHA-256 of the bootstrap admin's token
	now   func() time.Time
}

// NewService returns the staff service on st. adminToken is the hash of the
// bootstrap admin's bearer token (TokenHash); now is the clock (nil: wall).
func NewService(st Store, adminToken [32]byte, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, admin: adminToken, now: now}
}

// TokenHash is how API tokens, session cookies and the admin token are kept:
// SHA-256. They are 256-bit random strings, so a fast hash is enough (a
// password KDF protects low-entropy secrets).
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

func member(u User) Member { return Member{ID: u.ID, Login: u.Login, Name: u.Name, Role: Role(u.Role)} }

// ByToken is the member a bearer token belongs to: the bootstrap admin's, or
// a user's API token; ErrBadToken for none.
func (s *Service) ByToken(ctx context.Context, token string) (Member, error) {
	h := TokenHash(token)
	if subtle.ConstantTimeCompare(h[:], s.admin[:]) == 1 {
		return admin, nil
	}
	u, err := s.store.UserByToken(ctx, hex.EncodeToString(h[:]))
	if errors.Is(err, store.ErrNotFound) {
		return Member{}, ErrBadToken
	}
	if err != nil {
		return Member{}, err
	}
	return member(u), nil
}

// BySession is the member signed in with a session cookie, and the session's
// CSRF token; ErrNoSession for none (also a cookie that is no cookie of
// ours).
func (s *Service) BySession(ctx context.Context, cookie string) (Member, string, error) {
	if cookie == "" || len(cookie) > 128 {
		return Member{}, "", ErrNoSession
	}
	ss, u, err := s.store.SessionUser(ctx, tokenHashHex(cookie), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return Member{}, "", ErrNoSession
	}
	if err != nil {
		return Member{}, "", err
	}
	return member(u), ss.CSRF, nil
}

// dummyHash is checked against when a login does not exist, so that unknown and
// known logins take the same time to refuse.
var dummyHash = HashPassword("not-a-real-password-0123456789")

// SignedIn is a new browser session: its cookie's value (a secret, shown to
// the browser once) and its CSRF token.
type SignedIn struct {
	Member  Member
	Cookie  string
	CSRF    string
	Expires time.Time
}

// SignIn checks a login and password and opens a session; ErrBadCredentials
// for a wrong login or password, in the same time either way. Rate limits
// are the caller's.
func (s *Service) SignIn(ctx context.Context, login, password string) (SignedIn, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	if login == "" || len(password) > MaxPasswordLen || len(login) > 64 {
		return SignedIn{}, ErrBadCredentials
	}
	u, err := s.store.UserByLogin(ctx, login)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return SignedIn{}, err
	}
	hash := u.PasswordHash
	if err != nil || hash == "" || u.Disabled {
		hash = dummyHash
	}
	match, herr := CheckPassword(hash, password)
	if err != nil || herr != nil || !match || u.Disabled || u.PasswordHash == "" {
		return SignedIn{}, ErrBadCredentials
	}
	in := SignedIn{Member: member(u), Cookie: randomString(32), CSRF: randomString(24), Expires: s.now().Add(SessionLife)}
	if err := s.store.CreateSession(ctx, Session{Hash: tokenHashHex(in.Cookie), UserID: u.ID, CSRF: in.CSRF, Expires: in.Expires}); err != nil {
		return SignedIn{}, err
	}
	return in, nil
}

// SignOut ends the session of a cookie, if the CSRF token is the session's
// (a forged sign-out is refused: ErrBadToken); no session is not an error.
func (s *Service) SignOut(ctx context.Context, cookie, csrf string) error {
	if cookie == "" || len(cookie) > 128 {
		return nil
	}
	ss, _, err := s.store.SessionUser(ctx, tokenHashHex(cookie), s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare([]byte(csrf), []byte(ss.CSRF)) != 1 {
		return ErrBadToken
	}
	return s.store.DeleteSession(ctx, ss.Hash)
}

var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// NewUser describes a user to create. An empty password makes a token-only
// user.
type NewUser struct {
	Login, Name, Role, Password string
}

// CreateUser stores a user, checking every field; ErrLoginTaken if the login
// is another's.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (User, error) {
	in.Login, in.Name = strings.ToLower(strings.TrimSpace(in.Login)), strings.TrimSpace(in.Name)
	switch {
	case !loginPattern.MatchString(in.Login):
		return User{}, &input.Error{Field: "login", Reason: "2 to 64 lower-case letters, digits, '.', '_' or '-'"}
	case in.Name == "" || len(in.Name) > 200:
		return User{}, &input.Error{Field: "name", Reason: "1 to 200 characters"}
	case !slices.Contains(Roles, Role(in.Role)):
		return User{}, &input.Error{Field: "role", Reason: "one of admin, organizer, box_office, gate, pass_counter"}
	case in.Password != "" && (len(in.Password) < MinPasswordLen || len(in.Password) > MaxPasswordLen):
		return User{}, &input.Error{Field: "password", Reason: fmt.Sprintf("%d to %d characters (or none, for a token-only user)", MinPasswordLen, MaxPasswordLen)}
	}
	u := User{ID: "u" + randomString(10), Login: in.Login, Name: in.Name, Role: in.Role}
	if in.Password != "" {
		u.PasswordHash = HashPassword(in.Password)
	}
	err := s.store.CreateUser(ctx, u)
	if errors.Is(err, store.ErrDuplicate) {
		return User{}, fmt.Errorf("a user %q exists already: %w", in.Login, ErrLoginTaken)
	}
	if err != nil {
		return User{}, err
	}
	return s.store.GetUser(ctx, u.ID)
}

// Users lists the staff.
func (s *Service) Users(ctx context.Context) ([]User, error) { return s.store.ListUsers(ctx) }

// CreateToken makes an API token of a user, named name; the secret is
// returned once and only its hash is kept.
func (s *Service) CreateToken(ctx context.Context, userID, name string) (Token, string, error) {
	if name = strings.TrimSpace(name); name == "" || len(name) > 100 {
		return Token{}, "", &input.Error{Field: "name", Reason: "1 to 100 characters"}
	}
	if _, err := s.store.GetUser(ctx, userID); errors.Is(err, store.ErrNotFound) {
		return Token{}, "", ErrUserNotFound
	} else if err != nil {
		return Token{}, "", err
	}
	secret := NewToken()
	t := Token{ID: "k" + randomString(10), UserID: userID, Name: name, Hash: tokenHashHex(secret)}
	if err := s.store.CreateAPIToken(ctx, t); err != nil {
		return Token{}, "", err
	}
	return t, secret, nil
}

// DeleteToken revokes a user's API token.
func (s *Service) DeleteToken(ctx context.Context, userID, id string) error {
	err := s.store.DeleteAPIToken(ctx, userID, id)
	if errors.Is(err, store.ErrNotFound) {
		return ErrTokenNotFound
	}
	return err
}
