package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/seatmap/seatmap/hall"
)

// Preset is a venue and a crowd.
type Preset struct {
	Name   string
	Layout func() hall.Layout
	Buyers int
}

// Presets are the named venues: a theatre, an arena and a stadium.
var Presets = map[string]Preset{
	"theatre": {Name: "theatre", Layout: hall.Theatre, Buyers: 2_000},
	"arena":   {Name: "arena", Layout: hall.Arena, Buyers: 45_000},
	"stadium": {Name: "stadium", Layout: hall.Stadium, Buyers: 200_000},
}

// Setup creates the preset's hall and a performance on sale through the staff
// API, and returns the venue.
func Setup(ctx context.Context, api *API, p Preset) (*Venue, error) {
	layout := p.Layout()
	layout.Name = fmt.Sprintf("%s (load test %s)", layout.Name, time.Now().Format("15:04:05"))
	data, err := json.Marshal(layout)
	if err != nil {
		return nil, err
	}
	var h struct {
		ID string `json:"id"`
	}
	if err := api.call(ctx, "POST", "/api/v1/halls", "", true, data, &h); err != nil {
		return nil, fmt.Errorf("create hall: %w", err)
	}
	var perf struct {
		ID string `json:"id"`
	}
	body := map[string]any{"hall_id": h.ID, "name": "Load test " + p.Name, "starts_at": time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339), "on_sale": true}
	if err := api.call(ctx, "POST", "/api/v1/performances", "", true, body, &perf); err != nil {
		return nil, fmt.Errorf("create performance: %w", err)
	}
	m, err := api.Seatmap(ctx, perf.ID)
	if err != nil {
		return nil, fmt.Errorf("seat map: %w", err)
	}
	return NewVenue(perf.ID, m), nil
}
