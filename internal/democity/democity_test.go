package democity

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/org"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

var (
	builtOnce sync.Once
	built     City
	buildErr  error
)

// demoCity builds the city once for all tests that only read it.
func demoCity(t testing.TB) City {
	t.Helper()
	builtOnce.Do(func() { built, buildErr = Build() })
	if buildErr != nil {
		t.Fatalf("Build: %v", buildErr)
	}
	return built
}

func byLevel(c City) map[org.Level][]org.Place {
	out := map[org.Level][]org.Place{}
	for _, p := range c.Places {
		out[p.Level] = append(out[p.Level], p)
	}
	return out
}

func TestBuildCounts(t *testing.T) {
	levels := byLevel(demoCity(t))
	for level, want := range map[org.Level]int{org.LevelCity: 1, org.LevelDistrict: 3, org.LevelStreet: 22, org.LevelGrid: 786} {
		if got := len(levels[level]); got != want {
			t.Errorf("%d %s places, want %d", got, level, want)
		}
	}
	if n := len(levels[org.LevelCommunity]); n < 90 || n > 110 {
		t.Errorf("%d communities and villages, want 90-110", n)
	}
	if city := levels[org.LevelCity][0]; city.Code != "150300" || city.Name != "乌海市" {
		t.Errorf("city = %s %s, want 150300 乌海市", city.Code, city.Name)
	}
	var names []string
	for _, d := range levels[org.LevelDistrict] {
		names = append(names, d.Code+d.Name)
	}
	if want := []string{"150302海勃湾区", "150303海南区", "150304乌达区"}; !reflect.DeepEqual(names, want) {
		t.Errorf("districts = %v, want %v", names, want)
	}
}

func TestBuildCodesAndTree(t *testing.T) {
	c := demoCity(t)
	seen := map[string]org.Place{}
	rank := map[org.Level]int{}
	for i, l := range org.Levels {
		rank[l] = i
	}
	for i, p := range c.Places {
		if err := org.ValidateCode(p.Code, p.Level); err != nil {
			t.Errorf("place %s: %v", p.Code, err)
		}
		if _, dup := seen[p.Code]; dup {
			t.Errorf("code %s used twice", p.Code)
		}
		if i > 0 && rank[c.Places[i-1].Level] > rank[p.Level] {
			t.Errorf("place %s (%s) comes after a lower level", p.Code, p.Level)
		}
		if p.Level == org.LevelCity {
			if p.ParentCode != "" {
				t.Errorf("the city has parent %q", p.ParentCode)
			}
		} else {
			parent, ok := seen[p.ParentCode]
			switch {
			case !ok:
				t.Errorf("place %s: parent %q missing or listed after it", p.Code, p.ParentCode)
			case parent.Level != p.Level.Above():
				t.Errorf("place %s (%s): parent %s is a %s", p.Code, p.Level, parent.Code, parent.Level)
			case p.ParentCode != org.ParentCodeOf(p.Code, p.Level):
				t.Errorf("place %s: parent %s does not match its code", p.Code, p.ParentCode)
			}
		}
		if strings.TrimSpace(p.Name) == "" {
			t.Errorf("place %s has no name", p.Code)
		}
		seen[p.Code] = p
	}
}

