package democity

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/org"
	"github.com/cityline/cityline/internal/routing"
	"github.com/cityline/cityline/internal/store"
	"github.com/cityline/cityline/internal/store/storetest"
)

// Stand-ins for argon2id hashes: Seed stores them as given and never computes one.
var testOptions = SeedOptions{
	AdminPasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$YWRtaW5zYWx0$YWRtaW5oYXNo",
	DemoPasswordHash:  "$argon2id$v=19$m=65536,t=3,p=2$ZGVtb3NhbHQ$ZGVtb2hhc2g",
}

func TestSeed(t *testing.T) {
	c := demoCity(t)
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		logins, err := Seed(ctx, st, c, testOptions)
		if err != nil {
			t.Fatalf("Seed: %v", err)
		}

		counts, err := st.CountPlaces(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[org.Level]int{}
		for _, p := range c.Places {
			want[p.Level]++
		}
		for _, l := range org.Levels {
			if counts[l] != want[l] {
				t.Errorf("%d %s places stored, want %d", counts[l], l, want[l])
			}
		}
		units, err := st.Units(ctx, store.UnitFilter{})
		if err != nil || len(units) != len(c.Units) {
			t.Errorf("%d units stored (%v), want %d", len(units), err, len(c.Units))
		}
		users, err := st.Users(ctx, store.UserFilter{})
		if err != nil || len(users) != len(c.Users) {
			t.Errorf("%d users stored (%v), want %d", len(users), err, len(c.Users))
		}
		lines, err := st.HotlineLines(ctx)
		if err != nil || len(lines) != 41 {
			t.Errorf("%d hotline lines stored (%v), want 41", len(lines), err)
		}
		demoCategories, err := category.Demo()
		if err != nil {
			t.Fatal(err)
		}
		if cats, err := st.Categories(ctx, store.CategoryFilter{ActiveOnly: true}); err != nil || len(cats) != len(demoCategories) {
			t.Errorf("%d usable categories stored (%v), want the %d of the demo catalogue", len(cats), err, len(demoCategories))
		}
		if len(logins) != len(c.Users) {
			t.Errorf("%d logins, want one per user (%d)", len(logins), len(c.Users))
		}

		// A grid comes back with its outline and centre.
		grid := c.Places[len(c.Places)-1]
		stored, err := st.Place(ctx, grid.Code)
		if err != nil || string(stored.Boundary) != string(grid.Boundary) || stored.CenterLng != grid.CenterLng || stored.ParentCode != grid.ParentCode {
			t.Errorf("grid %s stored as %+v (%v)", grid.Code, stored.Code, err)
		}

		// Passwords: admin's own, the demo one for people, none for the machine client.
		for username, wantHash := range map[string]string{"admin": testOptions.AdminPasswordHash,
			"agent1": testOptions.DemoPasswordHash, "grid-police": testOptions.DemoPasswordHash, "open311-client": ""} {
			u, hash, err := st.PasswordHash(ctx, username)
			if err != nil {
				t.Errorf("user %s: %v", username, err)
				continue
			}
			if hash != wantHash {
				t.Errorf("user %s has hash %q, want %q", username, hash, wantHash)
			}
			if u.Machine != (username == "open311-client") {
				t.Errorf("user %s: machine = %v", username, u.Machine)
			}
		}

		// Users point at the units the city names.
		housing, err := st.UnitByCode(ctx, cityDepartmentCode("housing"))
		if err != nil {
			t.Fatal(err)
		}
		handler, err := st.UserByUsername(ctx, "handler-housing")
		if err != nil || handler.UnitID != housing.ID || !handler.Has(access.RoleHandler) {
			t.Errorf("handler-housing = unit %q roles %v (%v); want unit %s and role handler", handler.UnitID, handler.Roles, err, housing.ID)
		}
		worker, err := st.UserByUsername(ctx, "grid-leader")
		if err != nil || worker.GridRole != access.GridLeader || len(worker.PlaceCode) != 15 {
			t.Errorf("grid-leader = grid role %q place %q (%v)", worker.GridRole, worker.PlaceCode, err)
		}

		scopes := map[string]string{}
		for _, l := range logins {
			scopes[l.Username] = l.Scope
		}
		if scopes["admin"] != "乌海市 150300" || !strings.HasPrefix(scopes["handler-housing"], housing.Name+" · ") {
			t.Errorf("scopes: admin %q, handler-housing %q", scopes["admin"], scopes["handler-housing"])
		}

		n, brk, err := st.VerifyAudit(ctx)
		if err != nil || brk != nil {
			t.Fatalf("audit chain: %v %v", brk, err)
		}
		kbChanges, err := st.KnowledgeChanges(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if wantEntries := int64(5+len(c.Units)+len(c.Users)) + kbChanges; n != wantEntries {
			t.Errorf("%d audit entries, want %d (places, lines, gazetteer, categories, dispatch rules, each unit and user, each change of the knowledge base)", n, wantEntries)
		}
		rules, err := st.DispatchRules(ctx)
		if err != nil || len(rules) < 100 {
			t.Fatalf("%d dispatch rules (%v), want one or more for every matter of the demo", len(rules), err)
		}
		territorial := slices.IndexFunc(rules, func(r routing.Rule) bool { return r.Territory == routing.TerritoryStreet })
		district := slices.IndexFunc(rules, func(r routing.Rule) bool { return r.RegionPrefix == "150302" && r.LeadUnitID != "" })
		if territorial < 0 || district < 0 {
			t.Errorf("the demo rules lack a territorial rule (%d) or a district's rule (%d)", territorial, district)
		}

		_, err = Seed(ctx, st, c, testOptions)
		if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "the database is not empty") {
			t.Fatalf("second Seed: err = %v, want ErrConflict saying the database is not empty", err)
		}
	})
}

func TestSeedRefusesPlainPasswords(t *testing.T) {
	st := storetest.SQLite(t)
	ctx := context.Background()
	opts := testOptions
	opts.DemoPasswordHash = "demo1234"
	if _, err := Seed(ctx, st, demoCity(t), opts); err == nil || !strings.HasPrefix(err.Error(), "demo_password_hash:") {
		t.Fatalf("err = %v, want a demo_password_hash error", err)
	}
	if counts, err := st.CountPlaces(ctx); err != nil || len(counts) != 0 {
		t.Fatalf("a refused Seed stored places: %v %v", counts, err)
	}
}

// BenchmarkSeed times seeding the whole demo city into a fresh, migrated SQLite store.
func BenchmarkSeed(b *testing.B) {
	c := demoCity(b)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := storetest.SQLite(b)
		b.StartTimer()
		if _, err := Seed(ctx, st, c, testOptions); err != nil {
			b.Fatal(err)
		}
	}
}
