package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// dropDeltas wraps the page's WebSocket before any of its scripts run, as a
// fault between server and page: it counts sockets, snapshots and resync
// requests in window.__live, and swallows the next window.__live.dropNext delta
// frames before the page's own handler sees them.
const dropDeltas = `(() => {
	const Native = window.WebSocket;
	const live = window.__live = { sockets: 0, snapshots: 0, dropNext: 0, dropped: 0, resyncs: 0 };
	window.WebSocket = class extends Native {
		constructor(...args) {
			super(...args);
			live.sockets++;
			// Added before the page's handler, so it sees every frame first.
			this.addEventListener('message', (ev) => {
				// A binary message is a gzipped snapshot (the page asks for them).
				if (ev.data instanceof ArrayBuffer) { live.snapshots++; return; }
				let msg;
				try { msg = JSON.parse(ev.data); } catch { return; }
				if (msg.type === 'snapshot') live.snapshots++;
				if (msg.type === 'delta' && live.dropNext > 0) {
					live.dropNext--;
					live.dropped++;
					ev.stopImmediatePropagation();
				}
			});
		}
		send(data) {
			if (JSON.parse(data).type === 'resync') live.resyncs++;
			super.send(data);
		}
	};
})();`

// TestBrowserLiveMapResyncsOnGap: the buyer page and the staff painter keep
// their seat data with the same live-map client. A delta lost on the way leaves
// a gap; the next delta does not follow on from the page's version, so the page
// asks for a resync on the same socket and the snapshot that answers shows the
// lost change too. Deltas after it apply as usual.
func TestBrowserLiveMapResyncsOnGap(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	base := startSeatd(t, nil)
	perf := demoPerformance(t, base)
	createStaff(t, base, "olga", "organizer")
	newPage := browser(t)
	other := newAPIClient(t, base)
	holdSeat := func(seat string) {
		t.Helper()
		require.Equal(t, 201, other.call("POST", "/api/v1/performances/"+perf+"/holds", map[string]any{"seats": []string{seat}}, nil))
	}

	for _, tc := range []struct {
		name    string
		staff   bool
		url     string
		a, b, c string
	}{
		{name: "buyer", url: "/#/p/" + perf, a: "S-R2-S1", b: "S-R2-S2", c: "S-R2-S3"},
		{name: "painter", staff: true, url: "/#/staff/p/" + perf + "/paint", a: "S-R3-S1", b: "S-R3-S2", c: "S-R3-S3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPage()
			_, err := chromedp.Call(p, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: dropDeltas})
			require.NoError(t, err)
			if tc.staff {
				signIn(t, p, base, "olga")
			}
			openMap(t, p, base+tc.url)
			state := func(seat string) string {
				return eval[string](t, p, fmt.Sprintf(`window.seatmap.stateOf(%q)`, seat))
			}
			require.Equal(t, 1, eval[int](t, p, `window.__live.sockets`))
			require.Equal(t, 1, eval[int](t, p, `window.__live.snapshots`))
			version := eval[int](t, p, `window.seatmap.version`)
			held := eval[int](t, p, `window.seatmap.counts().held`)

			// The delta that holds a is lost: the page still shows a free.
			eval[any](t, p, `window.__live.dropNext = 1, null`)
			holdSeat(tc.a)
			waitFor(t, p, `window.__live.dropped === 1`, 5*time.Second)
			require.Equal(t, "free", state(tc.a))
			require.Equal(t, version, eval[int](t, p, `window.seatmap.version`))

			// The next delta starts past the page's version: resync, and the
			// snapshot brings both holds.
			holdSeat(tc.b)
			waitFor(t, p, fmt.Sprintf(`window.seatmap.stateOf(%q) === "held" && window.seatmap.stateOf(%q) === "held"`, tc.a, tc.b), 5*time.Second)
			require.Equal(t, 1, eval[int](t, p, `window.__live.resyncs`))
			require.Equal(t, 2, eval[int](t, p, `window.__live.snapshots`))
			require.Equal(t, 1, eval[int](t, p, `window.__live.sockets`), "a resync, not a reconnect")
			require.Greater(t, eval[int](t, p, `window.seatmap.version`), version)
			require.True(t, eval[bool](t, p, `window.seatmap.connected`))

			// Back in step: the next delta applies without another resync.
			holdSeat(tc.c)
			waitFor(t, p, fmt.Sprintf(`window.seatmap.stateOf(%q) === "held"`, tc.c), 5*time.Second)
			require.Equal(t, 1, eval[int](t, p, `window.__live.resyncs`))
			require.Equal(t, 2, eval[int](t, p, `window.__live.snapshots`))
			require.Equal(t, held+3, eval[int](t, p, `window.seatmap.counts().held`))
		})
	}
}
