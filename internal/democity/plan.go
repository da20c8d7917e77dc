package democity

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
)

// seed fixes the generator so that every build of the demo city is the same city: the same codes,
// outlines and people in every demo, test and screenshot.
const seed = 150300

const (
	targetCommunities = 100 // the reference city has a little over 100 communities and villages
	totalGrids        = 786 // and exactly this many grids
)

// districtPopulation is each district's rough share of the city's people (海勃湾区 is the seat and
// the largest); it decides how many communities and grids each district's streets get.
var districtPopulation = map[string]float64{"150302": 0.56, "150303": 0.18, "150304": 0.26}

// divisionKind tells an urban street from a town or a development zone by its code (001-099 streets,
// 100-399 towns and townships, 400 and up special zones), since they differ in size and population.
type divisionKind int

const (
	kindStreet divisionKind = iota
	kindTown
	kindZone
)

func kindOf(code string) divisionKind {
	n, _ := strconv.Atoi(code[6:9])
	switch {
	case n < 100:
		return kindStreet
	case n < 400:
		return kindTown
	}
	return kindZone
}

type streetPlan struct {
	division
	district    int // index into the districts
	kind        divisionKind
	areaWeight  float64
	population  float64 // share of the whole city
	communities []communityPlan
}

type communityPlan struct {
	division
	village         bool
	areaWeight      float64
	population      float64
	gridAreaWeights []float64
}

// planner draws everything random in the demo city from one seeded generator.
type planner struct {
	rng *rand.Rand
}

func newPlanner() *planner { return &planner{rng: rand.New(rand.NewPCG(seed, seed))} }

// jitter returns base scaled by a random factor in [0.7, 1.3), so that sizes look natural.
func (p *planner) jitter(base float64) float64 { return base * (0.7 + 0.6*p.rng.Float64()) }

// shuffled returns a shuffled copy of names to draw from without repeats.
func (p *planner) shuffled(names []string) []string {
	out := slices.Clone(names)
	p.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// planStreets decides each street's share of its district's area, its share of the city's people,
// its communities and villages, and how many grids each of those gets.
func (p *planner) planStreets(districts []area, divisions []division) ([]streetPlan, error) {
	districtIndex := map[string]int{}
	for i, d := range districts {
		districtIndex[d.Code] = i
	}
	plans := make([]streetPlan, 0, len(divisions))
	districtRaw := make([]float64, len(districts))
	for _, dv := range divisions {
		di, ok := districtIndex[dv.Code[:6]]
		if !ok {
			return nil, fmt.Errorf("street %s %s: its district %s is not in the data", dv.Code, dv.Name, dv.Code[:6])
		}
		sp := streetPlan{division: dv, district: di, kind: kindOf(dv.Code)}
		switch sp.kind {
		case kindStreet:
			sp.areaWeight, sp.population = p.jitter(1), p.jitter(1)
		case kindTown:
			sp.areaWeight, sp.population = p.jitter(8), p.jitter(0.35)
		case kindZone:
			sp.areaWeight, sp.population = p.jitter(4), p.jitter(0.12)
		}
		districtRaw[di] += sp.population
		plans = append(plans, sp)
	}
	for i, d := range districts {
		if districtRaw[i] == 0 {
			return nil, fmt.Errorf("district %s %s has no streets", d.Code, d.Name)
		}
		if _, ok := districtPopulation[d.Code]; !ok {
			return nil, fmt.Errorf("district %s %s has no population share", d.Code, d.Name)
		}
	}
	weights := make([]float64, len(plans))
	mins := make([]int, len(plans))
	for i := range plans {
		sp := &plans[i]
		sp.population *= districtPopulation[districts[sp.district].Code] / districtRaw[sp.district]
		// Towns have few people but many villages; a compressed share keeps them from starving.
		weights[i] = math.Pow(sp.population, 0.7)
		mins[i] = 2
		if sp.kind == kindZone {
			mins[i] = 1
		}
	}
	counts, err := allocate(targetCommunities, weights, mins)
	if err != nil {
		return nil, fmt.Errorf("communities: %w", err)
	}
	communityNames, villageNames := p.shuffled(communityStems), p.shuffled(villageStems)
	var all []*communityPlan
	for i := range plans {
		sp := &plans[i]
		villages := 0
		if sp.kind == kindTown {
			villages = counts[i] * 2 / 3
		}
		var raw float64
		for j := 0; j < counts[i]; j++ {
			c := communityPlan{village: j >= counts[i]-villages}
			var number int
			if c.village {
				if len(villageNames) == 0 {
					return nil, fmt.Errorf("ran out of village names")
				}
				number = 200 + j - (counts[i] - villages)
				c.Name, villageNames = villageNames[0]+"村", villageNames[1:]
				c.areaWeight, c.population = p.jitter(1), p.jitter(0.4)
			} else {
				if len(communityNames) == 0 {
					return nil, fmt.Errorf("ran out of community names")
				}
				number = 1 + j
				c.Name, communityNames = communityNames[0]+"社区", communityNames[1:]
				c.areaWeight, c.population = p.jitter(1), p.jitter(1)
				if sp.kind == kindTown {
					c.areaWeight = p.jitter(0.3) // the town seat: small and dense
				}
			}
			c.Code = fmt.Sprintf("%s%03d", sp.Code, number)
			raw += c.population
			sp.communities = append(sp.communities, c)
		}
		for j := range sp.communities {
			sp.communities[j].population *= sp.population / raw
			all = append(all, &sp.communities[j])
		}
	}
	weights = weights[:0]
	mins = mins[:0]
	for _, c := range all {
		weights = append(weights, c.population)
		mins = append(mins, 1)
	}
	grids, err := allocate(totalGrids, weights, mins)
	if err != nil {
		return nil, fmt.Errorf("grids: %w", err)
	}
	for i, c := range all {
		for range grids[i] {
			c.gridAreaWeights = append(c.gridAreaWeights, p.jitter(1))
		}
	}
	return plans, nil
}

// allocate shares n out in proportion to weights, each getting at least its minimum, by largest
// remainder so that the counts add up to exactly n.
func allocate(n int, weights []float64, mins []int) ([]int, error) {
	out := slices.Clone(mins)
	rest := n
	for _, m := range mins {
		rest -= m
	}
	if rest < 0 {
		return nil, fmt.Errorf("%d is fewer than the minimums add up to", n)
	}
	total := sum(weights)
	type remainder struct {
		i    int
		frac float64
	}
	var rems []remainder
	given := 0
	for i, w := range weights {
		q := float64(rest) * w / total
		whole := int(math.Floor(q))
		out[i] += whole
		given += whole
		rems = append(rems, remainder{i, q - float64(whole)})
	}
	slices.SortStableFunc(rems, func(a, b remainder) int {
		switch {
		case a.frac > b.frac:
			return -1
		case a.frac < b.frac:
			return 1
		}
		return 0
	})
	for k := 0; k < rest-given; k++ {
		out[rems[k].i]++
	}
	return out, nil
}
