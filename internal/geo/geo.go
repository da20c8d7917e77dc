// Package geo checks and indexes the outlines of the city's places. It turns a GeoJSON file into places,
// refusing the whole file when any part of it is wrong (a bad grid map routes work orders to the wrong
// people for years), and it answers "which grid is this point in?" fast enough to run on every request.
// Coordinates are [lng, lat] in the datum of the source (believed to be GCJ-02); nothing is converted.
// It knows nothing of storage or HTTP.
package geo

import (
	"fmt"
	"strings"

	"github.com/cityline/cityline/internal/org"
)

// KnownPlaces are the places already stored, by code, so that an import can be checked against them:
// parents must be stored one level up, new codes must be new, and new outlines must fit with the
// stored outlines of their siblings and parent.
type KnownPlaces map[string]org.Place

// Known indexes stored places by code.
func Known(places []org.Place) KnownPlaces {
	k := make(KnownPlaces, len(places))
	for _, p := range places {
		k[p.Code] = p
	}
	return k
}

// Problem is one reason a file was refused, tied to the feature it concerns (its position in the file
// and its code) so that the command line and the API can point at it. Index is -1 when the problem
// belongs to the file as a whole, or to a stored place that Code then names (a parent left uncovered).
type Problem struct {
	Index  int
	Code   string
	Reason string
}

func (p Problem) String() string {
	switch {
	case p.Index >= 0 && p.Code != "":
		return fmt.Sprintf("feature %d (code %s): %s", p.Index, p.Code, p.Reason)
	case p.Index >= 0:
		return fmt.Sprintf("feature %d: %s", p.Index, p.Reason)
	case p.Code != "":
		return fmt.Sprintf("place %s: %s", p.Code, p.Reason)
	}
	return p.Reason
}

// ValidationError refuses a whole file and carries every problem found, not just the first, so that
// whoever fixes the file can fix it in one go.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("the file was refused, 1 problem:")
	} else {
		fmt.Fprintf(&b, "the file was refused, %d problems:", len(e.Problems))
	}
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}
