// Package org is the city's structure: the five-level tree of places with official codes, and the
// units (承办单位) that handle work. It knows nothing of storage or HTTP.
package org

import (
	"fmt"
	"strings"
)

// Level is a rung of the tree: city → district → street/town → community/village → grid.
type Level string

const (
	LevelCity      Level = "city"
	LevelDistrict  Level = "district"
	LevelStreet    Level = "street"
	LevelCommunity Level = "community"
	LevelGrid      Level = "grid"
)

// Levels lists the rungs from the top down.
var Levels = []Level{LevelCity, LevelDistrict, LevelStreet, LevelCommunity, LevelGrid}

// ParseLevel accepts a level name as written in flags, URLs and files.
func ParseLevel(s string) (Level, error) {
	for _, l := range Levels {
		if string(l) == s {
			return l, nil
		}
	}
	return "", fmt.Errorf("unknown level %q: want one of city, district, street, community, grid", s)
}

// CodeLength is the number of digits an official code has at each level: a 6-digit county code
// (GB/T 2260) then 3 digits each for street/town, community/village and grid.
func (l Level) CodeLength() int {
	switch l {
	case LevelCity, LevelDistrict:
		return 6
	case LevelStreet:
		return 9
	case LevelCommunity:
		return 12
	case LevelGrid:
		return 15
	}
	return 0
}

// Below returns the level directly under l, or "" for a grid.
func (l Level) Below() Level {
	for i, x := range Levels {
		if x == l && i+1 < len(Levels) {
			return Levels[i+1]
		}
	}
	return ""
}

// Above returns the level directly over l, or "" for the city.
func (l Level) Above() Level {
	for i, x := range Levels {
		if x == l && i > 0 {
			return Levels[i-1]
		}
	}
	return ""
}

// ValidateCode checks that code is all digits and as long as its level requires, and, for a city,
// that it ends in "00" (a prefecture code) while a district does not.
func ValidateCode(code string, level Level) error {
	want := level.CodeLength()
	if want == 0 {
		return fmt.Errorf("unknown level %q", level)
	}
	if len(code) != want {
		return fmt.Errorf("code %q: a %s code has %d digits", code, level, want)
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return fmt.Errorf("code %q: only digits are allowed", code)
		}
	}
	switch {
	case level == LevelCity && !strings.HasSuffix(code, "00"):
		return fmt.Errorf("code %q: a city code ends in 00", code)
	case level == LevelDistrict && strings.HasSuffix(code, "00"):
		return fmt.Errorf("code %q: a district code does not end in 00", code)
	case want > 6 && strings.HasSuffix(code, "000"):
		return fmt.Errorf("code %q: the last three digits of a %s code cannot be 000", code, level)
	}
	return nil
}

// ScopePrefix is the prefix that every code under the place shares, so that "everything under this
// place" is a prefix match. A city's districts share only its first four digits.
func ScopePrefix(code string, level Level) string {
	if level == LevelCity && len(code) >= 4 {
		return code[:4]
	}
	return code
}

// ParentCodeOf derives the code of the place above from a code's own digits; for a district it is
// the city code (the first four digits followed by 00).
func ParentCodeOf(code string, level Level) string {
	switch level {
	case LevelDistrict:
		return code[:4] + "00"
	case LevelStreet, LevelCommunity, LevelGrid:
		return code[:len(code)-3]
	}
	return ""
}

// Place is one node of the tree.
type Place struct {
	Code       string
	Name       string
	Level      Level
	ParentCode string // empty for the city
	// Boundary is a GeoJSON Polygon or MultiPolygon geometry, or empty when the outline is unknown.
	Boundary  []byte
	CenterLng float64
	CenterLat float64
}

// UnitKind says what sort of body a unit is.
type UnitKind string

const (
	UnitCentre             UnitKind = "centre"              // the 12345 centre itself
	UnitCityDepartment     UnitKind = "city_department"     // 市直部门
	UnitDistrictDepartment UnitKind = "district_department" // 区直部门
	UnitUtility            UnitKind = "utility"             // 公共事业单位: water, power, gas, heating, telecoms
	UnitStreet             UnitKind = "street"              // a street or town office acting as a unit
)

// UnitKinds lists every kind, in the order screens show them.
var UnitKinds = []UnitKind{UnitCentre, UnitCityDepartment, UnitDistrictDepartment, UnitUtility, UnitStreet}

// ParseUnitKind accepts a kind name.
func ParseUnitKind(s string) (UnitKind, error) {
	for _, k := range UnitKinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("unknown unit kind %q", s)
}

// Unit is a body that handles work orders (承办单位), with its place in the unit hierarchy and the area
// it serves (PlaceCode: the city for city departments, a district or street otherwise).
type Unit struct {
	ID           string
	Code         string
	Name         string
	Kind         UnitKind
	ParentID     string
	PlaceCode    string
	ContactName  string
	ContactPhone string
	Disabled     bool
	Version      int
}

// Validate checks the fields a unit must have, naming the first one that is wrong.
func (u Unit) Validate() error {
	switch {
	case strings.TrimSpace(u.Code) == "":
		return fmt.Errorf("code: required")
	case len(u.Code) > 32:
		return fmt.Errorf("code: at most 32 characters")
	case strings.TrimSpace(u.Name) == "":
		return fmt.Errorf("name: required")
	case len([]rune(u.Name)) > 100:
		return fmt.Errorf("name: at most 100 characters")
	case u.PlaceCode == "":
		return fmt.Errorf("place_code: required")
	}
	if _, err := ParseUnitKind(string(u.Kind)); err != nil {
		return fmt.Errorf("kind: %w", err)
	}
	return nil
}

// LevelOfCode infers the level from an official code's length; a 6-digit code ending in 00 is a city.
func LevelOfCode(code string) (Level, error) {
	switch len(code) {
	case 6:
		if strings.HasSuffix(code, "00") {
			return LevelCity, nil
		}
		return LevelDistrict, nil
	case 9:
		return LevelStreet, nil
	case 12:
		return LevelCommunity, nil
	case 15:
		return LevelGrid, nil
	}
	return "", fmt.Errorf("code %q: an official code has 6, 9, 12 or 15 digits", code)
}
