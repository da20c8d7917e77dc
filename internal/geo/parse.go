package geo

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/cityline/cityline/internal/org"
)

// Tolerances, as shares of an area. Exact tilings come out at zero up to rounding; the looser two leave
// room for outlines of parent and children drawn from separately simplified sources.
const (
	// overlapShare of the smaller of two siblings may be shared before they count as overlapping:
	// far below any real overlap, far above rounding.
	overlapShare = 1e-6
	// outsideShare of a child may lie outside its parent.
	outsideShare = 0.001
	// coveredShare of a parent must be covered by its children.
	coveredShare = 0.999
)

// ParseFeatures reads a GeoJSON FeatureCollection of new places, all at one level, and checks it
// against itself and against the places already stored. Each feature names its place with "code" (or
// DataV's "adcode"; a string or a number) and "name"; "parent" is optional (a code, or DataV's
// {"adcode": …}) and otherwise derived from the code. A city's parent is ignored: DataV gives the
// province, which is not part of the tree. The geometry must be a Polygon or MultiPolygon.
//
// Either every feature becomes a place or the file is refused with a *ValidationError that lists every
// problem: rings that are not closed, too short or crossing themselves, swapped or out-of-range
// coordinates, malformed, repeated or already stored codes, unknown parents, siblings (in the file or
// stored) that overlap, children that leave part of their parent uncovered or reach outside it.
// Each place's centre is a point inside its outline, not merely its centroid.
func ParseFeatures(data []byte, level org.Level, known KnownPlaces) ([]org.Place, error) {
	return parse(data, level, known, false)
}

// ParseBoundaryUpdates reads new outlines for places that are already stored at the given level, with
// the same checks as ParseFeatures, except that each code must be stored and the stored outlines of
// these places give way to the new ones. Names and parents come from the store.
func ParseBoundaryUpdates(data []byte, level org.Level, known KnownPlaces) ([]org.Place, error) {
	return parse(data, level, known, true)
}

// feature is one feature of the file while it is checked.
type feature struct {
	index int // position in the file, or -1 for a stored sibling
	place org.Place
	shape orb.MultiPolygon // oriented; nil when the geometry was refused
	bound orb.Bound
	area  float64
	// placed is true when the code (and so the parent) could be read: only then does the feature
	// belong to a family of siblings.
	placed bool
}

type validator struct {
	level    org.Level
	known    KnownPlaces
	replace  bool
	problems []Problem
	children map[string][]string // stored codes at the level being imported, by parent code
}

func (v *validator) add(index int, code, format string, args ...any) {
	v.problems = append(v.problems, Problem{Index: index, Code: code, Reason: fmt.Sprintf(format, args...)})
}

func parse(data []byte, level org.Level, known KnownPlaces, replace bool) ([]org.Place, error) {
	if level.CodeLength() == 0 {
		return nil, fmt.Errorf("level: unknown level %q", level)
	}
	raw, err := readCollection(data)
	if err != nil {
		return nil, &ValidationError{Problems: []Problem{{Index: -1, Reason: err.Error()}}}
	}
	if len(raw) == 0 {
		return nil, &ValidationError{Problems: []Problem{{Index: -1, Reason: "the file holds no features"}}}
	}
	v := &validator{level: level, known: known, replace: replace}
	feats := make([]*feature, len(raw))
	for i, f := range raw {
		feats[i] = v.feature(i, f)
	}
	v.checkCodes(feats)
	v.checkSiblings(feats)
	if len(v.problems) > 0 {
		// Problems of the file's features in file order, then those of stored places.
		slices.SortStableFunc(v.problems, func(a, b Problem) int {
			return cmp.Compare(uint(a.Index), uint(b.Index))
		})
		return nil, &ValidationError{Problems: v.problems}
	}
	places := make([]org.Place, len(feats))
	for i, f := range feats {
		places[i] = f.place
	}
	return places, nil
}

