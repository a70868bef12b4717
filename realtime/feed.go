package realtime

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// ServeFeed upgrades r to a WebSocket that carries one small JSON document
// kept up to date: what snapshot returns, at once and again after each
// signal on changes (coalesced: at most one every interval), until the
// client goes, ctx ends or a write fails. For staff pages that watch a
// figure live (the gate's occupancy); the seat maps have the Hub.
func ServeFeed(ctx context.Context, w http.ResponseWriter, r *http.Request, changes <-chan struct{}, interval time.Duration,
	snapshot func(context.Context) (any, error)) error {
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return err
	}
	defer conn.CloseNow()
	// The client says nothing; reading notices when it goes.
	ctx = conn.CloseRead(ctx)
	send := func() error {
		v, err := snapshot(ctx)
		if err != nil {
			return err
		}
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		return conn.Write(wctx, websocket.MessageText, data)
	}
	if err := send(); err != nil {
		return nil
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	dirty := false
	for {
		select {
		case <-ctx.Done():
			conn.Close(websocket.StatusGoingAway, "")
			return nil
		case <-changes:
			dirty = true
		case <-tick.C:
			if dirty {
				dirty = false
				if err := send(); err != nil {
					return nil
				}
			}
		}
	}
}
