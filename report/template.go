package report

import "time"

// Template is the documents' template (шаблоны документов, seed 001 §2):
// the letterhead every document is printed with — the venue's name, its
// legal details (company, address, tax id: lines), a logo — and a footer
// text on every page. It is part of what a document is made of: a changed
// template makes a new version of a document on its next make.
type Template struct {
	VenueName    string
	LegalDetails string // lines separated by "\n"
	Footer       string
	Logo         []byte // PNG or JPEG as stored (re-encoded on the way in); nil: none
	LogoType     string // "image/png", "image/jpeg"; "" without a logo
	Version      int    // 0: never stored
	UpdatedAt    time.Time
	UpdatedBy    string
}

// Empty reports whether the template has nothing to print.
func (t Template) Empty() bool {
	return t.VenueName == "" && t.LegalDetails == "" && t.Footer == "" && len(t.Logo) == 0
}
