package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/seatmap/seatmap/catalog"
	"github.com/seatmap/seatmap/hall"
)

// EncodeSeatZones packs a zone map as little-endian uint16s, the form both
// adapters store: 160 KB for a stadium, one value instead of 80,000 rows.
func EncodeSeatZones(z []uint16) []byte {
	out := make([]byte, 2*len(z))
	for i, v := range z {
		binary.LittleEndian.PutUint16(out[2*i:], v)
	}
	return out
}

// DecodeSeatZones unpacks EncodeSeatZones.
func DecodeSeatZones(b []byte) ([]uint16, error) {
	if len(b)%2 != 0 {
		return nil, fmt.Errorf("seat zone map has odd length %d", len(b))
	}
	out := make([]uint16, len(b)/2)
	for i := range out {
		out[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return out, nil
}

// ClampLimit keeps a page size within 1..1000, 50 by default.
func ClampLimit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 1000:
		return 1000
	}
	return n
}

// LikePattern lowers q and escapes the LIKE wildcards in it, for "contains"
// searches that treat q literally.
func LikePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(strings.ToLower(q))
}

type templateBlock struct {
	Seat   uint32 `json:"seat"`
	Reason string `json:"reason"`
}

// EncodeTemplate gives the JSON columns of a template.
func EncodeTemplate(t catalog.Template) (zones, channels, blocks string, err error) {
	z, err := json.Marshal(zonesOrEmpty(t.Zones))
	if err != nil {
		return "", "", "", err
	}
	c, err := json.Marshal(catalog.ChannelsOrWeb(t.Channels))
	if err != nil {
		return "", "", "", err
	}
	bs := make([]templateBlock, len(t.Blocks))
	for i, b := range t.Blocks {
		bs[i] = templateBlock(b)
	}
	b, err := json.Marshal(bs)
	if err != nil {
		return "", "", "", err
	}
	return string(z), string(c), string(b), nil
}

// DecodeTemplate fills a template from its stored columns.
func DecodeTemplate(t *catalog.Template, zones string, seatZones []byte, channels, blocks string) error {
	if err := json.Unmarshal([]byte(zones), &t.Zones); err != nil {
		return fmt.Errorf("zones: %w", err)
	}
	var err error
	if t.SeatZones, err = DecodeSeatZones(seatZones); err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(channels), &t.Channels); err != nil {
		return fmt.Errorf("channels: %w", err)
	}
	var bs []templateBlock
	if err := json.Unmarshal([]byte(blocks), &bs); err != nil {
		return fmt.Errorf("blocks: %w", err)
	}
	t.Blocks = make([]catalog.Block, len(bs))
	for i, b := range bs {
		t.Blocks[i] = catalog.Block(b)
	}
	if len(t.SeatChannels) == 0 {
		t.SeatChannels = nil
	}
	return nil
}

func zonesOrEmpty(z []hall.Zone) []hall.Zone {
	if z == nil {
		return []hall.Zone{}
	}
	return z
}

// TicketDiscountSQL is a ticket's share of its order's discount, in SQL over
// tickets t and orders o: the price's share of the order's gross, rounded
// down, as order.SeatRefundAmount divides it.
const TicketDiscountSQL = `coalesce(t.price * o.discount / nullif(o.total + o.discount, 0), 0)`

// PassDiscountSQL is a pass's share of its order's discount, as
// TicketDiscountSQL over passes p.
const PassDiscountSQL = `coalesce(p.price * o.discount / nullif(o.total + o.discount, 0), 0)`