func TestBuildNamesFollowTheNumbering(t *testing.T) {
	levels := byLevel(demoCity(t))
	namesInStreet := map[string]map[string]bool{}
	communities := map[string]org.Place{}
	for _, p := range levels[org.LevelCommunity] {
		n, _ := strconv.Atoi(p.Code[9:])
		streetNumber, _ := strconv.Atoi(p.Code[6:9])
		switch {
		case n >= 1 && n <= 199:
			if !strings.HasSuffix(p.Name, "社区") {
				t.Errorf("residents' committee %s is named %s, want …社区", p.Code, p.Name)
			}
		case n >= 200 && n <= 399:
			if !strings.HasSuffix(p.Name, "村") {
				t.Errorf("village %s is named %s, want …村", p.Code, p.Name)
			}
			if streetNumber < 100 || streetNumber > 399 {
				t.Errorf("village %s is not under a town", p.Code)
			}
		default:
			t.Errorf("community %s: number %03d is neither 001-199 nor 200-399", p.Code, n)
		}
		if namesInStreet[p.ParentCode] == nil {
			namesInStreet[p.ParentCode] = map[string]bool{}
		}
		if namesInStreet[p.ParentCode][p.Name] {
			t.Errorf("name %s used twice in street %s", p.Name, p.ParentCode)
		}
		namesInStreet[p.ParentCode][p.Name] = true
		communities[p.Code] = p
	}
	for _, s := range levels[org.LevelStreet] {
		if len(namesInStreet[s.Code]) == 0 {
			t.Errorf("street %s %s has no community", s.Code, s.Name)
		}
	}
	for _, g := range levels[org.LevelGrid] {
		n, _ := strconv.Atoi(g.Code[12:])
		if want := communities[g.ParentCode].Name + "第" + strconv.Itoa(n) + "网格"; g.Name != want {
			t.Errorf("grid %s is named %s, want %s", g.Code, g.Name, want)
		}
	}
}

func shapeOf(t testing.TB, p org.Place) orb.MultiPolygon {
	t.Helper()
	mp, err := decodeBoundary(p.Boundary)
	if err != nil {
		t.Fatalf("place %s: %v", p.Code, err)
	}
	return mp
}

// TestBuildTiles checks that the children of every district, street and community share out exactly
// its area, every child has area, every place's centre lies inside it, and no outline is left with a
// zero-width bridge (an edge run twice, once each way).
func TestBuildTiles(t *testing.T) {
	c := demoCity(t)
	shapes := map[string]orb.MultiPolygon{}
	childArea := map[string]float64{}
	for _, p := range c.Places {
		if p.Level == org.LevelCity {
			if len(p.Boundary) != 0 {
				t.Errorf("the city has a boundary; the demo does not make one")
			}
			continue
		}
		mp := shapeOf(t, p)
		shapes[p.Code] = mp
		a := planar.Area(mp)
		if a <= 0 {
			t.Errorf("place %s has area %g", p.Code, a)
		}
		if p.Level != org.LevelDistrict {
			childArea[p.ParentCode] += a
		}
		if !planar.MultiPolygonContains(mp, orb.Point{p.CenterLng, p.CenterLat}) {
			t.Errorf("place %s: centre %v, %v is outside it", p.Code, p.CenterLng, p.CenterLat)
		}
		for _, poly := range mp {
			edges := map[[2]orb.Point]bool{}
			for _, r := range poly {
				if r[0] != r[len(r)-1] || len(r) < 4 {
					t.Errorf("place %s: a ring is not closed or too short", p.Code)
				}
				for i := 0; i+1 < len(r); i++ {
					if edges[[2]orb.Point{r[i+1], r[i]}] {
						t.Errorf("place %s: edge %v-%v runs both ways (a bridge)", p.Code, r[i], r[i+1])
					}
					edges[[2]orb.Point{r[i], r[i+1]}] = true
				}
			}
		}
	}
	for _, p := range c.Places {
		if p.Level == org.LevelCity || p.Level == org.LevelGrid {
			continue
		}
		parent := planar.Area(shapes[p.Code])
		if rel := math.Abs(childArea[p.Code]-parent) / parent; rel > 1e-6 {
			t.Errorf("place %s: children's areas add up to %g, its own is %g (off by %.2g)", p.Code, childArea[p.Code], parent, rel)
		}
	}
}

