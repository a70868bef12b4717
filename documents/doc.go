// Package documents renders what is printed: the pass cards of a print
// batch (issue 14, seed 000) as a PDF, one card a page, with
// codeberg.org/go-pdf/fpdf and QR codes from github.com/piglig/go-qr.
//
// It renders domain values it is given (package pass); it imports no
// store, service or HTTP.
package documents