// feature reads one feature's properties and geometry and checks what can be checked on its own.
func (v *validator) feature(i int, raw json.RawMessage) *feature {
	ft := &feature{index: i, place: org.Place{Level: v.level}}
	f, err := readFeature(raw)
	if err != nil {
		v.add(i, "", "%v", err)
		return ft
	}
	code, err := codeProp(f.Properties, "code", "adcode")
	codeOK := false
	switch {
	case err != nil:
		v.add(i, "", "code: %v", err)
	case code == "":
		v.add(i, "", `code: required (a "code" or DataV "adcode" property)`)
	default:
		if err := org.ValidateCode(code, v.level); err != nil {
			v.add(i, code, "%v", err)
		} else {
			codeOK = true
		}
	}
	ft.place.Code = code
	ft.placed = codeOK
	name, _ := f.Properties["name"].(string)
	ft.place.Name = strings.TrimSpace(name)
	if v.replace {
		stored := v.known[code]
		ft.place.Name, ft.place.ParentCode = stored.Name, stored.ParentCode
	} else {
		if ft.place.Name == "" {
			v.add(i, code, "name: required")
		}
		if codeOK && v.level != org.LevelCity {
			parent, err := parentProp(f.Properties)
			switch {
			case err != nil:
				v.add(i, code, "parent: %v", err)
				ft.placed = false
			case parent == "":
				parent = org.ParentCodeOf(code, v.level)
			}
			ft.place.ParentCode = parent
		}
	}

	g, err := decodeGeometry(f.Geometry)
	if err != nil {
		v.add(i, code, "%v", err)
		return ft
	}
	mp := parts(g)
	if reasons := checkShape(mp); len(reasons) > 0 {
		for _, r := range reasons {
			v.add(i, code, "%s", r)
		}
		return ft
	}
	boundary, err := encode(g)
	if err != nil {
		v.add(i, code, "geometry: %v", err)
		return ft
	}
	ft.place.Boundary = boundary
	c := interiorPoint(mp)
	ft.place.CenterLng, ft.place.CenterLat = c[0], c[1]
	ft.setShape(mp)
	return ft
}

func (f *feature) setShape(mp orb.MultiPolygon) {
	f.shape = oriented(mp)
	f.bound = f.shape.Bound()
	f.area = signedArea(f.shape)
}

// label names a feature in another feature's problem.
func (f *feature) label() string {
	if f.index >= 0 {
		return fmt.Sprintf("feature %d (code %s)", f.index, f.place.Code)
	}
	return fmt.Sprintf("the stored %s %s (%s)", f.place.Level, f.place.Code, f.place.Name)
}

// codeProp reads the first of keys that is present: codes come as strings, or as JSON numbers in DataV.
func codeProp(props map[string]any, keys ...string) (string, error) {
	for _, k := range keys {
		switch x := props[k].(type) {
		case nil:
			continue
		case string:
			return strings.TrimSpace(x), nil
		case float64:
			if x != math.Trunc(x) || x < 0 || x > 1<<53 {
				return "", fmt.Errorf("%s %v is not a whole number", k, x)
			}
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		default:
			return "", fmt.Errorf("%s must be a string or a number", k)
		}
	}
	return "", nil
}

// parentProp reads "parent": a code, or DataV's object {"adcode": …}.
func parentProp(props map[string]any) (string, error) {
	if obj, ok := props["parent"].(map[string]any); ok {
		return codeProp(obj, "code", "adcode")
	}
	return codeProp(props, "parent")
}

// checkCodes checks codes across the file and against the store: no repeats, nothing stored twice
// (or, when replacing outlines, nothing missing), and a stored parent one level up.
func (v *validator) checkCodes(feats []*feature) {
	inFile := map[string]bool{}
	for _, f := range feats {
		inFile[f.place.Code] = true
	}
	first := map[string]int{}
	for _, f := range feats {
		code := f.place.Code
		if !f.placed {
			continue
		}
		if j, dup := first[code]; dup {
			v.add(f.index, code, "code %s appears more than once in the file (first as feature %d)", code, j)
			continue
		}
		first[code] = f.index
		stored, isStored := v.known[code]
		if v.replace {
			switch {
			case !isStored:
				v.add(f.index, code, "code %s is not stored, so it has no outline to replace", code)
			case stored.Level != v.level:
				v.add(f.index, code, "code %s is stored as a %s, not a %s", code, stored.Level, v.level)
			}
			continue
		}
		if isStored {
			v.add(f.index, code, "code %s is already stored (%s %s)", code, stored.Level, stored.Name)
			continue
		}
		parent := f.place.ParentCode
		if parent == "" {
			continue
		}
		above := v.level.Above()
		if !strings.HasPrefix(code, org.ScopePrefix(parent, above)) {
			v.add(f.index, code, "parent %s: the code does not lie under it (a place's code starts with its parent's)", parent)
			continue
		}
		p, ok := v.known[parent]
		switch {
		case !ok && inFile[parent]:
			v.add(f.index, code, "parent %s is a %s in this file, but a %s's parent must be a stored %s", parent, v.level, v.level, above)
		case !ok:
			v.add(f.index, code, "parent %s is unknown: import the %s first", parent, above)
		case p.Level != above:
			v.add(f.index, code, "parent %s is a %s, but a %s's parent must be a %s", parent, p.Level, v.level, above)
		}
	}
}

