package measure

import (
	"cmp"
	"math"
	"slices"
)

// The composite a monthly ranking sorts units by: the three rates (三率) weighted, response least
// because signing for is the easiest of the three to do well. The weights are this project's choice,
// written down in docs/measures.md; they are not a national rule.
const (
	WeightResponse     = 0.2
	WeightResolution   = 0.4
	WeightSatisfaction = 0.4
)

// A unit is ranked only with enough work in the month for its rates to mean something; the others
// are listed as unranked, with their measures.
const (
	MinDispatched = 10
	MinVisited    = 5
)

// Caution is the warning the rules attach to rankings, shown with every one.
const Caution = "排名仅供参考：三率反映的是群众评价，不能替代对办理质量的实际检查；切忌唯排名论、为分数而拒办难事。 " +
	"Rankings are a prompt, not a verdict: the rules warn against chasing rank at the expense of hard cases."

// Standing is one unit's place in a ranking.
type Standing struct {
	Unit     string   `json:"unit_id"`
	Score    *float64 `json:"score"` // nil for an unranked unit
	Rank     int      `json:"rank"`  // 1 is best; 0 for an unranked unit
	Measures Measures `json:"measures"`
}

// Score is the composite of a unit's measures, to four decimals, or nil when it has too little work
// to be ranked.
func Score(m Measures) *float64 {
	if m.Dispatched < MinDispatched || m.Visited < MinVisited || m.ResponseRate == nil || m.ResolutionRate == nil || m.SatisfactionRate == nil {
		return nil
	}
	s := WeightResponse**m.ResponseRate + WeightResolution**m.ResolutionRate + WeightSatisfaction**m.SatisfactionRate
	s = math.Round(s*1e4) / 1e4 // to 0.01%: equal work scores equal, whatever the order of the additions
	return &s
}

// Ranking is a tier's units in order: ranked ones best first (ties broken by satisfaction, then by
// volume dispatched, then by id so that the order is stable), then the unranked by id.
type Ranking struct {
	Ranked   []Standing `json:"ranked"`
	Unranked []Standing `json:"unranked"`
}

// Rank orders units by their composite score. Units missing from measures did no work in the month
// and are unranked with zero measures.
func Rank(units []string, measures map[string]Measures) Ranking {
	r := Ranking{Ranked: []Standing{}, Unranked: []Standing{}}
	for _, u := range units {
		m := measures[u]
		st := Standing{Unit: u, Score: Score(m), Measures: m}
		if st.Score == nil {
			r.Unranked = append(r.Unranked, st)
		} else {
			r.Ranked = append(r.Ranked, st)
		}
	}
	slices.SortFunc(r.Ranked, func(a, b Standing) int {
		return cmp.Or(cmp.Compare(*b.Score, *a.Score), cmp.Compare(*b.Measures.SatisfactionRate, *a.Measures.SatisfactionRate),
			cmp.Compare(b.Measures.Dispatched, a.Measures.Dispatched), cmp.Compare(a.Unit, b.Unit))
	})
	for i := range r.Ranked {
		r.Ranked[i].Rank = i + 1
	}
	slices.SortFunc(r.Unranked, func(a, b Standing) int { return cmp.Compare(a.Unit, b.Unit) })
	return r
}

// Best is the first n ranked units, best first.
func (r Ranking) Best(n int) []Standing { return slices.Clone(r.Ranked[:min(n, len(r.Ranked))]) }

// Worst is the last n ranked units, worst first.
func (r Ranking) Worst(n int) []Standing {
	out := slices.Clone(r.Ranked[max(0, len(r.Ranked)-n):])
	slices.Reverse(out)
	return out
}
