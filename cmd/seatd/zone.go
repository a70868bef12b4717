package main

import (
	"os"
	"strings"
	"time"
)

// venueZone loads the venue's time zone by name. "Local" is the machine's
// zone under the name people know it by (pages and e-mails name the zone,
// and "Local" names nothing): TZ, else the zone /etc/localtime links to, else
// /etc/timezone. A container usually has none of them: Go's Local is then
// UTC, and so is the venue's zone (seatd logs it at start; set -tz).
func venueZone(name string, getenv func(string) string) (*time.Location, error) {
	if name != "Local" {
		return time.LoadLocation(name)
	}
	for _, candidate := range localZoneNames(getenv) {
		switch candidate {
		case "", "Local":
			continue
		case "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu":
			return time.UTC, nil // named as people know it
		}
		if loc, err := time.LoadLocation(candidate); err == nil {
			return loc, nil
		}
	}
	return time.UTC, nil
}

func localZoneNames(getenv func(string) string) []string {
	var names []string
	if tz := strings.TrimPrefix(getenv("TZ"), ":"); tz != "" {
		names = append(names, tz)
	}
	if target, err := os.Readlink("/etc/localtime"); err == nil {
		if _, name, ok := strings.Cut(target, "zoneinfo/"); ok {
			names = append(names, name)
		}
	}
	if b, err := os.ReadFile("/etc/timezone"); err == nil {
		names = append(names, strings.TrimSpace(string(b)))
	}
	return names
}
