// Package democity builds the demo city — modelled on 乌海市, with its real districts, outlines and
// streets, and generated communities, grids, units and people — and seeds it into an empty store, so
// that `cityline demo` shows a whole working city without any setup or download.
package democity

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/gazetteer"
	"github.com/cityline/cityline/internal/hotline"
	"github.com/cityline/cityline/internal/org"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// City is everything the demo seeds. Build makes the same City every time.
type City struct {
	// Places holds parents before children: the city, its districts, streets and towns, communities
	// and villages, then grids, each level in code order.
	Places []org.Place
	Lines  []hotline.Line
	// Units holds parents before children.
	Units []Unit
	Users []User
	// Gazetteer is the standard address list, made from the places (see newAddressBook).
	Gazetteer []gazetteer.Entry
}

// Unit is a unit to create. Its parent is named by code because ids are only given when it is stored.
type Unit struct {
	org.Unit
	ParentCode string // code of the parent unit, "" for none
}

// Password says which of the seeded password hashes a user signs in with.
type Password string

const (
	PasswordAdmin Password = "admin" // SeedOptions.AdminPasswordHash
	PasswordDemo  Password = "demo"  // SeedOptions.DemoPasswordHash
	PasswordNone  Password = ""      // machine clients: API keys only
)

// User is a person or machine client to create. Its unit is named by code, as for Unit.
type User struct {
	access.User
	UnitCode string
	Password Password
}

// Build makes the demo city from the embedded data. The seed is fixed, so two builds are identical.
func Build() (City, error) {
	city, districts, divisions, err := loadData()
	if err != nil {
		return City{}, err
	}
	p := newPlanner()
	plans, err := p.planStreets(districts, divisions)
	if err != nil {
		return City{}, err
	}
	places, err := buildPlaces(city, districts, plans)
	if err != nil {
		return City{}, err
	}
	units := p.buildUnits(city, districts, plans)
	users := p.buildUsers(city, districts, plans)
	addresses, err := Gazetteer(places)
	if err != nil {
		return City{}, err
	}
	return City{Places: places, Lines: hotline.Catalogue(), Units: units, Users: append(users, p.unitHandlers(units, users)...),
		Gazetteer: addresses}, nil
}

// buildPlaces cuts every district into its streets, each street into its communities and each
// community into its grids.
func buildPlaces(city area, districts []area, plans []streetPlan) ([]org.Place, error) {
	levels := map[org.Level][]org.Place{}
	add := func(code, name string, level org.Level, shape orb.MultiPolygon, center orb.Point) error {
		pl := org.Place{Code: code, Name: name, Level: level, ParentCode: org.ParentCodeOf(code, level)}
		if shape != nil {
			b, err := encodeBoundary(shape)
			if err != nil {
				return fmt.Errorf("place %s: %w", code, err)
			}
			pl.Boundary = b
			if !planar.MultiPolygonContains(shape, center) {
				if center, err = pointInside(shape); err != nil {
					return fmt.Errorf("place %s: %w", code, err)
				}
			}
		}
		pl.CenterLng, pl.CenterLat = center[0], center[1]
		levels[level] = append(levels[level], pl)
		return nil
	}
	// piece clips the district by rect and adds it as a place, centred inside itself.
	piece := func(d area, code, name string, level org.Level, rect orb.Bound) error {
		shape, err := clipPiece(d.Shape, rect)
		if err != nil {
			return fmt.Errorf("place %s: %w", code, err)
		}
		if len(shape) == 0 {
			return fmt.Errorf("place %s: the cut left it empty", code)
		}
		return add(code, name, level, shape, shape.Bound().Center())
	}
	if err := add(city.Code, city.Name, org.LevelCity, nil, city.Center); err != nil {
		return nil, err
	}
	for di, d := range districts {
		if err := add(d.Code, d.Name, org.LevelDistrict, d.Shape, d.Center); err != nil {
			return nil, err
		}
		var streets []*streetPlan
		var weights []float64
		for i := range plans {
			if plans[i].district == di {
				streets = append(streets, &plans[i])
				weights = append(weights, plans[i].areaWeight)
			}
		}
		streetRects := partition(d.Shape, d.Shape.Bound(), weights)
		for si, sp := range streets {
			if err := piece(d, sp.Code, sp.Name, org.LevelStreet, streetRects[si]); err != nil {
				return nil, err
			}
			weights = weights[:0]
			for _, c := range sp.communities {
				weights = append(weights, c.areaWeight)
			}
			communityRects := partition(d.Shape, streetRects[si], weights)
			for ci, c := range sp.communities {
				if err := piece(d, c.Code, c.Name, org.LevelCommunity, communityRects[ci]); err != nil {
					return nil, err
				}
				for gi, rect := range partition(d.Shape, communityRects[ci], c.gridAreaWeights) {
					code := fmt.Sprintf("%s%03d", c.Code, gi+1)
					if err := piece(d, code, fmt.Sprintf("%s第%d网格", c.Name, gi+1), org.LevelGrid, rect); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	var out []org.Place
	for _, l := range org.Levels {
		slices.SortFunc(levels[l], func(a, b org.Place) int { return strings.Compare(a.Code, b.Code) })
		out = append(out, levels[l]...)
	}
	return out, nil
}