// TestGridsCoverEachDistrictOnce samples random points inside each district: each must fall in
// exactly one grid, one community and one street, which shows there are no gaps and no overlaps.
func TestGridsCoverEachDistrictOnce(t *testing.T) {
	levels := byLevel(demoCity(t))
	type cell struct {
		code  string
		bound orb.Bound
		shape orb.MultiPolygon
	}
	cells := map[org.Level][]cell{}
	for _, l := range []org.Level{org.LevelStreet, org.LevelCommunity, org.LevelGrid} {
		for _, p := range levels[l] {
			mp := shapeOf(t, p)
			cells[l] = append(cells[l], cell{p.Code, mp.Bound(), mp})
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const samples = 20000
	for _, d := range levels[org.LevelDistrict] {
		shape := shapeOf(t, d)
		b := shape.Bound()
		for n := 0; n < samples; {
			pt := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
			if !planar.MultiPolygonContains(shape, pt) {
				continue
			}
			n++
			for _, l := range []org.Level{org.LevelStreet, org.LevelCommunity, org.LevelGrid} {
				var in []string
				for _, c := range cells[l] {
					if strings.HasPrefix(c.code, d.Code) && c.bound.Contains(pt) && planar.MultiPolygonContains(c.shape, pt) {
						in = append(in, c.code)
					}
				}
				if len(in) != 1 {
					t.Fatalf("district %s: point %v lies in %d %s places %v, want exactly 1", d.Code, pt, len(in), l, in)
				}
			}
		}
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	a, err := Build()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two builds differ")
	}
}

func TestBuildGridsFollowPopulation(t *testing.T) {
	levels := byLevel(demoCity(t))
	grids := map[string]int{}
	for _, g := range levels[org.LevelGrid] {
		grids[g.Code[:6]]++
	}
	// 海勃湾区, the seat, has the most people and so the most grids; 海南区 the fewest.
	if !(grids["150302"] > grids["150304"] && grids["150304"] > grids["150303"]) {
		t.Errorf("grids by district = %v, want 150302 > 150304 > 150303", grids)
	}
	perStreet := map[string]int{}
	for _, g := range levels[org.LevelGrid] {
		perStreet[g.Code[:9]]++
	}
	for _, s := range levels[org.LevelStreet] {
		if perStreet[s.Code] == 0 {
			t.Errorf("street %s has no grid", s.Code)
		}
	}
}

func TestBuildUnits(t *testing.T) {
	c := demoCity(t)
	places := map[string]org.Place{}
	for _, p := range c.Places {
		places[p.Code] = p
	}
	codes := map[string]bool{}
	kinds := map[org.UnitKind]int{}
	streetUnits := map[string]bool{}
	for _, u := range c.Units {
		if err := u.Validate(); err != nil {
			t.Errorf("unit %s: %v", u.Code, err)
		}
		if codes[u.Code] {
			t.Errorf("unit code %s used twice", u.Code)
		}
		if u.ParentCode != "" && !codes[u.ParentCode] {
			t.Errorf("unit %s: parent %s missing or listed after it", u.Code, u.ParentCode)
		}
		codes[u.Code] = true
		kinds[u.Kind]++
		p, ok := places[u.PlaceCode]
		if !ok {
			t.Errorf("unit %s: place %s is not in the city", u.Code, u.PlaceCode)
		}
		if u.ContactName == "" || access.ValidatePhone(u.ContactPhone) != nil || !strings.HasPrefix(u.ContactPhone, "0473-") {
			t.Errorf("unit %s: contact %q %q, want a name and a 0473 landline", u.Code, u.ContactName, u.ContactPhone)
		}
		switch u.Kind {
		case org.UnitStreet:
			if p.Level != org.LevelStreet {
				t.Errorf("street unit %s serves a %s", u.Code, p.Level)
			}
			streetUnits[u.PlaceCode] = true
		case org.UnitDistrictDepartment:
			if p.Level != org.LevelDistrict {
				t.Errorf("district department %s serves a %s", u.Code, p.Level)
			}
		default:
			if p.Level != org.LevelCity {
				t.Errorf("unit %s (%s) serves a %s, want the city", u.Code, u.Kind, p.Level)
			}
		}
	}
	if n := len(c.Units); n < 40 || n > 50 {
		t.Errorf("%d units, want about 40", n)
	}
	if kinds[org.UnitCentre] != 1 || kinds[org.UnitCityDepartment] < 10 || kinds[org.UnitDistrictDepartment] < 6 || kinds[org.UnitUtility] < 4 {
		t.Errorf("units by kind = %v", kinds)
	}
	if len(streetUnits) != 22 {
		t.Errorf("%d streets have a unit, want all 22", len(streetUnits))
	}
	for _, code := range []string{centreCode, cityDepartmentCode("police"), cityDepartmentCode("housing"), powerCode} {
		if !codes[code] {
			t.Errorf("no unit %s", code)
		}
	}
}

func TestBuildUsers(t *testing.T) {
	c := demoCity(t)
	units := map[string]Unit{}
	for _, u := range c.Units {
		units[u.Code] = u
	}
	places := map[string]org.Place{}
	for _, p := range c.Places {
		places[p.Code] = p
	}
	roles := map[access.Role]int{}
	gridRoles := map[access.GridRole]string{}
	byName := map[string]User{}
	for _, u := range c.Users {
		if err := u.Validate(); err != nil {
			t.Errorf("user %s: %v", u.Username, err)
		}
		if _, dup := byName[u.Username]; dup {
			t.Errorf("username %s used twice", u.Username)
		}
		byName[u.Username] = u
		if u.UnitCode != "" {
			if _, ok := units[u.UnitCode]; !ok {
				t.Errorf("user %s: unit %s is not in the city", u.Username, u.UnitCode)
			}
		}
		if _, ok := places[u.PlaceCode]; !ok {
			t.Errorf("user %s: place %q is not in the city", u.Username, u.PlaceCode)
		}
		for _, r := range u.Roles {
			roles[r]++
		}
		if u.GridRole != "" {
			gridRoles[u.GridRole] = u.PlaceCode
		}
		if (u.Password == PasswordNone) != u.Machine {
			t.Errorf("user %s: machine %v but password %q", u.Username, u.Machine, u.Password)
		}
	}
	for _, r := range access.AllRoles {
		if roles[r] == 0 {
			t.Errorf("no user has role %s", r)
		}
	}
	if roles[access.RoleAgent] < 2 {
		t.Errorf("%d agents, want two", roles[access.RoleAgent])
	}
	for _, gr := range access.GridRoles {
		place, ok := gridRoles[gr]
		if !ok {
			t.Errorf("no grid worker with grid role %s", gr)
			continue
		}
		if places[place].Level != org.LevelGrid || place != gridRoles[access.GridLeader] {
			t.Errorf("grid worker %s works in %s, want the same grid as the others", gr, place)
		}
	}
	checks := []struct {
		username string
		role     access.Role
		place    string
		password Password
	}{
		{"admin", access.RoleAdmin, "150300", PasswordAdmin},
		{"admin-hbw", access.RoleAdmin, "150302", PasswordDemo},
		{"open311-client", access.RoleMachine, "150300", PasswordNone},
	}
	for _, want := range checks {
		u, ok := byName[want.username]
		if !ok {
			t.Errorf("no user %s", want.username)
			continue
		}
		if !slices.Equal(u.Roles, []access.Role{want.role}) || u.PlaceCode != want.place || u.Password != want.password {
			t.Errorf("user %s = roles %v place %s password %q; want %s at %s with %q", want.username, u.Roles, u.PlaceCode,
				u.Password, want.role, want.place, want.password)
		}
	}
	for _, u := range c.Users {
		if u.Has(access.RoleStreetStaff) && places[u.PlaceCode].Level != org.LevelStreet {
			t.Errorf("street staff %s is placed at a %s", u.Username, places[u.PlaceCode].Level)
		}
		if u.Has(access.RoleCommunityStaff) && places[u.PlaceCode].Level != org.LevelCommunity {
			t.Errorf("community staff %s is placed at a %s", u.Username, places[u.PlaceCode].Level)
		}
	}
}

func TestAllocate(t *testing.T) {
	got, err := allocate(10, []float64{1, 1, 2}, []int{1, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{3, 3, 4}; !slices.Equal(got, want) {
		t.Errorf("allocate = %v, want %v", got, want)
	}
	if _, err := allocate(2, []float64{1, 1, 1}, []int{1, 1, 1}); err == nil {
		t.Error("allocating fewer than the minimums must fail")
	}
}

func TestNameStemsAreDistinct(t *testing.T) {
	for name, stems := range map[string][]string{"community": communityStems, "village": villageStems} {
		seen := map[string]bool{}
		for _, s := range stems {
			if seen[s] {
				t.Errorf("%s stem %s listed twice", name, s)
			}
			seen[s] = true
		}
	}
}

func BenchmarkBuild(b *testing.B) {
	for b.Loop() {
		if _, err := Build(); err != nil {
			b.Fatal(err)
		}
	}
}
