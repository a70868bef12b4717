// Command hallgen prints a generated hall layout as JSON, ready for POST /halls.
//
//	go run ./cmd/hallgen -preset stadium > stadium.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/seatmap/seatmap/hall"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "hallgen:", err)
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hallgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	preset := fs.String("preset", "theatre", "theatre (800 seats), arena (18,000) or stadium (80,000)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var l hall.Layout
	switch *preset {
	case "theatre":
		l = hall.Theatre()
	case "arena":
		l = hall.Arena()
	case "stadium":
		l = hall.Stadium()
	default:
		return fmt.Errorf("unknown preset %q: use theatre, arena or stadium", *preset)
	}
	return json.NewEncoder(stdout).Encode(l)
}
