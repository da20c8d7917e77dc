// Package gazetteer is the city's standard address list (标准地址库) — roads, communities and villages,
// residential compounds, buildings and named places, each with a point and the grid it lies in — and
// the matcher that reads a free-text address as a caller or agent wrote it ("海勃湾区滨河街道××小区3号楼")
// and says which entry it means, how sure it is, and why. Triage uses it to put an order on the map
// and in a grid when nobody gave a point. It knows nothing of storage or HTTP.
package gazetteer

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cityline/cityline/internal/org"
)

// Kind says what an entry is.
type Kind string

const (
	KindRoad      Kind = "road"      // 道路: a road, street or lane
	KindCommunity Kind = "community" // 社区/村: a community or village as a whole
	KindCompound  Kind = "compound"  // 小区: a residential compound, or a village's group (村民小组)
	KindBuilding  Kind = "building"  // 楼栋: a building of a compound, or a numbered door on a road (门牌)
	KindPOI       Kind = "poi"       // 场所: a named place: a school, a market, a junction
)

// Kinds lists every kind, from the broadest to the most precise.
var Kinds = []Kind{KindRoad, KindCommunity, KindCompound, KindBuilding, KindPOI}

// kindNames are the Chinese words a file may use for each kind.
var kindNames = map[string]Kind{
	"道路": KindRoad, "路": KindRoad, "街巷": KindRoad,
	"社区": KindCommunity, "村": KindCommunity, "社区/村": KindCommunity,
	"小区": KindCompound, "村民小组": KindCompound,
	"楼栋": KindBuilding, "楼": KindBuilding, "门牌": KindBuilding,
	"场所": KindPOI, "地标": KindPOI,
}

// ParseKind accepts a kind as code (road, community, …) or in Chinese (道路, 社区, 小区, 楼栋, 场所, …).
func ParseKind(s string) (Kind, error) {
	s = strings.TrimSpace(s)
	for _, k := range Kinds {
		if strings.EqualFold(s, string(k)) {
			return k, nil
		}
	}
	if k, ok := kindNames[s]; ok {
		return k, nil
	}
	return "", fmt.Errorf("unknown kind %q: want road, community, compound, building or poi (道路, 社区, 小区, 楼栋, 场所)", s)
}

// pinsGrid tells whether an entry of this kind is small enough to lie in one grid, so that matching it
// tells the grid; a road or a community spans several.
func (k Kind) pinsGrid() bool { return k == KindCompound || k == KindBuilding || k == KindPOI }

// Limits on the text of an entry.
const (
	MaxName    = 100 // characters of a name or an alias
	MaxAddress = 200 // characters of an address
	MaxAliases = 20
)

// Entry is one standard address.
type Entry struct {
	Kind    Kind     `json:"kind"`
	Name    string   `json:"name"`              // what people call it: 康乐小区, 3号楼, 人民路, 88号
	Aliases []string `json:"aliases,omitempty"` // other names for it: 康乐花园, 老电厂宿舍
	// Address is the full standard address, from the district down: 海勃湾区滨河街道长青社区康乐小区3号楼.
	// It identifies the entry: two entries never share an address (compared as Key folds it). A
	// building's or door's address ends with its name, after the address of its compound or road.
	Address string  `json:"address"`
	Grid    string  `json:"grid"` // the 15-digit code of the grid the point lies in
	Lng     float64 `json:"lng"`
	Lat     float64 `json:"lat"`
}

// Validate checks the fields an entry must have, naming the first one that is wrong.
func (e Entry) Validate() error {
	if !slices.Contains(Kinds, e.Kind) {
		return fmt.Errorf("kind: unknown kind %q: want road, community, compound, building or poi", e.Kind)
	}
	if err := checkText("name", e.Name, MaxName); err != nil {
		return err
	}
	if len(e.Aliases) > MaxAliases {
		return fmt.Errorf("aliases: at most %d", MaxAliases)
	}
	for i, a := range e.Aliases {
		if err := checkText(fmt.Sprintf("aliases[%d]", i), a, MaxName); err != nil {
			return err
		}
	}
	if err := checkText("address", e.Address, MaxAddress); err != nil {
		return err
	}
	if err := org.ValidateCode(e.Grid, org.LevelGrid); err != nil {
		return fmt.Errorf("grid: %w", err)
	}
	switch {
	case math.IsNaN(e.Lng) || e.Lng < -180 || e.Lng > 180:
		return fmt.Errorf("lng: %v is not a longitude", e.Lng)
	case math.IsNaN(e.Lat) || e.Lat < -90 || e.Lat > 90:
		return fmt.Errorf("lat: %v is not a latitude", e.Lat)
	}
	return nil
}

// checkText requires a text that is not blank, not too long, and that still says something once
// normalised (a name of punctuation alone could never be matched).
func checkText(field, s string, max int) error {
	switch {
	case strings.TrimSpace(s) == "":
		return fmt.Errorf("%s: required", field)
	case utf8.RuneCountInString(s) > max:
		return fmt.Errorf("%s: at most %d characters", field, max)
	case !utf8.ValidString(s):
		return fmt.Errorf("%s: not valid UTF-8", field)
	case Key(s) == "":
		return fmt.Errorf("%s: %q has no letters, digits or Chinese characters", field, s)
	}
	return nil
}
