package democity

import (
	"context"
	"fmt"
	"strings"

	"github.com/cityline/cityline/internal/access"
	"github.com/cityline/cityline/internal/audit"
	"github.com/cityline/cityline/internal/category"
	"github.com/cityline/cityline/internal/store"
)

// SeedOptions carries the password hashes the seeded users get. The caller hashes (with argon2id, in
// internal/auth) so that this package never sees a plain password.
type SeedOptions struct {
	AdminPasswordHash string // for "admin"
	DemoPasswordHash  string // for every other person
}

// Login describes one seeded account for the demo's welcome text.
type Login struct {
	Username    string
	DisplayName string
	Roles       []access.Role
	Scope       string // where the account acts, in words: a unit and/or a place with its code
	Password    Password
}

// Logins lists the seeded accounts in the order they were created.
type Logins []Login

// Seed writes city into an empty store: places, the hotline catalogue, the standard address list,
// units, users, the demo category catalogue and knowledge base, all recorded in the audit log as done by the system. It refuses a store that
// already holds places, so that a demo never mixes with real data.
func Seed(ctx context.Context, st *store.Store, city City, opts SeedOptions) (Logins, error) {
	for _, h := range []struct{ field, hash string }{{"admin_password_hash", opts.AdminPasswordHash}, {"demo_password_hash", opts.DemoPasswordHash}} {
		if !strings.HasPrefix(h.hash, "$argon2id$") {
			return nil, fmt.Errorf("%s: want an argon2id hash, never a plain password", h.field)
		}
	}
	counts, err := st.CountPlaces(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range counts {
		if n > 0 {
			return nil, fmt.Errorf("seed the demo city: %w: the database is not empty", store.ErrConflict)
		}
	}
	if err := st.InsertPlaces(ctx, audit.System, city.Places, "demo city"); err != nil {
		return nil, fmt.Errorf("seed places: %w", err)
	}
	if err := st.ReplaceHotlineLines(ctx, audit.System, city.Lines); err != nil {
		return nil, fmt.Errorf("seed hotline lines: %w", err)
	}
	if err := st.ReplaceGazetteer(ctx, audit.System, city.Gazetteer, "demo city"); err != nil {
		return nil, fmt.Errorf("seed the gazetteer: %w", err)
	}
	unitIDs := map[string]string{}
	unitNames := map[string]string{}
	for _, u := range city.Units {
		u.ParentID = unitIDs[u.ParentCode]
		created, err := st.CreateUnit(ctx, audit.System, u.Unit)
		if err != nil {
			return nil, fmt.Errorf("seed unit %s: %w", u.Code, err)
		}
		unitIDs[u.Code], unitNames[u.Code] = created.ID, created.Name
	}
	placeNames := map[string]string{}
	for _, p := range city.Places {
		placeNames[p.Code] = p.Name
	}
	hashes := map[Password]string{PasswordAdmin: opts.AdminPasswordHash, PasswordDemo: opts.DemoPasswordHash}
	logins := make(Logins, 0, len(city.Users))
	for _, u := range city.Users {
		if u.UnitCode != "" {
			id, ok := unitIDs[u.UnitCode]
			if !ok {
				return nil, fmt.Errorf("seed user %s: unit %s is not in the demo city", u.Username, u.UnitCode)
			}
			u.UnitID = id
		}
		if _, err := st.CreateUser(ctx, audit.System, u.User, hashes[u.Password]); err != nil {
			return nil, fmt.Errorf("seed user %s: %w", u.Username, err)
		}
		scope := placeNames[u.PlaceCode] + " " + u.PlaceCode
		if u.UnitCode != "" {
			scope = unitNames[u.UnitCode] + " · " + scope
		}
		logins = append(logins, Login{Username: u.Username, DisplayName: u.DisplayName, Roles: u.Roles, Scope: scope, Password: u.Password})
	}
	categories, err := category.Demo()
	if err != nil {
		return nil, err
	}
	if err := st.ImportCategories(ctx, audit.System, categories); err != nil {
		return nil, fmt.Errorf("seed categories: %w", err)
	}
	if err := SeedDispatchRules(ctx, st); err != nil {
		return nil, err
	}
	if err := seedKnowledge(ctx, st, unitIDs); err != nil {
		return nil, err
	}
	return logins, nil
}
