package hall

import (
	"fmt"
	"math"
)

// Generators for test and demo halls. Seat spacing is 10 layout units.

var demoZones = []Zone{
	{ID: "premium", Name: "Premium", Price: 8900, Currency: "EUR", Color: "#c0392b"},
	{ID: "standard", Name: "Standard", Price: 5900, Currency: "EUR", Color: "#2e86c1"},
	{ID: "value", Name: "Value", Price: 3400, Currency: "EUR", Color: "#27ae60"},
}

func zonesCopy() []Zone { return append([]Zone(nil), demoZones...) }

// Theatre is an 800-seat proscenium theatre: a stalls block of 20 curved rows of 30
// and a balcony of 8 rows of 25, the stage at the top. The stalls' last row has
// wheelchair spaces with companion seats at both ends (seats 1–3 and 28–30,
// accessible).
func Theatre() Layout {
	l := Layout{Name: "Theatre (800)", Zones: zonesCopy(), Stage: &Rect{X: 60, Y: 0, W: 200, H: 30}}
	stalls := Section{ID: "S", Name: "Stalls", Zone: "standard"}
	for r := 1; r <= 20; r++ {
		row := Row{Label: fmt.Sprint(r), Order: r}
		if r <= 6 {
			row.Zone = "premium"
		}
		for s := 1; s <= 30; s++ {
			dx := float64(s) - 15.5
			row.Seats = append(row.Seats, Seat{
				ID:         fmt.Sprintf("S-R%d-S%d", r, s),
				Number:     fmt.Sprint(s),
				X:          160 + dx*10,
				Y:          50 + float64(r)*12 + dx*dx*0.05,
				Accessible: r == 20 && (s <= 3 || s >= 28),
			})
		}
		stalls.Rows = append(stalls.Rows, row)
	}
	balcony := Section{ID: "B", Name: "Balcony", Zone: "value"}
	for r := 1; r <= 8; r++ {
		row := Row{Label: fmt.Sprint(r), Order: 20 + r}
		for s := 1; s <= 25; s++ {
			dx := float64(s) - 13
			row.Seats = append(row.Seats, Seat{
				ID:     fmt.Sprintf("B-R%d-S%d", r, s),
				Number: fmt.Sprint(s),
				X:      160 + dx*11,
				Y:      320 + float64(r)*12 + dx*dx*0.06,
			})
		}
		balcony.Rows = append(balcony.Rows, row)
	}
	l.Sections = []Section{stalls, balcony}
	return l
}

// bowl lays sections around an oval: sections wedges, rows rows each of seats seats,
// the first row at radius r0 (x stretched by ratio). Each section's last row,
// at concourse level, has wheelchair spaces with companion seats at both ends
// (three seats each, accessible).
func bowl(name string, sections, rows, seats int, r0, ratio float64) Layout {
	l := Layout{Name: name, Zones: zonesCopy()}
	span := 2 * math.Pi / float64(sections)
	for si := 0; si < sections; si++ {
		id := fmt.Sprintf("%03d", si+1)
		mid := float64(si)*span + span/2
		// Long sides (facing the field's middle) are better than the ends.
		side := math.Abs(math.Sin(mid))
		sec := Section{ID: id, Name: "Block " + id}
		for r := 1; r <= rows; r++ {
			radius := r0 + float64(r)*9
			row := Row{Label: fmt.Sprint(r), Order: r*4 + int((1-side)*4)}
			switch {
			case r <= rows/5 && side > 0.5:
				row.Zone = "premium"
			case r <= rows*3/5:
				row.Zone = "standard"
			default:
				row.Zone = "value"
			}
			arc := span * 0.92 / float64(seats)
			for s := 1; s <= seats; s++ {
				a := float64(si)*span + span*0.04 + (float64(s)-0.5)*arc
				row.Seats = append(row.Seats, Seat{
					ID:         fmt.Sprintf("%s-R%d-S%d", id, r, s),
					Number:     fmt.Sprint(s),
					X:          math.Round((math.Cos(a)*radius*ratio)*10) / 10,
					Y:          math.Round((math.Sin(a)*radius)*10) / 10,
					Accessible: r == rows && (s <= 3 || s > seats-3),
				})
			}
			sec.Rows = append(sec.Rows, row)
		}
		l.Sections = append(l.Sections, sec)
	}
	return l
}

// Arena is an 18,000-seat indoor arena: 24 blocks of 25 rows of 30 seats around a
// floor, with a standing area on the floor.
func Arena() Layout {
	l := bowl("Arena (18,000)", 24, 25, 30, 1000, 1.3)
	l.Standing = []StandingArea{{ID: "FLOOR", Name: "Floor", Capacity: 2500, Zone: "standard", Rect: Rect{X: -700, Y: -450, W: 1400, H: 900}}}
	return l
}

// Stadium is an 80,000-seat stadium: 40 blocks of 50 rows of 40 seats around a pitch.
func Stadium() Layout {
	l := bowl("Stadium (80,000)", 40, 50, 40, 2200, 1.4)
	l.Stage = &Rect{X: -1900, Y: -1300, W: 3800, H: 2600}
	return l
}

// MustCompile compiles a layout known to be valid, such as a generated one.
func MustCompile(l Layout) *Hall {
	h, err := Compile(l)
	if err != nil {
		panic(err)
	}
	return h
}
