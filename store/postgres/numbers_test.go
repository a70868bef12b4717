package postgres

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// An order queued twice (the queue has no unique key: every index is a write
// in each order's statement) has its tickets numbered once.
func TestNumberTicketsQueuedTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := open(t, "")
	performance(t, s, "p", 100)
	o, err := s.CreateOrder(ctx, newOrder("o1", "p", 1, 2, 3))
	require.NoError(t, err)
	_, err = s.pool.Exec(ctx, `INSERT INTO ticket_number_queue (order_id) VALUES ($1), ($1)`, o.ID)
	require.NoError(t, err)
	var queued int
	require.NoError(t, s.pool.QueryRow(ctx, `SELECT count(*) FROM ticket_number_queue WHERE order_id = $1`, o.ID).Scan(&queued))
	require.Equal(t, 3, queued, "the order's statement queued it, and the two inserts")
	n, err := s.NumberTickets(ctx, 10)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	reg, err := s.TicketRegister(ctx, "p")
	require.NoError(t, err)
	require.Len(t, reg, 3)
	n, err = s.NumberTickets(ctx, 10)
	require.NoError(t, err)
	require.Zero(t, n)
}
