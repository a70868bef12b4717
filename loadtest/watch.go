package loadtest

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// watch keeps a live seat map socket open and measures, for the seats it is
// responsible for (seat % of == w), how long after the hold's answer the delta
// that shows the seat held arrives. One sample per held seat across watchers.
func watch(ctx context.Context, api *API, v *Venue, w, of int, holdAt []atomic.Int64, rec *Recorder) {
	url := "ws" + strings.TrimPrefix(api.Base, "http") + "/api/v1/performances/" + v.Performance + "/live"
	for ctx.Err() == nil {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		conn, _, err := websocket.Dial(dctx, url, nil)
		cancel()
		if err != nil {
			rec.Error("socket dial")
			select {
			case <-ctx.Done():
				return
			case <-time.After(500 * time.Millisecond):
				continue
			}
		}
		conn.SetReadLimit(8 << 20)
		seen := make([]bool, len(holdAt))
		read(ctx, conn, w, of, holdAt, seen, rec)
		conn.CloseNow()
	}
}

type liveFrame struct {
	Type    string     `json:"type"`
	Changes [][2]int64 `json:"changes"`
}

func read(ctx context.Context, conn *websocket.Conn, w, of int, holdAt []atomic.Int64, seen []bool, rec *Recorder) {
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			if ctx.Err() == nil {
				rec.Error("socket closed " + websocket.CloseStatus(err).String())
			}
			return
		}
		now := time.Now()
		var f liveFrame
		if err := json.Unmarshal(data, &f); err != nil || f.Type != "delta" {
			continue
		}
		for _, c := range f.Changes {
			seat := int(c[0])
			if c[1] != 1 || seat >= len(holdAt) || seat%of != w || seen[seat] {
				continue
			}
			seen[seat] = true
			// Zero: the delta beat the hold's own answer to the buyer.
			lag := time.Duration(0)
			if at := holdAt[seat].Load(); at != 0 {
				lag = now.Sub(time.Unix(0, at))
			}
			rec.Lag(now, lag)
		}
	}
}
