package measure

import "time"

// Measures are the numbers shown for one set of orders and one period, computed from its counters.
// A rate is nil when its denominator is zero: "no return visits" is not "0% satisfied". Rates are
// fractions (0.9783 is 97.83%). docs/measures.md defines each; the comments here say only how.
type Measures struct {
	// Volume is Taken: orders taken in. Units take nothing in (the centre does), so for a unit the
	// volume that matters is Dispatched.
	Volume     int64 `json:"volume"`
	Dispatched int64 `json:"dispatched"`
	Answered   int64 `json:"answered"`
	// FirstLineRate = Answered / Taken.
	FirstLineRate *float64 `json:"first_line_rate"`
	Signed        int64    `json:"signed"`
	SignedOnTime  int64    `json:"signed_on_time"`
	// ResponseRate (响应率) = SignedOnTime / Dispatched.
	ResponseRate *float64 `json:"response_rate"`
	Visited      int64    `json:"visited"`
	Resolved     int64    `json:"resolved"`
	// ResolutionRate (解决率) = Resolved / Visited.
	ResolutionRate *float64 `json:"resolution_rate"`
	Satisfied      int64    `json:"satisfied"`
	Basically      int64    `json:"basically_satisfied"`
	Unsatisfied    int64    `json:"unsatisfied"`
	// SatisfactionRate (满意率) = (Satisfied + Basically) / Visited.
	SatisfactionRate   *float64 `json:"satisfaction_rate"`
	Closed             int64    `json:"closed"`
	ClosedWithDeadline int64    `json:"closed_with_deadline"`
	ClosedOnTime       int64    `json:"closed_on_time"`
	// OnTimeClosureRate (按时办结率) = ClosedOnTime / ClosedWithDeadline.
	OnTimeClosureRate *float64 `json:"on_time_closure_rate"`
	Returned          int64    `json:"returned"`
	// SendBackRate (退单率) = Returned / Dispatched.
	SendBackRate *float64 `json:"send_back_rate"`
	Rehandled    int64    `json:"rehandled"`
	// RehandleRate (重办率) = Rehandled / Visited.
	RehandleRate *float64 `json:"rehandle_rate"`
	// HandlingMeanHours and HandlingP90Hours are wall-clock hours from first dispatch to closure
	// over Closed; nil when nothing closed.
	HandlingMeanHours *float64 `json:"handling_mean_hours"`
	HandlingP90Hours  *float64 `json:"handling_p90_hours"`
	// Overdue = OverdueClosedLate + OverdueOpen: orders whose closure deadline fell in the period
	// and was missed.
	Overdue           int64 `json:"overdue"`
	OverdueClosedLate int64 `json:"overdue_closed_late"`
	OverdueOpen       int64 `json:"overdue_open"`
}

// Compute turns counters into measures; openOverdue is the number of orders still open past a
// closure deadline that fell in the period (the store counts them live, see docs/measures.md).
func Compute(c Counts, openOverdue int64) Measures {
	m := Measures{Volume: c[Taken], Dispatched: c[Dispatched], Answered: c[Answered], Signed: c[Signed],
		SignedOnTime: c[SignedOnTime], Visited: c[Visited], Resolved: c[Resolved], Satisfied: c[Satisfied],
		Basically: c[Basically], Unsatisfied: c[Unsatisfied], Closed: c[Closed], ClosedWithDeadline: c[ClosedWithDeadline],
		ClosedOnTime: c[ClosedOnTime], Returned: c[Returned], Rehandled: c[Rehandled],
		OverdueClosedLate: c[Overdue], OverdueOpen: openOverdue, Overdue: c[Overdue] + openOverdue}
	m.FirstLineRate = ratio(c[Answered], c[Taken])
	m.ResponseRate = ratio(c[SignedOnTime], c[Dispatched])
	m.ResolutionRate = ratio(c[Resolved], c[Visited])
	m.SatisfactionRate = ratio(c[Satisfied]+c[Basically], c[Visited])
	m.OnTimeClosureRate = ratio(c[ClosedOnTime], c[ClosedWithDeadline])
	m.SendBackRate = ratio(c[Returned], c[Dispatched])
	m.RehandleRate = ratio(c[Rehandled], c[Visited])
	var timed int64
	for i := range HandleBuckets {
		timed += c[Bucket(i)]
	}
	if timed > 0 {
		mean := float64(c[HandleMillis]) / float64(timed) / float64(time.Hour/time.Millisecond)
		m.HandlingMeanHours = &mean
		p90 := quantile(c, timed, 0.9).Hours()
		m.HandlingP90Hours = &p90
	}
	return m
}

func ratio(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	r := float64(num) / float64(den)
	return &r
}

// quantile reads the q-quantile of the handling times from the histogram: it finds the bucket that
// holds it and interpolates linearly between the bucket's bounds. In the last, open bucket it
// answers that bucket's lower bound: "more than 30 days".
func quantile(c Counts, total int64, q float64) time.Duration {
	rank := q * float64(total)
	var seen int64
	for i := range HandleBuckets {
		n := c[Bucket(i)]
		if n == 0 || float64(seen+n) < rank {
			seen += n
			continue
		}
		var lo time.Duration
		if i > 0 {
			lo = HandleBounds[i-1]
		}
		if i == len(HandleBounds) {
			return lo
		}
		share := (rank - float64(seen)) / float64(n)
		return lo + time.Duration(share*float64(HandleBounds[i]-lo))
	}
	return HandleBounds[len(HandleBounds)-1]
}
