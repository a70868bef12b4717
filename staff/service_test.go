package staff_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seatmap/seatmap/internal/testkit"
	"github.com/seatmap/seatmap/staff"
	"github.com/seatmap/seatmap/store/sqlite"
)

// TestStaffIdentity: a user signs in with the right password only; a session
// cookie and an API token say who is asking until the session ends or the
// token is revoked; the bootstrap admin's token is the admin.
func TestStaffIdentity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir()+"/seatmap.db")
	require.NoError(t, err)
	defer st.Close()
	clock := testkit.NewClock(time.Now())
	adminToken := staff.NewToken()
	svc := staff.NewService(st, staff.TokenHash(adminToken), clock.Now)

	a, err := svc.ByToken(ctx, adminToken)
	require.NoError(t, err)
	require.True(t, a.May(), "the admin may do everything")

	u, err := svc.CreateUser(ctx, staff.NewUser{Login: " Olga ", Name: "Olga", Role: staff.RoleBoxOffice, Password: "a long passphrase"})
	require.NoError(t, err)
	require.Equal(t, "olga", u.Login)
	_, err = svc.CreateUser(ctx, staff.NewUser{Login: "olga", Name: "Other", Role: staff.RoleGate})
	require.ErrorIs(t, err, staff.ErrLoginTaken)

	for _, bad := range [][2]string{{"olga", "wrong passphrase"}, {"nobody", "a long passphrase"}, {"", ""}} {
		_, err := svc.SignIn(ctx, bad[0], bad[1])
		require.ErrorIs(t, err, staff.ErrBadCredentials, "%v", bad)
	}
	in, err := svc.SignIn(ctx, "OLGA", "a long passphrase")
	require.NoError(t, err)
	m, csrf, err := svc.BySession(ctx, in.Cookie)
	require.NoError(t, err)
	require.Equal(t, in.CSRF, csrf)
	require.Equal(t, staff.Role(staff.RoleBoxOffice), m.Role)
	require.True(t, m.May(staff.Sellers...))
	require.False(t, m.May(staff.RoleOrganizer))

	require.ErrorIs(t, svc.SignOut(ctx, in.Cookie, "forged"), staff.ErrBadToken)
	require.NoError(t, svc.SignOut(ctx, in.Cookie, in.CSRF))
	_, _, err = svc.BySession(ctx, in.Cookie)
	require.ErrorIs(t, err, staff.ErrNoSession)

	in, err = svc.SignIn(ctx, "olga", "a long passphrase")
	require.NoError(t, err)
	clock.Add(staff.SessionLife + time.Second)
	_, _, err = svc.BySession(ctx, in.Cookie)
	require.ErrorIs(t, err, staff.ErrNoSession, "a session ends after its life")

	tok, secret, err := svc.CreateToken(ctx, u.ID, "scanner")
	require.NoError(t, err)
	m, err = svc.ByToken(ctx, secret)
	require.NoError(t, err)
	require.Equal(t, u.ID, m.ID)
	require.NoError(t, svc.DeleteToken(ctx, u.ID, tok.ID))
	_, err = svc.ByToken(ctx, secret)
	require.ErrorIs(t, err, staff.ErrBadToken)
	require.ErrorIs(t, svc.DeleteToken(ctx, u.ID, tok.ID), staff.ErrTokenNotFound)
}
