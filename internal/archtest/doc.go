// Package archtest checks, in its test, the import rules ARCHITECTURE.md
// writes down: which packages of seatmap may import which. It has no code.
package archtest
