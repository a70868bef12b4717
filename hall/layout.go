package hall

// Layout is the JSON form of a hall as organizers upload it and as it is stored.
// Field names are the public contract.
type Layout struct {
	Name     string         `json:"name"`
	Zones    []Zone         `json:"zones,omitempty"`
	Sections []Section      `json:"sections"`
	Standing []StandingArea `json:"standing,omitempty"`
	Stage    *Rect          `json:"stage,omitempty"`
}

// Zone is a price zone: seats sharing a price. A hall's zones are the default zone
// layout that a new performance starts from.
type Zone struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Price    int64  `json:"price"`    // minor units
	Currency string `json:"currency"` // ISO 4217
	Color    string `json:"color"`    // #rrggbb
}

// Section groups rows, for instance "Parkett" or "Block 12".
type Section struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Zone string `json:"zone,omitempty"` // default zone of its seats
	Rows []Row  `json:"rows"`
}

// Row lists its seats in the order they stand, from one aisle to the other.
// Order ranks rows for best-available: lower is better. Zero means "after every
// ranked row, in the order rows appear".
type Row struct {
	Label string `json:"label"`
	Order int    `json:"order,omitempty"`
	Zone  string `json:"zone,omitempty"`
	Seats []Seat `json:"seats"`
}

// Seat is one chair. ID is unique within the hall and is the seat's public id.
type Seat struct {
	ID         string  `json:"id"`
	Number     string  `json:"number,omitempty"`
	X          float64 `json:"x"`
	Y          float64 `json:"y"`
	Zone       string  `json:"zone,omitempty"`
	Accessible bool    `json:"accessible,omitempty"`
}

// StandingArea is a space sold by count, not by seat.
type StandingArea struct {
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	Capacity int    `json:"capacity"`
	Zone     string `json:"zone,omitempty"`
	Rect
}

// Rect is an axis-aligned box in layout units.
type Rect struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}
