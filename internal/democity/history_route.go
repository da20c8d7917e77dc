package democity

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/auth"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/workorder"
)

// unitKinds name the kinds of unit a matter goes to (the ROUTE of matterTemplates); each gives the
// code of the demo unit of that kind that serves a place. A plain table: real routing is the triage
// issue's.
var unitKinds = map[string]func(place string) string{
	"street": func(place string) string {
		if len(place) < 9 {
			return ""
		}
		return streetUnitCode(place[:9])
	},
	"durban":   func(place string) string { return districtUnit(place, "urban") },
	"dhousing": func(place string) string { return districtUnit(place, "housing") },
	"supply":   constant("util-water"),
	"power":    constant(powerCode),
	"gas":      constant("util-gas"),
	"heating":  constant("util-heating"),
	"telecom":  constant("util-telecom"),
}

func init() {
	for _, d := range cityDepartments {
		unitKinds[d.code] = constant(cityDepartmentCode(d.code))
	}
}

func constant(code string) func(string) string { return func(string) string { return code } }

func districtUnit(place, dep string) string {
	if len(place) < 6 {
		return ""
	}
	return districtSlug(place[:6]) + "-" + dep
}

// cityFallback is where a matter goes whose unit kind needs a place it does not have.
var cityFallback = map[string]string{"durban": "city-urban", "dhousing": "city-housing", "street": "city-civil"}

// router picks the units in charge of a matter from its category and its place.
type router struct {
	ids    map[string]string // unit code → id
	leaves map[string]*leaf  // category code → templates, for the route
}

func newRouter(units []org.Unit, texts *Texts) router {
	r := router{ids: map[string]string{}, leaves: map[string]*leaf{}}
	for _, u := range units {
		if !u.Disabled {
			r.ids[u.Code] = u.ID
		}
	}
	for i := range texts.leaves {
		r.leaves[texts.leaves[i].code] = &texts.leaves[i]
	}
	return r
}

// units returns the lead unit and the unit that may help or take over ("" when there is none).
func (r router) units(categoryCode, place string) (lead, alt string) {
	l, ok := r.leaves[categoryCode]
	if !ok {
		return r.ids["city-urban"], ""
	}
	resolve := func(kind string) string {
		if kind == "" {
			return ""
		}
		if id := r.ids[unitKinds[kind](place)]; id != "" {
			return id
		}
		return r.ids[cityFallback[kind]]
	}
	lead, alt = resolve(l.lead), resolve(l.alt)
	if lead == "" {
		lead, alt = alt, ""
	}
	if lead == "" {
		lead = r.ids["city-urban"]
	}
	if alt == lead {
		alt = ""
	}
	return lead, alt
}

// other returns a unit other than the order's current lead, for a re-dispatch: the alternative if
// there is one, else the street office of the place, else the city's urban management.
func (r router) other(categoryCode, place, current string) string {
	lead, alt := r.units(categoryCode, place)
	for _, id := range []string{alt, lead, r.ids[unitKinds["street"](place)], r.ids["city-urban"], r.ids["city-civil"]} {
		if id != "" && id != current {
			return id
		}
	}
	return ""
}

// world is what history and simulation read of a seeded demo city.
type world struct {
	texts    *Texts
	route    router
	cast     cast
	units    []org.Unit
	articles map[string][]string // category code → the published articles an agent answers from
}

func loadWorld(ctx context.Context, st *store.Store, seed uint64) (world, error) {
	places, err := st.GridsAndAncestors(ctx)
	if err != nil {
		return world{}, err
	}
	cats, err := st.Categories(ctx, store.CategoryFilter{ActiveOnly: true})
	if err != nil {
		return world{}, err
	}
	units, err := st.Units(ctx, store.UnitFilter{})
	if err != nil {
		return world{}, err
	}
	c, err := loadCast(ctx, st)
	if err != nil {
		return world{}, err
	}
	texts, err := NewTexts(seed, places, cats)
	if err != nil {
		return world{}, err
	}
	texts.patrol(c.patrolled())
	live, _, err := st.LiveArticles(ctx)
	if err != nil {
		return world{}, err
	}
	articles := map[string][]string{}
	for _, a := range live {
		articles[a.Category] = append(articles[a.Category], a.ID)
	}
	return world{texts: texts, route: newRouter(units, texts), cast: c, units: units, articles: articles}, nil
}

// cast is who acts in the demo city: the demo users as the policy sees them.
type cast struct {
	agents, dispatchers, supervisors []access.Actor
	machine                          *access.Actor
	gridWorkers                      map[string][]access.Actor // grid code → its workers
	unitStaff                        map[string][]access.Actor // unit id → its handlers and leads
}

// loadCast builds the actors of every enabled demo user.
func loadCast(ctx context.Context, st *store.Store) (cast, error) {
	users, err := st.Users(ctx, store.UserFilter{})
	if err != nil {
		return cast{}, err
	}
	au := auth.New(st, auth.Options{})
	c := cast{gridWorkers: map[string][]access.Actor{}, unitStaff: map[string][]access.Actor{}}
	for _, u := range users {
		if u.Disabled {
			continue
		}
		a, err := au.ActorFor(ctx, u)
		if err != nil {
			return c, err
		}
		a.RemoteAddr = "simulator"
		for _, r := range u.Roles {
			switch r {
			case access.RoleAgent:
				c.agents = append(c.agents, a)
			case access.RoleDispatcher:
				c.dispatchers = append(c.dispatchers, a)
			case access.RoleSupervisor:
				c.supervisors = append(c.supervisors, a)
			case access.RoleMachine:
				if c.machine == nil {
					c.machine = &a
				}
			case access.RoleGridWorker:
				c.gridWorkers[u.PlaceCode] = append(c.gridWorkers[u.PlaceCode], a)
			case access.RoleHandler, access.RoleUnitLead:
				if u.UnitID != "" {
					c.unitStaff[u.UnitID] = append(c.unitStaff[u.UnitID], a)
				}
			}
		}
	}
	switch {
	case len(c.agents) == 0:
		return c, fmt.Errorf("demo cast: no agent among %d users", len(users))
	case len(c.dispatchers) == 0:
		return c, fmt.Errorf("demo cast: no dispatcher among %d users", len(users))
	case len(c.supervisors) == 0:
		return c, fmt.Errorf("demo cast: no supervisor among %d users", len(users))
	}
	return c, nil
}

// creator is who takes in an order from a channel: agents take calls and messages, the machine
// client brings Open311, 110 and sensor reports, and grid workers their own.
func (c cast) creator(rng *rand.Rand, ch workorder.Channel, place string) access.Actor {
	switch ch {
	case workorder.ChannelOpen311, workorder.ChannelPolice, workorder.ChannelSensor:
		if c.machine != nil {
			return *c.machine
		}
	case workorder.ChannelGrid:
		if ws := c.gridWorkers[place]; len(ws) > 0 {
			return one(rng, ws)
		}
	}
	return one(rng, c.agents)
}

func one(rng *rand.Rand, actors []access.Actor) access.Actor { return actors[rng.IntN(len(actors))] }

// patrolled lists the grids that have grid workers: only there do reports come from the grid channel.
func (c cast) patrolled() []string {
	var out []string
	for code := range c.gridWorkers {
		out = append(out, code)
	}
	slices.Sort(out)
	return out
}
