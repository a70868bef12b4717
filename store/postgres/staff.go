package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/seatmap/seatmap/staff"
	"github.com/seatmap/seatmap/store"
)

const (
	userColumns     = `id, login, name, role, password_hash, disabled, created_at`
	insertUser      = `INSERT INTO users (` + userColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7)`
	selectUser      = `SELECT ` + userColumns + ` FROM users WHERE id = $1`
	selectLogin     = `SELECT ` + userColumns + ` FROM users WHERE login = $1`
	listUsers       = `SELECT ` + userColumns + ` FROM users ORDER BY login LIMIT 10000`
	insertAPIToken  = `INSERT INTO api_tokens (id, user_id, name, hash, created_at) VALUES ($1, $2, $3, $4, $5)`
	selectTokenUser = `SELECT u.id, u.login, u.name, u.role, u.password_hash, u.disabled, u.created_at
FROM api_tokens t JOIN users u ON u.id = t.user_id
WHERE t.hash = $1 AND NOT u.disabled`
	deleteAPIToken = `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`
	// Sign-ins are rare next to requests: sweeping expired sessions then keeps
	// the table small without a background job.
	deleteExpiredSessions = `DELETE FROM staff_sessions WHERE expires_at < $1`
	insertSession         = `INSERT INTO staff_sessions (hash, user_id, csrf, expires_at) VALUES ($1, $2, $3, $4)`
	selectSessionUser     = `SELECT s.user_id, s.csrf, s.expires_at, u.id, u.login, u.name, u.role, u.password_hash, u.disabled, u.created_at
FROM staff_sessions s JOIN users u ON u.id = s.user_id
WHERE s.hash = $1 AND s.expires_at > $2 AND NOT u.disabled`
	deleteSession = `DELETE FROM staff_sessions WHERE hash = $1`
)

func scanUser(row pgx.Row) (staff.User, error) {
	var u staff.User
	err := row.Scan(&u.ID, &u.Login, &u.Name, &u.Role, &u.PasswordHash, &u.Disabled, &u.CreatedAt)
	utc(&u.CreatedAt)
	return u, err
}

func (s *Store) user(ctx context.Context, what, query string, args ...any) (staff.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, query, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return staff.User{}, fmt.Errorf("%s: %w", what, store.ErrNotFound)
	}
	if err != nil {
		return staff.User{}, fmt.Errorf("%s: %w", what, err)
	}
	return u, nil
}

// CreateUser stores a user. Logins are stored lower case, so a login that
// differs only in case is taken.
func (s *Store) CreateUser(ctx context.Context, u staff.User) error {
	_, err := s.pool.Exec(ctx, insertUser, u.ID, strings.ToLower(u.Login), u.Name, u.Role, u.PasswordHash, u.Disabled, s.now())
	if isUnique(err) {
		return fmt.Errorf("create user %s: %w", u.Login, store.ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.Login, err)
	}
	return nil
}

// GetUser returns a user.
func (s *Store) GetUser(ctx context.Context, id string) (staff.User, error) {
	return s.user(ctx, "get user "+id, selectUser, id)
}

// UserByLogin returns a user by login, in any case.
func (s *Store) UserByLogin(ctx context.Context, login string) (staff.User, error) {
	return s.user(ctx, "user by login", selectLogin, strings.ToLower(login))
}

// ListUsers lists users by login.
func (s *Store) ListUsers(ctx context.Context) ([]staff.User, error) {
	rows, err := s.pool.Query(ctx, listUsers)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (staff.User, error) { return scanUser(r) })
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

// CreateAPIToken stores a token by its hash; a missing user gives ErrNotFound.
func (s *Store) CreateAPIToken(ctx context.Context, t staff.Token) error {
	_, err := s.pool.Exec(ctx, insertAPIToken, t.ID, t.UserID, t.Name, t.Hash, s.now())
	switch {
	case isUnique(err):
		return fmt.Errorf("create token %s: %w", t.ID, store.ErrDuplicate)
	case isMissingParent(err):
		return fmt.Errorf("create token %s: user %s: %w", t.ID, t.UserID, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("create token %s: %w", t.ID, err)
	}
	return nil
}

// UserByToken returns the enabled owner of a token.
func (s *Store) UserByToken(ctx context.Context, hash string) (staff.User, error) {
	return s.user(ctx, "user by token", selectTokenUser, hash)
}

// DeleteAPIToken removes a user's token; another user's token is not found.
func (s *Store) DeleteAPIToken(ctx context.Context, userID, id string) error {
	tag, err := s.pool.Exec(ctx, deleteAPIToken, id, userID)
	if err != nil {
		return fmt.Errorf("delete token %s: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete token %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// CreateSession stores a staff session, dropping expired ones on the way; a
// missing user gives ErrNotFound.
func (s *Store) CreateSession(ctx context.Context, ss staff.Session) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, deleteExpiredSessions, s.now()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, insertSession, ss.Hash, ss.UserID, ss.CSRF, ss.Expires)
		return err
	})
	switch {
	case isUnique(err):
		return fmt.Errorf("create session: %w", store.ErrDuplicate)
	case isMissingParent(err):
		return fmt.Errorf("create session: user %s: %w", ss.UserID, store.ErrNotFound)
	case err != nil:
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// SessionUser returns a live session and its enabled user.
func (s *Store) SessionUser(ctx context.Context, hash string, at time.Time) (staff.Session, staff.User, error) {
	ss := staff.Session{Hash: hash}
	var u staff.User
	err := s.pool.QueryRow(ctx, selectSessionUser, hash, at).
		Scan(&ss.UserID, &ss.CSRF, &ss.Expires, &u.ID, &u.Login, &u.Name, &u.Role, &u.PasswordHash, &u.Disabled, &u.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return staff.Session{}, staff.User{}, fmt.Errorf("session: %w", store.ErrNotFound)
	}
	if err != nil {
		return staff.Session{}, staff.User{}, fmt.Errorf("session: %w", err)
	}
	utc(&ss.Expires)
	utc(&u.CreatedAt)
	return ss, u, nil
}

// DeleteSession ends a session; ending one that is gone is not an error, so
// signing out twice is harmless.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if _, err := s.pool.Exec(ctx, deleteSession, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