// checkSiblings checks the outlines of each family: the file's features against each other and against
// their stored siblings (no two may share area), and, when the parent has an outline, the children
// against it.
func (v *validator) checkSiblings(feats []*feature) {
	inFile := map[string]bool{}
	families := map[string][]*feature{}
	complete := true
	for _, f := range feats {
		inFile[f.place.Code] = true
		if f.shape == nil || !f.placed {
			complete = false
			continue
		}
		families[f.place.ParentCode] = append(families[f.place.ParentCode], f)
	}
	for _, parent := range slices.Sorted(maps.Keys(families)) {
		kids := families[parent]
		stored := v.storedSiblings(parent, inFile)
		for i, a := range kids {
			for _, b := range kids[:i] {
				v.checkOverlap(a, b)
			}
			for _, b := range stored {
				v.checkOverlap(a, b)
			}
		}
		v.checkCoverage(parent, append(kids, stored...), complete)
	}
}

func (v *validator) checkOverlap(a, b *feature) {
	if !a.bound.Intersects(b.bound) {
		return
	}
	shared := overlapArea(a.shape, b.shape)
	if shared > overlapShare*math.Min(a.area, b.area) {
		v.add(a.index, a.place.Code, "overlaps %s: they share %.3g%% of this outline", b.label(), 100*shared/a.area)
	}
}

// checkCoverage checks a family against its parent's stored outline, if it has one: every child must
// stay inside it and, when every feature of the file could be read, together they must cover it. (A
// feature that could not be read leaves its family's share unknown: a gap reported then would only
// repeat its problem.)
func (v *validator) checkCoverage(parentCode string, kids []*feature, complete bool) {
	parent, ok := v.storedShape(parentCode)
	if !ok {
		return
	}
	var covered float64
	for _, k := range kids {
		inside := overlapArea(k.shape, parent.shape)
		covered += inside
		if k.index >= 0 && k.area-inside > outsideShare*k.area {
			v.add(k.index, k.place.Code, "reaches outside its parent %s: %.2f%% of its area lies outside", parentCode, 100*(k.area-inside)/k.area)
		}
	}
	if share := covered / parent.area; complete && share < coveredShare {
		v.add(-1, parentCode, "%s: the %s places under it cover only %.2f%% of its outline; %.2f%% lies in none of them", parent.place.Name, v.level, 100*share, 100*(1-share))
	}
}

// storedSiblings returns the stored places of the family that have an outline, except those the file
// brings again (they are either refused as repeats or, when replacing, give way to the file).
func (v *validator) storedSiblings(parent string, inFile map[string]bool) []*feature {
	if v.children == nil {
		v.children = map[string][]string{}
		for _, code := range slices.Sorted(maps.Keys(v.known)) {
			if p := v.known[code]; p.Level == v.level {
				v.children[p.ParentCode] = append(v.children[p.ParentCode], code)
			}
		}
	}
	var out []*feature
	for _, code := range v.children[parent] {
		if inFile[code] {
			continue
		}
		if f, ok := v.storedShape(code); ok {
			out = append(out, f)
		}
	}
	return out
}

// storedShape decodes a stored place's outline; ok is false when it has none.
func (v *validator) storedShape(code string) (*feature, bool) {
	p, ok := v.known[code]
	if !ok || len(p.Boundary) == 0 {
		return nil, false
	}
	mp, err := decode(p.Boundary)
	if err != nil {
		v.add(-1, code, "the stored outline cannot be read: %v", err)
		return nil, false
	}
	f := &feature{index: -1, place: p}
	f.setShape(mp)
	return f, true
}
