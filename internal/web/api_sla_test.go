package web_test

import (
	"encoding/json"
	"testing"

	"github.com/cityline/cityline/internal/sla"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

// setBody is the default policy set edited by edit, as a PUT body based on version.
func setBody(t *testing.T, version int, edit func(s *sla.Set)) string {
	t.Helper()
	s := sla.Defaults()
	s.Version = version
	if edit != nil {
		edit(&s)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSLAAPIScenarios walks the time-limit API in order: the steps build on each other (the policies
// are edited, a calendar year imported, an order dispatched under the new policies).
func TestSLAAPIScenarios(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		f.demoCatalogue(t)
		admin, district, agent := f.login(t, "admin"), f.login(t, "admin-hbw"), f.login(t, "agent")
		shorter := setBody(t, 1, func(s *sla.Set) {
			s.Policies[3].Reply = sla.Limit{Value: 12, Unit: sla.WorkingDays}
			s.Policies[3].Close = s.Policies[3].Reply
			s.WarnPercent = 75
		})
		steps := []apiStep{
			{"policies anonymous", "GET", "/api/v1/sla/policies", "", "", 401, nil, nil},
			{"defaults on a new database", "GET", "/api/v1/sla/policies", agent, "", 200,
				[]string{`"version":1`, `"warn_percent":80`, `"id":"complaint"`, `"close":{"value":15,"unit":"working_days"}`,
					`"id":"outage-110101","name":"停水","category":"110101"`, `"sign_for":{"value":2,"unit":"working_hours"}`}, nil},
			{"agents may not edit", "PUT", "/api/v1/sla/policies", agent, shorter, 403, nil, nil},
			{"district admins may not edit", "PUT", "/api/v1/sla/policies", district, shorter, 403, nil, nil},
			{"zero limit", "PUT", "/api/v1/sla/policies", admin, setBody(t, 1, func(s *sla.Set) { s.Policies[0].Close.Value = 0 }), 400,
				[]string{`"field":"policies[0].close.value"`}, nil},
			{"negative limit", "PUT", "/api/v1/sla/policies", admin, setBody(t, 1, func(s *sla.Set) { s.Policies[1].SignFor.Value = -2 }), 400,
				[]string{`"field":"policies[1].sign_for.value"`}, nil},
			{"type left uncovered", "PUT", "/api/v1/sla/policies", admin, setBody(t, 1, func(s *sla.Set) { s.Policies = s.Policies[1:] }), 400,
				[]string{`"field":"policies"`, "enquiry is not covered"}, nil},
			{"unknown category", "PUT", "/api/v1/sla/policies", admin, setBody(t, 1, func(s *sla.Set) { s.Policies[8].Category = "9901" }), 400,
				[]string{`"field":"policies[8].category"`, "9901"}, nil},
			{"unknown field", "PUT", "/api/v1/sla/policies", admin, `{"version":1,"warn_percent":80,"policies":[],"colour":"red"}`, 400,
				[]string{`"field":"colour"`}, nil},
			{"edit", "PUT", "/api/v1/sla/policies", admin, shorter, 200, []string{`"version":2`, `"warn_percent":75`, `"updated_by":"admin"`}, nil},
			{"a stale edit", "PUT", "/api/v1/sla/policies", admin, shorter, 409, []string{"version"}, nil},
			{"in force", "GET", "/api/v1/sla/policies", agent, "", 200, []string{`"version":2`, `"close":{"value":12,"unit":"working_days"}`}, nil},
			{"an earlier version", "GET", "/api/v1/sla/policies?version=1", agent, "", 200, []string{`"version":1`, `"warn_percent":80`}, nil},
			{"no such version", "GET", "/api/v1/sla/policies?version=7", agent, "", 404, nil, nil},
			{"bad version", "GET", "/api/v1/sla/policies?version=first", agent, "", 400, []string{`"field":"version"`}, nil},

			{"calendar: nothing added yet", "GET", "/api/v1/sla/calendar", agent, "", 200, []string{`"items":[]`}, nil},
			{"calendar: agents may not import", "POST", "/api/v1/sla/calendar", agent, "year 2027\noff 2027-01-01 元旦\n", 403, nil, nil},
			{"calendar: not the format", "POST", "/api/v1/sla/calendar", admin, "year 2027\nholiday 2027-01-01\n", 400,
				[]string{`"field":"calendar"`, "line 2"}, nil},
			{"calendar: contradictory", "POST", "/api/v1/sla/calendar", admin, "year 2027\noff 2027-01-01 元旦\nwork 2027-01-01 元旦\n", 400,
				[]string{`"field":"calendar"`, "2027-01-01"}, nil},
			{"calendar: a gap", "POST", "/api/v1/sla/calendar", admin, "year 2028\noff 2028-01-01 元旦\n", 400,
				[]string{`"field":"calendar"`, "year 2027"}, nil},
			{"calendar: a date that does not exist", "POST", "/api/v1/sla/calendar", admin, "year 2027\noff 2027-02-30 春节\n", 400,
				[]string{`"field":"calendar"`}, nil},
			{"calendar: import 2027", "POST", "/api/v1/sla/calendar", admin, "year 2027 https://example.org\noff 2027-01-01 元旦\nwork 2027-02-20 春节\n", 200,
				[]string{`"year":2027`, `"sources":["https://example.org"]`, `off 2027-01-01 元旦`}, nil},
			{"calendar: listed", "GET", "/api/v1/sla/calendar", agent, "", 200, []string{`"year":2027`}, nil},
		}
		for _, tc := range steps {
			f.check(t, tc)
		}
	})
}
